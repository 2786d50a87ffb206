"""Sensors: system flows and phases, CT meters, microinverters, batteries, settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from ..energy_bridges_common.hass.entity import (
    BridgeEnergySensor,
    BridgeEnergySensorEntityDescription,
    BridgeSensor,
    BridgeSensorEntityDescription,
    SensorValue,
)
from .api import LIFETIME_WRAP_WH, GatewayData, MeterData
from .api.models import (
    AcBatteries,
    AcBatteryState,
    Battery,
    BatteryAggregate,
    CtMeter,
    CtReading,
    Inverter,
    Measurement,
    PowerExportLimit,
    SystemController,
)
from .coordinator import EnphaseConfigEntry
from .entity import (
    PartSensorDescription,
    ac_battery_device,
    battery_device,
    bind,
    controller_device,
    gateway_device,
    inverter_device,
)

PARALLEL_UPDATES = 0

PHASES = ("L1", "L2", "L3")


def _timestamp(value: float | None) -> datetime | None:
    return None if not value else datetime.fromtimestamp(value, UTC)


_POWER: dict[str, Any] = {
    "native_unit_of_measurement": UnitOfPower.WATT,
    "device_class": SensorDeviceClass.POWER,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 0,
}
_ENERGY: dict[str, Any] = {
    "native_unit_of_measurement": UnitOfEnergy.WATT_HOUR,
    "device_class": SensorDeviceClass.ENERGY,
    "suggested_unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
    "suggested_display_precision": 2,
}
_TOTAL: dict[str, Any] = {**_ENERGY, "state_class": SensorStateClass.TOTAL_INCREASING}
_LIFETIME: dict[str, Any] = {**_TOTAL, "energy": True, "suggested_display_precision": 1}
_VOLTAGE: dict[str, Any] = {
    "native_unit_of_measurement": UnitOfElectricPotential.VOLT,
    "device_class": SensorDeviceClass.VOLTAGE,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 1,
}
_CURRENT: dict[str, Any] = {
    "native_unit_of_measurement": UnitOfElectricCurrent.AMPERE,
    "device_class": SensorDeviceClass.CURRENT,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 2,
}
_TEMPERATURE: dict[str, Any] = {
    "native_unit_of_measurement": UnitOfTemperature.CELSIUS,
    "device_class": SensorDeviceClass.TEMPERATURE,
    "state_class": SensorStateClass.MEASUREMENT,
}
_DIAGNOSTIC: dict[str, Any] = {"entity_category": EntityCategory.DIAGNOSTIC}
_HIDDEN: dict[str, Any] = {"entity_registry_enabled_default": False}

type MeasurementRow = PartSensorDescription[Measurement]


def _flow_rows(flow: str, *, energy: bool) -> tuple[MeasurementRow, ...]:
    rows: list[MeasurementRow] = [
        PartSensorDescription(
            key=f"{flow}_power",
            translation_key=f"{flow}_power",
            value_fn=lambda m: m.power,
            **_POWER,
        )
    ]
    if energy:
        rows += [
            PartSensorDescription(
                key=f"{flow}_today",
                translation_key=f"{flow}_today",
                value_fn=lambda m: m.energy_today,
                **_TOTAL,
            ),
            PartSensorDescription(
                key=f"{flow}_last_seven_days",
                translation_key=f"{flow}_last_seven_days",
                value_fn=lambda m: m.energy_last_seven_days,
                **_ENERGY,
            ),
            PartSensorDescription(
                key=f"{flow}_lifetime",
                translation_key=f"{flow}_lifetime",
                value_fn=lambda m: m.energy_lifetime,
                **_LIFETIME,
            ),
        ]
    return tuple(rows)


FLOWS: dict[str, tuple[Callable[[GatewayData], Measurement | None], tuple[MeasurementRow, ...]]] = {
    "production": (lambda d: d.production, _flow_rows("production", energy=True)),
    "consumption": (lambda d: d.consumption, _flow_rows("consumption", energy=True)),
    "net_consumption": (lambda d: d.net_consumption, _flow_rows("net_consumption", energy=False)),
}


def _live(power: Callable[[MeterData], float | None]) -> Callable[[MeterData], Measurement | None]:
    def flow(data: MeterData) -> Measurement | None:
        value = power(data)
        return None if value is None else Measurement(power=value)

    return flow


# Which flows the CTs measure, and their live power.
METER_FLOWS: dict[
    str, tuple[Callable[[MeterData], bool], Callable[[MeterData], Measurement | None]]
] = {
    "production": (lambda m: m.measures_production, _live(lambda m: m.production_power)),
    "consumption": (lambda m: m.measures_consumption, _live(lambda m: m.consumption_power)),
    "net_consumption": (lambda m: m.measures_net, _live(lambda m: m.net_power)),
}

# A flow's per-phase sensors are named by "<flow>_<translation_key>" (e.g.
# production_phase_power, "Production power {phase}"): the rows only give the suffix.
PHASE_ROWS: tuple[MeasurementRow, ...] = (
    PartSensorDescription(
        key="power", translation_key="phase_power", value_fn=lambda m: m.power, **_POWER, **_HIDDEN
    ),
    PartSensorDescription(
        key="today",
        translation_key="phase_today",
        value_fn=lambda m: m.energy_today,
        **_TOTAL,
        **_HIDDEN,
    ),
    PartSensorDescription(
        key="voltage",
        translation_key="phase_voltage",
        value_fn=lambda m: m.voltage,
        **_VOLTAGE,
        **_HIDDEN,
    ),
)

# The CT measurement types we know. Their sensors are named by translation keys of their
# own, "<type>_<translation_key>" with "-" -> "_" (net_consumption_ct_voltage, "Net
# consumption CT voltage"; evse_ct_phase_current, "EV charger CT current {phase}"), so
# that every language names them. Only a type we do not know uses the rows' generic keys,
# whose {ct} placeholder then holds the gateway's own identifier of the type.
KNOWN_CTS = (
    "production",
    "net-consumption",
    "total-consumption",
    "storage",
    "backfeed",
    "load",
    "evse",
    "pv3p",
)
# The CTs that fill the Energy dashboard get names of their own.
CT_KEYS: dict[str, dict[str, str]] = {
    "net-consumption": {
        "power": "grid_power",
        "delivered": "grid_import_energy",
        "received": "grid_export_energy",
    },
    "storage": {
        "power": "battery_ct_power",
        "delivered": "battery_discharged_energy",
        "received": "battery_charged_energy",
    },
    "production": {"power": "production_ct_power", "delivered": "production_ct_energy"},
}

type CtRow = PartSensorDescription[CtReading]

CT_ROWS: tuple[CtRow, ...] = (
    PartSensorDescription(
        key="power", translation_key="ct_power", value_fn=lambda r: r.power, **_POWER
    ),
    PartSensorDescription(
        key="delivered",
        translation_key="ct_energy_delivered",
        value_fn=lambda r: r.energy_delivered,
        **_LIFETIME,
    ),
    PartSensorDescription(
        key="received",
        translation_key="ct_energy_received",
        value_fn=lambda r: r.energy_received,
        **_LIFETIME,
    ),
    PartSensorDescription(
        key="voltage",
        translation_key="ct_voltage",
        value_fn=lambda r: r.voltage,
        **_VOLTAGE,
        **_DIAGNOSTIC,
    ),
    PartSensorDescription(
        key="current",
        translation_key="ct_current",
        value_fn=lambda r: r.current,
        **_CURRENT,
        **_DIAGNOSTIC,
    ),
    PartSensorDescription(
        key="frequency",
        translation_key="ct_frequency",
        value_fn=lambda r: r.frequency,
        native_unit_of_measurement=UnitOfFrequency.HERTZ,
        device_class=SensorDeviceClass.FREQUENCY,
        state_class=SensorStateClass.MEASUREMENT,
        **_DIAGNOSTIC,
    ),
    PartSensorDescription(
        key="power_factor",
        translation_key="ct_power_factor",
        value_fn=lambda r: r.power_factor,
        device_class=SensorDeviceClass.POWER_FACTOR,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        **_DIAGNOSTIC,
    ),
)

CT_CHANNEL_ROWS: tuple[CtRow, ...] = (
    PartSensorDescription(
        key="power",
        translation_key="ct_phase_power",
        value_fn=lambda r: r.power,
        **_POWER,
        **_HIDDEN,
    ),
    PartSensorDescription(
        key="voltage",
        translation_key="ct_phase_voltage",
        value_fn=lambda r: r.voltage,
        **_VOLTAGE,
        **_HIDDEN,
    ),
    PartSensorDescription(
        key="current",
        translation_key="ct_phase_current",
        value_fn=lambda r: r.current,
        **_CURRENT,
        **_HIDDEN,
    ),
    PartSensorDescription(
        key="delivered",
        translation_key="ct_phase_energy_delivered",
        value_fn=lambda r: r.energy_delivered,
        **_LIFETIME,
        **_HIDDEN,
    ),
    PartSensorDescription(
        key="received",
        translation_key="ct_phase_energy_received",
        value_fn=lambda r: r.energy_received,
        **_LIFETIME,
        **_HIDDEN,
    ),
)

CT_STATUS = PartSensorDescription[CtMeter](
    key="status",
    translation_key="ct_status",
    value_fn=lambda m: (m.metering_status or "").replace("-", "_") or None,
    device_class=SensorDeviceClass.ENUM,
    options=["normal", "not_metering", "check_wiring"],
    **_DIAGNOSTIC,
)

INVERTER_ROWS: tuple[PartSensorDescription[Inverter], ...] = (
    PartSensorDescription(
        key="power", translation_key="inverter_power", value_fn=lambda i: i.power, **_POWER
    ),
    PartSensorDescription(
        key="max_power",
        translation_key="inverter_max_power",
        value_fn=lambda i: i.max_power,
        **_POWER,
        **_DIAGNOSTIC,
    ),
    PartSensorDescription(
        key="last_report",
        translation_key="last_report",
        value_fn=lambda i: _timestamp(i.last_report),
        device_class=SensorDeviceClass.TIMESTAMP,
        **_DIAGNOSTIC,
    ),
)


def _detail(fn: Callable[[Any], SensorValue]) -> Callable[[Inverter], SensorValue]:
    return lambda i: None if i.detail is None else fn(i.detail)


INVERTER_DETAIL_ROWS: tuple[PartSensorDescription[Inverter], ...] = (
    PartSensorDescription(
        key="dc_voltage",
        translation_key="dc_voltage",
        value_fn=_detail(lambda d: d.dc_voltage),
        **_VOLTAGE,
    ),
    PartSensorDescription(
        key="dc_current",
        translation_key="dc_current",
        value_fn=_detail(lambda d: d.dc_current),
        **_CURRENT,
    ),
    PartSensorDescription(
        key="ac_voltage",
        translation_key="ac_voltage",
        value_fn=_detail(lambda d: d.ac_voltage),
        **_VOLTAGE,
    ),
    PartSensorDescription(
        key="ac_current",
        translation_key="ac_current",
        value_fn=_detail(lambda d: d.ac_current),
        **_CURRENT,
        **_HIDDEN,
    ),
    PartSensorDescription(
        key="ac_frequency",
        translation_key="ac_frequency",
        value_fn=_detail(lambda d: d.ac_frequency),
        native_unit_of_measurement=UnitOfFrequency.HERTZ,
        device_class=SensorDeviceClass.FREQUENCY,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        **_HIDDEN,
    ),
    PartSensorDescription(
        key="temperature",
        translation_key="inverter_temperature",
        value_fn=_detail(lambda d: d.temperature),
        **_TEMPERATURE,
    ),
    PartSensorDescription(
        key="energy_today",
        translation_key="inverter_energy_today",
        value_fn=_detail(lambda d: d.energy_today),
        **_TOTAL,
    ),
    PartSensorDescription(
        key="energy_lifetime",
        translation_key="inverter_energy_lifetime",
        value_fn=_detail(lambda d: d.energy_lifetime),
        **_LIFETIME,
    ),
)

BATTERY_ROWS: tuple[PartSensorDescription[Battery], ...] = (
    PartSensorDescription(
        key="soc",
        translation_key="battery_soc",
        value_fn=lambda b: b.soc,
        native_unit_of_measurement=PERCENTAGE,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
    ),
    PartSensorDescription(
        key="power", translation_key="battery_power", value_fn=lambda b: b.power, **_POWER
    ),
    PartSensorDescription(
        key="temperature",
        translation_key="battery_temperature",
        value_fn=lambda b: b.temperature,
        **_TEMPERATURE,
    ),
    PartSensorDescription(
        key="max_cell_temperature",
        translation_key="max_cell_temperature",
        value_fn=lambda b: b.max_cell_temperature,
        **_TEMPERATURE,
        **_DIAGNOSTIC,
        **_HIDDEN,
    ),
    PartSensorDescription(
        key="capacity",
        translation_key="battery_capacity",
        value_fn=lambda b: b.capacity,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        **_DIAGNOSTIC,
    ),
)

_STORED: dict[str, Any] = {
    "native_unit_of_measurement": UnitOfEnergy.WATT_HOUR,
    "device_class": SensorDeviceClass.ENERGY_STORAGE,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
    "suggested_display_precision": 2,
}

AGGREGATE_ROWS: tuple[PartSensorDescription[BatteryAggregate], ...] = (
    PartSensorDescription(
        key="battery_level",
        translation_key="battery_level",
        value_fn=lambda a: a.soc,
        native_unit_of_measurement=PERCENTAGE,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
    ),
    PartSensorDescription(
        key="available_energy",
        translation_key="available_energy",
        value_fn=lambda a: a.available_energy,
        **_STORED,
    ),
    PartSensorDescription(
        key="reserve_energy",
        translation_key="reserve_energy",
        value_fn=lambda a: a.backup_energy,
        **_STORED,
    ),
    PartSensorDescription(
        key="max_capacity",
        translation_key="max_capacity",
        value_fn=lambda a: a.max_available_capacity,
        **{**_STORED, "state_class": None},
        **_DIAGNOSTIC,
    ),
    PartSensorDescription(
        key="battery_health",
        translation_key="battery_health",
        value_fn=lambda a: a.state_of_health,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        **_DIAGNOSTIC,
    ),
)

# The AC Batteries (older ACB) taken together: the report's storage section.
ACB_ROWS: tuple[PartSensorDescription[AcBatteries], ...] = (
    PartSensorDescription(
        key="acb_power", translation_key="acb_power", value_fn=lambda a: a.power, **_POWER
    ),
    PartSensorDescription(
        key="acb_state",
        translation_key="acb_state",
        value_fn=lambda a: a.state.value if a.state else None,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in AcBatteryState],
    ),
    PartSensorDescription(
        key="acb_count",
        translation_key="acb_count",
        value_fn=lambda a: a.count,
        state_class=SensorStateClass.MEASUREMENT,
        **_DIAGNOSTIC,
    ),
)
# Their charge: from secctrl when the gateway has it (read every poll), else the report.
ACB_AGGREGATE_ROWS: tuple[PartSensorDescription[BatteryAggregate], ...] = (
    PartSensorDescription(
        key="acb_soc",
        translation_key="acb_soc",
        value_fn=lambda a: a.acb_soc,
        native_unit_of_measurement=PERCENTAGE,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
    ),
    PartSensorDescription(
        key="acb_energy", translation_key="acb_energy", value_fn=lambda a: a.acb_energy, **_STORED
    ),
)
ACB_REPORT_CHARGE_ROWS: tuple[PartSensorDescription[AcBatteries], ...] = (
    PartSensorDescription(
        key="acb_soc",
        translation_key="acb_soc",
        value_fn=lambda a: a.soc,
        native_unit_of_measurement=PERCENTAGE,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
    ),
    PartSensorDescription(
        key="acb_energy", translation_key="acb_energy", value_fn=lambda a: a.energy, **_STORED
    ),
)

CONTROLLER_ROWS: tuple[PartSensorDescription[SystemController], ...] = (
    PartSensorDescription(
        key="temperature",
        translation_key="controller_temperature",
        value_fn=lambda c: c.temperature,
        **_TEMPERATURE,
        **_DIAGNOSTIC,
    ),
)

GATEWAY_ROWS: tuple[BridgeSensorEntityDescription[GatewayData], ...] = (
    BridgeSensorEntityDescription[GatewayData](
        key="inverters_reporting",
        translation_key="inverters_reporting",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda d: sum(1 for i in d.inverters.values() if (i.power or 0) > 0),
        exists_fn=lambda d: bool(d.inverters),
        **_DIAGNOSTIC,
    ),
)

PEL_ROW = PartSensorDescription[PowerExportLimit](
    key="power_export_limit",
    translation_key="power_export_limit",
    value_fn=lambda p: p.limit if p.enabled else None,
    native_unit_of_measurement=UnitOfPower.WATT,
    device_class=SensorDeviceClass.POWER,
    **_DIAGNOSTIC,
)
# The same limit where the gateway keeps it as a percentage of the system's rating.
PEL_PERCENT_ROW = PartSensorDescription[PowerExportLimit](
    key="power_export_limit_percent",
    translation_key="power_export_limit_percent",
    value_fn=lambda p: p.limit if p.enabled else None,
    native_unit_of_measurement=PERCENTAGE,
    **_DIAGNOSTIC,
)

GENERATOR_ROW = PartSensorDescription[Any](
    key="generator_rated_power",
    translation_key="generator_rated_power",
    value_fn=lambda g: g.rated_power,
    native_unit_of_measurement=UnitOfPower.WATT,
    device_class=SensorDeviceClass.POWER,
    **_DIAGNOSTIC,
)


def _make[DataT](
    coordinator: DataUpdateCoordinator[DataT],
    description: BridgeSensorEntityDescription[DataT],
    device: DeviceInfo,
    prefix: str,
) -> BridgeSensor[DataT]:
    if isinstance(description, BridgeEnergySensorEntityDescription):
        return BridgeEnergySensor(
            coordinator, description, device_info=device, unique_id_prefix=prefix
        )
    return BridgeSensor(coordinator, description, device_info=device, unique_id_prefix=prefix)


def _phase(
    get: Callable[[GatewayData], Measurement | None], index: int
) -> Callable[[GatewayData], Measurement | None]:
    def phase(data: GatewayData) -> Measurement | None:
        flow = get(data)
        return flow.phases[index] if flow is not None and index < len(flow.phases) else None

    return phase


def _inverter(serial: str) -> Callable[[GatewayData], Inverter | None]:
    return lambda d: d.inverters.get(serial)


def _battery(serial: str) -> Callable[[GatewayData], Battery | None]:
    return lambda d: d.batteries.get(serial)


def _inverter_sensors(
    coordinator: DataUpdateCoordinator[GatewayData], inverter: Inverter, parent_id: str
) -> list[BridgeSensor[GatewayData]]:
    device = inverter_device(inverter.serial, parent_id)
    rows = INVERTER_ROWS + (INVERTER_DETAIL_ROWS if inverter.detail is not None else ())
    return [
        _make(coordinator, bind(row, _inverter(inverter.serial)), device, inverter.serial)
        for row in rows
    ]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnphaseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors this gateway's data supports."""
    runtime = entry.runtime_data
    coordinator = runtime.gateway
    data = coordinator.data
    caps = runtime.poller.capabilities
    serial = data.info.serial
    device = gateway_device(data, runtime.client.base_url)
    entities: list[BridgeSensor[Any]] = []

    major = data.info.version[0] if data.info.version else 0
    wraps = not data.production_from_ct and major < 8
    meters = runtime.meters
    live = meters.data if meters is not None else None
    for flow, (get, rows) in FLOWS.items():
        live_power = live is not None and METER_FLOWS[flow][0](live)
        if get(data) is None and not live_power:
            continue
        for row in rows:
            if row.key == f"{flow}_power" and live_power:
                # A CT measures this flow: its power has that one source, always the freshest.
                assert meters is not None
                entities.append(_make(meters, bind(row, METER_FLOWS[flow][1]), device, serial))
                continue
            flow_data = get(data)
            if flow_data is None:
                continue
            if row.key.endswith(("_today", "_last_seven_days")) and row.value_fn(flow_data) is None:
                # This source has no such total (a production register without a CT).
                continue
            wrap = LIFETIME_WRAP_WH if wraps and flow == "production" and row.energy else None
            entities.append(_make(coordinator, bind(row, get, wrap_at=wrap), device, serial))
        if get(data) is None:
            continue
        flow_data = get(data)
        assert flow_data is not None
        phase_count = _phase_count(caps.ct_meters, flow, len(flow_data.phases))
        for index in range(phase_count):
            for row in PHASE_ROWS:
                if row.key == "today" and flow == "net_consumption":
                    continue
                entities.append(
                    _make(
                        coordinator,
                        bind(
                            row,
                            _phase(get, index),
                            key=f"{flow}_{row.key}_{PHASES[index].lower()}",
                            translation_key=f"{flow}_{row.translation_key}",
                            placeholders={"phase": PHASES[index]},
                        ),
                        device,
                        serial,
                    )
                )
    entities.extend(
        BridgeSensor(coordinator, row, device_info=device, unique_id_prefix=serial)
        for row in GATEWAY_ROWS
        if row.exists_fn(data)
    )
    if (aggregate := data.battery_aggregate) is not None and (
        data.batteries or data.ac_batteries is None
    ):
        entities.extend(
            _make(coordinator, bind(row, lambda d: d.battery_aggregate), device, serial)
            for row in AGGREGATE_ROWS
            # Older firmware has no state of health.
            if row.key != "battery_health" or aggregate.state_of_health is not None
        )
    if (pel := data.power_export_limit) is not None:
        pel_row = PEL_PERCENT_ROW if pel.percent else PEL_ROW
        entities.append(
            _make(coordinator, bind(pel_row, lambda d: d.power_export_limit), device, serial)
        )
    if data.ac_batteries is not None:
        acb_info = ac_battery_device(serial, runtime.device_id)
        acb_prefix = serial
        entities.extend(
            _make(coordinator, bind(row, lambda d: d.ac_batteries), acb_info, acb_prefix)
            for row in ACB_ROWS
        )
        aggregate = data.battery_aggregate
        if aggregate is not None and aggregate.acb_soc is not None:
            entities.extend(
                _make(coordinator, bind(row, lambda d: d.battery_aggregate), acb_info, acb_prefix)
                for row in ACB_AGGREGATE_ROWS
            )
        else:
            entities.extend(
                _make(coordinator, bind(row, lambda d: d.ac_batteries), acb_info, acb_prefix)
                for row in ACB_REPORT_CHARGE_ROWS
            )
    for battery in data.batteries.values():
        battery_info = battery_device(battery, runtime.device_id)
        entities.extend(
            _make(coordinator, bind(row, _battery(battery.serial)), battery_info, battery.serial)
            for row in BATTERY_ROWS
        )
    if (controller := data.system_controller) is not None:
        controller_info = controller_device(controller, runtime.device_id)
        entities.extend(
            _make(
                coordinator,
                bind(row, lambda d: d.system_controller),
                controller_info,
                controller.serial,
            )
            for row in CONTROLLER_ROWS
        )
        if data.generator is not None:
            entities.append(
                _make(
                    coordinator,
                    bind(GENERATOR_ROW, lambda d: d.generator),
                    controller_info,
                    controller.serial,
                )
            )
    known_inverters = set(data.inverters)
    for inverter in data.inverters.values():
        entities.extend(_inverter_sensors(coordinator, inverter, runtime.device_id))
    if runtime.meters is not None:
        entities.extend(_ct_sensors(runtime.meters, caps.ct_meters, device, serial))
    async_add_entities(entities)

    @callback
    def _add_new_inverters() -> None:
        """Add inverters that joined the system after setup."""
        new = [i for s, i in coordinator.data.inverters.items() if s not in known_inverters]
        if not new:
            return
        known_inverters.update(i.serial for i in new)
        async_add_entities(
            [e for i in new for e in _inverter_sensors(coordinator, i, runtime.device_id)]
        )

    entry.async_on_unload(coordinator.async_add_listener(_add_new_inverters))


def _phase_count(meters: dict[int, CtMeter], flow: str, lines: int) -> int:
    """Return how many phases a flow really has (newer firmware always sends 3 lines)."""
    wanted = {"production": "production", "consumption": "net-consumption"}.get(
        flow, "net-consumption"
    )
    for meter in meters.values():
        if meter.measurement_type == wanted:
            return min(meter.phase_count, lines, len(PHASES))
    return min(lines, len(PHASES))


def _meter(eid: int) -> Callable[[MeterData], CtMeter | None]:
    return lambda d: d.meters.get(eid)


def ct_naming(
    kind: str, row: PartSensorDescription[Any], phase: str | None = None
) -> tuple[str | None, dict[str, str] | None]:
    """Return the translation key and placeholders of a CT sensor of a measurement type."""
    placeholders = {} if phase is None else {"phase": phase}
    if kind in KNOWN_CTS:
        return f"{kind.replace('-', '_')}_{row.translation_key}", placeholders or None
    return row.translation_key, {"ct": kind, **placeholders}


def _ct_sensors(
    coordinator: DataUpdateCoordinator[MeterData],
    meters: dict[int, CtMeter],
    device: DeviceInfo,
    serial: str,
) -> list[BridgeSensor[MeterData]]:
    entities: list[BridgeSensor[MeterData]] = []
    for eid, meter in meters.items():
        kind = meter.measurement_type
        slug = kind.replace("-", "_")
        named = CT_KEYS.get(kind, {})

        def reading(data: MeterData, eid: int = eid) -> CtReading | None:
            return data.readings.get(eid)

        for row in CT_ROWS:
            translation_key, placeholders = ct_naming(kind, row)
            if (special := named.get(row.key)) is not None:
                translation_key, placeholders = special, None
            described = bind(
                row,
                reading,
                key=f"ct_{slug}_{row.key}",
                translation_key=translation_key,
                placeholders=placeholders,
            )
            entities.append(_make(coordinator, described, device, serial))
        translation_key, placeholders = ct_naming(kind, CT_STATUS)
        entities.append(
            _make(
                coordinator,
                bind(
                    CT_STATUS,
                    _meter(eid),
                    key=f"ct_{slug}_status",
                    translation_key=translation_key,
                    placeholders=placeholders,
                ),
                device,
                serial,
            )
        )
        for index in range(min(meter.phase_count, len(PHASES))):

            def channel(data: MeterData, eid: int = eid, index: int = index) -> CtReading | None:
                ct = data.readings.get(eid)
                return ct.channels[index] if ct is not None and index < len(ct.channels) else None

            for row in CT_CHANNEL_ROWS:
                translation_key, placeholders = ct_naming(kind, row, PHASES[index])
                described = bind(
                    row,
                    channel,
                    key=f"ct_{slug}_{row.key}_{PHASES[index].lower()}",
                    translation_key=translation_key,
                    placeholders=placeholders,
                )
                entities.append(_make(coordinator, described, device, serial))
    return entities
