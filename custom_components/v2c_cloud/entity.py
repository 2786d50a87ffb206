"""The base entity of a charger, and the way controls show a value the cloud has not confirmed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Realtime
from .api.lan import lan_base_url
from .const import DOMAIN, LAN_ONLY_ENTITIES
from .coordinator import ChargerSnapshot, V2CChargerCoordinator


def charger_device_info(coordinator: V2CChargerCoordinator) -> DeviceInfo:
    """Return the device of a charger."""
    pairing = coordinator.pairing
    data = current(coordinator)
    firmware = data.realtime.firmware_version if data and data.realtime else None
    info = DeviceInfo(
        identifiers={(DOMAIN, coordinator.charger_id)},
        manufacturer="V2C",
        model=pairing.model or "Trydan",
        name=pairing.name or f"Trydan {coordinator.charger_id}",
        serial_number=coordinator.charger_id,
        sw_version=firmware,
    )
    if coordinator.lan is not None:
        info["configuration_url"] = lan_base_url(coordinator.lan.host, coordinator.lan.port)
    return info


def account_device_info(account_id: str) -> DeviceInfo:
    """Return the device that stands for the cloud account (its budget lives there)."""
    return DeviceInfo(
        identifiers={(DOMAIN, account_id)},
        manufacturer="V2C",
        model="V2C Cloud",
        name="V2C Cloud account",
        entry_type=DeviceEntryType.SERVICE,
    )


def realtime_value[T](
    read: Callable[[Realtime], T | None],
) -> Callable[[ChargerSnapshot], T | None]:
    """Return a reader of one telemetry value, None while there is no telemetry."""

    def value(snapshot: ChargerSnapshot) -> T | None:
        return None if snapshot.realtime is None else read(snapshot.realtime)

    return value


def creates(coordinator: V2CChargerCoordinator, domain: str, key: str) -> bool:
    """Return whether a charger gets this entity: a value only the LAN gives needs a LAN."""
    return coordinator.lan is not None or (domain, key) not in LAN_ONLY_ENTITIES


def current(coordinator: V2CChargerCoordinator) -> ChargerSnapshot | None:
    """Return a charger's values (None before its first update)."""
    data: ChargerSnapshot | None = coordinator.data
    return data


class V2CEntity(CoordinatorEntity[V2CChargerCoordinator]):
    """An entity of one charger."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: V2CChargerCoordinator, description: EntityDescription) -> None:
        """Set the description, the device and a unique id of ``<charger id>_<key>``."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.charger_id}_{description.key}"
        self._attr_device_info = charger_device_info(coordinator)

    @property
    def current(self) -> ChargerSnapshot | None:
        """Return the charger's current values (None before the first update)."""
        return current(self.coordinator)

    def _available_with(self, value_fn: Callable[[ChargerSnapshot], Any]) -> bool:
        snapshot = self.current
        return super().available and snapshot is not None and value_fn(snapshot) is not None
