"""Application credentials: the user's own Tesla Fleet API client id and secret."""

from __future__ import annotations

from homeassistant.components.application_credentials import ClientCredential
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_entry_oauth2_flow

from .oauth import TeslaEnergyImplementation


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> config_entry_oauth2_flow.AbstractOAuth2Implementation:
    """Return the Tesla OAuth2 implementation for the credential."""
    return TeslaEnergyImplementation(hass, auth_domain, credential)


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Return where the user registers their Fleet API application."""
    return {
        "developer_url": "https://developer.tesla.com/dashboard",
        "redirect_url": "https://my.home-assistant.io/redirect/oauth",
    }
