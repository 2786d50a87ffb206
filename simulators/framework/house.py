"""The demo house's daily routine, one source for the simulators that live in it.

The demo's house is a Powervault (grid, solar, battery, home load) and two V2C chargers whose
cars charge in that home. Its past (the hours before the demo started, which the demo imports
as statistics) and its present (what the simulators serve live) must be the same house: the
chargers plug the cars in by the same window the Powervault's history counts in its home
load, and the demo's history computes the chargers' past minutes with the same window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

HOUSE_TIME_ZONE = ZoneInfo("Europe/London")
MINUTE = 60


def parse_clock(text: str) -> time:
    """Return ``HH:MM`` or ``HH:MM:SS`` as a time of day (24:00 is the day's last second)."""
    parts = [int(part) for part in text.strip().split(":")]
    while len(parts) < 3:
        parts.append(0)
    if parts[0] >= 24:
        return time(23, 59, 59)
    return time(parts[0], parts[1], parts[2])


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """Every day from ``start`` (included) to ``end`` (excluded), the house's local time."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> DailyWindow:
        """Return the window of ``HH:MM-HH:MM`` (e.g. ``18:00-21:30``)."""
        start, separator, end = text.partition("-")
        if not separator:
            raise ValueError(f"not a daily window HH:MM-HH:MM: {text!r}")
        return cls(parse_clock(start), parse_clock(end))

    def __contains__(self, ts: float) -> bool:
        """Return whether the moment is inside the window."""
        moment = datetime.fromtimestamp(ts, HOUSE_TIME_ZONE).time()
        return self.start <= moment < self.end

    def opened(self, ts: float) -> float | None:
        """Return when the window that holds ``ts`` opened (None: ``ts`` is outside it)."""
        if ts not in self:
            return None
        local = datetime.fromtimestamp(ts, HOUSE_TIME_ZONE)
        return datetime.combine(local.date(), self.start, HOUSE_TIME_ZONE).timestamp()

    def minutes(self, start: float, end: float, watts: float) -> list[tuple[float, float]]:
        """Return the one-minute buckets (start, Wh) of a ``watts`` load in the window."""
        buckets = []
        minute = start - start % MINUTE
        while minute < end:
            buckets.append((minute, watts * MINUTE / 3600 if minute in self else 0.0))
            minute += MINUTE
        return buckets
