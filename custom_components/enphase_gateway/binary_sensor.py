"""Binary sensors: grid status, communication of batteries and the system controller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
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
class EnphaseBinarySensorDescription[PartT](BinarySensorEntityDescription):
    """A binary sensor of one part: the gateway's data, a battery, a collar or combiner."""

    value_fn: Callable[[PartT], bool | None]
    exists_fn: Callable[[PartT], bool] = lambda _: True


def _on_grid(data: GatewayData) -> bool | None:
    """Return the grid relay's state; without a relay endpoint, the controller's own."""
    if data.relay is not None:
        return data.relay.on_grid
    return data.system_controller.on_grid if data.system_controller else None


GATEWAY_SENSORS: tuple[EnphaseBinarySensorDescription[GatewayData], ...] = (
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

CONTROLLER_SENSORS: tuple[EnphaseBinarySensorDescription[GatewayData], ...] = (
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

BATTERY_SENSORS: tuple[EnphaseBinarySensorDescription[Battery], ...] = (
    EnphaseBinarySensorDescription(
        key="communicating",
        translation_key="communicating",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda b: b.communicating,
    ),
    EnphaseBinarySensorDescription(
        key="problem",
        translation_key="battery_problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda b: None if b.operating is None else not b.operating,
    ),
    EnphaseBinarySensorDescription(
        key="dc_switch",
        translation_key="dc_switch",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda b: None if b.dc_switch_off is None else not b.dc_switch_off,
    ),
)

ENSEMBLE_SENSORS: tuple[EnphaseBinarySensorDescription[EnsembleDevice], ...] = (
    EnphaseBinarySensorDescription(
        key="communicating",
        translation_key="communicating",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda e: e.communicating,
    ),
    EnphaseBinarySensorDescription(
        key="grid_status",
        translation_key="grid_status",
        device_class=BinarySensorDeviceClass.POWER,
        value_fn=lambda e: e.on_grid,
        exists_fn=lambda e: e.grid_state is not None,
    ),
)


class EnphaseBinarySensor[PartT](EnphaseEntity, BinarySensorEntity):
    """A binary sensor of one part of the gateway's data."""

    entity_description: EnphaseBinarySensorDescription[PartT]

    def __init__(
        self,
        coordinator: GatewayCoordinator,
        description: EnphaseBinarySensorDescription[PartT],
        part: Callable[[GatewayData], PartT | None],
        *,
        device_info: DeviceInfo,
        unique_id_prefix: str,
    ) -> None:
        """Read ``part`` of the data."""
        super().__init__(
            coordinator, description, device_info=device_info, unique_id_prefix=unique_id_prefix
        )
        self._part = part

    @property
    def is_on(self) -> bool | None:
        """Return the state."""
        part = self._part(self.coordinator.data)
        return None if part is None else self.entity_description.value_fn(part)


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
    entities: list[EnphaseBinarySensor[Any]] = [
        EnphaseBinarySensor(
            coordinator, d, _same, device_info=gateway, unique_id_prefix=data.info.serial
        )
        for d in GATEWAY_SENSORS
        if d.exists_fn(data)
    ]
    for battery in data.batteries.values():
        device = battery_device(battery, parent)
        entities.extend(
            EnphaseBinarySensor(
                coordinator,
                d,
                _battery(battery.serial),
                device_info=device,
                unique_id_prefix=battery.serial,
            )
            for d in BATTERY_SENSORS
        )
    if (controller := data.system_controller) is not None:
        device = controller_device(controller, parent)
        entities.extend(
            EnphaseBinarySensor(
                coordinator, d, _same, device_info=device, unique_id_prefix=controller.serial
            )
            for d in CONTROLLER_SENSORS
        )
    for other in data.ensemble_devices.values():
        device = ensemble_device(other, parent)
        entities.extend(
            EnphaseBinarySensor(
                coordinator,
                d,
                _ensemble(other.serial),
                device_info=device,
                unique_id_prefix=other.serial,
            )
            for d in ENSEMBLE_SENSORS
            if d.exists_fn(other)
        )
    async_add_entities(entities)


def _same(data: GatewayData) -> GatewayData:
    return data


def _battery(serial: str) -> Callable[[GatewayData], Battery | None]:
    return lambda d: d.batteries.get(serial)


def _ensemble(serial: str) -> Callable[[GatewayData], EnsembleDevice | None]:
    return lambda d: d.ensemble_devices.get(serial)
