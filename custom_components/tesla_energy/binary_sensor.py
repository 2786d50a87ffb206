"""Binary sensors: grid connection, storm watch, backup capability, grid services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import LiveStatus, SiteInfo
from .coordinator import (
    TeslaEnergyConfigEntry,
    TeslaEnergyInfoCoordinator,
    TeslaEnergyLiveCoordinator,
)
from .entity import SiteEntityDescription, TeslaEnergySiteEntity, info_has

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class LiveBinarySensorDescription(BinarySensorEntityDescription, SiteEntityDescription):
    """A binary sensor read from the live status."""

    value_fn: Callable[[LiveStatus], bool | None]


@dataclass(frozen=True, kw_only=True)
class InfoBinarySensorDescription(BinarySensorEntityDescription, SiteEntityDescription):
    """A binary sensor read from the site's settings."""

    value_fn: Callable[[SiteInfo], bool | None]


_has_battery = info_has(lambda info: info.has_battery)

BINARY_SENSORS: tuple[LiveBinarySensorDescription, ...] = (
    LiveBinarySensorDescription(
        key="grid_status",
        translation_key="grid_status",
        device_class=BinarySensorDeviceClass.POWER,
        value_fn=lambda d: d.grid_connected,
        exists_fn=info_has(lambda info: info.has_grid or info.has_battery),
    ),
    LiveBinarySensorDescription(
        key="storm_active",
        translation_key="storm_active",
        value_fn=lambda d: d.storm_active,
        exists_fn=info_has(lambda info: info.storm_mode_capable),
    ),
    LiveBinarySensorDescription(
        key="backup_capable",
        translation_key="backup_capable",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.backup_capable,
        exists_fn=_has_battery,
    ),
    LiveBinarySensorDescription(
        key="grid_services_active",
        translation_key="grid_services_active",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.grid_services_active,
        exists_fn=_has_battery,
    ),
)


INFO_BINARY_SENSORS: tuple[InfoBinarySensorDescription, ...] = (
    InfoBinarySensorDescription(
        key="grid_services_enabled",
        translation_key="grid_services_enabled",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.grid_services_enabled,
        exists_fn=_has_battery,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TeslaEnergyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every site."""
    sites = entry.runtime_data.sites.values()
    entities: list[BinarySensorEntity] = [
        LiveBinarySensor(site, site.live, description)
        for site in sites
        for description in BINARY_SENSORS
        if description.exists_fn(site)
    ]
    entities.extend(
        InfoBinarySensor(site, site.info, description)
        for site in sites
        for description in INFO_BINARY_SENSORS
        if description.exists_fn(site)
    )
    async_add_entities(entities)


class LiveBinarySensor(TeslaEnergySiteEntity[TeslaEnergyLiveCoordinator], BinarySensorEntity):
    """A binary sensor of a site's live status."""

    entity_description: LiveBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state (None when the site cannot tell)."""
        return self.entity_description.value_fn(self.coordinator.data)


class InfoBinarySensor(TeslaEnergySiteEntity[TeslaEnergyInfoCoordinator], BinarySensorEntity):
    """A binary sensor of a site's settings."""

    entity_description: InfoBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state."""
        return self.entity_description.value_fn(self.coordinator.data)
