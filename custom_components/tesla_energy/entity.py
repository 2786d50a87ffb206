"""Base entities: one per site (live or settings data) and one per Wall Connector."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from ..energy_bridges_common.hass.command import CommandTarget
from ..energy_bridges_common.hass.entity import BridgeEntity
from .api import SiteInfo, TeslaEnergyClient
from .const import DOMAIN
from .coordinator import TeslaEnergyConfigEntry, TeslaEnergyInfoCoordinator, TeslaEnergySiteData
from .helpers import require_command_scope


@dataclass(frozen=True, kw_only=True)
class SiteEntityDescription(EntityDescription):
    """What every site entity description adds: whether the site has it."""

    exists_fn: Callable[[TeslaEnergySiteData], bool] = lambda _: True


def info_has(check: Callable[[SiteInfo], bool]) -> Callable[[TeslaEnergySiteData], bool]:
    """Return an ``exists_fn`` that asks the site's settings."""
    return lambda site: site.info.data is not None and check(site.info.data)


class TeslaEnergySiteEntity[CoordinatorT: DataUpdateCoordinator[Any]](BridgeEntity[CoordinatorT]):
    """An entity of an energy site's device."""

    def __init__(
        self, site: TeslaEnergySiteData, coordinator: CoordinatorT, description: EntityDescription
    ) -> None:
        """Attach to the site's device."""
        super().__init__(
            coordinator,
            description,
            device_info=site.device_info,
            unique_id_prefix=str(site.site_id),
        )
        self.site = site


@dataclass(frozen=True, kw_only=True)
class SiteSettingDescription[ValueT](SiteEntityDescription):
    """A site setting: how to send a new value, and what the settings look like after."""

    set_fn: Callable[[TeslaEnergyClient, int, ValueT], Awaitable[None]]
    expected_fn: Callable[[SiteInfo, ValueT], SiteInfo]


class SiteSettingEntity[ValueT](TeslaEnergySiteEntity[TeslaEnergyInfoCoordinator]):
    """A control of a site setting: every change goes through the one command path."""

    entity_description: SiteSettingDescription[ValueT]

    def __init__(
        self,
        entry: TeslaEnergyConfigEntry,
        site: TeslaEnergySiteData,
        description: SiteSettingDescription[ValueT],
    ) -> None:
        """Keep the entry for the command path."""
        super().__init__(site, site.info, description)
        self._entry = entry

    @property
    def command_target(self) -> CommandTarget:
        """Return where the site's commands go (``bridge_command``)."""
        return self.site.command

    async def _async_send(self, value: ValueT) -> None:
        """Send a new value (run inside ``bridge_command``) and show it at once.

        The settings show as the command leaves them until the read-back replaces them, and
        stay so when the read-back cannot be afforded.
        """
        require_command_scope(self._entry)
        description = self.entity_description
        await description.set_fn(self._entry.runtime_data.client, self.site.site_id, value)
        if self.coordinator.data is not None:
            self.coordinator.async_set_updated_data(
                description.expected_fn(self.coordinator.data, value)
            )


def wall_connector_device(
    hass: HomeAssistant, entry_id: str, site: TeslaEnergySiteData, din: str
) -> DeviceInfo:
    """Return a Wall Connector's device, below its site's."""
    part = None
    serial = None
    if site.info.data is not None:
        for connector in site.info.data.wall_connectors:
            if connector.din == din:
                part, serial = connector.part_name, connector.serial_number
    return DeviceInfo(
        identifiers={(DOMAIN, din)},
        name=f"{site.site.name} Wall Connector {din[-4:]}",
        manufacturer="Tesla",
        model=part or "Wall Connector",
        serial_number=serial,
        via_device_id=dr.async_get_device_id_by_identifier(
            hass, (DOMAIN, str(site.site_id)), config_entry_id=entry_id
        ),
    )
