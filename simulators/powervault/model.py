"""A simulated Powervault battery: sun, house, schedule, overrides and state of charge."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
import math
from typing import Any
from zoneinfo import ZoneInfo

from ..framework.house import DailyWindow

LONDON = ZoneInfo("Europe/London")
STEP = 30.0
"""Seconds between simulated samples (the local history's resolution)."""
BUCKET = 300
CAPACITY_WH = 8200.0
MAX_POWER = 3000.0
MIN_SOC = 5.0
STATES = (
    "normal",
    "only-charge",
    "only-discharge",
    "force-charge",
    "force-discharge",
    "disable",
    "dormant",
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def default_schedule() -> dict[str, list[dict[str, str]]]:
    """Cheap-night charging every day, normal otherwise."""
    day = [
        {"start": "00:00:00", "end": "00:29:59", "state": "normal"},
        {"start": "00:30:00", "end": "04:29:59", "state": "force-charge"},
        {"start": "04:30:00", "end": "23:59:59", "state": "normal"},
    ]
    return {name: [dict(slot) for slot in day] for name in WEEKDAYS}


@dataclass(slots=True)
class Sample:
    """One simulated moment (Home Assistant's signs: battery + discharging, grid + import)."""

    time: float
    soc: float
    battery: float
    grid: float
    solar: float
    home: float
    state: str


@dataclass(slots=True)
class Bucket:
    """The sums of one 5-minute bucket's samples."""

    start: float
    samples: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    last: Sample | None = None

    def add(self, sample: Sample) -> None:
        self.samples += 1
        self.last = sample
        for key, value in flows(sample).items():
            self.sums[key] = self.sums.get(key, 0.0) + value

    def averages(self) -> dict[str, float]:
        return {key: value / max(self.samples, 1) for key, value in self.sums.items()}


def flows(sample: Sample) -> dict[str, float]:
    """Split a sample's power into the cloud's flows (watts)."""
    solar, home = sample.solar, sample.home
    charge = max(-sample.battery, 0.0)
    discharge = max(sample.battery, 0.0)
    solar_home = min(solar, home)
    surplus = solar - solar_home
    from_solar = min(charge, surplus)
    from_grid = charge - from_solar
    battery_home = min(discharge, home - solar_home)
    return {
        "batteryInputFromGrid": from_grid,
        "batteryInputFromSolar": from_solar,
        "batteryOutputConsumedByHome": battery_home,
        "batteryOutputExported": discharge - battery_home,
        "homeConsumed": home,
        "gridConsumedByHome": max(home - solar_home - battery_home, 0.0),
        "solarConsumedByHome": solar_home,
        "solarExported": max(surplus - from_solar, 0.0),
        "solarGenerated": solar,
        "solarConsumption": solar_home,
    }


class LinkedLoad:
    """Power drawn in the same house by devices other simulators simulate (EV chargers).

    The cloud polls them and adds readings; the house's load at a moment includes the latest
    reading at or before it, and nothing before the first one (the devices were idle then).
    """

    def __init__(self, history: Callable[[float], float] | None = None) -> None:
        self.times: list[float] = []
        self.watts: list[float] = []
        self.history = history
        """What the devices drew before the first reading (the house's past), if known."""

    def add(self, ts: float, watts: float) -> None:
        """Record a reading (older than a day ones are dropped)."""
        if self.times and ts < self.times[-1]:
            return
        self.times.append(ts)
        self.watts.append(max(watts, 0.0))
        drop = bisect.bisect_left(self.times, ts - 86400)
        if drop:
            del self.times[:drop], self.watts[:drop]

    def __call__(self, ts: float) -> float:
        index = bisect.bisect_right(self.times, ts)
        if index:
            return self.watts[index - 1]
        return self.history(ts) if self.history is not None else 0.0


def daily_window(text: str) -> Callable[[float], float]:
    """Return a load that draws ``W`` every day from ``HH:MM`` to ``HH:MM`` (British time).

    ``text`` is ``HH:MM-HH:MM@W``, e.g. ``18:00-21:30@7360``.
    """
    span, _, watts_text = text.partition("@")
    # The house's window: the demo's chargers plug their cars in by the same one.
    window, watts = DailyWindow.parse(span), float(watts_text)

    def load(ts: float) -> float:
        return watts if ts in window else 0.0

    return load


def _parse_clock(text: str) -> time:
    parts = [int(part) for part in text.split(":")]
    while len(parts) < 3:
        parts.append(0)
    return time(min(parts[0], 23), parts[1], parts[2])


class BatteryModel:
    """A battery that follows its schedule and overrides, driven by a simulated clock."""

    def __init__(self, start: float, *, soc: float = 55.0, solar_peak: float = 3500.0) -> None:
        self.soc = soc
        self.solar_peak = solar_peak
        self.base_load = 350.0
        self.schedule = default_schedule()
        self.overrides: list[dict[str, Any]] = []
        """Each with ``start``/``end`` as UTC timestamps and ``state``."""
        self.samples: list[Sample] = []
        self.buckets: dict[float, Bucket] = {}
        self.now = start - start % STEP
        self.history_days = 8
        self.linked_load: Callable[[float], float] | None = None
        """Watts other simulated devices of the house draw at a moment (``LinkedLoad``)."""

    # -- inputs ---------------------------------------------------------------------------

    def solar_at(self, when: datetime) -> float:
        local = when.astimezone(LONDON)
        hour = local.hour + local.minute / 60 + local.second / 3600
        # British daylight: about 8 hours in December, 16.5 in June, centred on 12:15 GMT.
        season = math.sin(2 * math.pi * (local.timetuple().tm_yday - 80) / 365)
        daylight = 12.0 + 4.3 * season
        noon = 12.25 + (1.0 if local.dst() else 0.0)
        sunrise = noon - daylight / 2
        if not sunrise <= hour <= sunrise + daylight:
            return 0.0
        shape = math.sin(math.pi * (hour - sunrise) / daylight) ** 2
        peak = self.solar_peak * (0.6 + 0.4 * season)
        cloudiness = 0.8 + 0.2 * math.sin(when.timestamp() / 600.0)
        return round(peak * shape * cloudiness, 1)

    def home_at(self, when: datetime) -> float:
        local = when.astimezone(LONDON)
        hour = local.hour + local.minute / 60
        evening = 1300.0 if 17.0 <= hour < 21.0 else 0.0
        morning = 600.0 if 7.0 <= hour < 8.5 else 0.0
        ripple = 120.0 * math.sin(when.timestamp() / 240.0)
        linked = self.linked_load(when.timestamp()) if self.linked_load is not None else 0.0
        return round(self.base_load + evening + morning + ripple + linked, 1)

    def state_at(self, when: datetime) -> str:
        ts = when.timestamp()
        active = [o for o in self.overrides if o["start"] <= ts < o["end"]]
        if active:
            return str(active[-1]["state"])
        local = when.astimezone(LONDON)
        moment = local.time().replace(microsecond=0)
        for slot in self.schedule.get(WEEKDAYS[local.weekday()], []):
            if _parse_clock(slot["start"]) <= moment <= _parse_clock(slot["end"]):
                return str(slot["state"])
        return "normal"

    # -- physics --------------------------------------------------------------------------

    def _battery_power(self, state: str, solar: float, home: float) -> float:
        deficit = home - solar
        room = self.soc < 100.0
        left = self.soc > MIN_SOC
        if state == "force-charge":
            return -MAX_POWER if room else 0.0
        if state == "force-discharge":
            return MAX_POWER if left else 0.0
        if state in ("disable", "dormant"):
            return 0.0
        if deficit > 0:
            if state == "only-charge" or not left:
                return 0.0
            return min(deficit, MAX_POWER)
        if state == "only-discharge" or not room:
            return 0.0
        return max(deficit, -MAX_POWER)

    def _step(self, ts: float, seconds: float) -> Sample:
        when = datetime.fromtimestamp(ts, UTC)
        solar = self.solar_at(when)
        home = self.home_at(when)
        state = self.state_at(when)
        battery = self._battery_power(state, solar, home)
        self.soc = min(max(self.soc - battery * seconds / 3600 / CAPACITY_WH * 100, 0.0), 100.0)
        grid = home - solar - battery
        return Sample(
            time=ts,
            soc=round(self.soc, 1),
            battery=round(battery, 1),
            grid=round(grid, 1),
            solar=solar,
            home=home,
            state=state,
        )

    def advance_to(self, ts: float) -> None:
        """Simulate up to ``ts`` (a jump back in time changes nothing)."""
        while (step := self.now - self.now % STEP + STEP) <= ts:
            self._sample(step)
        self._trim()

    def _sample(self, ts: float) -> None:
        sample = self._step(ts, ts - self.now)
        self.now = ts
        self.samples.append(sample)
        start = ts - ts % BUCKET
        self.buckets.setdefault(start, Bucket(start=start)).add(sample)

    def set_overrides(self, overrides: list[dict[str, Any]], now: float) -> None:
        """Replace the overrides at ``now``; the unit follows them at once.

        A real unit changes its power within seconds of a new override; without a sample at
        ``now`` the latest reading would be the one before it (up to a step old), showing the
        previous state's power (0 W, or even charging, right after a forced discharge).
        """
        self.advance_to(now)
        self.overrides = sorted(overrides, key=lambda o: o["start"])
        if now > self.now:
            self._sample(now)
        self._trim()

    def _trim(self) -> None:
        horizon = self.now - self.history_days * 86400
        if self.samples and self.samples[0].time < horizon:
            self.samples = [s for s in self.samples if s.time >= horizon]
            self.buckets = {k: b for k, b in self.buckets.items() if k >= horizon}
        self.overrides = [o for o in self.overrides if o["end"] > self.now]

    def latest(self) -> Sample:
        if not self.samples:
            self.advance_to(self.now + STEP)
        return self.samples[-1]

    def samples_between(self, start: float, end: float) -> list[Sample]:
        return [s for s in self.samples if start <= s.time <= end]

    def buckets_between(self, start: float, end: float) -> list[Bucket]:
        return [self.buckets[k] for k in sorted(self.buckets) if start <= k < end]

    def active_override(self, ts: float) -> dict[str, Any] | None:
        active = [o for o in self.overrides if o["start"] <= ts < o["end"]]
        return active[-1] if active else None

    def state(self) -> dict[str, Any]:
        latest = self.latest()
        return {
            "soc": latest.soc,
            "battery": latest.battery,
            "grid": latest.grid,
            "solar": latest.solar,
            "home": latest.home,
            "state": latest.state,
            "overrides": [
                {
                    "start": datetime.fromtimestamp(o["start"], UTC).isoformat(),
                    "end": datetime.fromtimestamp(o["end"], UTC).isoformat(),
                    "state": o["state"],
                }
                for o in self.overrides
            ],
        }

    def update(self, changes: dict[str, Any]) -> None:
        if "soc" in changes:
            self.soc = float(changes["soc"])
        if "base_load" in changes:
            self.base_load = float(changes["base_load"])
        if "solar_peak" in changes:
            self.solar_peak = float(changes["solar_peak"])
        if "schedule" in changes and isinstance(changes["schedule"], dict):
            self.schedule = changes["schedule"]


def local_midnight(ts: float) -> float:
    """Return the start of the British local day of ``ts``."""
    local = datetime.fromtimestamp(ts, LONDON)
    return datetime.combine(local.date(), time(), LONDON).timestamp()


def history_start(ts: float) -> float:
    """Where a fresh simulator starts simulating: yesterday's local midnight."""
    return local_midnight(local_midnight(ts) - 3600)


def utc_text(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def parse_time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def period_range(period: str, now: float) -> tuple[float, float] | None:
    """Return the bucket range of a cloud period, or None for an unknown period."""
    midnight = local_midnight(now)
    hour = now - now % 3600
    local = datetime.fromtimestamp(now, LONDON)
    monday = local_midnight(midnight - local.weekday() * 86400 + 7200)
    first = datetime.combine(local.date().replace(day=1), time(), LONDON)
    previous_first = datetime.combine(
        (first - timedelta(days=1)).date().replace(day=1), time(), LONDON
    )
    ranges = {
        "today": (midnight, now + 1),
        "yesterday": (local_midnight(midnight - 3600), midnight),
        "past-hour": (now - now % BUCKET - 12 * BUCKET, now + 1),
        "last-hour": (hour - 3600, hour),
        "past-day": (now - 86400, now + 1),
        "last-day": (local_midnight(midnight - 3600), midnight),
        "past-week": (now - 7 * 86400, now + 1),
        "last-week": (local_midnight(monday - 6 * 86400 - 3600), monday),
        "past-month": (now - 30 * 86400, now + 1),
        "last-month": (previous_first.timestamp(), first.timestamp()),
    }
    return ranges.get(period)
