"""Sensors of a Powervault unit.

Power follows Home Assistant's signs (battery positive when discharging, grid positive when
importing). Energy totals count the current day (British local time, as the unit's
schedule) and start again at midnight; they are ``total_increasing``, so the Energy dashboard
takes them as they are, and a glitch or a missing bucket never makes them go back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
import sys
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorExtraStoredData,
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
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.energy import MonotonicTotal
from ..energy_bridges_common.hass.entity import (
    BridgeEnergySensorEntityDescription,
    BridgeSensorEntityDescription,
    BudgetSensor,
    SensorValue,
)
from .api import VALID_STATES, BatteryActivity, BatteryControl, BatterySignCheck, CellReading
from .coordinator import PowervaultConfigEntry, PowervaultDataCoordinator, UnitData
from .entity import PowervaultControlEntity, PowervaultEntity

PARALLEL_UPDATES = 0


def _telemetry(key: str) -> Callable[[UnitData], float | None]:
    def value(data: UnitData) -> float | None:
        return None if data.telemetry is None else data.telemetry.values.get(key)

    return value


def _has_telemetry(key: str) -> Callable[[UnitData], bool]:
    return lambda data: data.telemetry is not None and key in data.telemetry.values


def _energy(name: str) -> Callable[[UnitData], float | None]:
    def value(data: UnitData) -> float | None:
        return None if data.energy is None else float(getattr(data.energy.energy, name))

    return value


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
)

ENERGY_KEYS: tuple[tuple[str, str], ...] = (
    ("grid_import_energy", "grid_import"),
    ("grid_export_energy", "grid_export"),
    ("solar_energy", "solar_production"),
    ("battery_charge_energy", "battery_charge"),
    ("battery_discharge_energy", "battery_discharge"),
    ("home_energy", "home_consumption"),
)

ENERGY_SENSORS: tuple[BridgeEnergySensorEntityDescription[UnitData], ...] = tuple(
    BridgeEnergySensorEntityDescription[UnitData](
        key=key,
        translation_key=key,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=_energy(field_name),
    )
    for key, field_name in ENERGY_KEYS
)


@dataclass(frozen=True, kw_only=True)
class _Telemetry:
    key: str
    device_class: SensorDeviceClass | None
    unit: str | None
    diagnostic: bool = False
    enabled: bool = True
    precision: int | None = None


_TELEMETRY: tuple[_Telemetry, ...] = (
    # The battery level is the usable charge (as Powervault's app shows it); the average
    # over the cells is a second, slightly higher figure (58 % against 55 % on a real P3X).
    _Telemetry(key="average_state_of_charge", device_class=None, unit=PERCENTAGE, precision=0),
    _Telemetry(
        key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        unit=UnitOfTemperature.CELSIUS,
    ),
    _Telemetry(
        key="cpu_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        unit=UnitOfTemperature.CELSIUS,
        diagnostic=True,
    ),
    _Telemetry(
        key="inverter_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        unit=UnitOfElectricPotential.VOLT,
        precision=1,
    ),
    _Telemetry(
        key="inverter_frequency",
        device_class=SensorDeviceClass.FREQUENCY,
        unit=UnitOfFrequency.HERTZ,
        precision=2,
    ),
    _Telemetry(
        key="battery_current",
        device_class=SensorDeviceClass.CURRENT,
        unit=UnitOfElectricCurrent.AMPERE,
        diagnostic=True,
        precision=1,
    ),
    _Telemetry(
        key="grid_current",
        device_class=SensorDeviceClass.CURRENT,
        unit=UnitOfElectricCurrent.AMPERE,
        diagnostic=True,
        precision=1,
    ),
    _Telemetry(
        key="max_charge_power",
        device_class=SensorDeviceClass.POWER,
        unit=UnitOfPower.WATT,
        diagnostic=True,
    ),
    _Telemetry(
        key="max_discharge_power",
        device_class=SensorDeviceClass.POWER,
        unit=UnitOfPower.WATT,
        diagnostic=True,
    ),
    _Telemetry(
        key="min_cell_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        unit=UnitOfElectricPotential.VOLT,
        diagnostic=True,
        precision=3,
    ),
    _Telemetry(
        key="max_cell_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        unit=UnitOfElectricPotential.VOLT,
        diagnostic=True,
        precision=3,
    ),
    *(
        _Telemetry(
            key=key,
            device_class=SensorDeviceClass.TEMPERATURE,
            unit=UnitOfTemperature.CELSIUS,
            diagnostic=True,
            enabled=key in ("min_cell_temperature", "max_cell_temperature"),
        )
        for key in (
            "min_cell_temperature",
            "max_cell_temperature",
            "average_cell_temperature",
            "min_bms_temperature",
            "max_bms_temperature",
            "average_bms_temperature",
            "min_mosfet_temperature",
            "max_mosfet_temperature",
            "average_mosfet_temperature",
        )
    ),
    _Telemetry(
        key="air_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        unit=UnitOfTemperature.CELSIUS,
        diagnostic=True,
        enabled=False,
    ),
    _Telemetry(
        key="air_humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        unit=PERCENTAGE,
        diagnostic=True,
        enabled=False,
    ),
    _Telemetry(
        key="air_co2",
        device_class=SensorDeviceClass.CO2,
        unit=UnitOfRatio.PARTS_PER_MILLION,
        diagnostic=True,
        enabled=False,
    ),
    # A real P3X gives "index" as a unit; a VOC index (as air-quality sensors report it) has
    # no unit and no Home Assistant device class.
    _Telemetry(key="air_voc", device_class=None, unit=None, diagnostic=True, enabled=False),
)

TELEMETRY_SENSORS: tuple[BridgeSensorEntityDescription[UnitData], ...] = tuple(
    BridgeSensorEntityDescription[UnitData](
        key=item.key,
        translation_key=item.key,
        device_class=item.device_class,
        native_unit_of_measurement=item.unit,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC if item.diagnostic else None,
        entity_registry_enabled_default=item.enabled,
        suggested_display_precision=item.precision,
        value_fn=_telemetry(item.key),
        exists_fn=_has_telemetry(item.key),
    )
    for item in _TELEMETRY
)


def _activity(data: UnitData) -> str | None:
    telemetry = data.telemetry
    return None if telemetry is None or telemetry.activity is None else telemetry.activity.value


def _sign_check(data: UnitData) -> str | None:
    # "unknown" is Home Assistant's own state for a sensor without a value.
    sign = data.battery_sign
    return None if sign in (None, BatterySignCheck.UNKNOWN) else str(sign)


STATUS_SENSORS: tuple[BridgeSensorEntityDescription[UnitData], ...] = (
    BridgeSensorEntityDescription[UnitData](
        key="battery_activity",
        translation_key="battery_activity",
        device_class=SensorDeviceClass.ENUM,
        options=[activity.value for activity in BatteryActivity],
        value_fn=_activity,
        exists_fn=lambda data: data.telemetry is not None,
    ),
    BridgeSensorEntityDescription[UnitData](
        key="battery_sign_check",
        translation_key="battery_sign_check",
        device_class=SensorDeviceClass.ENUM,
        options=[BatterySignCheck.CONSISTENT.value, BatterySignCheck.INVERTED.value],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_sign_check,
        exists_fn=lambda data: data.battery_sign is not None,
    ),
)


def _override_end(control: BatteryControl) -> datetime | None:
    override = control.active_override(dt_util.utcnow())
    return override.end if override is not None else None


CONTROL_SENSORS: tuple[BridgeSensorEntityDescription[BatteryControl], ...] = (
    BridgeSensorEntityDescription[BatteryControl](
        key="effective_state",
        translation_key="effective_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.replace("-", "_") for state in VALID_STATES],
        value_fn=lambda control: _state_option(control.effective_state(dt_util.utcnow()).state),
    ),
    BridgeSensorEntityDescription[BatteryControl](
        key="override_end",
        translation_key="override_end",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_override_end,
    ),
)


def _state_option(state: str | None) -> str | None:
    """Return a battery state as an option key (translations take no dashes)."""
    return None if state is None else state.replace("-", "_")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowervaultConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a unit's sensors."""
    runtime = entry.runtime_data
    data = runtime.data.data
    entities: list[SensorEntity] = [
        PowervaultSensor(entry, runtime.data, description) for description in POWER_SENSORS
    ]
    entities.extend(
        PowervaultEnergySensor(entry, runtime.data, description) for description in ENERGY_SENSORS
    )
    entities.extend(
        PowervaultSensor(entry, runtime.data, description)
        for description in (*TELEMETRY_SENSORS, *STATUS_SENSORS)
        if description.exists_fn(data)
    )
    if data.telemetry is not None:
        entities.extend(
            PowervaultCellSensor(entry, runtime.data, cell)
            for cell in data.telemetry.cells.values()
        )
    entities.extend(
        PowervaultControlSensor(entry, runtime.control, description)
        for description in CONTROL_SENSORS
    )
    if runtime.budget is not None:
        entities.append(
            BudgetSensor(
                runtime.budget,
                device_info=runtime.device_info,
                unique_id=f"{runtime.unit_id}_cloud_budget",
            )
        )
    async_add_entities(entities)


class PowervaultSensor(PowervaultEntity[PowervaultDataCoordinator], SensorEntity):
    """A sensor of a unit's power or telemetry."""

    entity_description: BridgeSensorEntityDescription[UnitData]

    @property
    def native_value(self) -> SensorValue:
        """Return the value."""
        return self.entity_description.value_fn(self.coordinator.data)


@dataclass
class _DailyEnergyData(SensorExtraStoredData):
    day: str | None = None
    offset: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "day": self.day, "offset": self.offset}


class PowervaultEnergySensor(PowervaultSensor, RestoreSensor):
    """Today's energy one way: rises through the day, starts again at midnight.

    Between midnights it never goes back: a bucket the cloud has not filled yet or a
    history the unit could not serve keeps the last total. The day is restored with the
    value, so a restart does not take yesterday's total for today's.
    """

    entity_description: BridgeEnergySensorEntityDescription[UnitData]

    def __init__(
        self,
        entry: PowervaultConfigEntry,
        coordinator: PowervaultDataCoordinator,
        description: BridgeEnergySensorEntityDescription[UnitData],
    ) -> None:
        """Start with no total."""
        super().__init__(entry, coordinator, description)
        self._total = self._new_total()
        self._day: date | None = None

    def _new_total(self) -> MonotonicTotal:
        # A day's total has one legitimate drop, at midnight, handled by the day itself:
        # within a day no run of lower readings, however long, is taken for a reset.
        return MonotonicTotal(confirm_readings=sys.maxsize)

    async def async_added_to_hass(self) -> None:
        """Restore today's total, then take the current reading."""
        await super().async_added_to_hass()
        if (stored := await self.async_get_last_extra_data()) is not None:
            extra = stored.as_dict()
            value = extra.get("native_value")
            if isinstance(value, dict):  # a Decimal is stored as {"__type", "decimal_str"}
                value = value.get("decimal_str")
            try:
                day = date.fromisoformat(str(extra.get("day")))
                self._total.restore(float(value))  # type: ignore[arg-type]
            except TypeError, ValueError:
                pass
            else:
                self._day = day
        self._take_reading()

    def _take_reading(self) -> None:
        data = self.coordinator.data
        if data is None or data.energy is None:
            return
        if self._day is not None and data.energy.day != self._day:
            if data.energy.day < self._day:
                return
            self._total = self._new_total()
        self._day = data.energy.day
        raw = self.entity_description.value_fn(data)
        self._total.update(float(raw) if isinstance(raw, int | float) else None)

    @callback
    def _handle_coordinator_update(self) -> None:
        self._take_reading()
        super()._handle_coordinator_update()

    @property
    def native_value(self) -> float | None:
        """Return today's total."""
        return self._total.value

    @property
    def extra_restore_state_data(self) -> _DailyEnergyData:
        """Store the day beside the value."""
        return _DailyEnergyData(
            native_value=self._total.value,
            native_unit_of_measurement=self.native_unit_of_measurement,
            day=self._day.isoformat() if self._day else None,
        )


_CELL_TRANSLATIONS = {
    ("module", "voltage"): "module_cell_voltage",
    ("string", "voltage"): "string_cell_voltage",
    ("string", "temperature"): "string_cell_temperature",
    ("pack", "temperature"): "pack_temperature",
    ("backplane", "temperature"): "backplane_temperature",
}


class PowervaultCellSensor(PowervaultEntity[PowervaultDataCoordinator], SensorEntity):
    """One value of the per-cell battery detail (disabled by default: there are hundreds)."""

    def __init__(
        self,
        entry: PowervaultConfigEntry,
        coordinator: PowervaultDataCoordinator,
        cell: CellReading,
    ) -> None:
        """Describe the cell's value."""
        voltage = cell.kind == "voltage"
        placeholders = {"index": str(cell.index)}
        if cell.cell is not None:
            placeholders["cell"] = str(cell.cell)
        super().__init__(
            entry,
            coordinator,
            SensorEntityDescription(
                key=cell.key,
                translation_key=_CELL_TRANSLATIONS[(cell.group, cell.kind)],
                translation_placeholders=placeholders,
                device_class=(
                    SensorDeviceClass.VOLTAGE if voltage else SensorDeviceClass.TEMPERATURE
                ),
                native_unit_of_measurement=(
                    UnitOfElectricPotential.VOLT if voltage else UnitOfTemperature.CELSIUS
                ),
                state_class=SensorStateClass.MEASUREMENT,
                entity_category=EntityCategory.DIAGNOSTIC,
                entity_registry_enabled_default=False,
                suggested_display_precision=3 if voltage else 1,
            ),
        )

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
