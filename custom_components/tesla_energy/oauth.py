"""The OAuth2 implementation for the user's own Fleet API application."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.core import HomeAssistant

from .api import (
    SCOPES,
    InvalidResponseError,
    decode_access_token,
    fleet_urls,
    region_of_authorization_code,
)

# The token endpoint of the request in progress. One implementation serves every entry of
# a credential, and refreshes run concurrently: a context variable keeps each request's own.
_TOKEN_URL: ContextVar[str | None] = ContextVar("tesla_energy_token_url", default=None)


class TeslaEnergyImplementation(AuthImplementation):
    """Tesla's authorization-code flow with the energy scopes.

    Accounts in China get their tokens from Tesla's Chinese token endpoint: the region comes
    from the authorization code's prefix for the first token, and from the access token's
    ``ou_code`` claim for every refresh.
    """

    def __init__(self, hass: HomeAssistant, auth_domain: str, credential: ClientCredential) -> None:
        """Point at Tesla's servers (or the stand-in the environment names)."""
        self._urls = fleet_urls()
        super().__init__(
            hass,
            auth_domain,
            credential,
            AuthorizationServer(self._urls.authorize_url, self._urls.token_url),
        )

    @property
    def token_url(self) -> str:
        """Return the token endpoint of the account being served."""
        return _TOKEN_URL.get() or self._urls.token_url

    @token_url.setter
    def token_url(self, _value: str) -> None:
        """Ignore the base class's fixed token URL: it depends on the account's region."""

    @property
    def extra_authorize_data(self) -> dict[str, Any]:
        """Ask for the energy scopes; let the user grant ones missing from an earlier consent."""
        return {
            "scope": " ".join(SCOPES),
            "prompt_missing_scopes": "true",
        }

    async def async_resolve_external_data(self, external_data: Any) -> dict[str, Any]:
        """Exchange the code at the token endpoint of the code's region."""
        region = region_of_authorization_code(external_data.get("code"))
        reset = _TOKEN_URL.set(self._urls.token_url_for(region))
        try:
            return await super().async_resolve_external_data(external_data)
        finally:
            _TOKEN_URL.reset(reset)

    async def _async_refresh_token(self, token: dict[str, Any]) -> dict[str, Any]:
        """Refresh at the token endpoint of the account's region (its ``ou_code``)."""
        try:
            region = decode_access_token(str(token.get("access_token", ""))).region
        except InvalidResponseError:
            region = None
        reset = _TOKEN_URL.set(self._urls.token_url_for(region))
        try:
            return await super()._async_refresh_token(token)
        finally:
            _TOKEN_URL.reset(reset)
