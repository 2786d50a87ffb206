"""The base entity of a charger, its devices, and which of its entities a charger gets."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription

from ..energy_bridges_common.hass.command import CommandTarget
from ..energy_bridges_common.hass.entity import BridgeEntity
from .api import Realtime
from .api.lan import lan_base_url
from .const import DOMAIN
from .coordinator import ChargerSnapshot, V2CChargerCoordinator, V2CConfigEntry
from .helpers import charger_command_target


@dataclass(frozen=True, kw_only=True)
class V2CEntityDescription(EntityDescription):
    """What decides whether a charger gets the entity."""

    lan_only: bool = False
    """Only the charger's LAN gives the value (the cloud never reports it): a charger
    without a LAN gets no such entity, and one that loses its LAN has it removed."""
    needs_value: bool = False
    """Only created when the charger reports the value (not every firmware has it)."""


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


def current(coordinator: V2CChargerCoordinator) -> ChargerSnapshot | None:
    """Return a charger's values (None before its first update)."""
    data: ChargerSnapshot | None = coordinator.data
    return data


def charger_entities[D: V2CEntityDescription, E](
    hass: HomeAssistant,
    entry: V2CConfigEntry,
    domain: str,
    descriptions: Iterable[D],
    entity: Callable[[V2CChargerCoordinator, D], E],
) -> list[E]:
    """Return every charger's entities of a platform; remove those a charger lost its LAN for."""
    registry = er.async_get(hass)
    entities: list[E] = []
    for coordinator in entry.runtime_data.chargers.values():
        for description in descriptions:
            if description.lan_only and coordinator.lan is None:
                unique_id = f"{coordinator.charger_id}_{description.key}"
                if entity_id := registry.async_get_entity_id(domain, DOMAIN, unique_id):
                    # Else it would stay "unavailable" for ever.
                    registry.async_remove(entity_id)
                continue
            if description.needs_value and _value(coordinator, description) is None:
                continue
            entities.append(entity(coordinator, description))
    return entities


def _value(coordinator: V2CChargerCoordinator, description: Any) -> Any:
    snapshot = current(coordinator)
    return None if snapshot is None else description.value_fn(snapshot)


class V2CEntity(BridgeEntity[V2CChargerCoordinator]):
    """An entity of one charger; its commands go through the shared command path."""

    def __init__(self, coordinator: V2CChargerCoordinator, description: EntityDescription) -> None:
        """Set the description, the device and a unique id of ``<charger id>_<key>``."""
        super().__init__(
            coordinator,
            description,
            device_info=charger_device_info(coordinator),
            unique_id_prefix=coordinator.charger_id,
        )

    @property
    def command_target(self) -> CommandTarget:
        """Return where the charger's commands go (``bridge_command``)."""
        return charger_command_target(self.coordinator)

    @property
    def current(self) -> ChargerSnapshot | None:
        """Return the charger's current values (None before the first update)."""
        return current(self.coordinator)

    def _available_with(self, value_fn: Callable[[ChargerSnapshot], Any]) -> bool:
        snapshot = self.current
        return super().available and snapshot is not None and value_fn(snapshot) is not None
