"""The Powervault integration: home batteries over the cloud (P4/P5) or the LAN (P3/P3X)."""

from __future__ import annotations

from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PORT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.typing import ConfigType

from ..energy_bridges_common.client.budget import CallBudget
from ..energy_bridges_common.hass.budget import (
    account_key,
    async_get_account_budget,
    async_release_account_budget,
)
from ..energy_bridges_common.hass.lan import check_stored_host
from .api import PowervaultApi, PowervaultCloudClient, PowervaultLocalClient
from .const import (
    COMMAND_RESERVE,
    CONF_ACCOUNT_ID,
    CONF_CONNECTION,
    CONF_DAILY_BUDGET,
    CONF_MODEL,
    CONF_UNIT_ID,
    CONNECTION_LOCAL,
    DEFAULT_DAILY_BUDGET,
    DOMAIN,
    OLD_INTERVAL_OPTIONS,
    cloud_base_url,
)
from .coordinator import (
    PowervaultConfigEntry,
    PowervaultControlCoordinator,
    PowervaultDataCoordinator,
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
    unit_id: str = entry.data[CONF_UNIT_ID]
    session = async_get_clientsession(hass)
    client: PowervaultApi
    budget: CallBudget | None = None
    if entry.data[CONF_CONNECTION] == CONNECTION_LOCAL:
        # The stored address must still pass the LAN guard: nothing is sent elsewhere.
        check_stored_host(DOMAIN, entry.data[CONF_HOST])
        client = PowervaultLocalClient(session, entry.data[CONF_HOST], entry.data.get(CONF_PORT))
    else:
        cloud = PowervaultCloudClient(session, entry.data[CONF_API_KEY], base_url=cloud_base_url())
        budget = await async_get_account_budget(
            hass,
            domain=DOMAIN,
            account_id=account_key(str(entry.data[CONF_ACCOUNT_ID])),
            entry_id=entry.entry_id,
            quota=int(entry.options.get(CONF_DAILY_BUDGET, DEFAULT_DAILY_BUDGET)),
            reserve=COMMAND_RESERVE,
        )
        cloud.http.add_observer(budget)
        client = cloud
    entry.runtime_data = runtime = PowervaultRuntimeData(
        client=client,
        unit_id=unit_id,
        data=PowervaultDataCoordinator(
            hass, config_entry=entry, client=client, unit_id=unit_id, budget=budget
        ),
        control=PowervaultControlCoordinator(
            hass, config_entry=entry, client=client, unit_id=unit_id, budget=budget
        ),
        device_info=_device_info(unit_id, entry.data.get(CONF_MODEL)),
        budget=budget,
    )
    runtime.command = command_target(hass, entry)
    await runtime.data.async_config_entry_first_refresh()
    await runtime.control.async_config_entry_first_refresh()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: PowervaultConfigEntry) -> bool:
    """Drop the interval options of entries from before 1.2 (the intervals are ours now)."""
    if entry.version > 1:
        return False
    if entry.minor_version < 2:
        options = {k: v for k, v in entry.options.items() if k not in OLD_INTERVAL_OPTIONS}
        hass.config_entries.async_update_entry(entry, options=options, minor_version=2)
    return True


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
