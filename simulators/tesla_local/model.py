"""A day at a Powerwall site: sun, household load, a battery that follows them, the grid.

Deliberately simple: solar is a sine from 06:00 to 18:00 local time, the load a base with a
morning and an evening bump, and the battery covers the difference in self-consumption mode
(charging from surplus, discharging down to the reserve), or only charges in backup mode.
Energy counters integrate the flows, so lifetime totals only grow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
import math
from zoneinfo import ZoneInfo

STEP_SECONDS = 60.0
MAX_CATCH_UP = 2 * 86400.0
"""A longer jump of the clock integrates only its last two days (keeps time travel fast)."""
BUFFER = 5.0
"""The raw scale's hidden bottom 5 % (the app shows ``(raw - 5) / 0.95``)."""


@dataclass(slots=True)
class Flows:
    """Power at one moment (W), signs as the gateway's aggregates use them."""

    site: float
    """Positive while importing."""
    battery: float
    """Positive while discharging."""
    load: float
    solar: float


@dataclass(slots=True)
class Meter:
    """Lifetime energy of one aggregated meter (Wh)."""

    imported: float = 0.0
    exported: float = 0.0

    def add(self, power: float, seconds: float) -> None:
        """Count ``power`` (W) over ``seconds``: positive imports, negative exports."""
        energy = power * seconds / 3600
        if energy >= 0:
            self.imported += energy
        else:
            self.exported -= energy


@dataclass(slots=True)
class SiteModel:
    """One site's equipment and state."""

    time_zone: str = "Europe/London"
    solar_peak: float = 5200.0
    battery_count: int = 1
    block_capacity: float = 13500.0
    """Wh per Powerwall."""
    block_power: float = 5000.0
    """W per Powerwall."""
    base_load: float = 420.0
    soe_raw: float = 62.0
    """The gateway's raw scale (0-100, the bottom 5 % hidden by the app)."""
    reserve_raw: float = 24.0
    """Raw: the app's 20 %."""
    mode: str = "self_consumption"
    grid_up: bool = True
    meters: dict[str, Meter] = field(
        default_factory=lambda: {
            "site": Meter(6_100_000.0, 3_900_000.0),
            "battery": Meter(4_800_000.0, 4_200_000.0),
            "load": Meter(21_500_000.0, 0.0),
            "solar": Meter(0.0, 17_800_000.0),
        }
    )
    last_step: float | None = None
    flows: Flows = field(default_factory=lambda: Flows(0.0, 0.0, 0.0, 0.0))

    @property
    def capacity(self) -> float:
        """Return the pack's nominal full energy (Wh)."""
        return self.block_capacity * self.battery_count

    def solar_power(self, local: datetime) -> float:
        """Return the solar production at a local time (W)."""
        hour = local.hour + local.minute / 60 + local.second / 3600
        if not 6.0 < hour < 18.0:
            return 0.0
        return self.solar_peak * math.sin(math.pi * (hour - 6.0) / 12.0)

    def load_power(self, local: datetime) -> float:
        """Return the household's consumption at a local time (W)."""
        hour = local.hour + local.minute / 60
        morning = 900.0 * math.exp(-(((hour - 7.5) / 1.0) ** 2))
        evening = 1600.0 * math.exp(-(((hour - 19.0) / 1.5) ** 2))
        return self.base_load + morning + evening

    def flows_at(self, local: datetime) -> Flows:
        """Return the power flows the current state gives at a local time."""
        solar = self.solar_power(local)
        load = self.load_power(local)
        limit = self.block_power * self.battery_count
        battery = 0.0
        if self.battery_count:
            want = load - solar  # > 0: the home needs more than the sun gives
            if not self.grid_up:
                battery = min(want, limit) if self.soe_raw > 0 else 0.0
                if want < 0 and self.soe_raw >= 100.0:
                    solar = load  # curtailed: nowhere to put it
                    battery = 0.0
            elif self.mode == "backup":
                battery = -min(max(-want, 0.0), limit) if self.soe_raw < 100.0 else 0.0
            elif want > 0:
                battery = min(want, limit) if self.soe_raw > self.reserve_raw else 0.0
            else:
                battery = max(want, -limit) if self.soe_raw < 100.0 else 0.0
        site = 0.0 if not self.grid_up else load - solar - battery
        return Flows(site=site, battery=battery, load=load, solar=solar)

    def advance(self, now: float) -> Flows:
        """Run the site up to ``now`` (POSIX seconds); return the flows at ``now``."""
        zone = ZoneInfo(self.time_zone)
        if self.last_step is None or now < self.last_step:
            self.last_step = now
        self.last_step = max(self.last_step, now - MAX_CATCH_UP)
        while self.last_step < now:
            step = min(STEP_SECONDS, now - self.last_step)
            local = datetime.fromtimestamp(self.last_step, zone)
            flows = self.flows_at(local)
            self._count(flows, step)
            self.last_step += step
        self.flows = self.flows_at(datetime.fromtimestamp(now, zone))
        return self.flows

    def _count(self, flows: Flows, seconds: float) -> None:
        if self.capacity:
            delta = -flows.battery * seconds / 3600 / self.capacity * 100
            self.soe_raw = min(max(self.soe_raw + delta, 0.0), 100.0)
        self.meters["site"].add(flows.site, seconds)
        self.meters["battery"].add(-flows.battery, seconds)
        self.meters["load"].add(flows.load, seconds)
        self.meters["solar"].add(-flows.solar, seconds)

    @property
    def energy_remaining(self) -> float:
        """Return the energy in the pack (Wh, raw scale)."""
        return self.capacity * self.soe_raw / 100
