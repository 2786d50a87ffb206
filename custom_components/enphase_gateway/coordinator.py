"""Runtime data and the two coordinators: fast CT readings, slow everything else."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.errors import BridgeApiError
from ..energy_bridges_common.hass.coordinator import BridgeCoordinator
from .api import EnphaseGateway, GatewayData, GatewayPoller, MeterData, StorageMode
from .api.client import check_storage_settings
from .api.models import DryContact
from .const import (
    CONF_MANUAL_TOKEN,
    DEFAULT_METER_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    FAST_STALE_AFTER,
    MANUAL_TOKEN_WARN_DAYS,
    MAX_BACKOFF,
    OPTION_DISABLE_KEEP_ALIVE,
    OPTION_METER_INTERVAL,
    OPTION_SCAN_INTERVAL,
    SLOW_STALE_AFTER,
    STORAGE_RECHECK_DELAY,
    TOKEN_CHECK_INTERVAL,
    cloud_urls,
)

_LOGGER = logging.getLogger(__name__)

type EnphaseConfigEntry = ConfigEntry[EnphaseRuntimeData]


@dataclass(slots=True)
class EnphaseRuntimeData:
    """What a loaded entry holds."""

    client: EnphaseGateway
    poller: GatewayPoller
    gateway: GatewayCoordinator
    meters: MeterCoordinator | None
    device_id: str
    """The gateway's device registry id (its batteries and inverters hang below it)."""


def create_client(hass: HomeAssistant, entry: ConfigEntry) -> EnphaseGateway:
    """Return a client for an entry (not set up yet)."""
    login_url, token_url = cloud_urls()
    return EnphaseGateway(
        async_get_clientsession(hass, verify_ssl=False),
        entry.data[CONF_HOST],
        username=entry.data.get(CONF_USERNAME, ""),
        password=entry.data.get(CONF_PASSWORD, ""),
        token=entry.data.get(CONF_TOKEN),
        manual_token=entry.data.get(CONF_MANUAL_TOKEN, False),
        login_url=login_url,
        token_url=token_url,
        keep_alive=not entry.options.get(OPTION_DISABLE_KEEP_ALIVE, False),
    )


class GatewayCoordinator(BridgeCoordinator[GatewayData]):
    """The slow poll: production, inverters, batteries, relay, settings."""

    def __init__(
        self, hass: HomeAssistant, entry: EnphaseConfigEntry, poller: GatewayPoller
    ) -> None:
        """Poll at the configured interval (a minute by default)."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {poller.gateway.host}",
            update_interval=timedelta(
                seconds=entry.options.get(OPTION_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
            ),
            stale_after=SLOW_STALE_AFTER,
            max_backoff=MAX_BACKOFF,
        )
        self.poller = poller
        self.client = poller.gateway
        self._unsub_token: CALLBACK_TYPE | None = None
        self._unsub_recheck: CALLBACK_TYPE | None = None

    async def _async_fetch(self) -> GatewayData:
        data = await self.poller.read()
        if data.firmware_changed:
            self._firmware_changed(data)
        return data

    def _firmware_changed(self, data: GatewayData) -> None:
        """Show the new firmware and reload so entities match what the gateway now has."""
        registry = dr.async_get(self.hass)
        if device := registry.async_get_device_by_identifier(
            (DOMAIN, data.info.serial), self.config_entry.entry_id
        ):
            registry.async_update_device(device.id, sw_version=data.info.firmware)
        self.logger.info("Gateway firmware is now %s: reloading", data.info.firmware)
        self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)

    # -- writes -----------------------------------------------------------------------------

    @callback
    def async_apply(self, **changes: Any) -> None:
        """Show new values (a write's read-back, live CT power) without a heavy poll."""
        # Not async_set_updated_data: that would push the next poll back each time.
        self.data = replace(self.data, **changes)
        self.async_update_listeners()

    async def async_write_storage(
        self,
        *,
        mode: StorageMode | None = None,
        reserve: float | None = None,
        charge_from_grid: bool | None = None,
    ) -> bool:
        """Write the storage settings in one verified write, then watch that they stay.

        Return whether the write turned the cloud's optimised schedules off (the gateway
        ignores storage settings while they are on).
        """
        settings, schedules_off = await self.client.set_storage_settings(
            mode=mode, reserve=reserve, charge_from_grid=charge_from_grid
        )
        self.poller.remember("storage", settings)
        self.async_apply(storage=settings)
        self.schedule_storage_recheck(mode=mode, reserve=reserve, charge_from_grid=charge_from_grid)
        return schedules_off

    async def async_set_grid(self, on_grid: bool) -> None:
        """Connect to or disconnect from the grid (verified)."""
        relay = await self.client.set_grid_relay(on_grid)
        if self.poller.capabilities.relay:
            self.poller.remember("relay", relay)
            self.async_apply(relay=relay)
        else:
            # The state lives in the inventory: read it again with the live data.
            await self.async_refresh()

    async def async_set_dry_contact(self, contact_id: str, closed: bool) -> None:
        """Close or open a dry contact (verified)."""
        contact = await self.client.set_dry_contact(contact_id, closed)
        self._apply_contact(replace(self.data.dry_contacts[contact_id], closed=contact.closed))

    async def async_update_dry_contact(self, contact_id: str, **changes: Any) -> None:
        """Change a dry contact's settings (the whole settings are posted, then verified)."""
        self._apply_contact(await self.client.update_dry_contact_settings(contact_id, **changes))

    def _apply_contact(self, contact: DryContact) -> None:
        contacts = {**self.data.dry_contacts, contact.id: contact}
        self.poller.remember("dry_contacts", contacts)
        self.async_apply(dry_contacts=contacts)

    async def async_set_generator_mode(self, mode: str) -> None:
        """Set the generator mode (verified)."""
        generator = await self.client.set_generator_mode(mode)
        self.poller.remember("generator", generator)
        self.async_apply(generator=generator)

    def schedule_storage_recheck(
        self,
        *,
        mode: StorageMode | None,
        reserve: float | None,
        charge_from_grid: bool | None,
    ) -> None:
        """Read the storage settings again later: the cloud may have put them back."""
        if self._unsub_recheck is not None:
            self._unsub_recheck()

        async def recheck(_now: datetime) -> None:
            self._unsub_recheck = None
            issue_id = f"storage_settings_reverted_{self.config_entry.entry_id}"
            try:
                settings = await self.client.get_storage_settings()
            except BridgeApiError as err:
                self.logger.debug("Could not re-check the storage settings: %s", err)
                return
            self.poller.remember("storage", settings)
            self.async_apply(storage=settings)
            try:
                check_storage_settings(
                    settings, mode=mode, reserve=reserve, charge_from_grid=charge_from_grid
                )
            except BridgeApiError:
                self.logger.warning(
                    "The storage settings written to %s were put back (by the Enphase cloud)",
                    self.client.host,
                )
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    issue_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key="storage_settings_reverted",
                    translation_placeholders={"title": self.config_entry.title},
                )
            else:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)

        self._unsub_recheck = async_call_later(self.hass, STORAGE_RECHECK_DELAY, recheck)

    # -- the token --------------------------------------------------------------------------

    @callback
    def start_token_checks(self) -> None:
        """Check the token hourly (locally); renew it in the background well before expiry."""
        if self.client.token is None:
            return
        self._unsub_token = async_track_time_interval(
            self.hass, self._check_token, TOKEN_CHECK_INTERVAL
        )
        self._check_token(dt_util.utcnow())

    @callback
    def _check_token(self, _now: datetime) -> None:
        client = self.client
        info = client.token_info
        if info is None or info.expires_at is None:
            return
        issue_id = f"token_expiring_{self.config_entry.entry_id}"
        days = (info.expires_at - dt_util.utcnow().timestamp()) / 86400
        if client.manual_token:
            if days < MANUAL_TOKEN_WARN_DAYS:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    issue_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key="token_expiring",
                    translation_placeholders={
                        "title": self.config_entry.title,
                        "days": str(max(int(days), 0)),
                    },
                )
            else:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        self.config_entry.async_create_background_task(
            self.hass, self._renew_token(), f"{DOMAIN} token renewal"
        )

    async def _renew_token(self) -> None:
        try:
            renewed = await self.client.renew_token_if_due()
        except BridgeApiError as err:
            # The old token still works; the next check tries again.
            self.logger.debug("Token renewal failed, will retry: %s", err)
            return
        if renewed:
            self.logger.debug("Renewed the gateway token")

    async def async_shutdown(self) -> None:
        """Stop the timers."""
        for unsub in (self._unsub_token, self._unsub_recheck):
            if unsub is not None:
                unsub()
        self._unsub_token = self._unsub_recheck = None
        await super().async_shutdown()


class MeterCoordinator(BridgeCoordinator[MeterData]):
    """The fast poll: the CT readings only (cheap for the gateway)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnphaseConfigEntry,
        poller: GatewayPoller,
        gateway: GatewayCoordinator,
    ) -> None:
        """Poll the CTs every few seconds."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {poller.gateway.host} meters",
            update_interval=timedelta(
                seconds=entry.options.get(OPTION_METER_INTERVAL, DEFAULT_METER_INTERVAL)
            ),
            stale_after=FAST_STALE_AFTER,
            max_backoff=MAX_BACKOFF,
        )
        self.poller = poller
        self.gateway = gateway

    async def _async_fetch(self) -> MeterData:
        return await self.poller.read_meters()
