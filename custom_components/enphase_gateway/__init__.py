"""The Enphase IQ Gateway integration: the gateway's local API, every firmware generation."""

from __future__ import annotations

from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.typing import ConfigType

from ..energy_bridges_common.hass.errors import setup_errors
from .api import GatewayPoller, UnsupportedFirmwareError
from .api.const import INVERTERS_V1
from .const import DOMAIN, PLATFORMS
from .coordinator import (
    EnphaseConfigEntry,
    EnphaseRuntimeData,
    GatewayCoordinator,
    MeterCoordinator,
    create_client,
)
from .entity import gateway_device
from .services import async_setup_services

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: EnphaseConfigEntry) -> bool:
    """Connect, authenticate, probe what the gateway has, then poll it."""
    client = create_client(hass, entry)

    @callback
    def save_token(token: str) -> None:
        hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_TOKEN: token})

    client.on_token_change = save_token
    with setup_errors(DOMAIN):
        info = await client.setup()
        if entry.unique_id is not None and info.serial != entry.unique_id:
            # The address now belongs to another gateway (a new DHCP lease): wait for
            # discovery to find ours rather than mixing the two up.
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="unexpected_device",
                translation_placeholders={"expected": entry.unique_id, "found": info.serial},
            )
        await client.authenticate()
        try:
            await client.probe()
        except UnsupportedFirmwareError as err:
            # Nothing to retry: this firmware serves its data only as web pages.
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="unsupported_firmware",
                translation_placeholders={"firmware": info.firmware},
            ) from err
    _report_refused(hass, entry, client.capabilities.refused if client.capabilities else ())

    poller = GatewayPoller(client)
    gateway = GatewayCoordinator(hass, entry, poller)
    await gateway.async_config_entry_first_refresh()
    meters: MeterCoordinator | None = None
    if poller.capabilities.has_cts:
        meters = MeterCoordinator(hass, entry, poller, gateway)
        await meters.async_config_entry_first_refresh()
    # The gateway's device first: inverters, batteries and the controller hang below it.
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **gateway_device(gateway.data, client.base_url)
    )
    entry.runtime_data = EnphaseRuntimeData(client, poller, gateway, meters, device.id)
    gateway.start_token_checks()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


def _report_refused(
    hass: HomeAssistant, entry: EnphaseConfigEntry, refused: tuple[str, ...]
) -> None:
    """Say, as a repair, that the gateway keeps its inverter list from these credentials."""
    issue_id = f"inverters_refused_{entry.entry_id}"
    if INVERTERS_V1 not in refused:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="inverters_refused",
        translation_placeholders={"title": entry.title},
    )


async def async_unload_entry(hass: HomeAssistant, entry: EnphaseConfigEntry) -> bool:
    """Unload the platforms."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: EnphaseConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Allow removing a device the gateway no longer reports (a replaced inverter)."""
    data = entry.runtime_data.gateway.data
    current = {data.info.serial, *data.inverters, *data.batteries}
    if data.system_controller is not None:
        current.add(data.system_controller.serial)
    return not any(ident[0] == DOMAIN and ident[1] in current for ident in device.identifiers)
