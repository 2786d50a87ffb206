"""Runtime data and the three coordinators of each energy site (live, settings, history)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.budget import CallBudget
from ..energy_bridges_common.hass.coordinator import BudgetedCoordinator
from .api import EnergySite, LiveStatus, SiteInfo, TeslaEnergyClient
from .const import (
    HISTORY_MIN_INTERVAL,
    HISTORY_WEIGHT,
    INFO_MIN_INTERVAL,
    INFO_WEIGHT,
    LIVE_MIN_INTERVAL,
    LIVE_WEIGHT,
    LOGGER,
)

if TYPE_CHECKING:
    from .budget import DailyUsage
    from .statistics import HistoryData, StatisticsImporter

type TeslaEnergyConfigEntry = ConfigEntry[TeslaEnergyRuntimeData]


@dataclass
class TeslaEnergySiteData:
    """One energy site: what the product list said, its coordinators and its device."""

    site: EnergySite
    live: TeslaEnergyLiveCoordinator
    info: TeslaEnergyInfoCoordinator
    history: TeslaEnergyHistoryCoordinator
    device_info: DeviceInfo

    @property
    def site_id(self) -> int:
        """Return the site id."""
        return self.site.site_id


@dataclass
class TeslaEnergyRuntimeData:
    """What an entry keeps while it is loaded."""

    client: TeslaEnergyClient
    budget: CallBudget
    usage: DailyUsage
    account_key: str
    scopes: frozenset[str]
    account_device: DeviceInfo
    sites: dict[int, TeslaEnergySiteData] = field(default_factory=dict)


class TeslaEnergyLiveCoordinator(BudgetedCoordinator[LiveStatus]):
    """Live power flows: most of the budget goes here."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TeslaEnergyConfigEntry,
        client: TeslaEnergyClient,
        budget: CallBudget,
        site: EnergySite,
    ) -> None:
        """Poll ``live_status`` as often as the budget affords, at most every minute."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"live {site.site_id}",
            budget=budget,
            calls_per_update=1,
            min_interval=LIVE_MIN_INTERVAL,
            weight=LIVE_WEIGHT,
            # Power flows older than this mislead more than they help.
            stale_after=timedelta(minutes=30),
        )
        self.client = client
        self.site = site

    async def _async_fetch(self) -> LiveStatus:
        return await self.client.async_live_status(self.site.site_id)


class TeslaEnergyInfoCoordinator(BudgetedCoordinator[SiteInfo]):
    """Settings and features: they change only when someone changes them."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TeslaEnergyConfigEntry,
        client: TeslaEnergyClient,
        budget: CallBudget,
        site: EnergySite,
    ) -> None:
        """Read ``site_info`` rarely; commands read it back at once."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"info {site.site_id}",
            budget=budget,
            calls_per_update=1,
            min_interval=INFO_MIN_INTERVAL,
            weight=INFO_WEIGHT,
            # Settings stay true for long: a failed read must not drop the controls.
            stale_after=timedelta(days=2),
        )
        self.client = client
        self.site = site

    async def _async_fetch(self) -> SiteInfo:
        return await self.client.async_site_info(self.site.site_id)

    @property
    def time_zone(self) -> tzinfo:
        """Return the site's time zone (Home Assistant's when the site does not say)."""
        name = self.data.time_zone if self.data is not None else None
        if name:
            try:
                return ZoneInfo(name)
            except ZoneInfoNotFoundError, ValueError:
                LOGGER.debug("Unknown time zone %s for site %s", name, self.site.site_id)
        return dt_util.get_default_time_zone()


class TeslaEnergyHistoryCoordinator(BudgetedCoordinator["HistoryData"]):
    """Hourly energy history, imported as long-term statistics."""

    def __init__(  # noqa: PLR0917 - the same five as its siblings, plus its own two
        self,
        hass: HomeAssistant,
        entry: TeslaEnergyConfigEntry,
        client: TeslaEnergyClient,
        budget: CallBudget,
        site: EnergySite,
        importer: StatisticsImporter,
        time_zone: Callable[[], tzinfo],
    ) -> None:
        """Read the history hourly and hand it to the statistics importer."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"history {site.site_id}",
            budget=budget,
            calls_per_update=1,
            min_interval=HISTORY_MIN_INTERVAL,
            weight=HISTORY_WEIGHT,
            stale_after=timedelta(hours=6),
        )
        self.client = client
        self.site = site
        self.importer = importer
        self._time_zone = time_zone

    async def _async_fetch(self) -> HistoryData:
        return await self.importer.async_import(
            self.client, self.site, self._time_zone(), dt_util.utcnow()
        )

    def last_imported(self) -> datetime | None:
        """Return the start of the last hour in the statistics."""
        return self.data.last_hour if self.data is not None else None
