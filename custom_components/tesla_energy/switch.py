"""Switches: Storm Watch and charging the battery from the grid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..energy_bridges_common.hass.command import bridge_command
from .api import SiteInfo
from .coordinator import TeslaEnergyConfigEntry
from .entity import SiteSettingDescription, SiteSettingEntity, info_has

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class SiteSwitchDescription(SwitchEntityDescription, SiteSettingDescription[bool]):
    """An on/off setting of the site."""

    value_fn: Callable[[SiteInfo], bool | None]


SWITCHES: tuple[SiteSwitchDescription, ...] = (
    SiteSwitchDescription(
        key="storm_watch",
        translation_key="storm_watch",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda d: d.storm_watch_enabled,
        set_fn=lambda client, site_id, on: client.async_set_storm_watch(site_id, on),
        expected_fn=lambda d, on: replace(d, storm_watch_enabled=on),
        exists_fn=info_has(lambda info: info.storm_mode_capable),
    ),
    SiteSwitchDescription(
        key="allow_charge_from_grid",
        translation_key="allow_charge_from_grid",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda d: d.allow_charge_from_grid,
        set_fn=lambda client, site_id, on: client.async_set_grid_import_export(
            site_id, allow_charge_from_grid=on
        ),
        expected_fn=lambda d, on: replace(d, allow_charge_from_grid=on),
        exists_fn=info_has(
            lambda info: info.has_battery and info.allow_charge_from_grid is not None
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TeslaEnergyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches of every site that has them."""
    async_add_entities(
        SiteSwitch(entry, site, description)
        for site in entry.runtime_data.sites.values()
        for description in SWITCHES
        if description.exists_fn(site)
    )


class SiteSwitch(SiteSettingEntity[bool], SwitchEntity):
    """A site setting that is on or off."""

    entity_description: SiteSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """Return the setting."""
        return self.entity_description.value_fn(self.coordinator.data)

    @bridge_command
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn the setting on."""
        await self._async_send(True)

    @bridge_command
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn the setting off."""
        await self._async_send(False)
