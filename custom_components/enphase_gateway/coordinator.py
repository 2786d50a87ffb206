"""Runtime data and the two coordinators: fast CT readings, slow everything else."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.errors import BridgeApiError
from ..energy_bridges_common.hass.command import CommandTarget
from ..energy_bridges_common.hass.coordinator import BridgeCoordinator
from .api import EnphaseGateway, GatewayData, GatewayPoller, MeterData
from .const import (
    CONF_MANUAL_TOKEN,
    DOMAIN,
    FAST_STALE_AFTER,
    MANUAL_TOKEN_WARN_DAYS,
    MAX_BACKOFF,
    METER_INTERVAL,
    OPTION_DISABLE_KEEP_ALIVE,
    SCAN_INTERVAL,
    SLOW_STALE_AFTER,
    TOKEN_CHECK_INTERVAL,
    cloud_urls,
)
from .helpers import StorageWatch

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
    command_target: CommandTarget
    storage_watch: StorageWatch


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
        """Poll every minute."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {poller.gateway.host}",
            update_interval=SCAN_INTERVAL,
            stale_after=SLOW_STALE_AFTER,
            max_backoff=MAX_BACKOFF,
        )
        self.poller = poller
        self.client = poller.gateway
        self._unsub_token: CALLBACK_TYPE | None = None

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

    # -- what a write read back ---------------------------------------------------------------

    @callback
    def async_apply(self, **changes: Any) -> None:
        """Show a write's read-back without a heavy poll."""
        # Not async_set_updated_data: that would push the next poll back each time.
        self.data = replace(self.data, **changes)
        self.async_update_listeners()

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
        """Stop the token checks."""
        if self._unsub_token is not None:
            self._unsub_token()
            self._unsub_token = None
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
            update_interval=METER_INTERVAL,
            stale_after=FAST_STALE_AFTER,
            max_backoff=MAX_BACKOFF,
        )
        self.poller = poller
        self.gateway = gateway

    async def _async_fetch(self) -> MeterData:
        return await self.poller.read_meters()
