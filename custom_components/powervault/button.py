"""The cancel-override button: hand the battery back to its schedule."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PowervaultConfigEntry, PowervaultControlCoordinator
from .entity import PowervaultEntity
from .helpers import async_cancel_override

PARALLEL_UPDATES = 1

CANCEL_OVERRIDE = ButtonEntityDescription(key="cancel_override", translation_key="cancel_override")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowervaultConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the cancel-override button."""
    async_add_entities(
        [PowervaultCancelOverrideButton(entry, entry.runtime_data.control, CANCEL_OVERRIDE)]
    )


class PowervaultCancelOverrideButton(PowervaultEntity[PowervaultControlCoordinator], ButtonEntity):
    """End the active override: the battery follows the portal schedule again."""

    def __init__(
        self,
        entry: PowervaultConfigEntry,
        coordinator: PowervaultControlCoordinator,
        description: ButtonEntityDescription,
    ) -> None:
        """Keep the entry."""
        super().__init__(entry, coordinator, description)
        self._entry = entry

    async def async_press(self) -> None:
        """Cancel the override."""
        await async_cancel_override(self._entry)
