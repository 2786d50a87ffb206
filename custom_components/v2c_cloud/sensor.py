"""Sensors of a V2C Trydan: the charging session, the house, the meter and the link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..energy_bridges_common.hass.entity import (
    BridgeEnergySensor,
    BridgeEnergySensorEntityDescription,
    BudgetSensor,
    SensorValue,
)
from .api.const import CHARGE_STATES, SIGNAL_QUALITY, SLAVE_ERRORS
from .coordinator import ChargerSnapshot, V2CChargerCoordinator, V2CConfigEntry
from .entity import (
    V2CEntity,
    account_device_info,
    charger_device_info,
    creates,
    current,
    realtime_value,
)

PARALLEL_UPDATES = 0

FAULT = "fault"
UNKNOWN_ERROR = "other_error"


def _charge_state(snapshot: ChargerSnapshot) -> str | None:
    state = realtime_value(lambda r: r.charge_state)(snapshot)
    if state is None:
        return None
    # Fault numbering differs by firmware: anything beyond the table is a fault.
    return CHARGE_STATES.get(state, FAULT)


def _slave_error(snapshot: ChargerSnapshot) -> str | None:
    code = realtime_value(lambda r: r.slave_error)(snapshot)
    return None if code is None else SLAVE_ERRORS.get(code, UNKNOWN_ERROR)


def _signal(snapshot: ChargerSnapshot) -> str | None:
    level = realtime_value(lambda r: r.signal_status)(snapshot)
    return None if level is None else SIGNAL_QUALITY.get(level)


@dataclass(frozen=True, kw_only=True)
class V2CSensorEntityDescription(SensorEntityDescription):
    """A charger sensor."""

    value_fn: Callable[[ChargerSnapshot], SensorValue]
    exists_fn: Callable[[ChargerSnapshot], bool] = lambda _: True


SENSORS: tuple[V2CSensorEntityDescription, ...] = (
    V2CSensorEntityDescription(
        key="charge_state",
        translation_key="charge_state",
        device_class=SensorDeviceClass.ENUM,
        options=[*dict.fromkeys([*CHARGE_STATES.values(), FAULT])],
        value_fn=_charge_state,
    ),
    V2CSensorEntityDescription(
        key="charge_power",
        translation_key="charge_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        value_fn=realtime_value(lambda r: r.charge_power),
    ),
    V2CSensorEntityDescription(
        key="charge_time",
        translation_key="charge_time",
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        value_fn=realtime_value(lambda r: r.charge_time),
    ),
    V2CSensorEntityDescription(
        key="house_power",
        translation_key="house_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        value_fn=realtime_value(lambda r: r.house_power),
    ),
    V2CSensorEntityDescription(
        key="pv_power",
        translation_key="pv_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        value_fn=realtime_value(lambda r: r.pv_power),
    ),
    V2CSensorEntityDescription(
        key="battery_power",
        translation_key="battery_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=realtime_value(lambda r: r.battery_power),
    ),
    V2CSensorEntityDescription(
        key="grid_voltage",
        translation_key="grid_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=0,
        value_fn=realtime_value(lambda r: r.grid_voltage),
    ),
    V2CSensorEntityDescription(
        key="ready_state",
        translation_key="ready_state",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=realtime_value(lambda r: r.ready_state),
    ),
    V2CSensorEntityDescription(
        key="meter_error",
        translation_key="meter_error",
        device_class=SensorDeviceClass.ENUM,
        options=[*SLAVE_ERRORS.values(), UNKNOWN_ERROR],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_slave_error,
    ),
    V2CSensorEntityDescription(
        key="charger_id",
        translation_key="charger_id",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda snapshot: snapshot.charger_id,
    ),
    V2CSensorEntityDescription(
        key="wifi_ssid",
        translation_key="wifi_ssid",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=realtime_value(lambda r: r.ssid),
    ),
    V2CSensorEntityDescription(
        key="ip_address",
        translation_key="ip_address",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=realtime_value(lambda r: r.ip_address),
    ),
    V2CSensorEntityDescription(
        key="wifi_signal",
        translation_key="wifi_signal",
        device_class=SensorDeviceClass.ENUM,
        options=list(SIGNAL_QUALITY.values()),
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_signal,
    ),
    V2CSensorEntityDescription(
        key="data_source",
        translation_key="data_source",
        device_class=SensorDeviceClass.ENUM,
        options=["lan", "cloud"],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda snapshot: None if snapshot.source is None else snapshot.source.value,
    ),
)

CHARGE_ENERGY = BridgeEnergySensorEntityDescription[ChargerSnapshot](
    key="charge_energy",
    translation_key="charge_energy",
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    suggested_display_precision=2,
    value_fn=realtime_value(lambda r: r.charge_energy),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: V2CConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add every charger's sensors and the account's budget sensor."""
    runtime = entry.runtime_data
    entities: list[SensorEntity] = [
        BudgetSensor(
            runtime.budget,
            device_info=account_device_info(runtime.account_id),
            unique_id=f"{runtime.account_id}_cloud_budget",
        )
    ]
    for coordinator in runtime.chargers.values():
        entities.extend(
            V2CSensor(coordinator, description)
            for description in SENSORS
            if creates(coordinator, "sensor", description.key)
            and ((snapshot := current(coordinator)) is None or description.exists_fn(snapshot))
        )
        entities.append(
            BridgeEnergySensor(
                coordinator,
                CHARGE_ENERGY,
                device_info=charger_device_info(coordinator),
                unique_id_prefix=coordinator.charger_id,
            )
        )
    async_add_entities(entities)


class V2CSensor(V2CEntity, SensorEntity):
    """A charger sensor read from its snapshot."""

    entity_description: V2CSensorEntityDescription

    def __init__(
        self, coordinator: V2CChargerCoordinator, description: V2CSensorEntityDescription
    ) -> None:
        """Set up the sensor."""
        super().__init__(coordinator, description)

    @property
    def available(self) -> bool:
        """Return whether the charger reports this value."""
        return self._available_with(self.entity_description.value_fn)

    @property
    def native_value(self) -> SensorValue:
        """Return the value."""
        snapshot = self.current
        return None if snapshot is None else self.entity_description.value_fn(snapshot)
