"""Binary sensors: grid status, communication of batteries and the system controller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..energy_bridges_common.hass.entity import BridgeEntity
from .api import GatewayData
from .coordinator import EnphaseConfigEntry, GatewayCoordinator
from .entity import battery_device, controller_device, ensemble_device, gateway_device

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EnphaseBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor read from the gateway data."""

    value_fn: Callable[[GatewayData], bool | None]


class EnphaseBinarySensor(BridgeEntity[GatewayCoordinator], BinarySensorEntity):
    """A binary sensor of the gateway or one of its devices."""

    entity_description: EnphaseBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state."""
        return self.entity_description.value_fn(self.coordinator.data)


def _battery_communicating(serial: str) -> Callable[[GatewayData], bool | None]:
    def value(data: GatewayData) -> bool | None:
        battery = data.batteries.get(serial)
        return None if battery is None else battery.communicating

    return value


def _battery_problem(serial: str) -> Callable[[GatewayData], bool | None]:
    def value(data: GatewayData) -> bool | None:
        battery = data.batteries.get(serial)
        return None if battery is None or battery.operating is None else not battery.operating

    return value


def _battery_dc_switch(serial: str) -> Callable[[GatewayData], bool | None]:
    def value(data: GatewayData) -> bool | None:
        battery = data.batteries.get(serial)
        return (
            None if battery is None or battery.dc_switch_off is None else not battery.dc_switch_off
        )

    return value


def _on_grid(data: GatewayData) -> bool | None:
    """Return the grid relay's state; without a relay endpoint, the controller's own."""
    if data.relay is not None:
        return data.relay.on_grid
    return data.system_controller.on_grid if data.system_controller else None


def _ensemble_communicating(serial: str) -> Callable[[GatewayData], bool | None]:
    def value(data: GatewayData) -> bool | None:
        device = data.ensemble_devices.get(serial)
        return None if device is None else device.communicating

    return value


def _ensemble_on_grid(serial: str) -> Callable[[GatewayData], bool | None]:
    def value(data: GatewayData) -> bool | None:
        device = data.ensemble_devices.get(serial)
        return (
            None if device is None or device.grid_state is None else device.grid_state == "closed"
        )

    return value


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnphaseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors."""
    runtime = entry.runtime_data
    coordinator = runtime.gateway
    data = coordinator.data
    entities: list[EnphaseBinarySensor] = []

    def add(description: EnphaseBinarySensorDescription, device: DeviceInfo, prefix: str) -> None:
        entities.append(
            EnphaseBinarySensor(
                coordinator, description, device_info=device, unique_id_prefix=prefix
            )
        )

    if data.interface is not None:
        add(
            EnphaseBinarySensorDescription(
                key="cloud_connection",
                translation_key="cloud_connection",
                device_class=BinarySensorDeviceClass.CONNECTIVITY,
                entity_category=EntityCategory.DIAGNOSTIC,
                value_fn=lambda d: d.interface.reporting_to_cloud if d.interface else None,
            ),
            gateway_device(data, runtime.client.base_url),
            data.info.serial,
        )
    for battery in data.batteries.values():
        device = battery_device(battery, runtime.device_id)
        for description in (
            EnphaseBinarySensorDescription(
                key="communicating",
                translation_key="communicating",
                device_class=BinarySensorDeviceClass.CONNECTIVITY,
                entity_category=EntityCategory.DIAGNOSTIC,
                value_fn=_battery_communicating(battery.serial),
            ),
            EnphaseBinarySensorDescription(
                key="problem",
                translation_key="battery_problem",
                device_class=BinarySensorDeviceClass.PROBLEM,
                entity_category=EntityCategory.DIAGNOSTIC,
                value_fn=_battery_problem(battery.serial),
            ),
            EnphaseBinarySensorDescription(
                key="dc_switch",
                translation_key="dc_switch",
                entity_category=EntityCategory.DIAGNOSTIC,
                value_fn=_battery_dc_switch(battery.serial),
            ),
        ):
            add(description, device, battery.serial)
    if (controller := data.system_controller) is not None:
        device = controller_device(controller, runtime.device_id)
        add(
            EnphaseBinarySensorDescription(
                key="grid_status",
                translation_key="grid_status",
                device_class=BinarySensorDeviceClass.POWER,
                value_fn=_on_grid,
            ),
            device,
            controller.serial,
        )
        add(
            EnphaseBinarySensorDescription(
                key="communicating",
                translation_key="communicating",
                device_class=BinarySensorDeviceClass.CONNECTIVITY,
                entity_category=EntityCategory.DIAGNOSTIC,
                value_fn=lambda d: (
                    d.system_controller.communicating if d.system_controller else None
                ),
            ),
            device,
            controller.serial,
        )
    for other in data.ensemble_devices.values():
        device = ensemble_device(other, runtime.device_id)
        add(
            EnphaseBinarySensorDescription(
                key="communicating",
                translation_key="communicating",
                device_class=BinarySensorDeviceClass.CONNECTIVITY,
                entity_category=EntityCategory.DIAGNOSTIC,
                value_fn=_ensemble_communicating(other.serial),
            ),
            device,
            other.serial,
        )
        if other.grid_state is not None:
            add(
                EnphaseBinarySensorDescription(
                    key="grid_status",
                    translation_key="grid_status",
                    device_class=BinarySensorDeviceClass.POWER,
                    value_fn=_ensemble_on_grid(other.serial),
                ),
                device,
                other.serial,
            )
    if data.power_export_limit is not None:
        add(
            EnphaseBinarySensorDescription(
                key="power_export_limit_active",
                translation_key="power_export_limit_active",
                entity_category=EntityCategory.DIAGNOSTIC,
                value_fn=lambda d: d.power_export_limit.enabled if d.power_export_limit else None,
            ),
            gateway_device(data, runtime.client.base_url),
            data.info.serial,
        )
    async_add_entities(entities)
