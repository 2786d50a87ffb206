"""A plausible solar house: sun curve, house load, batteries following the house, counters."""

from __future__ import annotations

from dataclasses import dataclass, field
import math

from .profiles import Profile

STEP = 60.0
BATTERY_MAX_W = 3840.0
ACB_WH = 1240.0
ACB_MAX_W = 270.0


@dataclass(frozen=True, slots=True)
class Powers:
    """Instantaneous powers (W); battery positive while discharging, grid positive importing.

    As a gateway counts them: the batteries sit on the house's side of the meters, so
    ``grid = house - production - battery`` and the gateway's total consumption is
    ``production + grid`` (the house plus what the batteries take, less what they give).
    """

    production: float
    house: float
    battery: float
    """All batteries together (IQ Batteries and AC Batteries)."""
    grid: float
    acb: float = 0.0
    """The AC Batteries' part of ``battery``."""

    @property
    def consumption(self) -> float:
        """Return the gateway's total consumption: production plus net consumption."""
        return self.production + self.grid


def local_hour(timestamp: float, offset: int) -> float:
    """Return the local hour of day (0-24)."""
    return ((timestamp / 3600.0) + offset) % 24.0


def solar(profile: Profile, timestamp: float) -> float:
    """Return the array's output: a sun arc from 6:00 to 19:00 with passing clouds."""
    hour = local_hour(timestamp, profile.timezone_offset)
    sun = math.sin(math.pi * (hour - 6.0) / 13.0) if 6.0 < hour < 19.0 else 0.0
    clouds = 0.85 + 0.15 * math.sin(timestamp / 700.0)
    return max(0.0, profile.peak_watts * sun * clouds)


def house_load(timestamp: float) -> float:
    """Return the house's use: a base, a daily rhythm and an appliance now and then."""
    hour = local_hour(timestamp, 0)
    rhythm = 300.0 * math.sin(math.pi * ((hour - 6.0) % 24.0) / 18.0) ** 2
    appliance = 1800.0 if int(timestamp // 900) % 5 == 0 else 0.0
    return 380.0 + rhythm + appliance + 40.0 * math.sin(timestamp / 37.0)


@dataclass(slots=True)
class House:
    """The integrated state of one simulated site."""

    profile: Profile
    time: float
    production_wh: float = 0.0
    consumption_wh: float = 0.0
    import_wh: float = 0.0
    export_wh: float = 0.0
    charged_wh: float = 0.0
    discharged_wh: float = 0.0
    today_wh: float = 0.0
    consumption_today_wh: float = 0.0
    day: int = 0
    past_days: list[float] = field(default_factory=list)
    inverter_wh: list[float] = field(default_factory=list)
    inverter_today_wh: list[float] = field(default_factory=list)
    inverter_yesterday_wh: list[float] = field(default_factory=list)
    soc: list[float] = field(default_factory=list)
    acb_soc: list[float] = field(default_factory=list)
    reserve: float = 20.0
    mode: str = "self-consumption"
    charge_from_grid: bool = False
    on_grid: bool = True
    shares: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        p = self.profile
        self.production_wh = p.lifetime_start_wh
        self.consumption_wh = p.lifetime_start_wh * 1.3
        self.import_wh = p.lifetime_start_wh * 0.6
        self.export_wh = p.lifetime_start_wh * 0.3
        self.inverter_wh = [p.lifetime_start_wh / max(p.inverters, 1)] * p.inverters
        self.inverter_today_wh = [0.0] * p.inverters
        self.inverter_yesterday_wh = [0.0] * p.inverters
        self.soc = [55.0 + 7 * i for i in range(p.batteries)]
        self.acb_soc = [30.0 - 3 * i for i in range(p.acbs)]
        self.day = self._day(self.time)
        raw = [self.inverter_share(i) for i in range(p.inverters)]
        self.shares = [r / sum(raw) for r in raw] if raw else []

    def _day(self, timestamp: float) -> int:
        return int((timestamp / 3600.0 + self.profile.timezone_offset) // 24)

    def inverter_share(self, index: int) -> float:
        """Return inverter ``index``'s share of the array (panels differ a little)."""
        n = max(self.profile.inverters, 1)
        return (0.9 + 0.2 * ((index * 0.618034) % 1.0)) / n

    def powers(self, timestamp: float) -> Powers:
        """Return the powers at a moment (the battery follows the house)."""
        production = solar(self.profile, timestamp)
        house = house_load(timestamp)
        battery = 0.0
        iq_limit = BATTERY_MAX_W * len(self.soc)
        limit = iq_limit + ACB_MAX_W * len(self.acb_soc)
        if limit:
            need = house - production
            average = self.average_soc
            if self.mode == "backup":
                battery = -min(limit / 2, 1500.0) if average < 100 else 0.0
            elif need > 0 and average > self.reserve:
                battery = min(need, limit)
            elif need < 0 and average < 100:
                battery = max(need, -limit)
        acb = battery * (limit - iq_limit) / limit if limit else 0.0
        if not self.on_grid:
            # Off grid the batteries balance the house alone.
            battery = max(-limit, min(limit, house - production))
            acb = battery * (limit - iq_limit) / limit if limit else 0.0
        grid = house - production - battery if self.on_grid else 0.0
        return Powers(production, house, battery, grid, acb)

    @property
    def capacity_wh(self) -> float:
        """Return all batteries' capacity."""
        return self.profile.battery_wh * len(self.soc) + ACB_WH * len(self.acb_soc)

    @property
    def average_soc(self) -> float:
        """Return the state of charge of all batteries together (by energy)."""
        if not self.capacity_wh:
            return 0.0
        stored = sum(self.soc) * self.profile.battery_wh + sum(self.acb_soc) * ACB_WH
        return stored / self.capacity_wh

    def advance(self, now: float) -> None:
        """Integrate the counters up to ``now``."""
        while self.time < now:
            step = min(STEP if now - self.time < 2 * 86400 else 600.0, now - self.time)
            mid = self.time + step / 2
            powers = self.powers(mid)
            hours = step / 3600.0
            energy = powers.production * hours
            self.production_wh += energy
            self.today_wh += energy
            self.consumption_wh += powers.consumption * hours
            self.consumption_today_wh += powers.consumption * hours
            if powers.grid > 0:
                self.import_wh += powers.grid * hours
            else:
                self.export_wh -= powers.grid * hours
            if powers.battery > 0:
                self.discharged_wh += powers.battery * hours
            else:
                self.charged_wh -= powers.battery * hours
            iq = powers.battery - powers.acb
            for i in range(len(self.soc)):
                delta = -iq / len(self.soc) * hours / self.profile.battery_wh * 100
                self.soc[i] = min(100.0, max(0.0, self.soc[i] + delta))
            for i in range(len(self.acb_soc)):
                delta = -powers.acb / len(self.acb_soc) * hours / ACB_WH * 100
                self.acb_soc[i] = min(100.0, max(0.0, self.acb_soc[i] + delta))
            for i, fraction in enumerate(self.shares):
                share = energy * fraction
                self.inverter_wh[i] += share
                self.inverter_today_wh[i] += share
            self.time += step
            if (day := self._day(self.time)) != self.day:
                self.day = day
                self.past_days = [self.today_wh, *self.past_days][:6]
                self.today_wh = 0.0
                self.consumption_today_wh = 0.0
                self.inverter_yesterday_wh = list(self.inverter_today_wh)
                self.inverter_today_wh = [0.0] * len(self.inverter_today_wh)

    @property
    def seven_days_wh(self) -> float:
        """Return production over today and the six days before."""
        return self.today_wh + sum(self.past_days)
