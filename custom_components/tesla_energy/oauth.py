"""The OAuth2 implementation for the user's own Fleet API application."""

from __future__ import annotations

from typing import Any

from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.core import HomeAssistant

from .api import SCOPES, fleet_urls


class TeslaEnergyImplementation(AuthImplementation):
    """Tesla's authorization-code flow with the energy scopes."""

    def __init__(self, hass: HomeAssistant, auth_domain: str, credential: ClientCredential) -> None:
        """Point at Tesla's servers (or the stand-in the environment names)."""
        urls = fleet_urls()
        super().__init__(
            hass, auth_domain, credential, AuthorizationServer(urls.authorize_url, urls.token_url)
        )

    @property
    def extra_authorize_data(self) -> dict[str, Any]:
        """Ask for the energy scopes; let the user grant ones missing from an earlier consent."""
        return {
            "scope": " ".join(SCOPES),
            "prompt_missing_scopes": "true",
        }
