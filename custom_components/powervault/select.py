"""The battery mode select: writes an override of the portal schedule."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.hass.command import bridge_command
from .api import BatteryState
from .coordinator import PowervaultConfigEntry
from .entity import PowervaultControlEntity
from .helpers import override_duration

PARALLEL_UPDATES = 1

BATTERY_MODE = SelectEntityDescription(
    key="battery_mode",
    translation_key="battery_mode",
    options=[state.value for state in BatteryState],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowervaultConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the battery mode select."""
    async_add_entities(
        [PowervaultBatteryModeSelect(entry, entry.runtime_data.control, BATTERY_MODE)]
    )


class PowervaultBatteryModeSelect(PowervaultControlEntity, SelectEntity):
    """The battery's effective state; choosing one overrides the portal schedule.

    The override lasts the configured duration (24 hours by default); the schedule set in
    the Powervault portal is ignored until it ends or is cancelled.
    """

    @property
    def current_option(self) -> str | None:
        """Return the state the battery follows now."""
        return self.coordinator.data.effective_state(dt_util.utcnow()).state

    @bridge_command
    async def async_select_option(self, option: str) -> None:
        """Override the schedule with the chosen state."""
        await self.runtime_data.client.set_battery_state(
            self.runtime_data.unit_id,
            BatteryState(option),
            duration=override_duration(self.coordinator.config_entry),
        )
