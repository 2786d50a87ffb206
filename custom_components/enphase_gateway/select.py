"""Selects: the storage mode and the generator mode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..energy_bridges_common.hass.entity import BridgeEntity
from .api import GENERATOR_MODES, GatewayData, StorageMode
from .coordinator import EnphaseConfigEntry, GatewayCoordinator
from .entity import controller_device, gateway_command, gateway_device

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnphaseSelectDescription(SelectEntityDescription):
    """A select whose writes are verified."""

    value_fn: Callable[[GatewayData], str | None]
    select_fn: Callable[[GatewayCoordinator, str], Awaitable[Any]]


class EnphaseSelect(BridgeEntity[GatewayCoordinator], SelectEntity):
    """A select on the gateway or the system controller."""

    entity_description: EnphaseSelectDescription

    @property
    def current_option(self) -> str | None:
        """Return the option the gateway reports."""
        return self.entity_description.value_fn(self.coordinator.data)

    @gateway_command
    async def async_select_option(self, option: str) -> None:
        """Write the option (verified by reading back)."""
        await self.entity_description.select_fn(self.coordinator, option)


STORAGE_MODE = EnphaseSelectDescription(
    key="storage_mode",
    translation_key="storage_mode",
    options=[mode.value for mode in StorageMode],
    value_fn=lambda d: d.storage.mode.value if d.storage and d.storage.mode else None,
    select_fn=lambda c, option: c.async_write_storage(mode=StorageMode(option)),
)

GENERATOR_MODE = EnphaseSelectDescription(
    key="generator_mode",
    translation_key="generator_mode",
    options=list(GENERATOR_MODES),
    value_fn=lambda d: d.generator.mode if d.generator else None,
    select_fn=lambda c, option: c.async_set_generator_mode(option),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnphaseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the selects the gateway supports."""
    runtime = entry.runtime_data
    coordinator = runtime.gateway
    data = coordinator.data
    entities: list[EnphaseSelect] = []
    if data.storage is not None:
        entities.append(
            EnphaseSelect(
                coordinator,
                STORAGE_MODE,
                device_info=gateway_device(data, runtime.client.base_url),
                unique_id_prefix=data.info.serial,
            )
        )
    if data.generator is not None and (controller := data.system_controller) is not None:
        entities.append(
            EnphaseSelect(
                coordinator,
                GENERATOR_MODE,
                device_info=controller_device(controller, runtime.device_id),
                unique_id_prefix=controller.serial,
            )
        )
    async_add_entities(entities)
