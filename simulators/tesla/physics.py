"""A day at a Tesla energy site: sun, household load and a Powerwall that follows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import math
from zoneinfo import ZoneInfo

STEP_SECONDS = 300


@dataclass(slots=True)
class WallConnector:
    """A simulated Wall Connector that charges a car in the evening."""

    din: str
    part_name: str = "Gen 3 Wall Connector"
    serial_number: str | None = None
    """Real site_info replies often carry no serial number: None leaves the key out."""
    max_power: float = 11_000.0

    def power(self, local: datetime) -> float:
        """Return the charging power at a local time (W)."""
        hour = local.hour + local.minute / 60
        return self.max_power if hour >= 22.0 or hour < 1.0 else 0.0

    def state(self, local: datetime) -> int:
        """Return the state code (2 idle, 4 plugged in, 11 charging, as the app reports)."""
        if self.power(local) > 0:
            return 11
        return 4 if local.hour >= 18 or local.hour < 7 else 2


@dataclass(slots=True)
class Flows:
    """Power flows at one moment (W), signs as the Fleet API uses them."""

    solar: float
    load: float
    battery: float
    """Positive while discharging."""
    grid: float
    """Positive while importing."""
    wall_connectors: float


@dataclass(slots=True)
class SiteModel:
    """One site's equipment and the state its battery is in."""

    site_id: int
    name: str
    time_zone: str
    solar_peak: float = 0.0
    battery_count: int = 0
    wall_connectors: list[WallConnector] = field(default_factory=list)
    has_grid: bool = True
    grid_up: bool = True
    base_load: float = 450.0
    energy_left: float = 0.0
    backup_reserve: float = 20.0
    operation_mode: str = "self_consumption"
    storm_watch: bool = False
    allow_charge_from_grid: bool = True
    export_rule: str = "battery_ok"
    off_grid_vehicle_charging_reserve: float = 50.0
    reports_time_zone: bool = True
    """False: site_info says ``installation_time_zone: ""``, as real sites do."""
    reports_off_grid_reserve: bool = True
    """False: site_info leaves ``off_grid_vehicle_charging_reserve_percent`` out."""
    last_step: float | None = None

    @property
    def has_battery(self) -> bool:
        """Return whether a Powerwall is installed."""
        return self.battery_count > 0

    @property
    def capacity(self) -> float:
        """Return the usable energy of all Powerwalls (Wh)."""
        return 13_500.0 * self.battery_count

    @property
    def battery_max_power(self) -> float:
        """Return the Powerwalls' continuous power (W)."""
        return 5_000.0 * self.battery_count

    @property
    def zone(self) -> ZoneInfo:
        """Return the site's time zone."""
        return ZoneInfo(self.time_zone)

    def solar(self, local: datetime) -> float:
        """Return the solar power at a local time: a sine from 06:00 to 18:00 (W)."""
        hour = local.hour + local.minute / 60 + local.second / 3600
        if not 6.0 <= hour <= 18.0:
            return 0.0
        # A slightly different sky every day, the same for everyone asking.
        clouds = 0.75 + 0.25 * math.sin(local.toordinal() * 1.7)
        return round(self.solar_peak * clouds * math.sin(math.pi * (hour - 6.0) / 12.0), 1)

    def load(self, local: datetime) -> float:
        """Return the household load without the chargers (W)."""
        hour = local.hour + local.minute / 60
        morning = 900.0 * math.exp(-((hour - 7.5) ** 2) / 1.5)
        evening = 1800.0 * math.exp(-((hour - 19.0) ** 2) / 3.0)
        return round(self.base_load + morning + evening, 1)

    def flows(self, when: datetime, energy_left: float | None = None) -> Flows:
        """Return the power flows at a moment for a battery holding ``energy_left``."""
        local = when.astimezone(self.zone)
        solar = self.solar(local)
        chargers = sum(wc.power(local) for wc in self.wall_connectors)
        load = self.load(local) + chargers
        battery = 0.0
        if self.has_battery:
            stored = self.energy_left if energy_left is None else energy_left
            reserve = self.capacity * self.backup_reserve / 100
            net = load - solar
            if self.operation_mode == "backup":
                battery = -min(self.battery_max_power, 3300.0) if stored < self.capacity else 0.0
                if battery < 0 and not self.allow_charge_from_grid and solar < -battery:
                    battery = -solar
            elif net > 0:
                # Time-based control keeps the battery for the evening peak.
                if self.operation_mode == "autonomous" and not 16 <= local.hour < 21:
                    net = 0.0
                battery = min(net, self.battery_max_power) if stored > reserve else 0.0
            else:
                battery = max(net, -self.battery_max_power) if stored < self.capacity else 0.0
            if not self.grid_up:
                battery = max(min(net, self.battery_max_power), -self.battery_max_power)
                if stored <= 0 and battery > 0:
                    battery = 0.0
        grid = load - solar - battery if self.grid_up else 0.0
        if grid < 0 and self.export_rule == "never":
            grid = 0.0
        return Flows(
            solar=solar,
            load=load,
            battery=round(battery, 1),
            grid=round(grid, 1),
            wall_connectors=chargers,
        )

    def advance(self, now: float) -> None:
        """Run the battery from the last step up to ``now`` in five-minute steps."""
        if self.last_step is None or now < self.last_step:
            self.last_step = now
            return
        # After a long pause (a month of time travel) only the last two days matter.
        start = max(self.last_step, now - 2 * 86400)
        t = start
        while t + STEP_SECONDS <= now:
            flows = self.flows(datetime.fromtimestamp(t, UTC))
            self.energy_left = min(
                max(self.energy_left - flows.battery * STEP_SECONDS / 3600, 0.0), self.capacity
            )
            t += STEP_SECONDS
        self.last_step = t

    def interval_energy(self, start: datetime) -> dict[str, float]:
        """Return the energy of the five minutes from ``start`` (Wh), Fleet API field names.

        History uses a battery at half charge, so that it is the same whoever asks when.
        """
        flows = self.flows(start + timedelta(seconds=STEP_SECONDS / 2), self.capacity / 2)
        hours = STEP_SECONDS / 3600
        solar, load = flows.solar * hours, flows.load * hours
        charge = max(-flows.battery, 0.0) * hours
        discharge = max(flows.battery, 0.0) * hours
        grid_in = max(flows.grid, 0.0) * hours
        grid_out = max(-flows.grid, 0.0) * hours
        solar_to_battery = min(charge, solar)
        solar_to_home = min(load, solar - solar_to_battery)
        battery_to_home = min(discharge, load - solar_to_home)
        values = {
            "solar_energy_exported": solar,
            "grid_energy_imported": grid_in,
            "grid_energy_exported_from_solar": grid_out,
            "battery_energy_exported": discharge,
            "battery_energy_imported_from_solar": solar_to_battery,
            "battery_energy_imported_from_grid": charge - solar_to_battery,
            "consumer_energy_imported_from_solar": solar_to_home,
            "consumer_energy_imported_from_battery": battery_to_home,
            "consumer_energy_imported_from_grid": max(load - solar_to_home - battery_to_home, 0.0),
        }
        # Tesla leaves zero fields out.
        return {key: round(value, 2) for key, value in values.items() if value > 0}
