"""The base entity of the Powervault integration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.hass.command import CommandTarget
from ..energy_bridges_common.hass.entity import BridgeEntity
from .coordinator import PowervaultConfigEntry, PowervaultControlCoordinator


class PowervaultEntity[CoordinatorT: DataUpdateCoordinator[Any]](BridgeEntity[CoordinatorT]):
    """An entity of one Powervault unit."""

    def __init__(
        self,
        entry: PowervaultConfigEntry,
        coordinator: CoordinatorT,
        description: EntityDescription,
    ) -> None:
        """Attach the entity to the unit's device."""
        super().__init__(
            coordinator,
            description,
            device_info=entry.runtime_data.device_info,
            unique_id_prefix=entry.runtime_data.unit_id,
        )
        self.runtime_data = entry.runtime_data

    @property
    def command_target(self) -> CommandTarget:
        """Return where the unit's commands go (for ``bridge_command``)."""
        return self.runtime_data.command


class PowervaultControlEntity(PowervaultEntity[PowervaultControlCoordinator]):
    """An entity showing what the schedule and the overrides decide now.

    That changes when a schedule slot or an override starts or ends, not only when the
    schedule is read (hourly on the cloud): the entity wakes itself at the next such moment.
    """

    _unsub_timer: CALLBACK_TYPE | None = None

    async def async_added_to_hass(self) -> None:
        """Start the timer."""
        await super().async_added_to_hass()
        self._schedule_next_change()
        self.async_on_remove(self._cancel_timer)

    @callback
    def _handle_coordinator_update(self) -> None:
        self._schedule_next_change()
        super()._handle_coordinator_update()

    @callback
    def _schedule_next_change(self) -> None:
        self._cancel_timer()
        when = self.coordinator.data.next_change(dt_util.utcnow())
        if when is not None:
            self._unsub_timer = async_track_point_in_utc_time(self.hass, self._changed, when)

    @callback
    def _changed(self, _now: datetime) -> None:
        self._unsub_timer = None
        self._schedule_next_change()
        self.async_write_ha_state()

    @callback
    def _cancel_timer(self) -> None:
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None
