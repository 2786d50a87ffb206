"""A clock that simulators read instead of the wall clock, so tests can move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import time


class SimClock:
    """Wall time plus an offset, optionally sped up, optionally frozen."""

    def __init__(self, *, start: datetime | None = None, speed: float = 1.0) -> None:
        """Start at ``start`` (default: now) running at ``speed`` times real time."""
        self._origin_real = time.time()
        self._origin_sim = (start or datetime.now(UTC)).timestamp()
        self._speed = speed
        self._frozen: float | None = None

    def timestamp(self) -> float:
        """Return the simulated time as a POSIX timestamp."""
        if self._frozen is not None:
            return self._frozen
        return self._origin_sim + (time.time() - self._origin_real) * self._speed

    def now(self) -> datetime:
        """Return the simulated time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def advance(self, seconds: float) -> None:
        """Jump forward (or back, with a negative number)."""
        if self._frozen is not None:
            self._frozen += seconds
        else:
            self._origin_sim += seconds

    def set(self, when: datetime) -> None:
        """Jump to a point in time."""
        self.advance(when.timestamp() - self.timestamp())

    def freeze(self) -> None:
        """Stop the clock where it is (it moves only by ``advance``/``set``)."""
        self._frozen = self.timestamp()

    def unfreeze(self) -> None:
        """Let the clock run again from where it stands."""
        if self._frozen is not None:
            self._origin_sim = self._frozen
            self._origin_real = time.time()
            self._frozen = None

    @property
    def frozen(self) -> bool:
        """Return whether the clock is frozen."""
        return self._frozen is not None

    def as_dict(self) -> dict[str, object]:
        """Return the clock's state for the control API."""
        return {
            "now": self.now().isoformat(),
            "frozen": self.frozen,
            "speed": self._speed,
            "offset": str(timedelta(seconds=round(self.timestamp() - time.time()))),
        }
