"""Typed models of what Powervault units and the cloud report, parsed once at the boundary.

Sign conventions are Home Assistant's from here on: battery power is positive when the
battery discharges, grid power is positive when the home imports, solar and home power are
never negative. Powers are watts, energies watt-hours. The vendor's field names do not leave
this package.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta
import itertools
import re
from typing import Any, Final
from zoneinfo import ZoneInfo

from ...energy_bridges_common.client.parse import (
    as_float as _number,
    parse_timestamp,
    require_list as _require_list,
    require_mapping as _require_mapping,
)
from .const import (
    BUCKET_SECONDS,
    CLOUD_BATTERY_POSITIVE_WHEN_CHARGING,
    SCHEDULE_TIME_ZONE,
    VALID_STATES,
    BatteryActivity,
    BatterySignCheck,
)
from .errors import InvalidResponseError

# Loaded when the module is imported (in an executor by Home Assistant), never in the loop.
SCHEDULE_ZONE: Final = ZoneInfo(SCHEDULE_TIME_ZONE)

WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# The existing integration treats anything up to 10 W of "solar" as inverter noise.
SOLAR_NOISE_WATTS: Final = 10.0

# Two history samples further apart than this are a gap, not a straight line.
MAX_SAMPLE_GAP: Final = timedelta(minutes=10)


# -- value helpers -----------------------------------------------------------------------


def format_utc(when: datetime) -> str:
    """Return a time the way the API writes override times (UTC, no zone suffix)."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _parse_clock(value: Any, what: str) -> time:
    if not isinstance(value, str):
        raise InvalidResponseError(f"{what}: expected HH:MM[:SS], got {value!r}")
    text = value.strip()
    if text in ("24:00", "24:00:00"):
        return time(23, 59, 59)
    for fmt in ("%H:%M:%S", "%H:%M"):
        try:
            return datetime.strptime(text, fmt).time()  # noqa: DTZ007 - a wall-clock time
        except ValueError:
            continue
    raise InvalidResponseError(f"{what}: expected HH:MM[:SS], got {value!r}")


def _parse_state(value: Any, what: str) -> str:
    if not isinstance(value, str) or value not in VALID_STATES:
        raise InvalidResponseError(f"{what}: unknown battery state {value!r}")
    return value


# -- account and units ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Account:
    """A customer account on the cloud."""

    id: str
    name: str | None

    @classmethod
    def from_api(cls, payload: Any) -> Account:
        """Parse ``GET /customerAccount``."""
        body = _require_mapping(payload, "account")
        account = _require_mapping(body.get("customerAccount"), "account.customerAccount")
        account_id = account.get("id")
        if account_id is None or isinstance(account_id, bool | dict | list):
            raise InvalidResponseError("account: no id")
        name = account.get("accountName")
        return cls(id=str(account_id), name=name if isinstance(name, str) else None)


@dataclass(frozen=True, slots=True)
class Unit:
    """A battery unit on the cloud."""

    id: str
    model: str | None = None
    eprom_id: str | None = None

    @classmethod
    def from_api(cls, payload: Any) -> Unit:
        """Parse one unit object."""
        unit = _require_mapping(payload, "unit")
        unit_id = unit.get("id")
        if not isinstance(unit_id, str | int) or isinstance(unit_id, bool) or unit_id == "":
            raise InvalidResponseError("unit: no id")
        model = unit.get("model")
        eprom = unit.get("epromId")
        return cls(
            id=str(unit_id),
            model=str(model) if isinstance(model, str | int) and model != "" else None,
            eprom_id=str(eprom) if isinstance(eprom, str | int) and eprom != "" else None,
        )

    @classmethod
    def list_from_api(cls, payload: Any) -> list[Unit]:
        """Parse ``GET /unit?customerAccountId=``."""
        body = _require_mapping(payload, "units")
        return [cls.from_api(item) for item in _require_list(body.get("units"), "units.units")]


# -- power and energy -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PowerFlow:
    """What the battery, grid, solar and home do now (W; Home Assistant's signs)."""

    state_of_charge: float | None = None
    battery: float | None = None
    """Positive when discharging, negative when charging."""
    grid: float | None = None
    """Positive when importing, negative when exporting."""
    solar: float | None = None
    home: float | None = None

    def __post_init__(self) -> None:
        # A turned sign makes -0.0 of an idle battery, which Home Assistant shows as "-0 W".
        for f in fields(self):
            if (value := getattr(self, f.name)) is not None:
                object.__setattr__(self, f.name, value + 0.0)

    def filled_from(self, other: PowerFlow) -> PowerFlow:
        """Return a copy with the missing values taken from ``other``."""
        changes = {
            f.name: getattr(other, f.name)
            for f in fields(self)
            if getattr(self, f.name) is None and getattr(other, f.name) is not None
        }
        return replace(self, **changes) if changes else self

    @property
    def complete(self) -> bool:
        """Return whether every value is there."""
        return all(getattr(self, f.name) is not None for f in fields(self))


@dataclass(frozen=True, slots=True)
class EnergyFlows:
    """Energy that went each way (Wh), over a bucket or a day."""

    grid_import: float = 0.0
    grid_export: float = 0.0
    solar_production: float = 0.0
    battery_charge: float = 0.0
    battery_discharge: float = 0.0
    home_consumption: float = 0.0

    def __add__(self, other: EnergyFlows) -> EnergyFlows:
        return EnergyFlows(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @classmethod
    def from_power(
        cls, battery: float, grid: float, solar: float | None, seconds: float
    ) -> EnergyFlows:
        """Return the energy of constant power over ``seconds`` (Home Assistant's signs).

        Without a solar value (not measured) neither the solar nor the home energy is
        known: both count nothing rather than taking the solar for 0 W.
        """
        hours = seconds / 3600
        home = max(grid + solar + battery, 0.0) if solar is not None else 0.0
        return cls(
            grid_import=max(grid, 0.0) * hours,
            grid_export=max(-grid, 0.0) * hours,
            solar_production=max(solar, 0.0) * hours if solar is not None else 0.0,
            battery_charge=max(-battery, 0.0) * hours,
            battery_discharge=max(battery, 0.0) * hours,
            home_consumption=home * hours,
        )

    def as_dict(self) -> dict[str, float]:
        """Return the energies in Wh, rounded."""
        return {f.name: round(getattr(self, f.name), 3) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class DailyEnergy:
    """The energy totals of one day (the schedule's local day)."""

    day: date
    energy: EnergyFlows


# -- cloud data -----------------------------------------------------------------------------

_CLOUD_FLOW_FIELDS: Final = (
    "batteryInputFromGrid",
    "batteryInputFromSolar",
    "batteryOutputConsumedByHome",
    "batteryOutputExported",
    "homeConsumed",
    "gridConsumedByHome",
    "solarConsumedByHome",
    "solarExported",
    "solarGenerated",
    "solarConsumption",
)


# Home Assistant's battery power is positive when discharging.
_CLOUD_BATTERY_SIGN: Final = -1.0 if CLOUD_BATTERY_POSITIVE_WHEN_CHARGING else 1.0

# The sign check: a bucket counts when the battery moved at least this much power and the
# state of charge changed; it needs this many such buckets, nearly all agreeing.
SIGN_CHECK_RECORDS: Final = 13
SIGN_CHECK_MIN_WATTS: Final = 150.0
SIGN_CHECK_MIN_VOTES: Final = 3
SIGN_CHECK_AGREEMENT: Final = 0.8


def _milliwatts(record: Mapping[str, Any], key: str) -> float | None:
    value = _number(record.get(key))
    return None if value is None else value / 1000


@dataclass(frozen=True, slots=True)
class CloudRecord:
    """One 5-minute bucket of cloud data (the latest one may still be filling)."""

    time: datetime
    power: PowerFlow
    energy: EnergyFlows
    """Energy of the bucket (its average powers over five minutes)."""
    complete: bool
    """False when the cloud sent ``null`` for some values (a bucket still filling)."""

    @classmethod
    def from_api(cls, payload: Any) -> CloudRecord:
        """Parse one record.

        The cloud sends milliwatts. Its battery power is taken as positive when charging
        (``CLOUD_BATTERY_POSITIVE_WHEN_CHARGING``, an assumption) and turned to Home
        Assistant's sign here.
        """
        record = _require_mapping(payload, "data record")
        when = parse_timestamp(record.get("time"))
        if when is None:
            raise InvalidResponseError(f"data record: bad time {record.get('time')!r}")
        battery = _milliwatts(record, "instant_battery")
        solar = _milliwatts(record, "instant_solar")
        if solar is not None and solar <= SOLAR_NOISE_WATTS:
            solar = 0.0
        power = PowerFlow(
            state_of_charge=_number(record.get("instant_soc")),
            battery=None if battery is None else _CLOUD_BATTERY_SIGN * battery,
            grid=_milliwatts(record, "instant_grid"),
            solar=solar,
            home=_milliwatts(record, "instant_demand"),
        )
        flows = {key: _milliwatts(record, key) for key in _CLOUD_FLOW_FIELDS}
        hours = BUCKET_SECONDS / 3600

        def wh(*keys: str) -> float:
            return sum(max(flows[key] or 0.0, 0.0) for key in keys) * hours

        energy = EnergyFlows(
            grid_import=wh("gridConsumedByHome", "batteryInputFromGrid"),
            grid_export=wh("solarExported", "batteryOutputExported"),
            solar_production=wh("solarGenerated"),
            battery_charge=wh("batteryInputFromGrid", "batteryInputFromSolar"),
            battery_discharge=wh("batteryOutputConsumedByHome", "batteryOutputExported"),
            home_consumption=wh("homeConsumed"),
        )
        complete = power.complete and all(value is not None for value in flows.values())
        return cls(time=when, power=power, energy=energy, complete=complete)

    @classmethod
    def list_from_api(cls, payload: Any) -> list[CloudRecord]:
        """Parse ``GET /unit/{id}/data``, oldest record first."""
        body = _require_mapping(payload, "data")
        records = [cls.from_api(item) for item in _require_list(body.get("data"), "data.data")]
        return sorted(records, key=lambda record: record.time)

    def as_dict(self) -> dict[str, Any]:
        """Return the record in the integration's terms (for action responses)."""
        return {
            "time": self.time.isoformat(),
            **{f"{name}_power": value for name, value in _power_items(self.power)},
            "state_of_charge": self.power.state_of_charge,
            **{f"{name}_energy": value for name, value in self.energy.as_dict().items()},
            "complete": self.complete,
        }


def _power_items(power: PowerFlow) -> Iterable[tuple[str, float | None]]:
    return (
        ("battery", power.battery),
        ("grid", power.grid),
        ("solar", power.solar),
        ("home", power.home),
    )


def latest_power(records: Sequence[CloudRecord]) -> PowerFlow | None:
    """Return the newest record's power with its ``null`` values filled.

    At a 5-minute boundary the cloud's newest bucket is still filling and says ``null``
    for some values; the value of the newest earlier bucket that had one stands in.
    """
    if not records:
        return None
    power = records[-1].power
    for record in reversed(records[:-1]):
        if power.complete:
            break
        power = power.filled_from(record.power)
    return power


def check_battery_sign(records: Sequence[CloudRecord]) -> BatterySignCheck:
    """Return whether the battery power's sign agrees with the state of charge's changes.

    Between two consecutive records the charge moves with the battery power of the later
    one (its bucket is the interval between them). In Home Assistant's signs a rising
    charge goes with a negative battery power. Only clear cases count: enough power, a
    change of charge, and most of them agreeing; otherwise the answer is unknown.
    """
    recent = list(records[-SIGN_CHECK_RECORDS:])
    agree = disagree = 0
    for earlier, later in itertools.pairwise(recent):
        before, after = earlier.power.state_of_charge, later.power.state_of_charge
        battery = later.power.battery
        if before is None or after is None or battery is None:
            continue
        if abs(battery) < SIGN_CHECK_MIN_WATTS or after == before:
            continue
        if (after > before) == (battery < 0):
            agree += 1
        else:
            disagree += 1
    votes = agree + disagree
    if votes < SIGN_CHECK_MIN_VOTES:
        return BatterySignCheck.UNKNOWN
    if agree >= SIGN_CHECK_AGREEMENT * votes:
        return BatterySignCheck.CONSISTENT
    if disagree >= SIGN_CHECK_AGREEMENT * votes:
        return BatterySignCheck.INVERTED
    return BatterySignCheck.UNKNOWN


def sum_energy(records: Iterable[CloudRecord]) -> EnergyFlows:
    """Return the energy of the buckets together."""
    total = EnergyFlows()
    for record in records:
        total += record.energy
    return total


# -- local telemetry ------------------------------------------------------------------------

_CELL_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"^pylontechModule(\d+)cell(\d+)Voltage$"), "module_{0}_cell_{1}_voltage"),
    (re.compile(r"^string(\d+)cell(\d+)Voltage$"), "string_{0}_cell_{1}_voltage"),
    (re.compile(r"^string(\d+)cell(\d+)Temperature$"), "string_{0}_cell_{1}_temperature"),
    (re.compile(r"^pack(\d+)Temperature$"), "pack_{0}_temperature"),
    (re.compile(r"^backplane(\d+)Temperature$"), "backplane_{0}_temperature"),
)

# The local API's measurement names and ours, for the values every unit reports.
_LOCAL_NAMES: Final = {
    "socAverage": "average_state_of_charge",
    "temperature": "temperature",
    "cpuTemperature": "cpu_temperature",
    "inverterVoltage": "inverter_voltage",
    "inverterFrequency": "inverter_frequency",
    "batteryCurrent": "battery_current",
    "gridCurrent": "grid_current",
    "maxChargePower": "max_charge_power",
    "maxDischargePower": "max_discharge_power",
    "pylontechMinCellVoltage": "min_cell_voltage",
    "pylontechMaxCellVoltage": "max_cell_voltage",
    "pylontechMinCellTemperature": "min_cell_temperature",
    "pylontechMaxCellTemperature": "max_cell_temperature",
    "pylontechAvgCellTemperature": "average_cell_temperature",
    "pylontechMinBMSTemperature": "min_bms_temperature",
    "pylontechMaxBMSTemperature": "max_bms_temperature",
    "pylontechAvgBMSTemperature": "average_bms_temperature",
    "pylontechMinMOSFETTemperature": "min_mosfet_temperature",
    "pylontechMaxMOSFETTemperature": "max_mosfet_temperature",
    "pylontechAvgMOSFETTemperature": "average_mosfet_temperature",
    "vocTemperature": "air_temperature",
    "vocHumidity": "air_humidity",
    "vocCO2": "air_co2",
    "vocVOC": "air_voc",
}

# ``actualState`` is a letter; its unit lists the letters the unit may send.
_ACTIVITY_LETTERS: Final = {
    "C": BatteryActivity.CHARGING,
    "D": BatteryActivity.DISCHARGING,
    "I": BatteryActivity.IDLE,
}

_MILLI_UNITS: Final = frozenset({"millivolts", "mv", "milliamps", "ma", "milliwatts", "mw"})


@dataclass(frozen=True, slots=True)
class CellReading:
    """One value of the per-cell battery detail."""

    key: str
    """Our name for it, e.g. ``module_1_cell_4_voltage``."""
    kind: str
    """``voltage`` or ``temperature``."""
    group: str
    """``module``, ``string``, ``pack`` or ``backplane``."""
    index: int
    cell: int | None
    value: float


def _cell_reading(name: str, value: float) -> CellReading | None:
    for pattern, template in _CELL_PATTERNS:
        if (match := pattern.match(name)) is None:
            continue
        numbers = [int(part) for part in match.groups()]
        key = template.format(*numbers)
        return CellReading(
            key=key,
            kind="voltage" if key.endswith("voltage") else "temperature",
            group=key.split("_", 1)[0],
            index=numbers[0],
            cell=numbers[1] if len(numbers) > 1 else None,
            value=value,
        )
    return None


def _measurements(payload: Any, what: str) -> list[Mapping[str, Any]]:
    items = _require_list(payload, what)
    return [item for item in items if isinstance(item, Mapping) and "measurement" in item]


def _record_value(item: Mapping[str, Any]) -> float | None:
    value = _number(item.get("value"))
    unit = item.get("unit")
    if value is not None and isinstance(unit, str) and unit.lower() in _MILLI_UNITS:
        value /= 1000
    return value


@dataclass(frozen=True, slots=True)
class LocalTelemetry:
    """The latest telemetry of a legacy unit.

    A ``null`` from the unit means "not measured": it is None here, never 0.
    """

    power: PowerFlow
    values: Mapping[str, float | None]
    """Our names (``temperature``, ``inverter_voltage``, ...) to values, for every
    measurement the unit reports; None where it reported ``null``."""
    cells: Mapping[str, CellReading]
    """The per-cell detail the unit measures (``null`` ones, e.g. empty module slots, are
    left out: a real P3X reports hundreds of them)."""
    activity: BatteryActivity | None
    """What the unit says its battery does (``actualState``); None if it did not say."""
    requested_state: str | None
    """The unit's ``requestedState`` letter, as sent (its meaning is not documented)."""
    time: datetime | None

    @property
    def actual_state(self) -> str | None:
        """Return the activity's name (diagnostics)."""
        return None if self.activity is None else self.activity.value

    @classmethod
    def from_api(cls, payload: Any) -> LocalTelemetry:
        """Parse ``GET /api/latest-telemetry`` (a list of measurement records).

        The unit's battery power is positive when charging and its solar (``aux1Power``)
        negative when generating (a real P3X: +846 W with ``actualState`` C, aux1 -1404 W);
        both turn to Home Assistant's signs here. ``actualState`` is a letter (C, D, I)
        whatever its unit field lists.
        """
        items = _measurements(payload, "latest telemetry")
        if not items:
            raise InvalidResponseError("latest telemetry: no measurements")
        raw: dict[str, float | None] = {}
        letters: dict[str, str] = {}
        newest: datetime | None = None
        for item in items:
            name = item.get("measurement")
            if not isinstance(name, str):
                continue
            value = item.get("value")
            if isinstance(value, str) and _number(value) is None:
                letters[name] = value.strip()
                continue
            raw[name] = _record_value(item)
            if raw[name] is None:
                continue
            stamp = parse_timestamp(item.get("timestamp"))
            if stamp is not None and (newest is None or stamp > newest):
                newest = stamp
        if not any(value is not None for value in raw.values()):
            raise InvalidResponseError("latest telemetry: no readable measurement")
        return cls(
            power=_local_power(raw),
            values={ours: raw[theirs] for theirs, ours in _LOCAL_NAMES.items() if theirs in raw},
            cells={
                reading.key: reading
                for name, value in raw.items()
                if value is not None and (reading := _cell_reading(name, value)) is not None
            },
            activity=_ACTIVITY_LETTERS.get(letters.get("actualState", "").upper()),
            requested_state=letters.get("requestedState") or None,
            time=newest,
        )


def _local_power(raw: Mapping[str, float | None]) -> PowerFlow:
    """Return the power in Home Assistant's signs; what the unit did not measure is None.

    The home's power is what the others add up to, so it is only known when the battery,
    the grid and the solar all are: a missing solar value is not taken for 0 W.
    """
    battery = raw.get("batteryPower")
    grid = raw.get("gridPower")
    aux1 = raw.get("aux1Power")
    solar = None if aux1 is None else max(-aux1, 0.0)
    if solar is not None and solar <= SOLAR_NOISE_WATTS:
        solar = 0.0
    battery_ha = None if battery is None else -battery
    home = None
    if battery_ha is not None and grid is not None and solar is not None:
        home = max(grid + solar + battery_ha, 0.0)
    return PowerFlow(
        state_of_charge=raw.get("socUsable"), battery=battery_ha, grid=grid, solar=solar, home=home
    )


@dataclass(frozen=True, slots=True)
class HistorySample:
    """One sample of a legacy unit's history (about 30 s apart)."""

    time: datetime
    battery: float | None
    grid: float | None
    solar: float | None
    state_of_charge: float | None

    def as_dict(self) -> dict[str, Any]:
        """Return the sample in the integration's terms (for action responses)."""
        return {
            "time": self.time.isoformat(),
            "battery_power": self.battery,
            "grid_power": self.grid,
            "solar_power": self.solar,
            "state_of_charge": self.state_of_charge,
        }

    @classmethod
    def list_from_api(cls, payload: Any) -> list[HistorySample]:
        """Parse ``GET /api/chart-data``.

        Units answer either a list of lists of measurement records (one list per moment)
        or a list of flat objects; both are read. Samples without a time are dropped.
        """
        samples: list[HistorySample] = []
        for entry in _require_list(payload, "chart data"):
            raw: dict[str, float] = {}
            stamp: datetime | None = None
            if isinstance(entry, list):
                for item in entry:
                    if not isinstance(item, Mapping) or not isinstance(
                        name := item.get("measurement"), str
                    ):
                        continue
                    if (value := _record_value(item)) is not None:
                        raw[name] = value
                    stamp = stamp or parse_timestamp(item.get("timestamp"))
            elif isinstance(entry, Mapping):
                for name, value in entry.items():
                    if (number := _number(value)) is not None:
                        raw[str(name)] = number
                stamp = parse_timestamp(entry.get("timestamp", entry.get("time")))
            if stamp is None:
                continue
            power = _local_power(raw)
            samples.append(
                cls(
                    time=stamp,
                    battery=power.battery,
                    grid=power.grid,
                    solar=power.solar,
                    state_of_charge=power.state_of_charge,
                )
            )
        return sorted(samples, key=lambda sample: sample.time)


def integrate_energy(
    samples: Sequence[HistorySample], previous: HistorySample | None = None
) -> EnergyFlows:
    """Return the energy between consecutive samples (each interval at its start's power).

    Intervals longer than ``MAX_SAMPLE_GAP`` are gaps in the history and count nothing.
    """
    total = EnergyFlows()
    points = [previous, *samples] if previous is not None else list(samples)
    for start, end in itertools.pairwise(points):
        seconds = (end.time - start.time).total_seconds()
        if seconds <= 0 or seconds > MAX_SAMPLE_GAP.total_seconds():
            continue
        if start.battery is None or start.grid is None:
            continue
        total += EnergyFlows.from_power(start.battery, start.grid, start.solar, seconds)
    return total


# -- schedule and overrides -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleSlot:
    """A slot of the weekly schedule (British local time, both ends included)."""

    start: time
    end: time
    state: str

    @classmethod
    def from_api(cls, payload: Any) -> ScheduleSlot:
        """Parse one slot."""
        slot = _require_mapping(payload, "schedule slot")
        return cls(
            start=_parse_clock(slot.get("start"), "schedule slot start"),
            end=_parse_clock(slot.get("end"), "schedule slot end"),
            state=_parse_state(slot.get("state"), "schedule slot"),
        )

    def covers(self, moment: time) -> bool:
        """Return whether the local wall-clock time falls in the slot."""
        return self.start <= moment <= self.end

    def as_dict(self) -> dict[str, str]:
        """Return the slot as the API writes it."""
        return {
            "start": self.start.strftime("%H:%M:%S"),
            "end": self.end.strftime("%H:%M:%S"),
            "state": self.state,
        }


@dataclass(frozen=True, slots=True)
class Schedule:
    """The weekly schedule set in the Powervault portal."""

    days: Mapping[int, tuple[ScheduleSlot, ...]] = field(default_factory=dict)
    """Weekday (Monday = 0) to its slots."""

    @classmethod
    def from_api(cls, payload: Any) -> Schedule:
        """Parse a schedule: the cloud wraps it in ``schedule``, the local API does not."""
        body = _require_mapping(payload, "schedule")
        if "schedule" in body:
            body = _require_mapping(body["schedule"], "schedule.schedule")
        days: dict[int, tuple[ScheduleSlot, ...]] = {}
        for index, name in enumerate(WEEKDAYS):
            slots = body.get(name)
            if slots is None:
                continue
            days[index] = tuple(
                ScheduleSlot.from_api(slot) for slot in _require_list(slots, f"schedule.{name}")
            )
        return cls(days=days)

    def slot_at(self, now: datetime) -> ScheduleSlot | None:
        """Return the slot covering ``now`` (any zone; compared in British local time)."""
        local = now.astimezone(SCHEDULE_ZONE)
        moment = local.time().replace(microsecond=0)
        for slot in self.days.get(local.weekday(), ()):
            if slot.covers(moment):
                return slot
        return None

    def boundaries_after(self, now: datetime, days: int = 2) -> list[datetime]:
        """Return the moments (UTC) after ``now`` when the slot may change, soonest first."""
        local_now = now.astimezone(SCHEDULE_ZONE)
        moments: list[datetime] = []
        for offset in range(days + 1):
            day = local_now.date() + timedelta(days=offset)
            for slot in self.days.get(day.weekday(), ()):
                start = datetime.combine(day, slot.start, SCHEDULE_ZONE)
                end = datetime.combine(day, slot.end, SCHEDULE_ZONE) + timedelta(seconds=1)
                moments.extend(moment.astimezone(UTC) for moment in (start, end))
            moments.append(
                datetime.combine(day + timedelta(days=1), time(), SCHEDULE_ZONE).astimezone(UTC)
            )
        return sorted({moment for moment in moments if moment > now})

    def as_dict(self) -> dict[str, list[dict[str, str]]]:
        """Return the schedule by weekday name."""
        return {
            WEEKDAYS[index]: [slot.as_dict() for slot in slots]
            for index, slots in sorted(self.days.items())
        }


@dataclass(frozen=True, slots=True)
class StateOverride:
    """A state the unit keeps from ``start`` to ``end`` (UTC), whatever the schedule says."""

    start: datetime
    end: datetime
    state: str

    @classmethod
    def from_api(cls, payload: Any) -> StateOverride | None:
        """Parse one override; an empty object (no override) is None."""
        body = _require_mapping(payload, "state override")
        if not body or all(body.get(key) in (None, "") for key in ("start", "end", "state")):
            return None
        start = parse_timestamp(body.get("start"))
        end = parse_timestamp(body.get("end"))
        if start is None or end is None:
            raise InvalidResponseError(f"state override: bad times {body!r}")
        return cls(start=start, end=end, state=_parse_state(body.get("state"), "state override"))

    @classmethod
    def list_from_api(cls, payload: Any) -> list[StateOverride]:
        """Parse the cloud's ``{"stateOverrides": [...]}`` or the local single object."""
        if payload is None:
            return []
        body = _require_mapping(payload, "state override")
        if "stateOverrides" in body:
            items = body["stateOverrides"] or []
            parsed = [cls.from_api(item) for item in _require_list(items, "stateOverrides")]
        else:
            parsed = [cls.from_api(body)]
        return sorted((item for item in parsed if item is not None), key=lambda o: o.start)

    def active(self, now: datetime) -> bool:
        """Return whether the override covers ``now``."""
        return self.start <= now < self.end

    def as_api(self) -> dict[str, str]:
        """Return the override as the API takes it."""
        return {"start": format_utc(self.start), "end": format_utc(self.end), "state": self.state}

    def as_dict(self) -> dict[str, str]:
        """Return the override in ISO format (for diagnostics)."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "state": self.state}


@dataclass(frozen=True, slots=True)
class EffectiveState:
    """What the battery is meant to do now, and why."""

    state: str | None
    """One of the valid states; None when neither an override nor the schedule covers now."""
    source: str | None
    """``override``, ``schedule`` or None."""
    override: StateOverride | None


@dataclass(frozen=True, slots=True)
class BatteryControl:
    """The schedule and the overrides: what decides the battery's state."""

    schedule: Schedule
    overrides: tuple[StateOverride, ...]

    def active_override(self, now: datetime) -> StateOverride | None:
        """Return the override covering ``now`` (the latest one to start wins)."""
        active = [item for item in self.overrides if item.active(now)]
        return active[-1] if active else None

    def effective_state(self, now: datetime) -> EffectiveState:
        """Return the active override's state, else the schedule slot's, else unknown."""
        if (override := self.active_override(now)) is not None:
            return EffectiveState(state=override.state, source="override", override=override)
        if (slot := self.schedule.slot_at(now)) is not None:
            return EffectiveState(state=slot.state, source="schedule", override=None)
        return EffectiveState(state=None, source=None, override=None)

    def next_change(self, now: datetime) -> datetime | None:
        """Return the next moment the effective state may change."""
        moments = self.schedule.boundaries_after(now)
        for item in self.overrides:
            moments.extend(moment for moment in (item.start, item.end) if moment > now)
        return min(moments) if moments else None
