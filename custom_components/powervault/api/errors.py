"""Errors of the Powervault client, on the shared hierarchy."""

from __future__ import annotations

from ...energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    InvalidResponseError,
)


class PowervaultError(BridgeApiError):
    """Base class of the Powervault-specific errors."""


class InvalidApiKeyError(AuthenticationError):
    """The cloud rejected the API key (401/403): it is wrong, expired or not activated."""

    def __init__(self, message: str = "The Powervault cloud rejected the API key") -> None:
        """Say plainly that the key is the problem (the old library said nothing)."""
        super().__init__(message)


class UnknownUnitError(PowervaultError):
    """The unit is not on this account (404 on a unit path)."""


class UnsupportedOperationError(PowervaultError):
    """The call does not exist on this side of the API."""


class CloudOnlyError(UnsupportedOperationError):
    """The call exists only on the cloud API (account, units, unit details)."""


class LocalOnlyError(UnsupportedOperationError):
    """The call exists only on the local API (health, unit id, platform)."""


class InvalidStateError(PowervaultError, ValueError):
    """A battery state that is not one of the seven valid ones."""


class WriteRejectedError(PowervaultError):
    """The unit answered a write without confirming it."""


__all__ = [
    "CloudOnlyError",
    "InvalidApiKeyError",
    "InvalidResponseError",
    "InvalidStateError",
    "LocalOnlyError",
    "PowervaultError",
    "UnknownUnitError",
    "UnsupportedOperationError",
    "WriteRejectedError",
]
