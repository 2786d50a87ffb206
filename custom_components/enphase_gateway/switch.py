"""Switches: the grid relay, charging from the grid, dry contacts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..energy_bridges_common.hass.entity import BridgeEntity
from .api import GatewayData
from .coordinator import EnphaseConfigEntry, GatewayCoordinator
from .entity import controller_device, gateway_command, gateway_device

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnphaseSwitchDescription(SwitchEntityDescription):
    """A switch whose state comes from the data and whose writes are verified."""

    value_fn: Callable[[GatewayData], bool | None]
    set_fn: Callable[[GatewayCoordinator, bool], Awaitable[Any]]


class EnphaseSwitch(BridgeEntity[GatewayCoordinator], SwitchEntity):
    """A switch on the gateway or the system controller."""

    entity_description: EnphaseSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state the gateway reports."""
        return self.entity_description.value_fn(self.coordinator.data)

    @gateway_command
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on (verified by reading back)."""
        await self.entity_description.set_fn(self.coordinator, True)

    @gateway_command
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off (verified by reading back)."""
        await self.entity_description.set_fn(self.coordinator, False)


CHARGE_FROM_GRID = EnphaseSwitchDescription(
    key="charge_from_grid",
    translation_key="charge_from_grid",
    value_fn=lambda d: d.storage.charge_from_grid if d.storage else None,
    set_fn=lambda c, on: c.async_write_storage(charge_from_grid=on),
)


def _grid_command(data: GatewayData) -> bool | None:
    """Return whether the grid is asked to be connected (relay, else the controller's own)."""
    state = data.relay.admin_state if data.relay is not None else None
    if state is None and data.system_controller is not None:
        state = data.system_controller.mains_admin_state
    return None if state is None else state == "closed"


GRID_ENABLED = EnphaseSwitchDescription(
    key="grid_enabled",
    translation_key="grid_enabled",
    # The command, not the relay: the relay itself takes seconds to follow.
    value_fn=_grid_command,
    set_fn=lambda c, on: c.async_set_grid(on),
)


def _dry_contact(contact_id: str) -> EnphaseSwitchDescription:
    def value(data: GatewayData) -> bool | None:
        contact = data.dry_contacts.get(contact_id)
        return None if contact is None else contact.closed

    return EnphaseSwitchDescription(
        key=f"dry_contact_{contact_id.lower()}",
        translation_key="dry_contact",
        translation_placeholders={"id": contact_id},
        value_fn=value,
        set_fn=lambda c, on: c.async_set_dry_contact(contact_id, on),
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnphaseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the switches the gateway supports."""
    runtime = entry.runtime_data
    coordinator = runtime.gateway
    data = coordinator.data
    entities: list[EnphaseSwitch] = []
    if data.storage is not None and data.storage.charge_from_grid is not None:
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
        descriptions = [_dry_contact(cid) for cid in data.dry_contacts]
        if data.relay is not None or controller.mains_admin_state is not None:
            descriptions.insert(0, GRID_ENABLED)
        entities.extend(
            EnphaseSwitch(coordinator, d, device_info=device, unique_id_prefix=controller.serial)
            for d in descriptions
        )
    async_add_entities(entities)
