"""Typed models of the Powerwall gateway's local (LAN) ``/api/*`` replies, parsed once here.

The gateway's field names stay in this file. As in ``models.py``, a value of an unexpected type
becomes None (one sensor unknown) instead of failing the whole update; a reply whose shape is
wrong as a whole (not an object where one belongs) raises ``InvalidResponseError``.

Facts (``api-notes/tesla-powerwall-local.md``, confirmed by the replies published by Home
Assistant core, tesla_powerwall and pypowerwall):

- ``/api/meters/aggregates`` signs: ``site`` > 0 imports from the grid, ``battery`` > 0
  discharges, ``solar`` > 0 produces, ``load`` >= 0. These are the Fleet API's signs too.
- ``/api/system_status/soe`` ``percentage`` and ``/api/operation`` ``backup_reserve_percent``
  are on the gateway's raw scale, which includes a 5 % buffer the Tesla app hides. The app
  shows ``(raw - 5) / 0.95`` (pypowerwall's ``level(scale=True)`` and Teslemetry do the same;
  a raw reserve of 5.00002 is the app's 0 %, a raw 81 the app's 80 %). The Fleet API reports
  the app's scale, so the local values are converted to it here and both sources agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import re
from typing import Any

from ...energy_bridges_common.client.errors import InvalidResponseError
from ...energy_bridges_common.client.parse import (
    as_bool,
    as_float,
    as_int,
    as_str,
    parse_timestamp,
    require_list,
    require_mapping,
)
from .models import IslandStatus, LiveStatus, OperationMode

# The share of the raw scale the app hides at the bottom (a 5 % buffer).
APP_SCALE_BUFFER = 5.0

# Go's zero time: the gateway's "never" (``last_phase_*_communication_time`` on most meters).
_GO_ZERO_YEAR = 1


def to_app_scale(raw: float | None) -> float | None:
    """Return a raw gateway percentage on the Tesla app's scale: ``(raw - 5) / 0.95``.

    Clamped to 0-100: the raw scale's bottom 5 % is the hidden buffer, so a battery in it
    shows 0 % in the app.
    """
    if raw is None:
        return None
    scaled = (raw - APP_SCALE_BUFFER) / (1 - APP_SCALE_BUFFER / 100)
    return min(max(scaled, 0.0), 100.0)


def _mapping_or_empty(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _timestamp(value: Any) -> datetime | None:
    """Return an aware UTC datetime, None for Go's zero time or anything unreadable."""
    if not isinstance(value, str):
        return None
    when = parse_timestamp(value)
    if when is None or when.year <= _GO_ZERO_YEAR:
        return None
    return when


_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)")
_GO_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def parse_go_duration(value: Any) -> timedelta | None:
    """Return a Go duration string (``"1541h38m20.99s"``) as a timedelta, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    seconds = 0.0
    position = 0
    for match in _GO_DURATION_PART.finditer(text):
        if match.start() != position:
            return None
        seconds += float(match.group(1)) * _GO_UNITS[match.group(2)]
        position = match.end()
    if position != len(text):
        return None
    return timedelta(seconds=seconds)


def _start_time(value: Any) -> datetime | None:
    """Return ``/api/status`` ``start_time`` (``"2023-10-13 04:01:45 +0800"``) in UTC."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S %z").astimezone(UTC)
    except ValueError:
        return _timestamp(value)


# --- live values ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeterReading:
    """One aggregated meter of ``/api/meters/aggregates``."""

    power: float | None
    """``instant_power`` (W)."""
    energy_exported: float | None
    """Lifetime Wh."""
    energy_imported: float | None
    """Lifetime Wh."""
    frequency: float | None
    voltage: float | None
    """``instant_average_voltage`` (V)."""
    current: float | None
    """``instant_total_current`` (A)."""
    reactive_power: float | None
    apparent_power: float | None
    last_communication: datetime | None
    meters_aggregated: int | None

    @classmethod
    def from_api(cls, payload: Any) -> MeterReading:
        """Parse one meter's object."""
        data = _mapping_or_empty(payload)
        return cls(
            power=as_float(data.get("instant_power")),
            energy_exported=as_float(data.get("energy_exported")),
            energy_imported=as_float(data.get("energy_imported")),
            frequency=as_float(data.get("frequency")),
            voltage=as_float(data.get("instant_average_voltage")),
            current=as_float(data.get("instant_total_current")),
            reactive_power=as_float(data.get("instant_reactive_power")),
            apparent_power=as_float(data.get("instant_apparent_power")),
            last_communication=_timestamp(data.get("last_communication_time")),
            meters_aggregated=as_int(data.get("num_meters_aggregated")),
        )


class MeterLocation(StrEnum):
    """The aggregated meters a gateway may report."""

    SITE = "site"
    """The grid connection: positive while importing."""
    BATTERY = "battery"
    """Positive while discharging."""
    LOAD = "load"
    SOLAR = "solar"
    """Positive while producing."""
    GENERATOR = "generator"
    BUSWAY = "busway"


@dataclass(frozen=True, slots=True)
class LivePower:
    """The site's power flows from ``/api/meters/aggregates`` (signs as the Fleet API's)."""

    meters: Mapping[MeterLocation, MeterReading]

    @classmethod
    def from_api(cls, payload: Any) -> LivePower:
        """Parse the reply; meters of unknown names are ignored."""
        data = require_mapping(payload, "meters/aggregates")
        meters = {
            location: MeterReading.from_api(data[location.value])
            for location in MeterLocation
            if isinstance(data.get(location.value), Mapping)
        }
        if MeterLocation.SITE not in meters and MeterLocation.LOAD not in meters:
            raise InvalidResponseError("meters/aggregates: neither a site nor a load meter")
        return cls(meters=meters)

    def _power(self, location: MeterLocation) -> float | None:
        meter = self.meters.get(location)
        return None if meter is None else meter.power

    @property
    def grid_power(self) -> float | None:
        """Return the grid power (W), positive while importing."""
        return self._power(MeterLocation.SITE)

    @property
    def battery_power(self) -> float | None:
        """Return the battery power (W), positive while discharging."""
        return self._power(MeterLocation.BATTERY)

    @property
    def load_power(self) -> float | None:
        """Return the home's consumption (W)."""
        return self._power(MeterLocation.LOAD)

    @property
    def solar_power(self) -> float | None:
        """Return the solar production (W)."""
        return self._power(MeterLocation.SOLAR)

    @property
    def generator_power(self) -> float | None:
        """Return a generator's power (W), None where the site has none."""
        return self._power(MeterLocation.GENERATOR)

    @property
    def timestamp(self) -> datetime | None:
        """Return when the newest meter last spoke to the gateway."""
        times = [m.last_communication for m in self.meters.values() if m.last_communication]
        return max(times) if times else None


@dataclass(frozen=True, slots=True)
class StateOfEnergy:
    """The battery's charge (``/api/system_status/soe``)."""

    raw_percent: float | None
    """The gateway's own scale (Home Assistant core shows this one)."""

    @property
    def percent(self) -> float | None:
        """Return the charge as the Tesla app and the Fleet API show it."""
        return to_app_scale(self.raw_percent)

    @classmethod
    def from_api(cls, payload: Any) -> StateOfEnergy:
        """Parse the reply."""
        data = require_mapping(payload, "system_status/soe")
        return cls(raw_percent=as_float(data.get("percentage")))


class GridStatus(StrEnum):
    """The gateway's grid state (``grid_status``, ``system_island_state``)."""

    CONNECTED = "SystemGridConnected"
    ISLANDED_READY = "SystemIslandedReady"
    """Off grid, ready to reconnect."""
    ISLANDED_ACTIVE = "SystemIslandedActive"
    """Off grid, powering the home from the battery (and solar)."""
    TRANSITION_TO_GRID = "SystemTransitionToGrid"
    TRANSITION_TO_ISLAND = "SystemTransitionToIsland"
    WAIT_FOR_USER = "SystemWaitForUser"
    UNKNOWN = "unknown"
    """A state none of the known ones (``GridState.raw`` says which)."""

    @property
    def grid_connected(self) -> bool | None:
        """Return whether the home is on the grid (None while unknown)."""
        if self is GridStatus.UNKNOWN:
            return None
        # Core's powerwall integration reads it the same way: only this state is on the grid;
        # in both transitions the home still runs from the battery.
        return self is GridStatus.CONNECTED

    @classmethod
    def parse(cls, value: Any) -> GridStatus | None:
        """Return the state of a reply's text; unknown texts are UNKNOWN, non-text None."""
        text = as_str(value)
        if text is None:
            return None
        try:
            return cls(text)
        except ValueError:
            return cls.UNKNOWN


@dataclass(frozen=True, slots=True)
class GridState:
    """``/api/system_status/grid_status``."""

    status: GridStatus | None
    grid_services_active: bool | None
    raw: str | None

    @classmethod
    def from_api(cls, payload: Any) -> GridState:
        """Parse the reply."""
        data = require_mapping(payload, "system_status/grid_status")
        return cls(
            status=GridStatus.parse(data.get("grid_status")),
            grid_services_active=as_bool(data.get("grid_services_active")),
            raw=as_str(data.get("grid_status")),
        )


class LocalOperationMode(StrEnum):
    """``/api/operation`` ``real_mode``: the Fleet API's three modes and two the gateway adds."""

    SELF_CONSUMPTION = "self_consumption"
    AUTONOMOUS = "autonomous"
    BACKUP = "backup"
    SCHEDULER = "scheduler"
    SITE_CONTROL = "site_control"
    UNKNOWN = "unknown"

    @property
    def cloud_mode(self) -> OperationMode | None:
        """Return the Fleet API's name of this mode, None for the gateway-only ones."""
        try:
            return OperationMode(self.value)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Operation:
    """``/api/operation``: the operation mode and the backup reserve."""

    mode: LocalOperationMode | None
    backup_reserve_raw: float | None
    """The gateway's own scale."""

    @property
    def backup_reserve(self) -> float | None:
        """Return the reserve as the Tesla app and the Fleet API show it."""
        return to_app_scale(self.backup_reserve_raw)

    @classmethod
    def from_api(cls, payload: Any) -> Operation:
        """Parse the reply."""
        data = require_mapping(payload, "operation")
        mode_text = as_str(data.get("real_mode"))
        mode: LocalOperationMode | None = None
        if mode_text is not None:
            try:
                mode = LocalOperationMode(mode_text)
            except ValueError:
                mode = LocalOperationMode.UNKNOWN
        return cls(mode=mode, backup_reserve_raw=as_float(data.get("backup_reserve_percent")))


# --- the gateway and its equipment ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GatewayStatus:
    """``/api/status``: the gateway's identity and firmware."""

    din: str | None
    """Absent on old firmware (1.x)."""
    version: str | None
    """The firmware version without the hash that follows it (``"23.28.2"``)."""
    git_hash: str | None
    device_type: str | None
    """``hec`` (Backup Gateway 1), ``teg`` (Gateway 2), ``smc``."""
    start_time: datetime | None
    up_time: timedelta | None

    @classmethod
    def from_api(cls, payload: Any) -> GatewayStatus:
        """Parse the reply."""
        data = require_mapping(payload, "status")
        version = as_str(data.get("version"))
        return cls(
            din=as_str(data.get("din")),
            version=None if version is None else version.split(" ", 1)[0],
            git_hash=as_str(data.get("git_hash")),
            device_type=as_str(data.get("device_type")),
            start_time=_start_time(data.get("start_time")),
            up_time=parse_go_duration(data.get("up_time_seconds")),
        )


@dataclass(frozen=True, slots=True)
class Sitemaster:
    """``/api/sitemaster``: whether the site controller runs and reaches Tesla."""

    status: str | None
    running: bool | None
    connected_to_tesla: bool | None
    power_supply_mode: bool | None

    @classmethod
    def from_api(cls, payload: Any) -> Sitemaster:
        """Parse the reply."""
        data = require_mapping(payload, "sitemaster")
        return cls(
            status=as_str(data.get("status")),
            running=as_bool(data.get("running")),
            connected_to_tesla=as_bool(data.get("connected_to_tesla")),
            power_supply_mode=as_bool(data.get("power_supply_mode")),
        )


@dataclass(frozen=True, slots=True)
class LocalSiteInfo:
    """``/api/site_info``; ``grid_code`` is flat text (1.x) or an object (newer firmware)."""

    site_name: str | None
    time_zone: str | None
    nominal_energy_kwh: float | None
    nominal_power_kw: float | None
    grid_code: str | None
    country: str | None
    utility: str | None
    grid_voltage: float | None
    grid_frequency: float | None
    grid_phase: str | None

    @classmethod
    def from_api(cls, payload: Any) -> LocalSiteInfo:
        """Parse the reply, taking the grid settings from wherever this firmware puts them."""
        data = require_mapping(payload, "site_info")
        raw_code = data.get("grid_code")
        grid = raw_code if isinstance(raw_code, Mapping) else data
        code = grid.get("grid_code") if isinstance(raw_code, Mapping) else raw_code
        return cls(
            site_name=as_str(data.get("site_name")),
            time_zone=as_str(data.get("timezone")),
            nominal_energy_kwh=as_float(data.get("nominal_system_energy_kWh")),
            nominal_power_kw=as_float(data.get("nominal_system_power_kW")),
            grid_code=as_str(code),
            country=as_str(grid.get("country")),
            utility=as_str(grid.get("utility")),
            grid_voltage=as_float(grid.get("grid_voltage_setting")),
            grid_frequency=as_float(grid.get("grid_freq_setting")),
            grid_phase=as_str(grid.get("grid_phase_setting")),
        )


@dataclass(frozen=True, slots=True)
class PowerwallUnit:
    """One Powerwall of ``/api/powerwalls``."""

    part_number: str | None
    serial_number: str | None
    type: str | None
    grid_state: str | None


@dataclass(frozen=True, slots=True)
class Powerwalls:
    """``/api/powerwalls``: the gateway's DIN and its Powerwalls."""

    gateway_din: str | None
    powerwalls: tuple[PowerwallUnit, ...]

    @classmethod
    def from_api(cls, payload: Any) -> Powerwalls:
        """Parse the reply."""
        data = require_mapping(payload, "powerwalls")
        raw_list = data.get("powerwalls")
        units = tuple(
            PowerwallUnit(
                part_number=as_str(item.get("PackagePartNumber")),
                serial_number=as_str(item.get("PackageSerialNumber")),
                type=as_str(item.get("type")),
                grid_state=as_str(item.get("grid_state")),
            )
            for item in (raw_list if isinstance(raw_list, list) else [])
            if isinstance(item, Mapping)
        )
        return cls(gateway_din=as_str(data.get("gateway_din")), powerwalls=units)


@dataclass(frozen=True, slots=True)
class BatteryBlock:
    """One battery block of ``/api/system_status`` (a disabled one has null readings)."""

    part_number: str | None
    serial_number: str | None
    energy_remaining: float | None
    """Wh."""
    full_pack_energy: float | None
    """Wh."""
    power: float | None
    """``p_out`` (W), positive while discharging."""
    energy_charged: float | None
    energy_discharged: float | None
    grid_state: str | None
    """``pinv_grid_state``; None for a disabled block (the gateway sends "")."""
    disabled_reasons: tuple[str, ...] = ()

    @property
    def disabled(self) -> bool:
        """Return whether the gateway reports the block disabled."""
        return bool(self.disabled_reasons)

    @classmethod
    def from_api(cls, payload: Any) -> BatteryBlock:
        """Parse one block."""
        data = _mapping_or_empty(payload)
        reasons = data.get("disabled_reasons")
        return cls(
            part_number=as_str(data.get("PackagePartNumber")),
            serial_number=as_str(data.get("PackageSerialNumber")),
            energy_remaining=as_float(data.get("nominal_energy_remaining")),
            full_pack_energy=as_float(data.get("nominal_full_pack_energy")),
            power=as_float(data.get("p_out")),
            energy_charged=as_float(data.get("energy_charged")),
            energy_discharged=as_float(data.get("energy_discharged")),
            grid_state=as_str(data.get("pinv_grid_state")),
            disabled_reasons=tuple(
                text
                for text in (as_str(r) for r in (reasons if isinstance(reasons, list) else []))
                if text
            ),
        )


@dataclass(frozen=True, slots=True)
class SystemStatus:
    """``/api/system_status``: the pack's energy and its battery blocks."""

    full_pack_energy: float | None
    """Wh."""
    energy_remaining: float | None
    """Wh."""
    max_charge_power: float | None
    """``instantaneous_max_charge_power`` (W)."""
    max_discharge_power: float | None
    island_state: GridStatus | None
    battery_blocks: tuple[BatteryBlock, ...] = field(default_factory=tuple)

    @classmethod
    def from_api(cls, payload: Any) -> SystemStatus:
        """Parse the reply."""
        data = require_mapping(payload, "system_status")
        blocks = data.get("battery_blocks")
        return cls(
            full_pack_energy=as_float(data.get("nominal_full_pack_energy")),
            energy_remaining=as_float(data.get("nominal_energy_remaining")),
            max_charge_power=as_float(data.get("instantaneous_max_charge_power")),
            max_discharge_power=as_float(data.get("instantaneous_max_discharge_power")),
            island_state=GridStatus.parse(data.get("system_island_state")),
            battery_blocks=tuple(
                BatteryBlock.from_api(b)
                for b in (require_list(blocks, "battery_blocks") if blocks is not None else [])
            ),
        )


# --- what a gateway offers ------------------------------------------------------------------


class LocalEndpoint(StrEnum):
    """The read endpoints the client knows (paths of the gateway's local API)."""

    AGGREGATES = "/api/meters/aggregates"
    SOE = "/api/system_status/soe"
    GRID_STATUS = "/api/system_status/grid_status"
    OPERATION = "/api/operation"
    SYSTEM_STATUS = "/api/system_status"
    SITE_INFO = "/api/site_info"
    STATUS = "/api/status"
    SITEMASTER = "/api/sitemaster"
    POWERWALLS = "/api/powerwalls"


# What every gateway with local access answers, Powerwall 3 included.
LIVE_ENDPOINTS: frozenset[LocalEndpoint] = frozenset(
    {LocalEndpoint.AGGREGATES, LocalEndpoint.SOE, LocalEndpoint.GRID_STATUS}
)


@dataclass(frozen=True, slots=True)
class LocalCapabilities:
    """What a gateway answered when probed."""

    endpoints: frozenset[LocalEndpoint]
    din: str | None = None
    firmware: str | None = None
    device_type: str | None = None
    site_name: str | None = None
    powerwall_count: int | None = None

    @property
    def reduced(self) -> bool:
        """Return whether only the live endpoints answer (Powerwall 3, newer gateways)."""
        return LocalEndpoint.POWERWALLS not in self.endpoints

    @property
    def operation(self) -> bool:
        """Return whether the operation mode and the reserve can be read here."""
        return LocalEndpoint.OPERATION in self.endpoints

    def has(self, endpoint: LocalEndpoint) -> bool:
        """Return whether the gateway answered this endpoint."""
        return endpoint in self.endpoints


@dataclass(frozen=True, slots=True)
class LocalSnapshot:
    """One poll of the live values."""

    power: LivePower
    soe: StateOfEnergy
    grid: GridState
    operation: Operation | None
    """None where the gateway has no ``/api/operation`` (Powerwall 3)."""


@dataclass(frozen=True, slots=True)
class LocalSession:
    """A login the gateway handed out: its token and cookies, kept across restarts."""

    token: str | None = field(repr=False)
    cookies: Mapping[str, str] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """Return the session as JSON for a config entry (a secret: never log it)."""
        return {"token": self.token, "cookies": dict(self.cookies)}

    @classmethod
    def from_dict(cls, data: Any) -> LocalSession | None:
        """Return a stored session, or None when what is stored is not one."""
        if not isinstance(data, Mapping):
            return None
        token = data.get("token")
        cookies = data.get("cookies")
        clean = (
            {str(k): v for k, v in cookies.items() if isinstance(v, str) and v}
            if isinstance(cookies, Mapping)
            else {}
        )
        if not (isinstance(token, str) and token) and not clean:
            return None
        return cls(token=token if isinstance(token, str) and token else None, cookies=clean)


# --- the local values in the Fleet API's model ------------------------------------------------

_ISLAND_OF: dict[GridStatus, IslandStatus] = {
    GridStatus.CONNECTED: IslandStatus.ON_GRID,
    GridStatus.ISLANDED_READY: IslandStatus.OFF_GRID,
    GridStatus.ISLANDED_ACTIVE: IslandStatus.OFF_GRID,
    GridStatus.TRANSITION_TO_GRID: IslandStatus.OFF_GRID,
    GridStatus.TRANSITION_TO_ISLAND: IslandStatus.OFF_GRID,
    GridStatus.WAIT_FOR_USER: IslandStatus.OFF_GRID,
    GridStatus.UNKNOWN: IslandStatus.UNKNOWN,
}

LOCAL_LIVE_FIELDS: frozenset[str] = frozenset(
    {
        "solar_power",
        "battery_power",
        "grid_power",
        "load_power",
        "generator_power",
        "battery_level",
        "grid_status",
        "island_status",
        "grid_services_active",
        "timestamp",
    }
)
"""The ``LiveStatus`` values a gateway gives (the rest only the Fleet API knows)."""


def live_status_from_local(snapshot: LocalSnapshot, cloud: LiveStatus | None) -> LiveStatus:
    """Return the Fleet API's live model with the gateway's values in ``LOCAL_LIVE_FIELDS``.

    The others (Wall Connectors, Storm Watch, backup capability, the pack's energy) are the
    last cloud reading's, or None without one. The gateway's grid state is mapped to the Fleet
    API's words: ``Active`` only when connected (as ``live_status`` says), and off grid in
    every islanded or transition state.
    """
    base = cloud if cloud is not None else LiveStatus.from_api({"response": {}})
    status = snapshot.grid.status
    grid_text: str | None = None
    if status is not None:
        connected = status.grid_connected
        grid_text = "Unknown" if connected is None else "Active" if connected else "Inactive"
    return replace(
        base,
        solar_power=snapshot.power.solar_power,
        battery_power=snapshot.power.battery_power,
        grid_power=snapshot.power.grid_power,
        load_power=snapshot.power.load_power,
        generator_power=snapshot.power.generator_power,
        battery_level=snapshot.soe.percent,
        grid_status=grid_text,
        island_status=None if status is None else _ISLAND_OF[status],
        grid_services_active=snapshot.grid.grid_services_active,
        timestamp=snapshot.power.timestamp,
    )
