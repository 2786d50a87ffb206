"""Switches: the grid relay, charging from the grid, dry contacts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..energy_bridges_common.hass.command import bridge_command
from .api import GatewayData
from .coordinator import EnphaseConfigEntry, EnphaseRuntimeData, GatewayCoordinator
from .entity import EnphaseEntity, controller_device, gateway_device
from .helpers import set_dry_contact, set_grid, write_storage

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnphaseSwitchDescription(SwitchEntityDescription):
    """A switch of the gateway or the system controller."""

    value_fn: Callable[[GatewayData], bool | None]
    set_fn: Callable[[EnphaseRuntimeData, bool], Awaitable[Any]]
    exists_fn: Callable[[GatewayData], bool]


def _grid_requested(data: GatewayData) -> bool | None:
    """Return whether the grid is asked to be connected (relay, else the controller's own)."""
    requested = data.relay.grid_requested if data.relay is not None else None
    if requested is None and data.system_controller is not None:
        requested = data.system_controller.grid_requested
    return requested


CHARGE_FROM_GRID = EnphaseSwitchDescription(
    key="charge_from_grid",
    translation_key="charge_from_grid",
    value_fn=lambda d: d.storage.charge_from_grid if d.storage else None,
    set_fn=lambda r, on: write_storage(r, charge_from_grid=on),
    exists_fn=lambda d: d.storage is not None and d.storage.charge_from_grid is not None,
)
GRID_ENABLED = EnphaseSwitchDescription(
    key="grid_enabled",
    translation_key="grid_enabled",
    # The command, not the relay: the relay itself takes seconds to follow.
    value_fn=_grid_requested,
    set_fn=set_grid,
    exists_fn=lambda d: (
        d.relay is not None
        or (d.system_controller is not None and d.system_controller.mains_admin_state is not None)
    ),
)
DRY_CONTACT = SwitchEntityDescription(key="dry_contact", translation_key="dry_contact")


class EnphaseSwitch(EnphaseEntity, SwitchEntity):
    """A switch of the gateway or the system controller."""

    entity_description: EnphaseSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state the gateway reports."""
        return self.entity_description.value_fn(self.coordinator.data)

    @bridge_command
    async def async_turn_on(self, /, **kwargs: Any) -> None:
        """Turn on (verified by reading back)."""
        await self.entity_description.set_fn(self.coordinator.config_entry.runtime_data, True)

    @bridge_command
    async def async_turn_off(self, /, **kwargs: Any) -> None:
        """Turn off (verified by reading back)."""
        await self.entity_description.set_fn(self.coordinator.config_entry.runtime_data, False)


class DryContactSwitch(EnphaseEntity, SwitchEntity):
    """One of the system controller's dry contact relays."""

    def __init__(
        self, coordinator: GatewayCoordinator, contact_id: str, device: DeviceInfo, serial: str
    ) -> None:
        """Name the relay by its id (NC1, NO1, ...)."""
        super().__init__(coordinator, DRY_CONTACT, device_info=device, unique_id_prefix=serial)
        self._contact_id = contact_id
        self._attr_unique_id = f"{serial}_dry_contact_{contact_id.lower()}"
        self._attr_translation_placeholders = {"id": contact_id}

    @property
    def is_on(self) -> bool | None:
        """Return whether the relay is closed."""
        contact = self.coordinator.data.dry_contacts.get(self._contact_id)
        return None if contact is None else contact.closed

    @bridge_command
    async def async_turn_on(self, /, **kwargs: Any) -> None:
        """Close the relay (verified by reading back)."""
        await set_dry_contact(self.coordinator.config_entry.runtime_data, self._contact_id, True)

    @bridge_command
    async def async_turn_off(self, /, **kwargs: Any) -> None:
        """Open the relay (verified by reading back)."""
        await set_dry_contact(self.coordinator.config_entry.runtime_data, self._contact_id, False)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnphaseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the switches the gateway supports."""
    runtime = entry.runtime_data
    coordinator = runtime.gateway
    data = coordinator.data
    entities: list[SwitchEntity] = []
    if CHARGE_FROM_GRID.exists_fn(data):
        entities.append(
            EnphaseSwitch(
                coordinator,
                CHARGE_FROM_GRID,
                device_info=gateway_device(data, runtime.client.base_url),
                unique_id_prefix=data.info.serial,
            )
        )
    if (controller := data.system_controller) is not None:
        device = controller_device(controller, runtime.device_id)
        if GRID_ENABLED.exists_fn(data):
            entities.append(
                EnphaseSwitch(
                    coordinator,
                    GRID_ENABLED,
                    device_info=device,
                    unique_id_prefix=controller.serial,
                )
            )
        entities.extend(
            DryContactSwitch(coordinator, contact_id, device, controller.serial)
            for contact_id in data.dry_contacts
        )
    async_add_entities(entities)
