"""Sensors: system flows and phases, CT meters, microinverters, batteries, settings.

One description type per kind of part (a flow, a phase of it, a CT, an inverter, a battery,
...), and one literal table of each: adding a sensor is adding a row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
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

from ..energy_bridges_common.hass.entity import BridgeEntity, EnergyTotalMixin, SensorValue
from .api import CtKind, CtStatus, GatewayData, MeterData
from .api.models import (
    AcBatteries,
    AcBatteryState,
    Battery,
    BatteryAggregate,
    CtMeter,
    CtReading,
    Generator,
    Inverter,
    Measurement,
    PowerExportLimit,
    SystemController,
)
from .coordinator import EnphaseConfigEntry
from .entity import (
    ac_battery_device,
    battery_device,
    controller_device,
    gateway_device,
    inverter_device,
)

PARALLEL_UPDATES = 0

PHASES = ("L1", "L2", "L3")


@dataclass(frozen=True, kw_only=True)
class EnphaseSensorDescription[PartT](SensorEntityDescription):
    """A sensor of one part of the data: a flow, a battery, the AC Batteries, ..."""

    value_fn: Callable[[PartT], SensorValue]
    exists_fn: Callable[[PartT], bool] = lambda _: True
    """Whether the part has this value at all (checked once, at setup)."""
    energy: bool = False
    """A lifetime counter: kept monotonic through glitches and restarts."""


@dataclass(frozen=True, kw_only=True)
class FlowSensorDescription(EnphaseSensorDescription[Measurement]):
    """A sensor of a system flow (production, consumption, net consumption) or its phase."""

    flow_fn: Callable[[GatewayData], Measurement | None]
    wrap_fn: Callable[[GatewayData], float | None] = lambda _: None
    """Where a lifetime counter wraps (Wh), if it does."""
    phases_of: CtKind = CtKind.NET
    """The CT that knows how many phases the flow really has."""
    live_fn: Callable[[MeterData], float | None] | None = None
    """The flow's power from the CTs, when they measure it (``measured_fn``): fresher than
    the report's, and one value has one source."""
    measured_fn: Callable[[MeterData], bool] = lambda _: False


@dataclass(frozen=True, kw_only=True)
class CtSensorDescription[PartT](EnphaseSensorDescription[PartT]):
    """A sensor of a CT (or of one of its phases), named by what the CT measures.

    ``translation_key`` names it for a measurement type we do not know (its ``{ct}`` holds
    the gateway's own word); a kind missing from ``kind_keys`` already has the value shown by
    the system flows (one sensor for one value).
    """

    kind_keys: Mapping[CtKind, str]


def _timestamp(value: float | None) -> datetime | None:
    return None if not value else datetime.fromtimestamp(value, UTC)


# -- the system flows -------------------------------------------------------------------------

FLOW_SENSORS: tuple[FlowSensorDescription, ...] = (
    FlowSensorDescription(
        key="production_power",
        translation_key="production_power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        flow_fn=lambda d: d.production,
        value_fn=lambda m: m.power,
        live_fn=lambda m: m.production_power,
        measured_fn=lambda m: m.measures_production,
    ),
    FlowSensorDescription(
        key="production_today",
        translation_key="production_today",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        flow_fn=lambda d: d.production,
        value_fn=lambda m: m.energy_today,
        exists_fn=lambda m: m.energy_today is not None,
    ),
    FlowSensorDescription(
        key="production_last_seven_days",
        translation_key="production_last_seven_days",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        flow_fn=lambda d: d.production,
        value_fn=lambda m: m.energy_last_seven_days,
        exists_fn=lambda m: m.energy_last_seven_days is not None,
    ),
    FlowSensorDescription(
        key="production_lifetime",
        translation_key="production_lifetime",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        flow_fn=lambda d: d.production,
        value_fn=lambda m: m.energy_lifetime,
        energy=True,
        wrap_fn=lambda d: d.production_wraps_at,
    ),
    FlowSensorDescription(
        key="consumption_power",
        translation_key="consumption_power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        flow_fn=lambda d: d.consumption,
        value_fn=lambda m: m.power,
        live_fn=lambda m: m.consumption_power,
        measured_fn=lambda m: m.measures_consumption,
    ),
    FlowSensorDescription(
        key="consumption_today",
        translation_key="consumption_today",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        flow_fn=lambda d: d.consumption,
        value_fn=lambda m: m.energy_today,
        exists_fn=lambda m: m.energy_today is not None,
    ),
    FlowSensorDescription(
        key="consumption_last_seven_days",
        translation_key="consumption_last_seven_days",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        flow_fn=lambda d: d.consumption,
        value_fn=lambda m: m.energy_last_seven_days,
        exists_fn=lambda m: m.energy_last_seven_days is not None,
    ),
    FlowSensorDescription(
        key="consumption_lifetime",
        translation_key="consumption_lifetime",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        flow_fn=lambda d: d.consumption,
        value_fn=lambda m: m.energy_lifetime,
        energy=True,
    ),
    FlowSensorDescription(
        key="net_consumption_power",
        translation_key="net_consumption_power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        flow_fn=lambda d: d.net_consumption,
        value_fn=lambda m: m.power,
        live_fn=lambda m: m.net_power,
        measured_fn=lambda m: m.measures_net,
    ),
)

# Per phase L1-L3 (off by default): the same flows, one entity per phase.
PHASE_SENSORS: tuple[FlowSensorDescription, ...] = (
    FlowSensorDescription(
        key="production_power",
        translation_key="production_phase_power",
        phases_of=CtKind.PRODUCTION,
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        flow_fn=lambda d: d.production,
        value_fn=lambda m: m.power,
    ),
    FlowSensorDescription(
        key="production_today",
        translation_key="production_phase_today",
        phases_of=CtKind.PRODUCTION,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        flow_fn=lambda d: d.production,
        value_fn=lambda m: m.energy_today,
    ),
    FlowSensorDescription(
        key="production_voltage",
        translation_key="production_phase_voltage",
        phases_of=CtKind.PRODUCTION,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        flow_fn=lambda d: d.production,
        value_fn=lambda m: m.voltage,
    ),
    FlowSensorDescription(
        key="consumption_power",
        translation_key="consumption_phase_power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        flow_fn=lambda d: d.consumption,
        value_fn=lambda m: m.power,
    ),
    FlowSensorDescription(
        key="consumption_today",
        translation_key="consumption_phase_today",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        flow_fn=lambda d: d.consumption,
        value_fn=lambda m: m.energy_today,
    ),
    FlowSensorDescription(
        key="consumption_voltage",
        translation_key="consumption_phase_voltage",
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        flow_fn=lambda d: d.consumption,
        value_fn=lambda m: m.voltage,
    ),
    FlowSensorDescription(
        key="net_consumption_power",
        translation_key="net_consumption_phase_power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        flow_fn=lambda d: d.net_consumption,
        value_fn=lambda m: m.power,
    ),
    FlowSensorDescription(
        key="net_consumption_voltage",
        translation_key="net_consumption_phase_voltage",
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        flow_fn=lambda d: d.net_consumption,
        value_fn=lambda m: m.voltage,
    ),
)

# -- the CTs ----------------------------------------------------------------------------------

CT_SENSORS: tuple[CtSensorDescription[CtReading], ...] = (
    CtSensorDescription(
        key="power",
        translation_key="ct_power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda r: r.power,
        kind_keys={
            CtKind.STORAGE: "battery_ct_power",
            CtKind.BACKFEED: "backfeed_ct_power",
            CtKind.LOAD: "load_ct_power",
            CtKind.EVSE: "evse_ct_power",
            CtKind.PV3P: "pv3p_ct_power",
        },
    ),
    CtSensorDescription(
        key="delivered",
        translation_key="ct_energy_delivered",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        value_fn=lambda r: r.energy_delivered,
        energy=True,
        kind_keys={
            CtKind.NET: "grid_import_energy",
            CtKind.TOTAL: "total_consumption_ct_energy_delivered",
            CtKind.STORAGE: "battery_discharged_energy",
            CtKind.BACKFEED: "backfeed_ct_energy_delivered",
            CtKind.LOAD: "load_ct_energy_delivered",
            CtKind.EVSE: "evse_ct_energy_delivered",
            CtKind.PV3P: "pv3p_ct_energy_delivered",
        },
    ),
    CtSensorDescription(
        key="received",
        translation_key="ct_energy_received",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        value_fn=lambda r: r.energy_received,
        energy=True,
        kind_keys={
            CtKind.PRODUCTION: "production_ct_energy_received",
            CtKind.NET: "grid_export_energy",
            CtKind.TOTAL: "total_consumption_ct_energy_received",
            CtKind.STORAGE: "battery_charged_energy",
            CtKind.BACKFEED: "backfeed_ct_energy_received",
            CtKind.LOAD: "load_ct_energy_received",
            CtKind.EVSE: "evse_ct_energy_received",
            CtKind.PV3P: "pv3p_ct_energy_received",
        },
    ),
    CtSensorDescription(
        key="voltage",
        translation_key="ct_voltage",
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda r: r.voltage,
        kind_keys={
            CtKind.PRODUCTION: "production_ct_voltage",
            CtKind.NET: "net_consumption_ct_voltage",
            CtKind.TOTAL: "total_consumption_ct_voltage",
            CtKind.STORAGE: "storage_ct_voltage",
            CtKind.BACKFEED: "backfeed_ct_voltage",
            CtKind.LOAD: "load_ct_voltage",
            CtKind.EVSE: "evse_ct_voltage",
            CtKind.PV3P: "pv3p_ct_voltage",
        },
    ),
    CtSensorDescription(
        key="current",
        translation_key="ct_current",
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda r: r.current,
        kind_keys={
            CtKind.PRODUCTION: "production_ct_current",
            CtKind.NET: "net_consumption_ct_current",
            CtKind.TOTAL: "total_consumption_ct_current",
            CtKind.STORAGE: "storage_ct_current",
            CtKind.BACKFEED: "backfeed_ct_current",
            CtKind.LOAD: "load_ct_current",
            CtKind.EVSE: "evse_ct_current",
            CtKind.PV3P: "pv3p_ct_current",
        },
    ),
    CtSensorDescription(
        key="frequency",
        translation_key="ct_frequency",
        native_unit_of_measurement=UnitOfFrequency.HERTZ,
        device_class=SensorDeviceClass.FREQUENCY,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda r: r.frequency,
        kind_keys={
            CtKind.PRODUCTION: "production_ct_frequency",
            CtKind.NET: "net_consumption_ct_frequency",
            CtKind.TOTAL: "total_consumption_ct_frequency",
            CtKind.STORAGE: "storage_ct_frequency",
            CtKind.BACKFEED: "backfeed_ct_frequency",
            CtKind.LOAD: "load_ct_frequency",
            CtKind.EVSE: "evse_ct_frequency",
            CtKind.PV3P: "pv3p_ct_frequency",
        },
    ),
    CtSensorDescription(
        key="power_factor",
        translation_key="ct_power_factor",
        device_class=SensorDeviceClass.POWER_FACTOR,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda r: r.power_factor,
        kind_keys={
            CtKind.PRODUCTION: "production_ct_power_factor",
            CtKind.NET: "net_consumption_ct_power_factor",
            CtKind.TOTAL: "total_consumption_ct_power_factor",
            CtKind.STORAGE: "storage_ct_power_factor",
            CtKind.BACKFEED: "backfeed_ct_power_factor",
            CtKind.LOAD: "load_ct_power_factor",
            CtKind.EVSE: "evse_ct_power_factor",
            CtKind.PV3P: "pv3p_ct_power_factor",
        },
    ),
)

CT_STATUS_SENSORS: tuple[CtSensorDescription[CtMeter], ...] = (
    CtSensorDescription(
        key="status",
        translation_key="ct_status",
        device_class=SensorDeviceClass.ENUM,
        options=[status.value for status in CtStatus],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda m: m.status,
        kind_keys={
            CtKind.PRODUCTION: "production_ct_status",
            CtKind.NET: "net_consumption_ct_status",
            CtKind.TOTAL: "total_consumption_ct_status",
            CtKind.STORAGE: "storage_ct_status",
            CtKind.BACKFEED: "backfeed_ct_status",
            CtKind.LOAD: "load_ct_status",
            CtKind.EVSE: "evse_ct_status",
            CtKind.PV3P: "pv3p_ct_status",
        },
    ),
)

# Per phase L1-L3 of a CT (off by default).
CT_PHASE_SENSORS: tuple[CtSensorDescription[CtReading], ...] = (
    CtSensorDescription(
        key="power",
        translation_key="ct_phase_power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.power,
        kind_keys={
            CtKind.PRODUCTION: "production_ct_phase_power",
            CtKind.NET: "net_consumption_ct_phase_power",
            CtKind.TOTAL: "total_consumption_ct_phase_power",
            CtKind.STORAGE: "storage_ct_phase_power",
            CtKind.BACKFEED: "backfeed_ct_phase_power",
            CtKind.LOAD: "load_ct_phase_power",
            CtKind.EVSE: "evse_ct_phase_power",
            CtKind.PV3P: "pv3p_ct_phase_power",
        },
    ),
    CtSensorDescription(
        key="voltage",
        translation_key="ct_phase_voltage",
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.voltage,
        kind_keys={
            CtKind.PRODUCTION: "production_ct_phase_voltage",
            CtKind.NET: "net_consumption_ct_phase_voltage",
            CtKind.TOTAL: "total_consumption_ct_phase_voltage",
            CtKind.STORAGE: "storage_ct_phase_voltage",
            CtKind.BACKFEED: "backfeed_ct_phase_voltage",
            CtKind.LOAD: "load_ct_phase_voltage",
            CtKind.EVSE: "evse_ct_phase_voltage",
            CtKind.PV3P: "pv3p_ct_phase_voltage",
        },
    ),
    CtSensorDescription(
        key="current",
        translation_key="ct_phase_current",
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.current,
        kind_keys={
            CtKind.PRODUCTION: "production_ct_phase_current",
            CtKind.NET: "net_consumption_ct_phase_current",
            CtKind.TOTAL: "total_consumption_ct_phase_current",
            CtKind.STORAGE: "storage_ct_phase_current",
            CtKind.BACKFEED: "backfeed_ct_phase_current",
            CtKind.LOAD: "load_ct_phase_current",
            CtKind.EVSE: "evse_ct_phase_current",
            CtKind.PV3P: "pv3p_ct_phase_current",
        },
    ),
    CtSensorDescription(
        key="delivered",
        translation_key="ct_phase_energy_delivered",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.energy_delivered,
        energy=True,
        kind_keys={
            CtKind.PRODUCTION: "production_ct_phase_energy_delivered",
            CtKind.NET: "net_consumption_ct_phase_energy_delivered",
            CtKind.TOTAL: "total_consumption_ct_phase_energy_delivered",
            CtKind.STORAGE: "storage_ct_phase_energy_delivered",
            CtKind.BACKFEED: "backfeed_ct_phase_energy_delivered",
            CtKind.LOAD: "load_ct_phase_energy_delivered",
            CtKind.EVSE: "evse_ct_phase_energy_delivered",
            CtKind.PV3P: "pv3p_ct_phase_energy_delivered",
        },
    ),
    CtSensorDescription(
        key="received",
        translation_key="ct_phase_energy_received",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.energy_received,
        energy=True,
        kind_keys={
            CtKind.PRODUCTION: "production_ct_phase_energy_received",
            CtKind.NET: "net_consumption_ct_phase_energy_received",
            CtKind.TOTAL: "total_consumption_ct_phase_energy_received",
            CtKind.STORAGE: "storage_ct_phase_energy_received",
            CtKind.BACKFEED: "backfeed_ct_phase_energy_received",
            CtKind.LOAD: "load_ct_phase_energy_received",
            CtKind.EVSE: "evse_ct_phase_energy_received",
            CtKind.PV3P: "pv3p_ct_phase_energy_received",
        },
    ),
)

# -- the gateway ------------------------------------------------------------------------------

GATEWAY_SENSORS: tuple[EnphaseSensorDescription[GatewayData], ...] = (
    EnphaseSensorDescription(
        key="inverters_reporting",
        translation_key="inverters_reporting",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: sum(1 for i in d.inverters.values() if (i.power or 0) > 0),
        exists_fn=lambda d: bool(d.inverters),
    ),
)

# The batteries taken together (secctrl).
AGGREGATE_SENSORS: tuple[EnphaseSensorDescription[BatteryAggregate], ...] = (
    EnphaseSensorDescription(
        key="battery_level",
        translation_key="battery_level",
        native_unit_of_measurement=PERCENTAGE,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda a: a.soc,
    ),
    EnphaseSensorDescription(
        key="available_energy",
        translation_key="available_energy",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda a: a.available_energy,
    ),
    EnphaseSensorDescription(
        key="reserve_energy",
        translation_key="reserve_energy",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda a: a.backup_energy,
    ),
    EnphaseSensorDescription(
        key="max_capacity",
        translation_key="max_capacity",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda a: a.max_available_capacity,
    ),
    EnphaseSensorDescription(
        key="battery_health",
        translation_key="battery_health",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda a: a.state_of_health,
        # Older firmware has no state of health.
        exists_fn=lambda a: a.state_of_health is not None,
    ),
)

PEL_SENSORS: tuple[EnphaseSensorDescription[PowerExportLimit], ...] = (
    EnphaseSensorDescription(
        key="power_export_limit",
        translation_key="power_export_limit",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda p: p.limit if p.enabled else None,
        exists_fn=lambda p: not p.percent,
    ),
    # The same limit where the gateway keeps it as a percentage of the system's rating.
    EnphaseSensorDescription(
        key="power_export_limit_percent",
        translation_key="power_export_limit_percent",
        native_unit_of_measurement=PERCENTAGE,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda p: p.limit if p.enabled else None,
        exists_fn=lambda p: p.percent,
    ),
)

# -- the AC Batteries (older ACB) taken together: the report's storage section ---------------

ACB_SENSORS: tuple[EnphaseSensorDescription[AcBatteries], ...] = (
    EnphaseSensorDescription(
        key="acb_power",
        translation_key="acb_power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda a: a.power,
    ),
    EnphaseSensorDescription(
        key="acb_state",
        translation_key="acb_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in AcBatteryState],
        value_fn=lambda a: a.state,
    ),
    EnphaseSensorDescription(
        key="acb_count",
        translation_key="acb_count",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda a: a.count,
    ),
)
# Their charge: from secctrl when the gateway has it (read every poll), else the report.
ACB_AGGREGATE_SENSORS: tuple[EnphaseSensorDescription[BatteryAggregate], ...] = (
    EnphaseSensorDescription(
        key="acb_soc",
        translation_key="acb_soc",
        native_unit_of_measurement=PERCENTAGE,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda a: a.acb_soc,
    ),
    EnphaseSensorDescription(
        key="acb_energy",
        translation_key="acb_energy",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda a: a.acb_energy,
    ),
)
ACB_REPORT_CHARGE_SENSORS: tuple[EnphaseSensorDescription[AcBatteries], ...] = (
    EnphaseSensorDescription(
        key="acb_soc",
        translation_key="acb_soc",
        native_unit_of_measurement=PERCENTAGE,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda a: a.soc,
    ),
    EnphaseSensorDescription(
        key="acb_energy",
        translation_key="acb_energy",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda a: a.energy,
    ),
)

# -- the IQ Batteries, the system controller, the generator ------------------------------------

BATTERY_SENSORS: tuple[EnphaseSensorDescription[Battery], ...] = (
    EnphaseSensorDescription(
        key="soc",
        translation_key="battery_soc",
        native_unit_of_measurement=PERCENTAGE,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda b: b.soc,
    ),
    EnphaseSensorDescription(
        key="power",
        translation_key="battery_power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda b: b.power,
    ),
    EnphaseSensorDescription(
        key="temperature",
        translation_key="battery_temperature",
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda b: b.temperature,
    ),
    EnphaseSensorDescription(
        key="max_cell_temperature",
        translation_key="max_cell_temperature",
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda b: b.max_cell_temperature,
    ),
    EnphaseSensorDescription(
        key="capacity",
        translation_key="battery_capacity",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda b: b.capacity,
    ),
)

CONTROLLER_SENSORS: tuple[EnphaseSensorDescription[SystemController], ...] = (
    EnphaseSensorDescription(
        key="temperature",
        translation_key="controller_temperature",
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c: c.temperature,
    ),
)

GENERATOR_SENSORS: tuple[EnphaseSensorDescription[Generator], ...] = (
    EnphaseSensorDescription(
        key="generator_rated_power",
        translation_key="generator_rated_power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda g: g.rated_power,
    ),
)

# -- the microinverters -----------------------------------------------------------------------

# Per microinverter, only the power is on by default (as core does): dozens of inverters
# times eight values would crowd the recorder for what few people look at. The rows that
# need device_data exist only when it covers the inverter.
INVERTER_SENSORS: tuple[EnphaseSensorDescription[Inverter], ...] = (
    EnphaseSensorDescription(
        key="power",
        translation_key="inverter_power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda i: i.power,
    ),
    EnphaseSensorDescription(
        key="max_power",
        translation_key="inverter_max_power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda i: i.max_power,
    ),
    EnphaseSensorDescription(
        key="last_report",
        translation_key="last_report",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda i: _timestamp(i.last_report),
    ),
    EnphaseSensorDescription(
        key="dc_voltage",
        translation_key="dc_voltage",
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda i: i.detail.dc_voltage if i.detail else None,
        exists_fn=lambda i: i.detail is not None,
    ),
    EnphaseSensorDescription(
        key="dc_current",
        translation_key="dc_current",
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        value_fn=lambda i: i.detail.dc_current if i.detail else None,
        exists_fn=lambda i: i.detail is not None,
    ),
    EnphaseSensorDescription(
        key="ac_voltage",
        translation_key="ac_voltage",
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda i: i.detail.ac_voltage if i.detail else None,
        exists_fn=lambda i: i.detail is not None,
    ),
    EnphaseSensorDescription(
        key="ac_current",
        translation_key="ac_current",
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        value_fn=lambda i: i.detail.ac_current if i.detail else None,
        exists_fn=lambda i: i.detail is not None,
    ),
    EnphaseSensorDescription(
        key="ac_frequency",
        translation_key="ac_frequency",
        native_unit_of_measurement=UnitOfFrequency.HERTZ,
        device_class=SensorDeviceClass.FREQUENCY,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        value_fn=lambda i: i.detail.ac_frequency if i.detail else None,
        exists_fn=lambda i: i.detail is not None,
    ),
    EnphaseSensorDescription(
        key="temperature",
        translation_key="inverter_temperature",
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        value_fn=lambda i: i.detail.temperature if i.detail else None,
        exists_fn=lambda i: i.detail is not None,
    ),
    EnphaseSensorDescription(
        key="energy_today",
        translation_key="inverter_energy_today",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        value_fn=lambda i: i.detail.energy_today if i.detail else None,
        exists_fn=lambda i: i.detail is not None,
    ),
    EnphaseSensorDescription(
        key="energy_lifetime",
        translation_key="inverter_energy_lifetime",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda i: i.detail.energy_lifetime if i.detail else None,
        exists_fn=lambda i: i.detail is not None,
        energy=True,
    ),
)


# -- the entities -----------------------------------------------------------------------------


class EnphaseSensor[DataT, PartT](BridgeEntity[DataUpdateCoordinator[DataT]], SensorEntity):
    """A value of one part of a coordinator's data, written only when it changed.

    The CT readings come every 10 s for dozens of sensors, most of which (voltages, phases
    at night, status) do not change: rewriting them is most of an update's event-loop time.
    """

    entity_description: EnphaseSensorDescription[PartT]
    _written: tuple[bool, Any] | None = None

    def __init__(
        self,
        coordinator: DataUpdateCoordinator[DataT],
        description: EnphaseSensorDescription[PartT],
        part: Callable[[DataT], PartT | None],
        *,
        device_info: DeviceInfo,
        unique_id_prefix: str,
        phase: int | None = None,
        naming: tuple[str | None, dict[str, str]] = (None, {}),
    ) -> None:
        """Read ``part`` of the data (one phase of a part, when ``phase`` is given).

        ``naming`` replaces the row's translation key and adds placeholders (a CT's kind).
        """
        super().__init__(
            coordinator, description, device_info=device_info, unique_id_prefix=unique_id_prefix
        )
        self._part = part
        translation_key, placeholders = naming
        if phase is not None:
            self._attr_unique_id = f"{self._attr_unique_id}_{PHASES[phase].lower()}"
            placeholders = {**placeholders, "phase": PHASES[phase]}
        if translation_key is not None:
            self._attr_translation_key = translation_key
        if placeholders:
            self._attr_translation_placeholders = placeholders

    def _reading(self) -> SensorValue:
        part = self._part(self.coordinator.data)
        return None if part is None else self.entity_description.value_fn(part)

    @property
    def available(self) -> bool:
        """Return whether the coordinator has data and the data has the part."""
        return super().available and self._part(self.coordinator.data) is not None

    @property
    def native_value(self) -> SensorValue:
        """Return the value."""
        return self._reading()

    async def async_added_to_hass(self) -> None:
        """Remember what the platform writes when it adds the entity."""
        await super().async_added_to_hass()
        self._written = (self.available, self.native_value)

    @callback
    def _handle_coordinator_update(self) -> None:
        current = (self.available, self.native_value)
        if current == self._written:
            return
        self._written = current
        self.async_write_ha_state()


class EnphaseEnergySensor[DataT, PartT](EnergyTotalMixin, EnphaseSensor[DataT, PartT]):
    """A lifetime counter of a part, kept monotonic through glitches, wraps and restarts."""

    def __init__(
        self,
        coordinator: DataUpdateCoordinator[DataT],
        description: EnphaseSensorDescription[PartT],
        part: Callable[[DataT], PartT | None],
        *,
        device_info: DeviceInfo,
        unique_id_prefix: str,
        phase: int | None = None,
        naming: tuple[str | None, dict[str, str]] = (None, {}),
        wrap_at: float | None = None,
    ) -> None:
        """Read the part's counter (wrapping at ``wrap_at`` Wh, where the gateway's does)."""
        super().__init__(
            coordinator,
            description,
            part,
            device_info=device_info,
            unique_id_prefix=unique_id_prefix,
            phase=phase,
            naming=naming,
        )
        self._start_total(wrap_at=wrap_at)

    def _raw_value(self) -> SensorValue:
        return self._reading()


def _sensor[DataT, PartT](
    coordinator: DataUpdateCoordinator[DataT],
    description: EnphaseSensorDescription[PartT],
    part: Callable[[DataT], PartT | None],
    *,
    device_info: DeviceInfo,
    unique_id_prefix: str,
    phase: int | None = None,
    naming: tuple[str | None, dict[str, str]] = (None, {}),
    wrap_at: float | None = None,
) -> EnphaseSensor[DataT, PartT]:
    """Return the sensor of a row: a lifetime counter's keeps its total monotonic."""
    if description.energy:
        return EnphaseEnergySensor(
            coordinator,
            description,
            part,
            device_info=device_info,
            unique_id_prefix=unique_id_prefix,
            phase=phase,
            naming=naming,
            wrap_at=wrap_at,
        )
    return EnphaseSensor(
        coordinator,
        description,
        part,
        device_info=device_info,
        unique_id_prefix=unique_id_prefix,
        phase=phase,
        naming=naming,
    )


def _ct_sensor[PartT](
    coordinator: DataUpdateCoordinator[MeterData],
    description: CtSensorDescription[PartT],
    part: Callable[[MeterData], PartT | None],
    meter: CtMeter,
    *,
    device_info: DeviceInfo,
    serial: str,
    phase: int | None = None,
) -> EnphaseSensor[MeterData, PartT]:
    """Return a CT's sensor, named by its kind; by the gateway's word for one we do not know."""
    return _sensor(
        coordinator,
        description,
        part,
        device_info=device_info,
        unique_id_prefix=f"{serial}_ct_{meter.type_name}",
        phase=phase,
        naming=(description.kind_keys[meter.kind], {})
        if meter.kind is not None
        else (None, {"ct": meter.vendor_name}),
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnphaseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors this gateway's data supports."""
    runtime = entry.runtime_data
    coordinator = runtime.gateway
    data = coordinator.data
    serial = data.info.serial
    parent = runtime.device_id
    device = gateway_device(data, runtime.client.base_url)
    entities: list[EnphaseSensor[Any, Any]] = []

    def add[DataT, PartT](
        coord: DataUpdateCoordinator[DataT],
        descriptions: tuple[EnphaseSensorDescription[PartT], ...],
        part: Callable[[DataT], PartT | None],
        device_info: DeviceInfo,
        prefix: str,
    ) -> None:
        entities.extend(_part_sensors(coord, descriptions, part, device_info, prefix))

    meters = runtime.meters
    for description in FLOW_SENSORS:
        if (
            meters is not None
            and (live := description.live_fn) is not None
            and description.measured_fn(meters.data)
        ):
            # A CT measures this flow: its power has that one source, always the freshest.
            entities.append(
                _sensor(
                    meters,
                    description,
                    _live(live),
                    device_info=device,
                    unique_id_prefix=serial,
                )
            )
        elif (flow := description.flow_fn(data)) is not None and description.exists_fn(flow):
            entities.append(
                _sensor(
                    coordinator,
                    description,
                    description.flow_fn,
                    device_info=device,
                    unique_id_prefix=serial,
                    wrap_at=description.wrap_fn(data),
                )
            )
    for description in PHASE_SENSORS:
        if (flow := description.flow_fn(data)) is None:
            continue
        phases = _phase_count(description.phases_of, flow, runtime.poller.capabilities.ct_meters)
        entities.extend(
            _sensor(
                coordinator,
                description,
                _phase(description.flow_fn, index),
                device_info=device,
                unique_id_prefix=serial,
                phase=index,
            )
            for index in range(phases)
        )
    add(coordinator, GATEWAY_SENSORS, _same, device, serial)
    if data.batteries or data.ac_batteries is None:
        add(coordinator, AGGREGATE_SENSORS, lambda d: d.battery_aggregate, device, serial)
    add(coordinator, PEL_SENSORS, lambda d: d.power_export_limit, device, serial)
    if data.ac_batteries is not None:
        acb = ac_battery_device(serial, parent)
        add(coordinator, ACB_SENSORS, lambda d: d.ac_batteries, acb, serial)
        if data.battery_aggregate is not None and data.battery_aggregate.acb_soc is not None:
            add(coordinator, ACB_AGGREGATE_SENSORS, lambda d: d.battery_aggregate, acb, serial)
        else:
            add(coordinator, ACB_REPORT_CHARGE_SENSORS, lambda d: d.ac_batteries, acb, serial)
    for battery in data.batteries.values():
        add(
            coordinator,
            BATTERY_SENSORS,
            _battery(battery.serial),
            battery_device(battery, parent),
            battery.serial,
        )
    if (controller := data.system_controller) is not None:
        controller_info = controller_device(controller, parent)
        add(
            coordinator,
            CONTROLLER_SENSORS,
            lambda d: d.system_controller,
            controller_info,
            controller.serial,
        )
        add(
            coordinator,
            GENERATOR_SENSORS,
            lambda d: d.generator,
            controller_info,
            controller.serial,
        )

    def inverter_sensors(inverter: Inverter) -> list[EnphaseSensor[GatewayData, Inverter]]:
        return _part_sensors(
            coordinator,
            INVERTER_SENSORS,
            _inverter(inverter.serial),
            inverter_device(inverter.serial, parent),
            inverter.serial,
        )

    for inverter in data.inverters.values():
        entities.extend(inverter_sensors(inverter))
    if meters is not None:
        entities.extend(_ct_sensors(meters, runtime.poller.capabilities.ct_meters, device, serial))
    async_add_entities(entities)

    known_inverters = set(data.inverters)

    @callback
    def _add_new_inverters() -> None:
        """Add inverters that joined the system after setup."""
        new = [i for s, i in coordinator.data.inverters.items() if s not in known_inverters]
        if not new:
            return
        known_inverters.update(i.serial for i in new)
        async_add_entities([sensor for i in new for sensor in inverter_sensors(i)])

    entry.async_on_unload(coordinator.async_add_listener(_add_new_inverters))


def _part_sensors[DataT, PartT](
    coordinator: DataUpdateCoordinator[DataT],
    descriptions: tuple[EnphaseSensorDescription[PartT], ...],
    part: Callable[[DataT], PartT | None],
    device_info: DeviceInfo,
    prefix: str,
) -> list[EnphaseSensor[DataT, PartT]]:
    """Return the sensors of the rows a part has (none when the data has no such part)."""
    if (now := part(coordinator.data)) is None:
        return []
    return [
        _sensor(coordinator, d, part, device_info=device_info, unique_id_prefix=prefix)
        for d in descriptions
        if d.exists_fn(now)
    ]


def _same[T](data: T) -> T:
    return data


def _live(
    power: Callable[[MeterData], float | None],
) -> Callable[[MeterData], Measurement | None]:
    """Return the CTs' reading of a flow's power as the flow's measurement."""

    def flow(data: MeterData) -> Measurement | None:
        value = power(data)
        return None if value is None else Measurement(power=value)

    return flow


def _phase(
    flow: Callable[[GatewayData], Measurement | None], index: int
) -> Callable[[GatewayData], Measurement | None]:
    def phase(data: GatewayData) -> Measurement | None:
        measured = flow(data)
        return measured.phases[index] if measured and index < len(measured.phases) else None

    return phase


def _battery(serial: str) -> Callable[[GatewayData], Battery | None]:
    return lambda d: d.batteries.get(serial)


def _inverter(serial: str) -> Callable[[GatewayData], Inverter | None]:
    return lambda d: d.inverters.get(serial)


def _phase_count(kind: CtKind, flow: Measurement, meters: dict[int, CtMeter]) -> int:
    """Return how many phases a flow really has (newer firmware always sends 3 lines)."""
    lines = min(len(flow.phases), len(PHASES))
    for meter in meters.values():
        if meter.kind is kind:
            return min(meter.phase_count, lines)
    return lines


def _ct_sensors(
    coordinator: DataUpdateCoordinator[MeterData],
    meters: dict[int, CtMeter],
    device: DeviceInfo,
    serial: str,
) -> list[EnphaseSensor[MeterData, Any]]:
    """Return each CT's sensors, and its phases' (off by default)."""
    entities: list[EnphaseSensor[MeterData, Any]] = []
    for eid, meter in meters.items():

        def reading(data: MeterData, eid: int = eid) -> CtReading | None:
            return data.readings.get(eid)

        def configured(data: MeterData, eid: int = eid) -> CtMeter | None:
            return data.meters.get(eid)

        def shown(description: CtSensorDescription[Any], meter: CtMeter = meter) -> bool:
            return meter.kind is None or meter.kind in description.kind_keys

        entities.extend(
            _ct_sensor(coordinator, d, reading, meter, device_info=device, serial=serial)
            for d in CT_SENSORS
            if shown(d)
        )
        entities.extend(
            _ct_sensor(coordinator, d, configured, meter, device_info=device, serial=serial)
            for d in CT_STATUS_SENSORS
            if shown(d)
        )
        for index in range(min(meter.phase_count, len(PHASES))):

            def channel(data: MeterData, eid: int = eid, index: int = index) -> CtReading | None:
                ct = data.readings.get(eid)
                return ct.channels[index] if ct is not None and index < len(ct.channels) else None

            entities.extend(
                _ct_sensor(
                    coordinator,
                    d,
                    channel,
                    meter,
                    device_info=device,
                    serial=serial,
                    phase=index,
                )
                for d in CT_PHASE_SENSORS
                if shown(d)
            )
    return entities
