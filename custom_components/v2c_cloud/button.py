"""Buttons of a V2C Trydan: restart it (through the cloud; firmware is the update entity)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..energy_bridges_common.hass.command import bridge_command
from .api import Charger
from .coordinator import V2CConfigEntry
from .entity import V2CEntity, V2CEntityDescription, charger_entities

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class V2CButtonEntityDescription(ButtonEntityDescription, V2CEntityDescription):
    """A charger button."""

    press_fn: Callable[[Charger], Awaitable[None]]


BUTTONS: tuple[V2CButtonEntityDescription, ...] = (
    V2CButtonEntityDescription(
        key="reboot",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda charger: charger.reboot(),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: V2CConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add every charger's buttons."""
    async_add_entities(charger_entities(hass, entry, "button", BUTTONS, V2CButton))


class V2CButton(V2CEntity, ButtonEntity):
    """A charger button (a cloud command: it works for 4G chargers too)."""

    entity_description: V2CButtonEntityDescription

    @property
    def available(self) -> bool:
        """Return whether the cloud can be asked (the charger's LAN does not matter)."""
        return self.coordinator.config_entry.runtime_data.cloud.last_update_success or (
            self.current is not None
        )

    @bridge_command
    async def async_press(self) -> None:
        """Send the command."""
        await self.entity_description.press_fn(self.coordinator.charger)
