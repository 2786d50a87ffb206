"""Errors of the Powervault client, on the shared hierarchy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    InvalidResponseError,
    RequestError,
)

if TYPE_CHECKING:
    from .models import StateOverride


class PowervaultError(BridgeApiError):
    """Base class of the Powervault-specific errors."""


class InvalidApiKeyError(AuthenticationError):
    """The cloud rejected the API key (401/403): it is wrong, expired or not activated."""

    def __init__(self, message: str = "The Powervault cloud rejected the API key") -> None:
        """Say plainly that the key is the problem (the old library said nothing)."""
        super().__init__(message)


class LocalAccessDeniedError(PowervaultError, RequestError):
    """The local unit answered 401/403 although its API takes no credentials.

    There is nothing the user could enter (the key is the cloud's, not the unit's), so it is
    a fault of the unit, like a 500: its data is kept through the usual grace, then goes
    unavailable, and it comes back on its own.
    """


class UnknownUnitError(PowervaultError):
    """The unit is not on this account (404 on a unit path)."""


class InvalidStateError(PowervaultError, ValueError):
    """A battery state that is not one of the seven valid ones."""


class WriteRejectedError(PowervaultError):
    """The unit answered a write without confirming it."""


class OverrideNotCancelledError(PowervaultError):
    """A cancel was accepted, but reading the overrides back still finds one.

    Neither public client cancels an override, so how each API takes a cancel is not
    confirmed on a real unit: the read-back is the only proof.
    """

    def __init__(self, overrides: Sequence[StateOverride], remaining: StateOverride) -> None:
        """Keep what the unit says now (for the entities) and the override still there."""
        super().__init__(
            f"the override ({remaining.state} until {remaining.end.isoformat()}) is still there"
        )
        self.overrides = tuple(overrides)
        self.remaining = remaining


__all__ = [
    "InvalidApiKeyError",
    "InvalidResponseError",
    "InvalidStateError",
    "LocalAccessDeniedError",
    "OverrideNotCancelledError",
    "PowervaultError",
    "UnknownUnitError",
    "WriteRejectedError",
]
