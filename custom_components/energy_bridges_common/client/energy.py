"""Energy totals that never feed a glitch into long-term statistics (no Home Assistant)."""

from __future__ import annotations

import math


class MonotonicTotal:
    """Turn a device's energy counter into a value that only goes back on a real reset.

    Devices glitch: a reading of zero right after a reboot, a counter that goes back a little
    for one poll, a missing value. Home Assistant's statistics take any decrease of a
    ``total_increasing`` sensor as a meter reset and count the next rise again, so a glitch
    would double-count energy. This keeps the last good value through a drop, and accepts a
    lower value only when ``confirm_readings`` consecutive readings agree on it (a meter that
    was really reset keeps counting up from its new low).

    With ``wrap_at`` (a counter that wraps around, like old Envoys' 1.19 MWh register), a drop
    from near the top to near zero is taken as a wrap and the total keeps rising.
    """

    def __init__(
        self,
        *,
        confirm_readings: int = 3,
        wrap_at: float | None = None,
        jitter: float = 0.0,
    ) -> None:
        """Set how many readings confirm a reset, the wrap point, and ignorable jitter."""
        if confirm_readings < 1:
            raise ValueError("confirm_readings must be at least 1")
        self.confirm_readings = confirm_readings
        self.wrap_at = wrap_at
        self.jitter = jitter
        self.value: float | None = None
        self.offset = 0.0
        self._pending: list[float] = []

    def restore(self, value: float | None, offset: float = 0.0) -> None:
        """Start from a value reported before a restart."""
        if value is not None and math.isfinite(value) and value >= 0:
            self.value = value
            self.offset = offset if math.isfinite(offset) and offset >= 0 else 0.0

    def update(self, reading: float | None) -> float | None:
        """Take a raw reading and return the value to report."""
        if reading is None or not math.isfinite(reading) or reading < 0:
            return self.value
        total = reading + self.offset
        last = self.value
        if last is None or total >= last:
            self._pending.clear()
            self.value = total
            return total
        if last - total <= self.jitter:
            return last
        if self._is_wrap(reading):
            assert self.wrap_at is not None
            self.offset += self.wrap_at
            self._pending.clear()
            self.value = reading + self.offset
            return self.value
        # A drop: hold the last value until enough readings agree on the new level.
        if self._pending and total < self._pending[-1]:
            self._pending.clear()
        self._pending.append(total)
        if len(self._pending) >= self.confirm_readings and self._pending[-1] > 0:
            self._pending.clear()
            self.value = total
            return total
        return last

    def _is_wrap(self, reading: float) -> bool:
        if self.wrap_at is None or self.value is None:
            return False
        previous_raw = self.value - self.offset
        return previous_raw >= 0.9 * self.wrap_at and reading <= 0.1 * self.wrap_at
