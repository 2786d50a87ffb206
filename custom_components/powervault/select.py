"""The battery mode select: writes an override of the portal schedule."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.hass.command import async_run_command
from .api import VALID_STATES
from .coordinator import PowervaultConfigEntry, PowervaultControlCoordinator
from .entity import PowervaultControlEntity
from .helpers import override_duration

PARALLEL_UPDATES = 1

# Translation keys take no dashes: "force-charge" is shown by the option "force_charge".
OPTION_TO_STATE = {state.replace("-", "_"): state for state in VALID_STATES}
STATE_TO_OPTION = {state: option for option, state in OPTION_TO_STATE.items()}

BATTERY_MODE = SelectEntityDescription(
    key="battery_mode", translation_key="battery_mode", options=list(OPTION_TO_STATE)
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

    def __init__(
        self,
        entry: PowervaultConfigEntry,
        coordinator: PowervaultControlCoordinator,
        description: SelectEntityDescription,
    ) -> None:
        """Keep the entry for its options."""
        super().__init__(entry, coordinator, description)
        self._entry = entry

    @property
    def current_option(self) -> str | None:
        """Return the state the battery follows now."""
        state = self.coordinator.data.effective_state(dt_util.utcnow()).state
        return None if state is None else STATE_TO_OPTION[state]

    async def async_select_option(self, option: str) -> None:
        """Override the schedule with the chosen state."""
        runtime = self.runtime_data
        await async_run_command(
            runtime.command,
            lambda: runtime.client.set_battery_state(
                runtime.unit_id,
                OPTION_TO_STATE[option],
                duration=override_duration(self._entry),
            ),
        )
