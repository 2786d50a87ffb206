"""Errors of the Tesla Fleet energy client, on top of the shared hierarchy."""

from __future__ import annotations

from ...energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    BudgetExhaustedError,
    InvalidResponseError,
    PermissionDeniedError,
    RateLimitedError,
    RequestError,
    RequestTimeoutError,
    UnreachableError,
)

__all__ = [
    "AppNotRegisteredError",
    "AuthenticationError",
    "BridgeApiError",
    "BudgetExhaustedError",
    "CommandRejectedError",
    "InvalidResponseError",
    "MissingScopeError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RequestError",
    "RequestTimeoutError",
    "UnreachableError",
    "UntrustedServerError",
    "WrongRegionError",
]


class WrongRegionError(RequestError):
    """The account lives in another region than the server asked (HTTP 421)."""

    def __init__(self, message: str) -> None:
        """Keep the status."""
        super().__init__(message, 421)

    @property
    def transient(self) -> bool:
        """Return False: the same request to the same server can never succeed."""
        return False


class AppNotRegisteredError(RequestError):
    """The user's Fleet API application is not registered in the account's region (HTTP 412).

    Tesla answers 412 to every data call until the application's partner account has been
    registered in that region (``POST /api/1/partner_accounts`` on the regional server, a step
    of Tesla's Fleet API setup). Nothing the integration retries can fix it: the user must.
    """

    def __init__(self, message: str, region: str | None = None) -> None:
        """Keep the status and the region (``na``, ``eu``, ``cn``) that refused us."""
        super().__init__(message, 412)
        self.region = region

    @property
    def transient(self) -> bool:
        """Return False: it stays refused until the user registers the application."""
        return False


class MissingScopeError(PermissionDeniedError):
    """The token was granted without a scope this request needs (HTTP 403)."""

    def __init__(self, message: str, scope: str | None = None) -> None:
        """Keep the scope that is missing, when known."""
        super().__init__(message)
        self.scope = scope


class CommandRejectedError(BridgeApiError):
    """The site answered a command with a failure (the setting did not change)."""


class UntrustedServerError(BridgeApiError):
    """The region lookup named a server that is not a Tesla Fleet API server."""
