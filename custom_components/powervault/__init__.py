"""The Powervault integration: home batteries over the cloud (P4/P5) or the LAN (P3/P3X)."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PORT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.typing import ConfigType

from ..energy_bridges_common.hass.budget import (
    account_key,
    async_get_account_budget,
    async_release_account_budget,
)
from ..energy_bridges_common.hass.lan import check_stored_host
from .api import PowervaultCloudClient, PowervaultLocalClient
from .const import (
    COMMAND_RESERVE,
    CONF_ACCOUNT_ID,
    CONF_CONNECTION,
    CONF_CONTROL_INTERVAL,
    CONF_DAILY_BUDGET,
    CONF_DATA_INTERVAL,
    CONF_MODEL,
    CONF_SCAN_INTERVAL,
    CONF_UNIT_ID,
    CONNECTION_LOCAL,
    DEFAULT_CLOUD_CONTROL_INTERVAL,
    DEFAULT_DAILY_BUDGET,
    DEFAULT_DATA_INTERVAL,
    DEFAULT_LOCAL_CONTROL_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    cloud_base_url,
)
from .coordinator import (
    CloudControlCoordinator,
    CloudDataCoordinator,
    LocalControlCoordinator,
    LocalDataCoordinator,
    PowervaultConfigEntry,
    PowervaultRuntimeData,
)
from .helpers import command_target
from .services import async_setup_services

PLATFORMS: list[Platform] = [Platform.BUTTON, Platform.SELECT, Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: PowervaultConfigEntry) -> bool:
    """Set up a unit from a config entry."""
    if entry.data[CONF_CONNECTION] == CONNECTION_LOCAL:
        # The stored address must still pass the LAN guard: nothing is sent elsewhere.
        check_stored_host(DOMAIN, entry.data[CONF_HOST])
        entry.runtime_data = _local_runtime(hass, entry)
    else:
        entry.runtime_data = await _cloud_runtime(hass, entry)
    runtime = entry.runtime_data
    runtime.command = command_target(hass, entry)
    await runtime.data.async_config_entry_first_refresh()
    await runtime.control.async_config_entry_first_refresh()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


def _local_runtime(hass: HomeAssistant, entry: PowervaultConfigEntry) -> PowervaultRuntimeData:
    unit_id: str = entry.data[CONF_UNIT_ID]
    client = PowervaultLocalClient(
        async_get_clientsession(hass), entry.data[CONF_HOST], entry.data.get(CONF_PORT)
    )
    options = entry.options
    return PowervaultRuntimeData(
        client=client,
        unit_id=unit_id,
        data=LocalDataCoordinator(
            hass,
            config_entry=entry,
            client=client,
            unit_id=unit_id,
            interval=timedelta(seconds=options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)),
        ),
        control=LocalControlCoordinator(
            hass,
            config_entry=entry,
            client=client,
            unit_id=unit_id,
            interval=timedelta(
                minutes=options.get(CONF_CONTROL_INTERVAL, DEFAULT_LOCAL_CONTROL_INTERVAL)
            ),
        ),
        device_info=_device_info(unit_id, entry.data.get(CONF_MODEL)),
    )


async def _cloud_runtime(
    hass: HomeAssistant, entry: PowervaultConfigEntry
) -> PowervaultRuntimeData:
    unit_id: str = entry.data[CONF_UNIT_ID]
    client = PowervaultCloudClient(
        async_get_clientsession(hass), entry.data[CONF_API_KEY], base_url=cloud_base_url()
    )
    options = entry.options
    budget = await async_get_account_budget(
        hass,
        domain=DOMAIN,
        account_id=account_key(str(entry.data[CONF_ACCOUNT_ID])),
        entry_id=entry.entry_id,
        quota=int(options.get(CONF_DAILY_BUDGET, DEFAULT_DAILY_BUDGET)),
        reserve=COMMAND_RESERVE,
    )
    client.http.add_observer(budget)
    return PowervaultRuntimeData(
        client=client,
        unit_id=unit_id,
        data=CloudDataCoordinator(
            hass,
            config_entry=entry,
            client=client,
            unit_id=unit_id,
            budget=budget,
            interval=timedelta(minutes=options.get(CONF_DATA_INTERVAL, DEFAULT_DATA_INTERVAL)),
        ),
        control=CloudControlCoordinator(
            hass,
            config_entry=entry,
            client=client,
            unit_id=unit_id,
            budget=budget,
            interval=timedelta(
                minutes=options.get(CONF_CONTROL_INTERVAL, DEFAULT_CLOUD_CONTROL_INTERVAL)
            ),
        ),
        device_info=_device_info(unit_id, entry.data.get(CONF_MODEL)),
        budget=budget,
    )


def _device_info(unit_id: str, model: str | None) -> DeviceInfo:
    return DeviceInfo(
        identifiers={(DOMAIN, unit_id)},
        manufacturer="Powervault",
        model=model,
        name=f"Powervault {unit_id}",
        serial_number=unit_id,
    )


async def async_unload_entry(hass: HomeAssistant, entry: PowervaultConfigEntry) -> bool:
    """Unload a unit."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded and entry.runtime_data.budget is not None:
        await async_release_account_budget(
            hass,
            domain=DOMAIN,
            account_id=account_key(str(entry.data[CONF_ACCOUNT_ID])),
            entry_id=entry.entry_id,
        )
    return unloaded
