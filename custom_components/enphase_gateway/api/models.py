"""Typed models of the gateway's replies, parsed once here.

Vendor field names never leave this module: every ``from_json`` takes the decoded reply and
returns plain values in SI-ish units (W, Wh, V, A, Hz, °C). Missing or ill-typed fields become
None rather than errors, because firmware generations differ in what they send; a reply of the
wrong shape altogether raises ``InvalidResponseError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
import math
from typing import Any, Protocol
from xml.etree import ElementTree as ET

from ...energy_bridges_common.client.errors import InvalidResponseError
from ...energy_bridges_common.client.parse import require_list as _list, require_mapping as _mapping


def _num(value: Any) -> float | None:
    """Return a finite number, or None for anything else (bools and strings included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _int(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _scaled(value: Any, factor: float) -> float | None:
    number = _num(value)
    return None if number is None else number * factor


class _Flow(Protocol):
    @property
    def power(self) -> float | None: ...
    @property
    def apparent_power(self) -> float | None: ...


def _power_factor(
    value: Any, active: float | None, apparent: float | None, channels: Sequence[_Flow] = ()
) -> float | None:
    """Return a power factor within -1..1.

    A split-phase CT's ``pwrFactor`` can be the sum of its channels' (above 1): then take it
    from the channels' active and apparent power, or from the CT's own.
    """
    factor = _num(value)
    if factor is None or abs(factor) <= 1:
        return factor
    if channels:
        active_sum = sum(c.power or 0.0 for c in channels)
        apparent_sum = sum(abs(c.apparent_power or 0.0) for c in channels)
        if apparent_sum > 0:
            return max(-1.0, min(1.0, active_sum / apparent_sum))
    if active is not None and apparent:
        return max(-1.0, min(1.0, active / abs(apparent)))
    return None


# -- identity ---------------------------------------------------------------------------------


def parse_firmware(text: str) -> tuple[int, ...]:
    """Return the numeric version of ``D8.3.5167`` / ``R3.9.36`` / ``8.2.4264`` (or ())."""
    digits = text.strip().lstrip("DRdr")
    parts: list[int] = []
    for part in digits.split("."):
        number = "".join(ch for ch in part if ch.isdigit())
        if not number:
            break
        parts.append(int(number))
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class GatewayInfo:
    """What ``/info`` says: serial, part number, firmware, whether it is metered."""

    serial: str
    part_number: str | None
    firmware: str
    metered: bool
    web_tokens: bool

    @property
    def version(self) -> tuple[int, ...]:
        """Return the firmware as numbers, e.g. (8, 3, 5167)."""
        return parse_firmware(self.firmware)

    @property
    def uses_token(self) -> bool:
        """Return whether the gateway wants a JWT (firmware 7 and later)."""
        version = self.version
        return self.web_tokens or (bool(version) and version[0] >= 7)

    @classmethod
    def from_xml(cls, text: str) -> GatewayInfo:
        """Parse the XML of ``/info``."""
        try:
            root = ET.fromstring(text.strip())  # noqa: S314 - the gateway on the LAN
        except ET.ParseError as err:
            raise InvalidResponseError(f"/info is not XML: {err}") from err
        device = root.find("device")
        serial = root.findtext("device/sn") if device is not None else None
        firmware = root.findtext("device/software")
        if not serial or not firmware:
            raise InvalidResponseError("/info has no serial number or firmware version")
        return cls(
            serial=serial.strip(),
            part_number=(root.findtext("device/pn") or "").strip() or None,
            firmware=firmware.strip(),
            metered=(root.findtext("device/imeter") or "").strip().lower() == "true",
            web_tokens=(root.findtext("web-tokens") or "").strip().lower() == "true",
        )


@dataclass(frozen=True, slots=True)
class NetworkInterface:
    """One network interface of the gateway (from ``/home``)."""

    name: str
    type: str | None
    mac: str | None
    ip: str | None
    connected: bool | None
    signal_strength: int | None
    signal_strength_max: int | None


@dataclass(frozen=True, slots=True)
class InterfaceInfo:
    """What ``/home`` says: network interfaces, cloud reporting, time zone."""

    primary_interface: str | None
    interfaces: tuple[NetworkInterface, ...]
    reporting_to_cloud: bool | None
    last_cloud_report: int | None
    timezone: str | None
    tariff: str | None

    @property
    def primary(self) -> NetworkInterface | None:
        """Return the interface in use."""
        return next((i for i in self.interfaces if i.name == self.primary_interface), None)

    @classmethod
    def from_json(cls, data: Any) -> InterfaceInfo:
        """Parse ``/home``."""
        root = _mapping(data, "/home")
        network = root.get("network") if isinstance(root.get("network"), Mapping) else {}
        assert isinstance(network, Mapping)
        interfaces = []
        for item in network.get("interfaces") or []:
            if not isinstance(item, Mapping) or not isinstance(item.get("interface"), str):
                continue
            interfaces.append(
                NetworkInterface(
                    name=item["interface"],
                    type=_str(item.get("type")),
                    mac=_str(item.get("mac")),
                    ip=_str(item.get("ip")),
                    connected=_bool(item.get("carrier")),
                    signal_strength=_int(item.get("signal_strength")),
                    signal_strength_max=_int(item.get("signal_strength_max")),
                )
            )
        return cls(
            primary_interface=_str(network.get("primary_interface")),
            interfaces=tuple(interfaces),
            reporting_to_cloud=_bool(network.get("web_comm")),
            last_cloud_report=_int(network.get("last_enlighten_report_time")),
            timezone=_str(root.get("timezone")),
            tariff=_str(root.get("tariff")),
        )


# -- production and consumption ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measurement:
    """Power and energy of one flow (production, consumption, net) or one phase of it."""

    power: float | None
    energy_today: float | None = None
    energy_last_seven_days: float | None = None
    energy_lifetime: float | None = None
    voltage: float | None = None
    current: float | None = None
    power_factor: float | None = None
    apparent_power: float | None = None
    reactive_power: float | None = None
    phases: tuple[Measurement, ...] = ()

    @classmethod
    def from_eim(cls, item: Mapping[str, Any]) -> Measurement:
        """Parse an ``eim`` (CT) section or one of its ``lines``."""
        lines = item.get("lines")
        phases = (
            tuple(cls.from_eim(line) for line in lines if isinstance(line, Mapping))
            if isinstance(lines, list)
            else ()
        )
        power = _num(item.get("wNow"))
        apparent = _num(item.get("apprntPwr"))
        return cls(
            power=power,
            energy_today=_num(item.get("whToday")),
            energy_last_seven_days=_num(item.get("whLastSevenDays")),
            energy_lifetime=_num(item.get("whLifetime")),
            voltage=_num(item.get("rmsVoltage")),
            current=_num(item.get("rmsCurrent")),
            power_factor=_power_factor(item.get("pwrFactor"), power, apparent, phases),
            apparent_power=apparent,
            reactive_power=_num(item.get("reactPwr")),
            phases=phases,
        )

    def minus(self, other: Measurement) -> Measurement:
        """Return this flow less another (total consumption = net + production, etc.)."""

        def sub(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else a - b

        phases: tuple[Measurement, ...] = ()
        if len(self.phases) == len(other.phases):
            phases = tuple(a.minus(b) for a, b in zip(self.phases, other.phases, strict=True))
        return Measurement(
            power=sub(self.power, other.power),
            energy_lifetime=sub(self.energy_lifetime, other.energy_lifetime),
            voltage=self.voltage,
            phases=phases,
        )

    def plus(self, other: Measurement) -> Measurement:
        """Return the sum of two flows."""
        negated = Measurement(
            power=None if other.power is None else -other.power,
            energy_lifetime=None if other.energy_lifetime is None else -other.energy_lifetime,
            phases=tuple(
                Measurement(
                    power=None if p.power is None else -p.power,
                    energy_lifetime=None if p.energy_lifetime is None else -p.energy_lifetime,
                )
                for p in other.phases
            ),
        )
        return self.minus(negated)

    @property
    def is_all_zero(self) -> bool:
        """Return whether every reported value is zero (a just-booted old gateway)."""
        values = (self.power, self.energy_today, self.energy_last_seven_days, self.energy_lifetime)
        return all(v in (None, 0) for v in values)


class AcBatteryState(StrEnum):
    """What the AC Batteries are doing."""

    CHARGING = "charging"
    DISCHARGING = "discharging"
    IDLE = "idle"


@dataclass(frozen=True, slots=True)
class AcBatteries:
    """The AC Batteries (older ACB) taken together: ``storage`` type ``acb`` of the report."""

    count: int
    power: float | None
    """W, positive while discharging."""
    energy: float | None
    """Wh stored now."""
    soc: float | None
    state: AcBatteryState | None

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> AcBatteries:
        """Parse one ``acb`` storage entry."""
        state = _str(item.get("state")) or ""
        return cls(
            count=_int(item.get("activeCount")) or 0,
            power=_num(item.get("wNow")),
            energy=_num(item.get("whNow")),
            soc=_num(item.get("percentFull")),
            state=AcBatteryState(state) if state in AcBatteryState._value2member_map_ else None,
        )


@dataclass(frozen=True, slots=True)
class ProductionReport:
    """``/production.json`` (or ``/production``): the sections it holds."""

    inverters: Measurement | None
    """The microinverters' own estimate (always there, updated every 5 minutes)."""
    inverter_count: int | None
    production: Measurement | None
    """The production CT, None when absent (``activeCount`` 0)."""
    total_consumption: Measurement | None
    net_consumption: Measurement | None
    has_eim: bool
    """Whether the gateway is metered (eim sections present, CTs or not)."""
    ac_batteries: AcBatteries | None = None
    """The AC Batteries, None when there are none (``activeCount`` 0)."""

    @classmethod
    def from_json(cls, data: Any) -> ProductionReport:
        """Parse the production report."""
        root = _mapping(data, "production")
        inverters: Measurement | None = None
        count: int | None = None
        production = total = net = None
        has_eim = False
        for item in root.get("production") or ():
            if not isinstance(item, Mapping):
                continue
            if item.get("type") == "inverters":
                count = _int(item.get("activeCount"))
                inverters = Measurement(
                    power=_num(item.get("wNow")), energy_lifetime=_num(item.get("whLifetime"))
                )
            elif item.get("type") == "eim":
                has_eim = True
                if (_int(item.get("activeCount")) or 0) > 0:
                    production = Measurement.from_eim(item)
        for item in root.get("consumption") or ():
            if not isinstance(item, Mapping) or item.get("type") != "eim":
                continue
            has_eim = True
            if (_int(item.get("activeCount")) or 0) == 0:
                continue
            if item.get("measurementType") == "total-consumption":
                total = Measurement.from_eim(item)
            elif item.get("measurementType") == "net-consumption":
                net = Measurement.from_eim(item)
        acb: AcBatteries | None = None
        for item in root.get("storage") or ():
            if isinstance(item, Mapping) and item.get("type") == "acb":
                parsed = AcBatteries.from_json(item)
                acb = parsed if parsed.count > 0 else None
        if inverters is None and not has_eim:
            raise InvalidResponseError("production report has no production section")
        return cls(inverters, count, production, total, net, has_eim, acb)


@dataclass(frozen=True, slots=True)
class SimpleProduction:
    """``/api/v1/production``: the inverters' totals."""

    power: float | None
    energy_today: float | None
    energy_last_seven_days: float | None
    energy_lifetime: float | None

    @classmethod
    def from_json(cls, data: Any) -> SimpleProduction:
        """Parse ``/api/v1/production``."""
        root = _mapping(data, "/api/v1/production")
        if "wattsNow" not in root and "wattHoursLifetime" not in root:
            raise InvalidResponseError("/api/v1/production has no production values")
        return cls(
            power=_num(root.get("wattsNow")),
            energy_today=_num(root.get("wattHoursToday")),
            energy_last_seven_days=_num(root.get("wattHoursSevenDays")),
            energy_lifetime=_num(root.get("wattHoursLifetime")),
        )

    def as_measurement(self) -> Measurement:
        """Return it as a measurement."""
        return Measurement(
            power=self.power,
            energy_today=self.energy_today,
            energy_last_seven_days=self.energy_last_seven_days,
            energy_lifetime=self.energy_lifetime,
        )


# -- microinverters ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InverterDetail:
    """What ``/ivp/pdm/device_data`` adds for one microinverter."""

    dc_voltage: float | None
    dc_current: float | None
    ac_voltage: float | None
    ac_current: float | None
    ac_frequency: float | None
    temperature: float | None
    energy_today: float | None
    energy_yesterday: float | None
    energy_last_seven_days: float | None
    energy_lifetime: float | None
    """Wh, from the lifetime joules."""
    last_reading: int | None


@dataclass(frozen=True, slots=True)
class Inverter:
    """One microinverter: the v1 list, plus the detail when device_data covers it."""

    serial: str
    power: float | None
    max_power: float | None
    last_report: int | None
    device_type: int | None
    detail: InverterDetail | None = None


# ``devType`` of an AC Battery in the inverter list (microinverters are 1).
_DEV_TYPE_ACB = 11


def parse_inverters(data: Any) -> dict[str, Inverter]:
    """Parse ``/api/v1/production/inverters`` into serial -> microinverter (no AC Batteries)."""
    inverters: dict[str, Inverter] = {}
    for item in _list(data, "/api/v1/production/inverters"):
        if not isinstance(item, Mapping) or not isinstance(item.get("serialNumber"), str):
            continue
        if _int(item.get("devType")) == _DEV_TYPE_ACB:
            continue
        serial = item["serialNumber"]
        inverters[serial] = Inverter(
            serial=serial,
            power=_num(item.get("lastReportWatts")),
            max_power=_num(item.get("maxReportWatts")),
            last_report=_int(item.get("lastReportDate")),
            device_type=_int(item.get("devType")),
        )
    return inverters


@dataclass(frozen=True, slots=True)
class DeviceData:
    """``/ivp/pdm/device_data``: detail per inverter serial, and whether it is complete."""

    details: dict[str, InverterDetail]
    device_count: int | None
    limit: int | None

    @property
    def complete(self) -> bool:
        """Return whether every device is in the reply (it is capped at ``limit``)."""
        if self.device_count is None:
            return True
        return len(self.details) >= self.device_count

    @classmethod
    def from_json(cls, data: Any) -> DeviceData:
        """Parse device_data (keys are device ids, plus count and limit)."""
        root = _mapping(data, "/ivp/pdm/device_data")
        details: dict[str, InverterDetail] = {}
        for value in root.values():
            if not isinstance(value, Mapping) or value.get("devName") != "pcu":
                continue
            serial = value.get("sn")
            channels = value.get("channels")
            if not isinstance(serial, str) or not isinstance(channels, list) or not channels:
                continue
            channel = channels[0] if isinstance(channels[0], Mapping) else {}
            reading = channel.get("lastReading")
            reading = reading if isinstance(reading, Mapping) else {}
            wh = channel.get("wattHours")
            wh = wh if isinstance(wh, Mapping) else {}
            lifetime = channel.get("lifetime")
            lifetime = lifetime if isinstance(lifetime, Mapping) else {}
            details[serial] = InverterDetail(
                dc_voltage=_scaled(reading.get("dcVoltageINmV"), 1e-3),
                dc_current=_scaled(reading.get("dcCurrentINmA"), 1e-3),
                ac_voltage=_scaled(reading.get("acVoltageINmV"), 1e-3),
                ac_current=_scaled(reading.get("acCurrentInmA"), 1e-3),
                ac_frequency=_scaled(reading.get("acFrequencyINmHz"), 1e-3),
                temperature=_num(reading.get("channelTemp")),
                energy_today=_num(wh.get("today")),
                energy_yesterday=_num(wh.get("yesterday")),
                energy_last_seven_days=_num(wh.get("week")),
                energy_lifetime=_scaled(lifetime.get("joulesProduced"), 1 / 3600),
                last_reading=_int(reading.get("endDate")),
            )
        return cls(details, _int(root.get("deviceCount")), _int(root.get("deviceDataLimit")))


# -- CT meters --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CtMeter:
    """One CT as configured (``/ivp/meters``)."""

    eid: int
    measurement_type: str
    """production, net-consumption, total-consumption, storage, backfeed, load, evse, pv3p."""
    enabled: bool
    phase_mode: str | None
    phase_count: int
    metering_status: str | None
    status_flags: tuple[str, ...]


def parse_meters(data: Any) -> dict[int, CtMeter]:
    """Parse ``/ivp/meters`` into eid -> meter."""
    meters: dict[int, CtMeter] = {}
    for item in _list(data, "/ivp/meters"):
        if not isinstance(item, Mapping):
            continue
        eid = _int(item.get("eid"))
        kind = _str(item.get("measurementType"))
        if eid is None or kind is None:
            continue
        flags = item.get("statusFlags")
        meters[eid] = CtMeter(
            eid=eid,
            measurement_type=kind,
            enabled=item.get("state") == "enabled",
            phase_mode=_str(item.get("phaseMode")),
            phase_count=_int(item.get("phaseCount")) or 1,
            metering_status=_str(item.get("meteringStatus")),
            status_flags=tuple(f for f in flags if isinstance(f, str))
            if isinstance(flags, list)
            else (),
        )
    return meters


@dataclass(frozen=True, slots=True)
class CtReading:
    """A reading of one CT or one of its channels (phases)."""

    eid: int
    timestamp: int | None
    power: float | None
    energy_delivered: float | None
    energy_received: float | None
    voltage: float | None
    current: float | None
    frequency: float | None
    power_factor: float | None
    apparent_power: float | None
    reactive_power: float | None
    channels: tuple[CtReading, ...] = ()

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> CtReading | None:
        """Parse one reading, None when it has no eid."""
        eid = _int(item.get("eid"))
        if eid is None:
            return None
        channels = item.get("channels")
        parsed = (
            [cls.from_json(c) for c in channels if isinstance(c, Mapping)]
            if isinstance(channels, list)
            else []
        )
        kept = tuple(c for c in parsed if c is not None)
        power = _num(item.get("activePower"))
        apparent = _num(item.get("apparentPower"))
        return cls(
            eid=eid,
            timestamp=_int(item.get("timestamp")),
            power=power,
            energy_delivered=_num(item.get("actEnergyDlvd")),
            energy_received=_num(item.get("actEnergyRcvd")),
            voltage=_num(item.get("voltage")),
            current=_num(item.get("current")),
            frequency=_num(item.get("freq")),
            power_factor=_power_factor(item.get("pwrFactor"), power, apparent, kept),
            apparent_power=apparent,
            reactive_power=_num(item.get("reactivePower")),
            channels=kept,
        )


def parse_meter_readings(data: Any) -> dict[int, CtReading]:
    """Parse ``/ivp/meters/readings`` into eid -> reading (match by eid, never position)."""
    readings: dict[int, CtReading] = {}
    for item in _list(data, "/ivp/meters/readings"):
        if isinstance(item, Mapping) and (reading := CtReading.from_json(item)) is not None:
            readings[reading.eid] = reading
    return readings


# -- batteries and backup ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Battery:
    """One IQ Battery (Encharge) from the inventory, with its power when known."""

    serial: str
    part_number: str | None
    soc: float | None
    temperature: float | None
    max_cell_temperature: float | None
    capacity: float | None
    """Wh."""
    communicating: bool | None
    operating: bool | None
    dc_switch_off: bool | None
    firmware: str | None
    power: float | None = None
    """W, positive while discharging (from ``/ivp/ensemble/power``)."""


@dataclass(frozen=True, slots=True)
class SystemController:
    """The IQ System Controller (Enpower) from the inventory."""

    serial: str
    part_number: str | None
    firmware: str | None
    temperature: float | None
    communicating: bool | None
    mains_admin_state: str | None
    mains_oper_state: str | None
    grid_mode: str | None

    @property
    def on_grid(self) -> bool | None:
        """Return whether the house is connected to the grid (``closed`` relay)."""
        state = self.mains_oper_state or self.mains_admin_state
        return None if state is None else state == "closed"


class EnsembleDeviceKind(StrEnum):
    """The other ensemble devices we show (read-only)."""

    METER_COLLAR = "meter_collar"
    COMBINER = "combiner"


_ENSEMBLE_KINDS = {
    "COLLAR": EnsembleDeviceKind.METER_COLLAR,
    "C6 COMBINER CONTROLLER": EnsembleDeviceKind.COMBINER,
}


@dataclass(frozen=True, slots=True)
class EnsembleDevice:
    """An IQ Meter Collar or IQ Combiner controller, as the inventory lists it."""

    kind: EnsembleDeviceKind
    serial: str
    part_number: str | None
    firmware: str | None
    communicating: bool | None
    temperature: float | None
    grid_state: str | None
    """``closed`` = on grid (``mains_oper_state``), when the device says."""


@dataclass(frozen=True, slots=True)
class EnsembleInventory:
    """``/ivp/ensemble/inventory``: batteries, the system controller, collars, combiners."""

    batteries: dict[str, Battery]
    system_controller: SystemController | None
    others: dict[str, EnsembleDevice] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> EnsembleInventory:
        """Parse the inventory."""
        batteries: dict[str, Battery] = {}
        controller: SystemController | None = None
        others: dict[str, EnsembleDevice] = {}
        for group in _list(data, "/ivp/ensemble/inventory"):
            if not isinstance(group, Mapping):
                continue
            for dev in group.get("devices") or ():
                if not isinstance(dev, Mapping) or not isinstance(dev.get("serial_num"), str):
                    continue
                status = dev.get("device_status")
                status_ok = "envoy.global.ok" in status if isinstance(status, list) else None
                if group.get("type") == "ENCHARGE":
                    batteries[dev["serial_num"]] = Battery(
                        serial=dev["serial_num"],
                        part_number=_str(dev.get("part_num")),
                        soc=_num(dev.get("percentFull")),
                        temperature=_num(dev.get("temperature")),
                        max_cell_temperature=_num(dev.get("maxCellTemp")),
                        capacity=_num(dev.get("encharge_capacity")),
                        communicating=_bool(dev.get("communicating")),
                        operating=status_ok,
                        dc_switch_off=_bool(dev.get("dc_switch_off")),
                        firmware=_str(dev.get("img_pnum_running")),
                    )
                elif group.get("type") == "ENPOWER":
                    controller = SystemController(
                        serial=dev["serial_num"],
                        part_number=_str(dev.get("part_num")),
                        firmware=_str(dev.get("img_pnum_running")),
                        temperature=_num(dev.get("temperature")),
                        communicating=_bool(dev.get("communicating")),
                        mains_admin_state=_str(dev.get("mains_admin_state")),
                        mains_oper_state=_str(dev.get("mains_oper_state")),
                        grid_mode=_str(dev.get("Enpwr_grid_mode")),
                    )
                elif (kind := _ENSEMBLE_KINDS.get(_str(group.get("type")) or "")) is not None:
                    others[dev["serial_num"]] = EnsembleDevice(
                        kind=kind,
                        serial=dev["serial_num"],
                        part_number=_str(dev.get("part_num")),
                        firmware=_str(dev.get("img_pnum_running")),
                        communicating=_bool(dev.get("communicating")),
                        temperature=_num(dev.get("temperature")),
                        grid_state=_str(dev.get("mains_oper_state")),
                    )
        return cls(batteries, controller, others)


@dataclass(frozen=True, slots=True)
class BatteryPower:
    """``/ivp/ensemble/power``: per battery power and SoC."""

    power: dict[str, float]
    """Serial -> W, positive while discharging."""
    soc: dict[str, float]

    @classmethod
    def from_json(cls, data: Any) -> BatteryPower:
        """Parse it; the list's key really is ``devices:`` with a colon on many units."""
        root = _mapping(data, "/ivp/ensemble/power")
        devices = root.get("devices:", root.get("devices"))
        power: dict[str, float] = {}
        soc: dict[str, float] = {}
        for dev in _list(devices, "/ivp/ensemble/power devices"):
            if not isinstance(dev, Mapping) or not isinstance(dev.get("serial_num"), str):
                continue
            if (mw := _num(dev.get("real_power_mw"))) is not None:
                power[dev["serial_num"]] = mw / 1000
            if (value := _num(dev.get("soc"))) is not None:
                soc[dev["serial_num"]] = value
        return cls(power, soc)


@dataclass(frozen=True, slots=True)
class BatteryAggregate:
    """``/ivp/ensemble/secctrl``: the batteries taken together."""

    soc: float | None
    """IQ Batteries' state of charge (%)."""
    available_energy: float | None
    backup_energy: float | None
    max_available_capacity: float | None
    state_of_health: float | None
    commissioned_capacity: float | None = None
    acb_soc: float | None = None
    """AC Batteries' state of charge (%)."""
    acb_energy: float | None = None
    """Wh stored in the AC Batteries."""

    @classmethod
    def from_json(cls, data: Any) -> BatteryAggregate:
        """Parse secctrl: a flat object on every real gateway (an old wrapper is accepted)."""
        root = _mapping(data, "/ivp/ensemble/secctrl")
        wrapped = root.get("secctrl")
        sec = wrapped if isinstance(wrapped, Mapping) else root
        if not any(key in sec for key in ("agg_soc", "ENC_agg_soc", "ACB_agg_soc")):
            raise InvalidResponseError("/ivp/ensemble/secctrl has no battery aggregate")
        return cls(
            soc=_num(sec.get("ENC_agg_soc", sec.get("agg_soc"))),
            available_energy=_num(sec.get("ENC_agg_avail_energy")),
            backup_energy=_num(sec.get("ENC_agg_backup_energy")),
            max_available_capacity=_num(sec.get("Enc_max_available_capacity")),
            state_of_health=_num(sec.get("ENC_agg_soh")),
            commissioned_capacity=_num(sec.get("Enc_commissioned_capacity")),
            acb_soc=_num(sec.get("ACB_agg_soc")),
            acb_energy=_num(sec.get("ACB_agg_energy")),
        )


@dataclass(frozen=True, slots=True)
class EnsembleStatus:
    """``/ivp/ensemble/status``: the backup system's state in short."""

    grid_mode: str | None
    profile: str | None

    @classmethod
    def from_json(cls, data: Any) -> EnsembleStatus:
        """Parse the status."""
        root = _mapping(data, "/ivp/ensemble/status")
        relay = root.get("relay") if isinstance(root.get("relay"), Mapping) else {}
        assert isinstance(relay, Mapping)
        profile = root.get("profile") if isinstance(root.get("profile"), Mapping) else {}
        assert isinstance(profile, Mapping)
        return cls(grid_mode=_str(relay.get("Enchg_grid_mode")), profile=_str(profile.get("name")))


@dataclass(frozen=True, slots=True)
class GridRelay:
    """``/ivp/ensemble/relay``: the System Controller's grid relay."""

    admin_state: str | None
    """What was asked: ``closed`` (on grid) or ``open`` (off grid)."""
    oper_state: str | None
    """What the relay really is."""

    @property
    def on_grid(self) -> bool | None:
        """Return whether the house is connected to the grid."""
        state = self.oper_state or self.admin_state
        return None if state is None else state == "closed"

    @classmethod
    def from_json(cls, data: Any) -> GridRelay:
        """Parse the relay."""
        root = _mapping(data, "/ivp/ensemble/relay")
        return cls(_str(root.get("mains_admin_state")), _str(root.get("mains_oper_state")))


@dataclass(frozen=True, slots=True)
class DryContact:
    """One dry contact relay: its state and its full settings (kept raw to post back)."""

    id: str
    closed: bool | None
    name: str | None = None
    mode: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


def parse_dry_contacts(status: Any, settings: Any | None) -> dict[str, DryContact]:
    """Parse ``/ivp/ensemble/dry_contacts`` with ``/ivp/ss/dry_contact_settings``."""
    root = _mapping(status, "/ivp/ensemble/dry_contacts")
    by_id: dict[str, Mapping[str, Any]] = {}
    if settings is not None:
        sroot = _mapping(settings, "/ivp/ss/dry_contact_settings")
        for item in sroot.get("dry_contacts") or ():
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                by_id[item["id"]] = dict(item)
    contacts: dict[str, DryContact] = {}
    for item in _list(root.get("dry_contacts"), "/ivp/ensemble/dry_contacts"):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            continue
        status_text = _str(item.get("status"))
        cid = item["id"]
        conf = by_id.get(cid, {})
        contacts[cid] = DryContact(
            id=cid,
            closed=None if status_text is None else status_text == "closed",
            name=_str(conf.get("load_name")) or None,
            mode=_str(conf.get("mode")),
            settings=conf,
        )
    return contacts


class StorageMode(StrEnum):
    """How the batteries are used (the gateway's own names stay in this module)."""

    BACKUP = "backup"
    SELF_CONSUMPTION = "self_consumption"
    ECONOMY = "economy"
    SAVINGS = "savings"


_MODE_TO_VENDOR = {
    StorageMode.BACKUP: "backup",
    StorageMode.SELF_CONSUMPTION: "self-consumption",
    StorageMode.ECONOMY: "economy",
    StorageMode.SAVINGS: "savings-mode",
}
_MODE_FROM_VENDOR = {vendor: mode for mode, vendor in _MODE_TO_VENDOR.items()}


@dataclass(frozen=True, slots=True)
class StorageSettings:
    """The storage part of ``/admin/lib/tariff`` (and the whole tariff, to write it back)."""

    mode: StorageMode | None
    reserve: float | None
    charge_from_grid: bool | None
    optimised_schedules: bool
    """While true the gateway ignores storage writes."""
    tariff: Mapping[str, Any]

    @classmethod
    def from_json(cls, data: Any) -> StorageSettings:
        """Parse the tariff."""
        root = _mapping(data, "/admin/lib/tariff")
        tariff = _mapping(root.get("tariff"), "/admin/lib/tariff tariff")
        storage = _mapping(tariff.get("storage_settings"), "tariff storage_settings")
        return cls(
            mode=_MODE_FROM_VENDOR.get(_str(storage.get("mode")) or ""),
            reserve=_num(storage.get("reserved_soc")),
            charge_from_grid=_bool(storage.get("charge_from_grid")),
            optimised_schedules=bool(_bool(storage.get("opt_schedules"))),
            tariff=root,
        )

    def with_changes(
        self, mode: StorageMode | None, reserve: float | None, charge_from_grid: bool | None
    ) -> dict[str, Any]:
        """Return the whole tariff with the storage settings changed (what a PUT sends)."""
        body = {**self.tariff}
        tariff = dict(body["tariff"])
        storage = dict(tariff["storage_settings"])
        if mode is not None:
            storage["mode"] = _MODE_TO_VENDOR[mode]
        if reserve is not None:
            storage["reserved_soc"] = float(reserve)
        if charge_from_grid is not None:
            storage["charge_from_grid"] = charge_from_grid
        if self.optimised_schedules:
            # The gateway ignores storage writes while the cloud's optimised schedules are on:
            # the user asked for these settings, so turn them off in the same write.
            storage["opt_schedules"] = False
        tariff["storage_settings"] = storage
        body["tariff"] = tariff
        return body


@dataclass(frozen=True, slots=True)
class PowerExportLimit:
    """``/ivp/ss/pel_settings`` (a flat object): the power export limit."""

    enabled: bool | None
    limit: float | None
    percent: bool
    """Whether ``limit`` is a percentage (of the system's rating) rather than watts."""

    @classmethod
    def from_json(cls, data: Any) -> PowerExportLimit:
        """Parse the settings."""
        pel = _mapping(data, "/ivp/ss/pel_settings")
        if "PEL" not in pel and "PEL_Limit" not in pel:
            raise InvalidResponseError("/ivp/ss/pel_settings has no export limit")
        return cls(
            enabled=_bool(pel.get("PEL")),
            limit=_num(pel.get("PEL_Limit")),
            percent=bool(_bool(pel.get("percent"))),
        )


GENERATOR_MODES = ("off", "on", "auto")


@dataclass(frozen=True, slots=True)
class Generator:
    """The generator: configuration, mode and schedule."""

    mode: str | None
    rated_power: float | None
    gen_type: str | None
    schedule_enabled: bool | None

    @classmethod
    def from_json(cls, config: Any, mode: Any, schedule: Any | None) -> Generator:
        """Parse ``gen_config``, ``gen_mode`` and ``gen_schedule``."""
        conf = _mapping(config, "/ivp/ss/gen_config")
        conf = conf.get("generator_config", conf)
        conf = _mapping(conf, "generator_config")
        gmode = _mapping(mode, "/ivp/ss/gen_mode")
        sched_enabled = None
        if isinstance(schedule, Mapping):
            sched = schedule.get("generator_schedule", schedule)
            if isinstance(sched, Mapping):
                sched_enabled = _bool(sched.get("enabled"))
        return cls(
            mode=_str(gmode.get("gen_mode")),
            rated_power=_num(conf.get("rated_power")),
            gen_type=_str(conf.get("type")),
            schedule_enabled=sched_enabled,
        )
