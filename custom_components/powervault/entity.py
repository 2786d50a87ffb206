"""The base entity of the Powervault integration."""

from __future__ import annotations

from typing import Any

from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from ..energy_bridges_common.hass.entity import BridgeEntity
from .coordinator import PowervaultConfigEntry


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
