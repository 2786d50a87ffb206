"""Sensors of a Powervault unit.

Power follows Home Assistant's signs (battery positive when discharging, grid positive when
importing). Energy totals count the current day (British local time, as the unit's
schedule) and start again at midnight; they are ``total_increasing``, so the Energy dashboard
takes them as they are, and a glitch or a missing bucket never makes them go back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
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
    UnitOfRatio,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.hass.entity import (
    BridgeEnergySensor,
    BridgeEnergySensorEntityDescription,
    BridgeSensor,
    BridgeSensorEntityDescription,
    BudgetSensor,
    SensorValue,
)
from .api import BatteryActivity, BatteryControl, BatterySignCheck, BatteryState, UnitData
from .coordinator import PowervaultConfigEntry, PowervaultDataCoordinator
from .entity import PowervaultControlEntity, PowervaultEntity

PARALLEL_UPDATES = 0

POWER_SENSORS: tuple[BridgeSensorEntityDescription[UnitData], ...] = (
    BridgeSensorEntityDescription[UnitData](
        key="state_of_charge",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda data: data.power.state_of_charge,
    ),
    BridgeSensorEntityDescription[UnitData](
        key="battery_power",
        translation_key="battery_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda data: data.power.battery,
    ),
    BridgeSensorEntityDescription[UnitData](
        key="grid_power",
        translation_key="grid_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda data: data.power.grid,
    ),
    BridgeSensorEntityDescription[UnitData](
        key="solar_power",
        translation_key="solar_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda data: data.power.solar,
    ),
    BridgeSensorEntityDescription[UnitData](
        key="home_power",
        translation_key="home_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda data: data.power.home,
    ),
    BridgeSensorEntityDescription[UnitData](
        key="battery_activity",
        translation_key="battery_activity",
        device_class=SensorDeviceClass.ENUM,
        options=[activity.value for activity in BatteryActivity],
        value_fn=lambda data: data.telemetry.activity if data.telemetry else None,
        exists_fn=lambda data: data.telemetry is not None,
    ),
    BridgeSensorEntityDescription[UnitData](
        key="battery_sign_check",
        translation_key="battery_sign_check",
        device_class=SensorDeviceClass.ENUM,
        options=[BatterySignCheck.CONSISTENT.value, BatterySignCheck.INVERTED.value],
        entity_category=EntityCategory.DIAGNOSTIC,
        # "unknown" is Home Assistant's own state for a sensor without a value.
        value_fn=lambda data: (
            None if data.battery_sign is BatterySignCheck.UNKNOWN else data.battery_sign
        ),
        exists_fn=lambda data: data.battery_sign is not None,
    ),
)


def _day(data: UnitData) -> date | None:
    return data.energy.day if data.energy else None


ENERGY_SENSORS: tuple[BridgeEnergySensorEntityDescription[UnitData], ...] = (
    BridgeEnergySensorEntityDescription[UnitData](
        key="grid_import_energy",
        translation_key="grid_import_energy",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda data: data.energy.energy.grid_import if data.energy else None,
        day_fn=_day,
    ),
    BridgeEnergySensorEntityDescription[UnitData](
        key="grid_export_energy",
        translation_key="grid_export_energy",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda data: data.energy.energy.grid_export if data.energy else None,
        day_fn=_day,
    ),
    BridgeEnergySensorEntityDescription[UnitData](
        key="solar_energy",
        translation_key="solar_energy",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda data: data.energy.energy.solar_production if data.energy else None,
        day_fn=_day,
    ),
    BridgeEnergySensorEntityDescription[UnitData](
        key="battery_charge_energy",
        translation_key="battery_charge_energy",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda data: data.energy.energy.battery_charge if data.energy else None,
        day_fn=_day,
    ),
    BridgeEnergySensorEntityDescription[UnitData](
        key="battery_discharge_energy",
        translation_key="battery_discharge_energy",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda data: data.energy.energy.battery_discharge if data.energy else None,
        day_fn=_day,
    ),
    BridgeEnergySensorEntityDescription[UnitData](
        key="home_energy",
        translation_key="home_energy",
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda data: data.energy.energy.home_consumption if data.energy else None,
        day_fn=_day,
    ),
)


@dataclass(frozen=True, kw_only=True)
class PowervaultTelemetrySensorEntityDescription(SensorEntityDescription):
    """A value of a legacy unit's telemetry; its key is the value's name in ``values``."""

    state_class: SensorStateClass | None = SensorStateClass.MEASUREMENT


TELEMETRY_SENSORS: tuple[PowervaultTelemetrySensorEntityDescription, ...] = (
    # The battery level is the usable charge (as Powervault's app shows it); the average
    # over the cells is a second, slightly higher figure (58 % against 55 % on a real P3X).
    PowervaultTelemetrySensorEntityDescription(
        key="average_state_of_charge",
        translation_key="average_state_of_charge",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="temperature",
        translation_key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="cpu_temperature",
        translation_key="cpu_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="inverter_voltage",
        translation_key="inverter_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=1,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="inverter_frequency",
        translation_key="inverter_frequency",
        device_class=SensorDeviceClass.FREQUENCY,
        native_unit_of_measurement=UnitOfFrequency.HERTZ,
        suggested_display_precision=2,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="battery_current",
        translation_key="battery_current",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=1,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="grid_current",
        translation_key="grid_current",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=1,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="max_charge_power",
        translation_key="max_charge_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="max_discharge_power",
        translation_key="max_discharge_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="min_cell_voltage",
        translation_key="min_cell_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=3,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="max_cell_voltage",
        translation_key="max_cell_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=3,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="min_cell_temperature",
        translation_key="min_cell_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="max_cell_temperature",
        translation_key="max_cell_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="average_cell_temperature",
        translation_key="average_cell_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="min_bms_temperature",
        translation_key="min_bms_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="max_bms_temperature",
        translation_key="max_bms_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="average_bms_temperature",
        translation_key="average_bms_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="min_mosfet_temperature",
        translation_key="min_mosfet_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="max_mosfet_temperature",
        translation_key="max_mosfet_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="average_mosfet_temperature",
        translation_key="average_mosfet_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="air_temperature",
        translation_key="air_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="air_humidity",
        translation_key="air_humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        native_unit_of_measurement=PERCENTAGE,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    PowervaultTelemetrySensorEntityDescription(
        key="air_co2",
        translation_key="air_co2",
        device_class=SensorDeviceClass.CO2,
        native_unit_of_measurement=UnitOfRatio.PARTS_PER_MILLION,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    # A real P3X gives "index" as a unit; a VOC index (as air-quality sensors report it) has
    # no unit and no Home Assistant device class.
    PowervaultTelemetrySensorEntityDescription(
        key="air_voc",
        translation_key="air_voc",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
)

# One row per kind of cell value (group, kind); each cell the unit reports gets its own key
# and index. Disabled by default: a real P3X reports hundreds.
CELL_SENSORS: dict[tuple[str, str], SensorEntityDescription] = {
    ("module", "voltage"): SensorEntityDescription(
        key="module_cell_voltage",
        translation_key="module_cell_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        suggested_display_precision=3,
    ),
    ("string", "voltage"): SensorEntityDescription(
        key="string_cell_voltage",
        translation_key="string_cell_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        suggested_display_precision=3,
    ),
    ("string", "temperature"): SensorEntityDescription(
        key="string_cell_temperature",
        translation_key="string_cell_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        suggested_display_precision=1,
    ),
    ("pack", "temperature"): SensorEntityDescription(
        key="pack_temperature",
        translation_key="pack_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        suggested_display_precision=1,
    ),
    ("backplane", "temperature"): SensorEntityDescription(
        key="backplane_temperature",
        translation_key="backplane_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        suggested_display_precision=1,
    ),
}


def _override_end(control: BatteryControl) -> datetime | None:
    override = control.active_override(dt_util.utcnow())
    return override.end if override is not None else None


CONTROL_SENSORS: tuple[BridgeSensorEntityDescription[BatteryControl], ...] = (
    BridgeSensorEntityDescription[BatteryControl](
        key="effective_state",
        translation_key="effective_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in BatteryState],
        value_fn=lambda control: control.effective_state(dt_util.utcnow()).state,
    ),
    BridgeSensorEntityDescription[BatteryControl](
        key="override_end",
        translation_key="override_end",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_override_end,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowervaultConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a unit's sensors."""
    runtime = entry.runtime_data
    coordinator = runtime.data
    data = coordinator.data
    device_info, unit_id = runtime.device_info, runtime.unit_id
    entities: list[SensorEntity] = [
        BridgeSensor(coordinator, description, device_info=device_info, unique_id_prefix=unit_id)
        for description in POWER_SENSORS
        if description.exists_fn(data)
    ]
    entities.extend(
        BridgeEnergySensor(
            coordinator, description, device_info=device_info, unique_id_prefix=unit_id
        )
        for description in ENERGY_SENSORS
    )
    if (telemetry := data.telemetry) is not None:
        entities.extend(
            PowervaultTelemetrySensor(entry, coordinator, description)
            for description in TELEMETRY_SENSORS
            if description.key in telemetry.values
        )
        entities.extend(
            PowervaultCellSensor(
                entry,
                coordinator,
                replace(
                    CELL_SENSORS[(cell.group, cell.kind)],
                    key=cell.key,
                    translation_placeholders={"index": str(cell.index)}
                    | ({"cell": str(cell.cell)} if cell.cell is not None else {}),
                ),
            )
            for cell in telemetry.cells.values()
        )
    entities.extend(
        PowervaultControlSensor(entry, runtime.control, description)
        for description in CONTROL_SENSORS
    )
    if runtime.budget is not None:
        entities.append(
            BudgetSensor(
                runtime.budget,
                device_info=device_info,
                unique_id=f"{unit_id}_cloud_budget",
            )
        )
    async_add_entities(entities)


class PowervaultTelemetrySensor(PowervaultEntity[PowervaultDataCoordinator], SensorEntity):
    """A value of a legacy unit's telemetry."""

    entity_description: PowervaultTelemetrySensorEntityDescription

    @property
    def native_value(self) -> float | None:
        """Return the value (None where the unit sent ``null``)."""
        telemetry = self.coordinator.data.telemetry
        return None if telemetry is None else telemetry.values.get(self.entity_description.key)


class PowervaultCellSensor(PowervaultEntity[PowervaultDataCoordinator], SensorEntity):
    """One value of the per-cell battery detail."""

    @property
    def native_value(self) -> float | None:
        """Return the cell's value."""
        telemetry = self.coordinator.data.telemetry
        if telemetry is None or (cell := telemetry.cells.get(self.entity_description.key)) is None:
            return None
        return cell.value


class PowervaultControlSensor(PowervaultControlEntity, SensorEntity):
    """The effective battery state, or when the override ends.

    With no override, "Override end" has no value (Home Assistant shows *Unknown*): the
    effective state's ``source`` attribute says the schedule decides, not an override.
    """

    entity_description: BridgeSensorEntityDescription[BatteryControl]

    @property
    def native_value(self) -> SensorValue:
        """Return the value now."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return what decides the effective state (``override`` or ``schedule``)."""
        if self.entity_description.key != "effective_state":
            return None
        return {"source": self.coordinator.data.effective_state(dt_util.utcnow()).source}
