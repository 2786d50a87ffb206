"""Actions: raw endpoint data for support, storage settings, dry contact settings."""

from __future__ import annotations

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

from ..energy_bridges_common.hass.command import async_run_command
from ..energy_bridges_common.hass.diagnostics import redact
from ..energy_bridges_common.hass.validators import strict_boolean
from .api import DryContactMode, DryContactSettings, StorageMode
from .api.const import READABLE_ENDPOINTS
from .const import DOMAIN
from .coordinator import EnphaseConfigEntry
from .helpers import update_dry_contact, write_storage

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
        vol.Optional(ATTR_CHARGE_FROM_GRID): strict_boolean,
    }
)
SET_DRY_CONTACT_SETTINGS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_CONTACT): cv.string,
        vol.Optional(ATTR_NAME): vol.All(cv.string, vol.Length(min=1, max=32)),
        vol.Optional(ATTR_MODE): vol.In([mode.value for mode in DryContactMode]),
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
    data = await async_run_command(
        entry.runtime_data.command_target, lambda: client.get_raw(endpoint), read_back=False
    )
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
    schedules_off = await async_run_command(
        entry.runtime_data.command_target,
        lambda: write_storage(
            entry.runtime_data,
            mode=None if mode is None else StorageMode(mode),
            reserve=reserve,
            charge_from_grid=charge,
        ),
    )
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
    mode = call.data.get(ATTR_MODE)
    settings = DryContactSettings(
        name=call.data.get(ATTR_NAME),
        mode=None if mode is None else DryContactMode(mode),
        soc_low=call.data.get(ATTR_SOC_LOW),
        soc_high=call.data.get(ATTR_SOC_HIGH),
    )
    if settings == DryContactSettings():
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="nothing_to_set")
    low = contact.soc_low if settings.soc_low is None else settings.soc_low
    high = contact.soc_high if settings.soc_high is None else settings.soc_high
    if low is not None and high is not None and low >= high:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="soc_range")
    await async_run_command(
        entry.runtime_data.command_target,
        lambda: update_dry_contact(entry.runtime_data, contact_id, settings),
    )


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
