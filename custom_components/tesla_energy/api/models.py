"""Typed models of the Fleet API energy replies, parsed once here.

The vendor's field names stay in this file: everything above it reads the names below.
Values of an unexpected type are dropped (None) rather than guessed at, so a reply with a
string where a number belongs makes one sensor unknown instead of failing the whole update.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from ...energy_bridges_common.client.parse import as_bool, as_float, as_int, as_str
from .errors import InvalidResponseError


class OperationMode(StrEnum):
    """How the Powerwall uses its energy (``default_real_mode``)."""

    AUTONOMOUS = "autonomous"
    """Time-based control: charge and discharge by the tariff."""
    SELF_CONSUMPTION = "self_consumption"
    """Self-powered: store solar and power the home from the battery."""
    BACKUP = "backup"
    """Backup only: keep the battery full for outages."""


class ExportRule(StrEnum):
    """What may be exported to the grid (``customer_preferred_export_rule``)."""

    BATTERY_OK = "battery_ok"
    PV_ONLY = "pv_only"
    NEVER = "never"


class IslandStatus(StrEnum):
    """Whether the site is connected to the grid."""

    ON_GRID = "on_grid"
    OFF_GRID = "off_grid"
    OFF_GRID_UNINTENTIONAL = "off_grid_unintentional"
    OFF_GRID_INTENTIONAL = "off_grid_intentional"
    UNKNOWN = "island_status_unknown"


class WallConnectorState(StrEnum):
    """What a Wall Connector is doing (``wall_connector_state``).

    The codes are those of the Wall Connector's own local API (Home Assistant core's
    ``tesla_wall_connector`` names them); that the Fleet API sends the same codes is assumed.
    """

    BOOTING = "booting"
    NOT_CONNECTED = "not_connected"
    CONNECTED = "connected"
    READY = "ready"
    NEGOTIATING = "negotiating"
    ERROR = "error"
    CHARGING_FINISHED = "charging_finished"
    WAITING_CAR = "waiting_car"
    CHARGING_REDUCED = "charging_reduced"
    CHARGING = "charging"
    UNRECOGNIZED = "unrecognized"
    """A code none of the known ones: the raw code says which."""


_WALL_CONNECTOR_STATES: dict[int, WallConnectorState] = {
    0: WallConnectorState.BOOTING,
    1: WallConnectorState.NOT_CONNECTED,
    2: WallConnectorState.CONNECTED,
    4: WallConnectorState.READY,
    6: WallConnectorState.NEGOTIATING,
    7: WallConnectorState.ERROR,
    8: WallConnectorState.CHARGING_FINISHED,
    9: WallConnectorState.WAITING_CAR,
    10: WallConnectorState.CHARGING_REDUCED,
    11: WallConnectorState.CHARGING,
}


# --- value helpers -------------------------------------------------------------------------


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def response_of(payload: Any) -> Mapping[str, Any]:
    """Return the ``response`` object of a reply, or raise when there is none."""
    if not isinstance(payload, Mapping):
        raise InvalidResponseError(f"Reply is not an object: {type(payload).__name__}")
    response = payload.get("response")
    if not isinstance(response, Mapping):
        error = payload.get("error")
        detail = f" ({error})" if isinstance(error, str) else ""
        raise InvalidResponseError(f"Reply has no response object{detail}")
    return response


# --- region and products -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Region:
    """The account's region and its Fleet API server."""

    region: str
    base_url: str

    @classmethod
    def from_api(cls, payload: Any) -> Region:
        """Parse ``/api/1/users/region``."""
        data = response_of(payload)
        region, base = as_str(data.get("region")), as_str(data.get("fleet_api_base_url"))
        if region is None or base is None:
            raise InvalidResponseError("Region reply lacks the region or its server")
        return cls(region=region.lower(), base_url=base.rstrip("/"))


@dataclass(frozen=True, slots=True)
class EnergySite:
    """An energy site of the account, as the product list shows it."""

    site_id: int
    name: str
    gateway_id: str | None
    has_battery: bool
    has_solar: bool
    has_grid: bool
    wall_connectors: tuple[str, ...]

    @property
    def is_useful(self) -> bool:
        """Return whether the site has anything to show (battery, solar or a charger)."""
        return self.has_battery or self.has_solar or bool(self.wall_connectors)


def _flag(components: Mapping[str, Any], key: str, default: bool) -> bool:
    value = as_bool(components.get(key))
    return default if value is None else value


def parse_products(payload: Any) -> list[EnergySite]:
    """Parse ``/api/1/products`` into the energy sites (vehicles are skipped)."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("response"), list):
        raise InvalidResponseError("Product list reply has no list of products")
    sites: list[EnergySite] = []
    for product in payload["response"]:
        if (
            not isinstance(product, Mapping)
            or (site_id := as_int(product.get("energy_site_id"))) is None
        ):
            continue
        components = _mapping(product.get("components"))
        connectors = tuple(
            din
            for connector in _list(components.get("wall_connectors"))
            if (din := as_str(_mapping(connector).get("din")))
        )
        resource = as_str(product.get("resource_type"))
        sites.append(
            EnergySite(
                site_id=site_id,
                name=as_str(product.get("site_name")) or f"Energy site {site_id}",
                gateway_id=as_str(product.get("gateway_id")),
                # The components say what is installed; older replies only have the type.
                has_battery=_flag(components, "battery", resource == "battery"),
                has_solar=_flag(components, "solar", resource == "solar"),
                has_grid=bool(as_bool(components.get("grid"))),
                wall_connectors=connectors,
            )
        )
    return sites


# --- site_info -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WallConnectorInfo:
    """A Wall Connector installed at the site."""

    din: str
    part_name: str | None
    serial_number: str | None


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """The site's settings and features (``site_info``)."""

    site_id: int | None
    name: str | None
    backup_reserve: float | None
    operation_mode: OperationMode | None
    storm_watch_enabled: bool | None
    allow_charge_from_grid: bool | None
    export_rule: ExportRule | None
    off_grid_vehicle_charging_reserve: float | None
    version: str | None
    battery_count: int | None
    nameplate_power: float | None
    nameplate_energy: float | None
    installation_date: datetime | None
    time_zone: str | None
    has_battery: bool
    has_solar: bool
    has_grid: bool
    storm_mode_capable: bool
    tou_capable: bool
    off_grid_reserve_supported: bool
    grid_services_enabled: bool
    wall_connectors: tuple[WallConnectorInfo, ...] = ()
    tariff: Mapping[str, Any] | None = None
    vpp_backup_reserve: float | None = None
    """The share a virtual power plant keeps for outages (%)."""

    def tariff_prices(self, local: datetime) -> TariffPrices | None:
        """Return the buy and sell prices of the site's tariff at a time in its time zone."""
        return tariff_prices(self.tariff, local) if self.tariff is not None else None

    @classmethod
    def from_api(cls, payload: Any) -> SiteInfo:
        """Parse ``site_info``."""
        data = response_of(payload)
        components = _mapping(data.get("components"))
        user_settings = _mapping(data.get("user_settings"))
        mode = as_str(data.get("default_real_mode"))
        rule = as_str(components.get("customer_preferred_export_rule"))
        disallow = as_bool(components.get("disallow_charge_from_grid_with_solar_installed"))
        connectors = tuple(
            WallConnectorInfo(
                din=din,
                part_name=as_str(_mapping(item).get("part_name")),
                serial_number=as_str(_mapping(item).get("serial_number")),
            )
            for item in _list(components.get("wall_connectors"))
            if (din := as_str(_mapping(item).get("din")))
        )
        tariff = data.get("tariff_content_v2")
        return cls(
            # site_info's own ``id`` is a string unrelated to the energy site id (real replies).
            site_id=as_int(data.get("energy_site_id")),
            name=as_str(data.get("site_name")),
            backup_reserve=as_float(data.get("backup_reserve_percent")),
            operation_mode=OperationMode(mode)
            if mode is not None and mode in OperationMode
            else None,
            storm_watch_enabled=as_bool(user_settings.get("storm_mode_enabled")),
            # The API names the opposite ("disallow"); users think of allowing it.
            allow_charge_from_grid=None if disallow is None else not disallow,
            export_rule=ExportRule(rule) if rule is not None and rule in ExportRule else None,
            off_grid_vehicle_charging_reserve=as_float(
                data.get("off_grid_vehicle_charging_reserve_percent")
            ),
            version=as_str(data.get("version")),
            battery_count=as_int(data.get("battery_count")),
            nameplate_power=as_float(data.get("nameplate_power")),
            nameplate_energy=as_float(data.get("nameplate_energy")),
            installation_date=_datetime(data.get("installation_date")),
            time_zone=as_str(data.get("installation_time_zone")),
            has_battery=bool(as_bool(components.get("battery"))),
            has_solar=bool(as_bool(components.get("solar"))),
            has_grid=bool(as_bool(components.get("grid"))),
            storm_mode_capable=bool(as_bool(components.get("storm_mode_capable"))),
            tou_capable=bool(as_bool(components.get("tou_capable"))),
            off_grid_reserve_supported=bool(
                as_bool(components.get("off_grid_vehicle_charging_reserve_supported"))
            ),
            grid_services_enabled=bool(as_bool(components.get("grid_services_enabled"))),
            wall_connectors=connectors,
            tariff=tariff if isinstance(tariff, Mapping) else None,
            vpp_backup_reserve=as_float(data.get("vpp_backup_reserve_percent")),
        )


# --- live_status ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WallConnectorStatus:
    """A Wall Connector's live state."""

    din: str
    state: int | None
    fault_state: int | None
    power: float | None
    vin: str | None = None
    """The vehicle plugged in, when the site says (not every site does)."""

    @property
    def state_name(self) -> WallConnectorState | None:
        """Return the state by name (``UNRECOGNIZED`` for a code not known)."""
        if self.state is None:
            return None
        return _WALL_CONNECTOR_STATES.get(self.state, WallConnectorState.UNRECOGNIZED)


@dataclass(frozen=True, slots=True)
class LiveStatus:
    """The site's live power flows and states (``live_status``)."""

    solar_power: float | None
    battery_power: float | None
    """Positive while discharging."""
    grid_power: float | None
    """Positive while importing."""
    load_power: float | None
    generator_power: float | None
    grid_services_power: float | None
    battery_level: float | None
    energy_left: float | None
    total_pack_energy: float | None
    grid_status: str | None
    island_status: IslandStatus | None
    storm_active: bool | None
    backup_capable: bool | None
    grid_services_active: bool | None
    timestamp: datetime | None
    wall_connectors: dict[str, WallConnectorStatus] = field(default_factory=dict)

    @property
    def grid_connected(self) -> bool | None:
        """Return whether the grid is up (None when the site cannot tell)."""
        if self.grid_status is None or self.grid_status.lower() == "unknown":
            return None
        return self.grid_status.lower() == "active"

    @classmethod
    def from_api(cls, payload: Any) -> LiveStatus:
        """Parse ``live_status``."""
        data = response_of(payload)
        connectors: dict[str, WallConnectorStatus] = {}
        # Seen in the wild: null for sites without chargers, and even a string.
        for raw in _list(data.get("wall_connectors")):
            item = _mapping(raw)
            if (din := as_str(item.get("din"))) is None:
                continue
            connectors[din] = WallConnectorStatus(
                din=din,
                state=as_int(item.get("wall_connector_state")),
                fault_state=as_int(item.get("wall_connector_fault_state")),
                power=as_float(item.get("wall_connector_power")),
                vin=as_str(item.get("vin")),
            )
        island = as_str(data.get("island_status"))
        return cls(
            solar_power=as_float(data.get("solar_power")),
            battery_power=as_float(data.get("battery_power")),
            grid_power=as_float(data.get("grid_power")),
            load_power=as_float(data.get("load_power")),
            generator_power=as_float(data.get("generator_power")),
            grid_services_power=as_float(data.get("grid_services_power")),
            battery_level=as_float(data.get("percentage_charged")),
            energy_left=as_float(data.get("energy_left")),
            total_pack_energy=as_float(data.get("total_pack_energy")),
            grid_status=as_str(data.get("grid_status")),
            island_status=(
                IslandStatus(island) if island is not None and island in IslandStatus else None
            ),
            storm_active=as_bool(data.get("storm_mode_active")),
            backup_capable=as_bool(data.get("backup_capable")),
            grid_services_active=as_bool(data.get("grid_services_active")),
            timestamp=_datetime(data.get("timestamp")),
            wall_connectors=connectors,
        )


# --- the tariff's current prices ------------------------------------------------------------

_ALL = "ALL"


@dataclass(frozen=True, slots=True)
class TariffPrices:
    """The prices of a tariff at one moment (currency per kWh)."""

    currency: str | None
    buy: float | None
    sell: float | None
    """None when the tariff has no sell tariff."""
    period: str | None
    """The time-of-use period (``ON_PEAK``, ``OFF_PEAK``, ...)."""


def _whole(value: Any) -> int | None:
    """Return an integer field of a tariff (keys left out are zero, as Tesla sends them)."""
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _in_season(season: Mapping[str, Any], local: datetime) -> bool:
    bounds = [_whole(season.get(k)) for k in ("fromMonth", "fromDay", "toMonth", "toDay")]
    if any(b is None for b in bounds):
        return False
    start = (bounds[0] or 0, bounds[1] or 0)
    end = (bounds[2] or 0, bounds[3] or 0)
    today = (local.month, local.day)
    if start <= end:
        return start <= today <= end
    return today >= start or today <= end


def _in_window(window: Any, weekday: int, minute: int) -> bool:
    item = _mapping(window)
    fields = [
        _whole(item.get(k))
        for k in ("fromDayOfWeek", "toDayOfWeek", "fromHour", "fromMinute", "toHour", "toMinute")
    ]
    if any(f is None for f in fields):
        return False
    first, last, from_hour, from_minute, to_hour, to_minute = (f or 0 for f in fields)
    if not (first <= weekday <= last if first <= last else weekday >= first or weekday <= last):
        return False
    start = from_hour * 60 + from_minute
    end = (to_hour * 60 + to_minute) % (24 * 60)
    if start == end:
        return True
    # A window that ends before it starts covers the end and the start of each of its days.
    return start <= minute < end if start < end else minute >= start or minute < end


def _season_and_period(
    seasons: Mapping[str, Any], local: datetime
) -> tuple[str | None, str | None]:
    weekday, minute = local.weekday(), local.hour * 60 + local.minute
    for name, raw in seasons.items():
        season = _mapping(raw)
        if not _in_season(season, local):
            continue
        for period, entry in _mapping(season.get("tou_periods")).items():
            windows = entry.get("periods") if isinstance(entry, Mapping) else entry
            if any(_in_window(window, weekday, minute) for window in _list(windows)):
                return str(name), str(period)
        return str(name), None
    return None, None


def _rate(charges: Any, season: str | None, period: str | None) -> float | None:
    """Return a price with the tariff's fallbacks: a rate or a season named ``ALL``."""
    for season_key, period_key in ((season, period), (season, _ALL), (_ALL, period), (_ALL, _ALL)):
        if season_key is None or period_key is None:
            continue
        rates = _mapping(_mapping(_mapping(charges).get(season_key)).get("rates"))
        if (price := as_float(rates.get(period_key))) is not None:
            return price
    return None


def tariff_prices(tariff: Mapping[str, Any], local: datetime) -> TariffPrices:
    """Return the buy and sell prices of ``tariff_content_v2`` at a local time.

    A sell tariff without seasons of its own follows the buy tariff's.
    """
    season, period = _season_and_period(_mapping(tariff.get("seasons")), local)
    buy = _rate(tariff.get("energy_charges"), season, period)
    sell: float | None = None
    sell_tariff = _mapping(tariff.get("sell_tariff"))
    if sell_tariff:
        sell_season, sell_period = season, period
        if _mapping(sell_tariff.get("seasons")):
            sell_season, sell_period = _season_and_period(sell_tariff["seasons"], local)
        sell = _rate(sell_tariff.get("energy_charges"), sell_season, sell_period)
    return TariffPrices(currency=as_str(tariff.get("currency")), buy=buy, sell=sell, period=period)


# --- history -------------------------------------------------------------------------------

# Our name -> the Fleet API fields it sums (Wh).
ENERGY_FLOWS: dict[str, tuple[str, ...]] = {
    "solar_production": ("solar_energy_exported",),
    "generator_production": ("generator_energy_exported",),
    "grid_import": ("grid_energy_imported",),
    "grid_export": (
        "grid_energy_exported_from_solar",
        "grid_energy_exported_from_generator",
        "grid_energy_exported_from_battery",
    ),
    "battery_charge": (
        "battery_energy_imported_from_grid",
        "battery_energy_imported_from_solar",
        "battery_energy_imported_from_generator",
    ),
    "battery_discharge": ("battery_energy_exported",),
    "home_usage": (
        "consumer_energy_imported_from_grid",
        "consumer_energy_imported_from_solar",
        "consumer_energy_imported_from_battery",
        "consumer_energy_imported_from_generator",
    ),
    "grid_services_import": ("grid_services_energy_imported",),
    "grid_services_export": ("grid_services_energy_exported",),
}
ENERGY_FIELDS: tuple[str, ...] = tuple(f for fields in ENERGY_FLOWS.values() for f in fields)


@dataclass(frozen=True, slots=True)
class EnergyInterval:
    """The energy that flowed in one interval (Wh per flow in ``ENERGY_FLOWS``)."""

    start: datetime
    flows: dict[str, float]
    raw: dict[str, float]


def parse_energy_history(payload: Any) -> list[EnergyInterval]:
    """Parse ``calendar_history?kind=energy`` into intervals, oldest first."""
    data = response_of(payload)
    series = data.get("time_series")
    if series is None:
        return []
    if not isinstance(series, list):
        raise InvalidResponseError("Energy history has no time series")
    intervals: list[EnergyInterval] = []
    for raw_point in series:
        point = _mapping(raw_point)
        if (start := _datetime(point.get("timestamp"))) is None:
            continue
        # Real replies send every field (zeros too); a field left out counts as nothing.
        raw = {
            name: max(value, 0.0)
            for name in ENERGY_FIELDS
            if (value := as_float(point.get(name))) is not None
        }
        flows = {
            flow: sum(raw.get(name, 0.0) for name in names) for flow, names in ENERGY_FLOWS.items()
        }
        intervals.append(EnergyInterval(start=start, flows=flows, raw=raw))
    intervals.sort(key=lambda item: item.start)
    return intervals


@dataclass(frozen=True, slots=True)
class BackupEvent:
    """A time the site ran off-grid on its battery."""

    start: datetime
    duration: timedelta


def parse_backup_history(payload: Any) -> list[BackupEvent]:
    """Parse ``calendar_history?kind=backup``."""
    data = response_of(payload)
    events: list[BackupEvent] = []
    for raw in _list(data.get("events")):
        item = _mapping(raw)
        start = _datetime(item.get("timestamp"))
        seconds = as_float(item.get("duration"))
        if start is not None and seconds is not None:
            events.append(BackupEvent(start=start, duration=timedelta(seconds=seconds)))
    return events


@dataclass(frozen=True, slots=True)
class ChargeSession:
    """A Wall Connector charging session."""

    start: datetime
    duration: timedelta
    energy_added: float
    """Wh."""


def _seconds(value: Any) -> float | None:
    if isinstance(value, Mapping):
        return as_float(value.get("seconds"))
    return as_float(value)


def parse_charge_history(payload: Any) -> list[ChargeSession]:
    """Parse ``telemetry_history?kind=charge``."""
    data = response_of(payload)
    sessions: list[ChargeSession] = []
    for raw in _list(data.get("charge_history") or data.get("time_series")):
        item = _mapping(raw)
        start = _seconds(item.get("charge_start_time"))
        duration = _seconds(item.get("charge_duration"))
        energy = as_float(item.get("energy_added_wh"))
        if start is None or duration is None or energy is None:
            continue
        sessions.append(
            ChargeSession(
                start=datetime.fromtimestamp(start, UTC),
                duration=timedelta(seconds=duration),
                energy_added=energy,
            )
        )
    return sessions


def parse_command_result(payload: Any) -> str | None:
    """Return the failure message of a command reply, or None when it succeeded."""
    if not isinstance(payload, Mapping):
        return "The site sent no reply to the command"
    response = payload.get("response")
    if isinstance(response, Mapping):
        code = as_int(response.get("code"))
        if code is not None and not 200 <= code < 300:
            return as_str(response.get("message")) or f"The site refused the command ({code})"
        if response.get("result") is False:
            return as_str(response.get("reason")) or "The site refused the command"
        return None
    if response is None:
        error = payload.get("error")
        return error if isinstance(error, str) else "The site sent no result for the command"
    return None
