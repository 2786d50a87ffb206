"""Selects: the Powerwall's operation mode and the grid export rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..energy_bridges_common.hass.command import bridge_command
from .api import ExportRule, OperationMode, SiteInfo
from .coordinator import TeslaEnergyConfigEntry
from .entity import SiteSettingDescription, SiteSettingEntity, info_has

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class SiteSelectDescription(SelectEntityDescription, SiteSettingDescription[str]):
    """A choice among the site's settings."""

    value_fn: Callable[[SiteInfo], str | None]


SELECTS: tuple[SiteSelectDescription, ...] = (
    SiteSelectDescription(
        key="operation_mode",
        translation_key="operation_mode",
        options=[mode.value for mode in OperationMode],
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda d: d.operation_mode.value if d.operation_mode else None,
        set_fn=lambda client, site_id, option: client.async_set_operation_mode(
            site_id, OperationMode(option)
        ),
        expected_fn=lambda d, option: replace(d, operation_mode=OperationMode(option)),
        exists_fn=info_has(lambda info: info.has_battery),
    ),
    SiteSelectDescription(
        key="export_rule",
        translation_key="export_rule",
        options=[rule.value for rule in ExportRule],
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda d: d.export_rule.value if d.export_rule else None,
        set_fn=lambda client, site_id, option: client.async_set_grid_import_export(
            site_id, export_rule=ExportRule(option)
        ),
        expected_fn=lambda d, option: replace(d, export_rule=ExportRule(option)),
        exists_fn=info_has(lambda info: info.has_battery and info.has_solar),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TeslaEnergyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the selects of every site that has them."""
    async_add_entities(
        SiteSelect(entry, site, description)
        for site in entry.runtime_data.sites.values()
        for description in SELECTS
        if description.exists_fn(site)
    )


class SiteSelect(SiteSettingEntity[str], SelectEntity):
    """A site setting with a few choices."""

    entity_description: SiteSelectDescription

    @property
    def current_option(self) -> str | None:
        """Return the setting."""
        return self.entity_description.value_fn(self.coordinator.data)

    @bridge_command
    async def async_select_option(self, option: str) -> None:
        """Change the setting."""
        await self._async_send(option)
