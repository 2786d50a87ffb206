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
