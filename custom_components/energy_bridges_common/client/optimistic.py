"""Show a requested value until the device confirms it (no Home Assistant imports)."""

from __future__ import annotations

from collections.abc import Callable
import time


class OptimisticValue[T]:
    """Hold a requested value for a while so a control does not flap back.

    After a write, the device (or the cloud) may report the old value for a poll or two.
    ``resolve`` returns the requested value until the reported one matches it (numbers within
    ``tolerance``), or until ``hold`` seconds have passed; ``rollback`` drops it at once
    (when the write failed).
    """

    def __init__(
        self,
        hold: float,
        *,
        tolerance: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Set the hold time in seconds and the tolerance for numbers."""
        self.hold = hold
        self.tolerance = tolerance
        self._clock = clock
        self._value: T | None = None
        self._expires: float | None = None

    @property
    def active(self) -> bool:
        """Return whether a requested value is being held."""
        if self._expires is not None and self._clock() >= self._expires:
            self._value = None
            self._expires = None
        return self._expires is not None

    @property
    def remaining(self) -> float:
        """Return the seconds left on the hold (0 when none)."""
        if not self.active or self._expires is None:
            return 0.0
        return max(self._expires - self._clock(), 0.0)

    def request(self, value: T, hold: float | None = None) -> None:
        """Hold ``value`` from now on."""
        self._value = value
        self._expires = self._clock() + (self.hold if hold is None else hold)

    def rollback(self) -> None:
        """Drop the held value."""
        self._value = None
        self._expires = None

    def matches(self, reported: T | None) -> bool:
        """Return whether the reported value confirms the held one."""
        held = self._value
        if reported is None or held is None:
            return False
        if (
            isinstance(held, int | float)
            and isinstance(reported, int | float)
            and not isinstance(held, bool)
            and not isinstance(reported, bool)
        ):
            return abs(float(held) - float(reported)) <= self.tolerance
        return held == reported

    def resolve(self, reported: T | None) -> T | None:
        """Return what to show: the held value, or the reported one."""
        if not self.active:
            return reported
        if self.matches(reported):
            self.rollback()
            return reported
        return self._value
