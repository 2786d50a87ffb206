"""Runtime data and the three coordinators of each energy site (live, settings, history)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.budget import CallBudget
from ..energy_bridges_common.hass.command import CommandTarget
from ..energy_bridges_common.hass.coordinator import BudgetedCoordinator
from .api import (
    AppNotRegisteredError,
    BridgeApiError,
    CommandRejectedError,
    EnergySite,
    LiveStatus,
    MissingScopeError,
    Scope,
    SiteInfo,
    TeslaEnergyClient,
)
from .api.local_models import LocalSnapshot, live_status_from_local
from .const import (
    DOMAIN,
    HISTORY_MIN_INTERVAL,
    HISTORY_WEIGHT,
    INFO_MIN_INTERVAL,
    INFO_WEIGHT,
    LIVE_MIN_INTERVAL,
    LIVE_WEIGHT,
    LOGGER,
)
from .local_source import LiveSource
from .registration import (
    app_not_registered_placeholders,
    clear_app_not_registered,
    open_app_not_registered,
)

if TYPE_CHECKING:
    from .local_coordinator import TeslaEnergyLocalCoordinator
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
    command: CommandTarget
    """Where the site's commands go (``hass.command``): a change shows in its settings."""
    local: TeslaEnergyLocalCoordinator | None = None
    """The gateway on the LAN, where the user set up local access."""

    @property
    def site_id(self) -> int:
        """Return the site id."""
        return self.site.site_id


@dataclass
class TeslaEnergyRuntimeData:
    """What an entry keeps while it is loaded."""

    client: TeslaEnergyClient
    budget: CallBudget
    """The account's one call ledger: the quota, and the calls of the day (``today``)."""
    account_key: str
    scopes: frozenset[str]
    account_device: DeviceInfo
    sites: dict[int, TeslaEnergySiteData] = field(default_factory=dict)


def site_command_target(
    hass: HomeAssistant, entry: TeslaEnergyConfigEntry, info: TeslaEnergyInfoCoordinator
) -> CommandTarget:
    """Return where a site's commands go: the settings show the change."""
    return CommandTarget(
        hass=hass,
        entry=entry,
        read_back=(info,),
        error_keys={CommandRejectedError: "command_rejected"},
        translate_error=_command_error,
        # The commands scope is the user's choice: its repair says so, no sign-in asked.
        no_reauth_for=(MissingScopeError,),
    )


def _command_error(err: BridgeApiError) -> HomeAssistantError | None:
    """Say what the user can do about a refusal (the messages need more than ``{error}``)."""
    if isinstance(err, MissingScopeError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="missing_command_scope",
            translation_placeholders={"scope": err.scope or Scope.ENERGY_CMDS.value},
        )
    if isinstance(err, AppNotRegisteredError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="app_not_registered",
            translation_placeholders=app_not_registered_placeholders(err.region),
        )
    return None


class TeslaEnergyCloudCoordinator[DataT](BudgetedCoordinator[DataT]):
    """A coordinator of Fleet API data: a 412 is the unregistered application's repair."""

    def update_failed(self, err: BridgeApiError) -> UpdateFailed:
        """Open the registration repair on a 412: only the user can fix it."""
        if isinstance(err, AppNotRegisteredError):
            return UpdateFailed(
                translation_domain=self.config_entry.domain,
                translation_key="app_not_registered",
                translation_placeholders=open_app_not_registered(self.hass, self.config_entry, err),
            )
        return super().update_failed(err)

    def update_succeeded(self) -> None:
        """Close the registration repair: the data reads again."""
        clear_app_not_registered(self.hass, self.config_entry)


class TeslaEnergyLiveCoordinator(TeslaEnergyCloudCoordinator[LiveStatus]):
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
        # Set first: the budgeted coordinator asks ``next_interval`` while it is set up.
        self.local_active = False
        """True while the gateway on the LAN is the live values' source (issue 18)."""
        self.cloud_data: LiveStatus | None = None
        """The last ``live_status``: the values only the cloud knows come from it."""
        self.account_budget = budget
        """The account's budget, which this coordinator leaves and rejoins (never None here)."""
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

    def use_local(self) -> None:
        """Start with the LAN as the source: no ``live_status`` until it is away."""
        self.local_source_changed(LiveSource.LOCAL)

    def local_values(self, snapshot: LocalSnapshot) -> None:
        """Take a LAN reading as the live values (and put the next cloud poll off)."""
        self.async_set_updated_data(live_status_from_local(snapshot, self.cloud_data))

    def local_source_changed(self, source: LiveSource) -> None:
        """Leave the budget while the LAN serves; rejoin it (and poll now) when it does not."""
        if source is LiveSource.LOCAL and not self.local_active:
            self.local_active = True
            # The live share of the budget goes to history, site_info and commands.
            if self._unregister is not None:
                self._unregister()
        elif source is LiveSource.CLOUD and self.local_active:
            self.local_active = False
            self._unregister = self.account_budget.register(self.consumer)
            self.update_interval = self.next_interval()
            if self.data is not None:
                # Running: read the cloud now. (At setup the first refresh follows anyway.)
                self.config_entry.async_create_background_task(
                    self.hass, self.async_request_refresh(), f"{self.name} back to the cloud"
                )

    def next_interval(self) -> timedelta:
        """Return the budget's interval; with the LAN serving, the longest (nothing to do)."""
        if self.local_active:
            return timedelta(seconds=self.account_budget.max_interval)
        return super().next_interval()

    async def _async_update_data(self) -> LiveStatus:
        if self.local_active and self.data is not None:
            # One source per value: the LAN's readings arrive through ``local_values``.
            return self.data
        data = await super()._async_update_data()
        if self.consecutive_failures == 0:
            self.cloud_data = data
        return data

    async def _async_fetch(self) -> LiveStatus:
        return await self.client.async_live_status(self.site.site_id)


async def async_site_time_zone(info: SiteInfo | None) -> tzinfo:
    """Return the site's time zone (Home Assistant's when the site names none we know).

    Loaded off the event loop the first time (a zone is a file on disk), cached after.
    """
    if info is not None and info.time_zone:
        try:
            if (zone := await dt_util.async_get_time_zone(info.time_zone)) is not None:
                return zone
        except ValueError:
            pass
        LOGGER.debug("Unknown time zone %s for site %s", info.time_zone, info.site_id)
    return dt_util.get_default_time_zone()


class TeslaEnergyInfoCoordinator(TeslaEnergyCloudCoordinator[SiteInfo]):
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
        self.time_zone: tzinfo = dt_util.get_default_time_zone()
        """The site's time zone (Home Assistant's when the site names none we know)."""

    async def _async_fetch(self) -> SiteInfo:
        info = await self.client.async_site_info(self.site.site_id)
        self.time_zone = await async_site_time_zone(info)
        return info


class TeslaEnergyHistoryCoordinator(TeslaEnergyCloudCoordinator["HistoryData"]):
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
        data = await self.importer.async_import(
            self.client, self.site, self._time_zone(), dt_util.utcnow()
        )
        if data.days_read == 0 and self.data is not None:
            # Nothing was read (no hour completed since the last import): what the last
            # update found of today still holds.
            return replace(self.data, imported_hours=0, days_read=0)
        return data

    def last_imported(self) -> datetime | None:
        """Return the start of the last hour in the statistics."""
        return self.data.last_hour if self.data is not None else None
