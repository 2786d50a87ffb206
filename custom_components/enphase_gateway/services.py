"""Actions: raw endpoint data for support, storage settings, dry contact settings."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import probatio as vol

from ..energy_bridges_common.client.errors import BridgeApiError
from ..energy_bridges_common.hass.diagnostics import redact
from .api import StorageMode
from .api.const import READABLE_ENDPOINTS
from .const import DOMAIN
from .coordinator import EnphaseConfigEntry
from .entity import command_error

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_ENDPOINT = "endpoint"
ATTR_MODE = "mode"
ATTR_RESERVE = "reserve"
ATTR_CHARGE_FROM_GRID = "charge_from_grid"
ATTR_CONTACT = "contact"
ATTR_NAME = "name"
ATTR_SOC_LOW = "soc_low"
ATTR_SOC_HIGH = "soc_high"

SERVICE_GET_RAW_DATA = "get_raw_data"
SERVICE_SET_STORAGE_SETTINGS = "set_storage_settings"
SERVICE_SET_DRY_CONTACT_SETTINGS = "set_dry_contact_settings"

# Fields of device replies that identify the owner: out of what users paste into issues.
RAW_REDACT = {"sn", "serial_num", "serialNumber", "mac", "ip", "euaid"}

GET_RAW_DATA_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_ENDPOINT): vol.In(READABLE_ENDPOINTS),
    }
)
SET_STORAGE_SETTINGS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_MODE): vol.In([mode.value for mode in StorageMode]),
        vol.Optional(ATTR_RESERVE): vol.All(vol.Coerce(float), vol.Range(min=0, max=100)),
        vol.Optional(ATTR_CHARGE_FROM_GRID): cv.boolean,
    }
)
SET_DRY_CONTACT_SETTINGS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_CONTACT): cv.string,
        vol.Optional(ATTR_NAME): vol.All(cv.string, vol.Length(min=1, max=32)),
        vol.Optional(ATTR_MODE): vol.In(["manual", "soc"]),
        vol.Optional(ATTR_SOC_LOW): vol.All(vol.Coerce(int), vol.Range(min=0, max=100)),
        vol.Optional(ATTR_SOC_HIGH): vol.All(vol.Coerce(int), vol.Range(min=0, max=100)),
    }
)


def _entry(hass: HomeAssistant, call: ServiceCall) -> EnphaseConfigEntry:
    entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"title": entry.title},
        )
    return entry


async def _get_raw_data(call: ServiceCall) -> ServiceResponse:
    entry = _entry(call.hass, call)
    client = entry.runtime_data.client
    endpoint: str = call.data[ATTR_ENDPOINT]
    try:
        data = await client.get_raw(endpoint)
    except BridgeApiError as err:
        raise command_error(err) from err
    secrets = [client.token, client.password, client.info.serial if client.info else None]
    return {"endpoint": endpoint, "data": redact(data, keys=RAW_REDACT, secrets=secrets)}


async def _set_storage_settings(call: ServiceCall) -> ServiceResponse:
    entry = _entry(call.hass, call)
    coordinator = entry.runtime_data.gateway
    if coordinator.data.storage is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="storage_settings_not_supported",
            translation_placeholders={"title": entry.title},
        )
    mode = call.data.get(ATTR_MODE)
    reserve = call.data.get(ATTR_RESERVE)
    charge = call.data.get(ATTR_CHARGE_FROM_GRID)
    if mode is None and reserve is None and charge is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="nothing_to_set")
    try:
        schedules_off = await coordinator.async_write_storage(
            mode=None if mode is None else StorageMode(mode),
            reserve=reserve,
            charge_from_grid=charge,
        )
    except BridgeApiError as err:
        raise command_error(err) from err
    if not call.return_response:
        return None
    settings = coordinator.data.storage
    return {
        "mode": settings.mode.value if settings and settings.mode else None,
        "reserve": settings.reserve if settings else None,
        "charge_from_grid": settings.charge_from_grid if settings else None,
        # The gateway ignores storage settings while these are on: the write turned them off.
        "optimised_schedules_turned_off": schedules_off,
    }


async def _set_dry_contact_settings(call: ServiceCall) -> None:
    entry = _entry(call.hass, call)
    coordinator = entry.runtime_data.gateway
    contact_id: str = call.data[ATTR_CONTACT]
    contact = coordinator.data.dry_contacts.get(contact_id)
    if contact is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_dry_contact",
            translation_placeholders={
                "contact": contact_id,
                "known": ", ".join(coordinator.data.dry_contacts) or "-",
            },
        )
    changes: dict[str, Any] = {
        key: call.data[attr]
        for key, attr in (
            ("name", ATTR_NAME),
            ("mode", ATTR_MODE),
            ("soc_low", ATTR_SOC_LOW),
            ("soc_high", ATTR_SOC_HIGH),
        )
        if attr in call.data
    }
    if not changes:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="nothing_to_set")
    low = changes.get("soc_low", contact.settings.get("soc_low"))
    high = changes.get("soc_high", contact.settings.get("soc_high"))
    if isinstance(low, int) and isinstance(high, int) and low >= high:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="soc_range")
    try:
        await coordinator.async_update_dry_contact(contact_id, **changes)
    except BridgeApiError as err:
        raise command_error(err) from err


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_RAW_DATA,
        _get_raw_data,
        schema=GET_RAW_DATA_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_STORAGE_SETTINGS,
        _set_storage_settings,
        schema=SET_STORAGE_SETTINGS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_DRY_CONTACT_SETTINGS,
        _set_dry_contact_settings,
        schema=SET_DRY_CONTACT_SETTINGS_SCHEMA,
    )
