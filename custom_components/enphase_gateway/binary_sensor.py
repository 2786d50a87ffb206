"""Binary sensors: grid status, communication of batteries and the system controller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import GatewayData
from .api.models import Battery, EnsembleDevice
from .coordinator import EnphaseConfigEntry, GatewayCoordinator
from .entity import (
    EnphaseEntity,
    battery_device,
    controller_device,
    ensemble_device,
    gateway_device,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EnphaseBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of the gateway or the system controller."""

    value_fn: Callable[[GatewayData], bool | None]
    exists_fn: Callable[[GatewayData], bool] = lambda _: True


@dataclass(frozen=True, kw_only=True)
class BatteryBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of one IQ Battery."""

    value_fn: Callable[[Battery], bool | None]


@dataclass(frozen=True, kw_only=True)
class EnsembleBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of one IQ Meter Collar or IQ Combiner."""

    value_fn: Callable[[EnsembleDevice], bool | None]
    exists_fn: Callable[[EnsembleDevice], bool] = lambda _: True


def _on_grid(data: GatewayData) -> bool | None:
    """Return the grid relay's state; without a relay endpoint, the controller's own."""
    if data.relay is not None:
        return data.relay.on_grid
    return data.system_controller.on_grid if data.system_controller else None


GATEWAY_SENSORS: tuple[EnphaseBinarySensorDescription, ...] = (
    EnphaseBinarySensorDescription(
        key="cloud_connection",
        translation_key="cloud_connection",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.interface.reporting_to_cloud if d.interface else None,
        exists_fn=lambda d: d.interface is not None,
    ),
    EnphaseBinarySensorDescription(
        key="power_export_limit_active",
        translation_key="power_export_limit_active",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.power_export_limit.enabled if d.power_export_limit else None,
        exists_fn=lambda d: d.power_export_limit is not None,
    ),
)

CONTROLLER_SENSORS: tuple[EnphaseBinarySensorDescription, ...] = (
    EnphaseBinarySensorDescription(
        key="grid_status",
        translation_key="grid_status",
        device_class=BinarySensorDeviceClass.POWER,
        value_fn=_on_grid,
    ),
    EnphaseBinarySensorDescription(
        key="communicating",
        translation_key="communicating",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.system_controller.communicating if d.system_controller else None,
    ),
)

BATTERY_SENSORS: tuple[BatteryBinarySensorDescription, ...] = (
    BatteryBinarySensorDescription(
        key="communicating",
        translation_key="communicating",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda b: b.communicating,
    ),
    BatteryBinarySensorDescription(
        key="problem",
        translation_key="battery_problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda b: None if b.operating is None else not b.operating,
    ),
    BatteryBinarySensorDescription(
        key="dc_switch",
        translation_key="dc_switch",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda b: None if b.dc_switch_off is None else not b.dc_switch_off,
    ),
)

ENSEMBLE_SENSORS: tuple[EnsembleBinarySensorDescription, ...] = (
    EnsembleBinarySensorDescription(
        key="communicating",
        translation_key="communicating",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda e: e.communicating,
    ),
    EnsembleBinarySensorDescription(
        key="grid_status",
        translation_key="grid_status",
        device_class=BinarySensorDeviceClass.POWER,
        value_fn=lambda e: e.on_grid,
        exists_fn=lambda e: e.grid_state is not None,
    ),
)


class EnphaseBinarySensor(EnphaseEntity, BinarySensorEntity):
    """A binary sensor of the gateway or the system controller."""

    entity_description: EnphaseBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state."""
        return self.entity_description.value_fn(self.coordinator.data)


class BatteryBinarySensor(EnphaseEntity, BinarySensorEntity):
    """A binary sensor of one IQ Battery."""

    entity_description: BatteryBinarySensorDescription

    def __init__(
        self,
        coordinator: GatewayCoordinator,
        description: BatteryBinarySensorDescription,
        battery: Battery,
        parent_id: str,
    ) -> None:
        """Follow the battery of this serial number."""
        super().__init__(
            coordinator,
            description,
            device_info=battery_device(battery, parent_id),
            unique_id_prefix=battery.serial,
        )
        self._serial = battery.serial

    @property
    def is_on(self) -> bool | None:
        """Return the state."""
        battery = self.coordinator.data.batteries.get(self._serial)
        return None if battery is None else self.entity_description.value_fn(battery)


class EnsembleBinarySensor(EnphaseEntity, BinarySensorEntity):
    """A binary sensor of one IQ Meter Collar or IQ Combiner."""

    entity_description: EnsembleBinarySensorDescription

    def __init__(
        self,
        coordinator: GatewayCoordinator,
        description: EnsembleBinarySensorDescription,
        device: EnsembleDevice,
        parent_id: str,
    ) -> None:
        """Follow the device of this serial number."""
        super().__init__(
            coordinator,
            description,
            device_info=ensemble_device(device, parent_id),
            unique_id_prefix=device.serial,
        )
        self._serial = device.serial

    @property
    def is_on(self) -> bool | None:
        """Return the state."""
        device = self.coordinator.data.ensemble_devices.get(self._serial)
        return None if device is None else self.entity_description.value_fn(device)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnphaseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors."""
    runtime = entry.runtime_data
    coordinator = runtime.gateway
    data = coordinator.data
    parent = runtime.device_id
    gateway = gateway_device(data, runtime.client.base_url)
    entities: list[BinarySensorEntity] = [
        EnphaseBinarySensor(coordinator, d, device_info=gateway, unique_id_prefix=data.info.serial)
        for d in GATEWAY_SENSORS
        if d.exists_fn(data)
    ]
    entities.extend(
        BatteryBinarySensor(coordinator, d, battery, parent)
        for battery in data.batteries.values()
        for d in BATTERY_SENSORS
    )
    if (controller := data.system_controller) is not None:
        device = controller_device(controller, parent)
        entities.extend(
            EnphaseBinarySensor(
                coordinator, d, device_info=device, unique_id_prefix=controller.serial
            )
            for d in CONTROLLER_SENSORS
        )
    entities.extend(
        EnsembleBinarySensor(coordinator, d, other, parent)
        for other in data.ensemble_devices.values()
        for d in ENSEMBLE_SENSORS
        if d.exists_fn(other)
    )
    async_add_entities(entities)
