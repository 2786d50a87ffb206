"""One error hierarchy for every vendor client."""

from __future__ import annotations

from .limits import bounded_wait


class BridgeApiError(Exception):
    """Base class of every error a vendor client raises."""


class AuthenticationError(BridgeApiError):
    """The device or cloud rejected the credentials (bad key, expired token)."""


class PermissionDeniedError(AuthenticationError):
    """The credentials are valid but lack a permission (a missing OAuth scope)."""


class RateLimitedError(BridgeApiError):
    """The server (or our own call budget) refuses calls for now."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        """Keep how long the server asked us to wait, in seconds, when it said so.

        The wait is bounded here, whoever raises the error: at most a day, and a wait that
        is not a finite number counts as not said (see ``limits.bounded_wait``).
        """
        super().__init__(message)
        self.retry_after = bounded_wait(retry_after)


class BudgetExhaustedError(RateLimitedError):
    """Our own call budget has no calls left for this kind of request."""


class UnreachableError(BridgeApiError):
    """The host could not be reached: connection refused or reset, DNS failure."""


class RequestTimeoutError(UnreachableError):
    """The host did not answer in time."""


class AddressRefusedError(BridgeApiError):
    """A LAN client's request would go (or went) to an address the LAN guard refuses."""


class InvalidResponseError(BridgeApiError):
    """The reply could not be understood (malformed JSON, missing keys, wrong types)."""


class RequestError(BridgeApiError):
    """The server answered with an error status that is none of the above."""

    def __init__(self, message: str, status: int) -> None:
        """Keep the HTTP status."""
        super().__init__(message)
        self.status = status

    @property
    def transient(self) -> bool:
        """Return whether the same request may succeed later (server-side trouble)."""
        return self.status >= 500 or self.status == 408
