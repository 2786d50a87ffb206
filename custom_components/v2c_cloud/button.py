"""Buttons of a V2C Trydan: restart it (through the cloud; firmware is the update entity)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import V2CCloudClient
from .coordinator import V2CChargerCoordinator, V2CConfigEntry
from .entity import V2CEntity
from .helpers import v2c_command

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class V2CButtonEntityDescription(ButtonEntityDescription):
    """A charger button."""

    press_fn: Callable[[V2CCloudClient, str], Awaitable[None]]


BUTTONS: tuple[V2CButtonEntityDescription, ...] = (
    V2CButtonEntityDescription(
        key="reboot",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda client, charger_id: client.reboot(charger_id),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: V2CConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add every charger's buttons."""
    async_add_entities(
        V2CButton(coordinator, description)
        for coordinator in entry.runtime_data.chargers.values()
        for description in BUTTONS
    )


class V2CButton(V2CEntity, ButtonEntity):
    """A charger button (a cloud command: it works for 4G chargers too)."""

    entity_description: V2CButtonEntityDescription

    def __init__(
        self, coordinator: V2CChargerCoordinator, description: V2CButtonEntityDescription
    ) -> None:
        """Set up the button."""
        super().__init__(coordinator, description)

    @property
    def available(self) -> bool:
        """Return whether the cloud can be asked (the charger's LAN does not matter)."""
        return self.coordinator.config_entry.runtime_data.cloud.last_update_success or (
            self.current is not None
        )

    @v2c_command
    async def async_press(self) -> None:
        """Send the command."""
        coordinator = self.coordinator
        await coordinator.async_cloud_command(
            lambda: self.entity_description.press_fn(
                coordinator.cloud_client, coordinator.charger_id
            )
        )
