"""Actions: the tariff, the three histories and every command with explicit fields."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, tzinfo
from functools import partial
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
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.util import dt as dt_util
import probatio as vol

from .api import ExportRule, OperationMode, SiteInfo
from .api.tariff import validate_tariff
from .const import ATTR_DEVICE_ID, DOMAIN
from .coordinator import TeslaEnergyConfigEntry, TeslaEnergySiteData
from .helpers import async_run_command, async_run_read, async_translate_error, require_command_scope

ATTR_TARIFF = "tariff"
ATTR_START = "start"
ATTR_END = "end"
ATTR_PERIOD = "period"
ATTR_PERCENT = "percent"
ATTR_MODE = "mode"
ATTR_ENABLED = "enabled"
ATTR_ALLOW_CHARGE_FROM_GRID = "allow_charge_from_grid"
ATTR_EXPORT_RULE = "export_rule"

SERVICE_SET_TIME_OF_USE = "set_time_of_use"
SERVICE_GET_ENERGY_HISTORY = "get_energy_history"
SERVICE_GET_BACKUP_HISTORY = "get_backup_history"
SERVICE_GET_CHARGE_HISTORY = "get_charge_history"
SERVICE_SET_BACKUP_RESERVE = "set_backup_reserve"
SERVICE_SET_OPERATION_MODE = "set_operation_mode"
SERVICE_SET_STORM_WATCH = "set_storm_watch"
SERVICE_SET_GRID_IMPORT_EXPORT = "set_grid_import_export"
SERVICE_SET_OFF_GRID_RESERVE = "set_off_grid_vehicle_charging_reserve"

HISTORY_PERIODS = ["day", "week", "month", "year", "lifetime"]

_DEVICE: dict[Any, Any] = {vol.Required(ATTR_DEVICE_ID): cv.string}
_PERCENT = vol.All(vol.Coerce(int), vol.Range(min=0, max=100))
_RANGE: dict[Any, Any] = {
    vol.Required(ATTR_START): cv.datetime,
    vol.Optional(ATTR_END): cv.datetime,
}

SCHEMAS: dict[str, vol.Schema] = {
    SERVICE_SET_TIME_OF_USE: vol.Schema({**_DEVICE, vol.Required(ATTR_TARIFF): dict}),
    SERVICE_GET_ENERGY_HISTORY: vol.Schema(
        {**_DEVICE, **_RANGE, vol.Optional(ATTR_PERIOD, default="day"): vol.In(HISTORY_PERIODS)}
    ),
    SERVICE_GET_BACKUP_HISTORY: vol.Schema(
        {**_DEVICE, **_RANGE, vol.Optional(ATTR_PERIOD, default="day"): vol.In(HISTORY_PERIODS)}
    ),
    SERVICE_GET_CHARGE_HISTORY: vol.Schema({**_DEVICE, **_RANGE}),
    SERVICE_SET_BACKUP_RESERVE: vol.Schema({**_DEVICE, vol.Required(ATTR_PERCENT): _PERCENT}),
    SERVICE_SET_OPERATION_MODE: vol.Schema(
        {**_DEVICE, vol.Required(ATTR_MODE): vol.In([m.value for m in OperationMode])}
    ),
    SERVICE_SET_STORM_WATCH: vol.Schema({**_DEVICE, vol.Required(ATTR_ENABLED): cv.boolean}),
    SERVICE_SET_GRID_IMPORT_EXPORT: vol.Schema(
        {
            **_DEVICE,
            vol.Optional(ATTR_ALLOW_CHARGE_FROM_GRID): cv.boolean,
            vol.Optional(ATTR_EXPORT_RULE): vol.In([r.value for r in ExportRule]),
        }
    ),
    SERVICE_SET_OFF_GRID_RESERVE: vol.Schema({**_DEVICE, vol.Required(ATTR_PERCENT): _PERCENT}),
}


def _resolve(
    hass: HomeAssistant, call: ServiceCall
) -> tuple[TeslaEnergyConfigEntry, TeslaEnergySiteData]:
    """Return the loaded entry and the site of the device the action names."""
    device_id = call.data[ATTR_DEVICE_ID]
    device = dr.async_get(hass).async_get(device_id)
    site_ids = [
        int(identifier)
        for domain, identifier in (device.identifiers if device else ())
        if domain == DOMAIN and identifier.isdigit()
    ]
    if device is None or not site_ids:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_device",
            translation_placeholders={"device_id": device_id},
        )
    entry: TeslaEnergyConfigEntry | None = hass.config_entries.async_get_entry(
        device.config_entry_id
    )
    if (
        entry is not None
        and entry.domain == DOMAIN
        and entry.state is ConfigEntryState.LOADED
        and (site := entry.runtime_data.sites.get(site_ids[0])) is not None
    ):
        return entry, site
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="entry_not_loaded",
        translation_placeholders={"device": device.name or device_id},
    )


def _range(call: ServiceCall, zone: tzinfo) -> tuple[datetime, datetime]:
    """Return the asked range in the site's time zone (naive times are the site's)."""

    def local(value: datetime) -> datetime:
        return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)

    start = local(call.data[ATTR_START])
    end = local(call.data.get(ATTR_END) or dt_util.utcnow())
    if end <= start:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="invalid_range")
    return start, end


def _zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


async def _set_time_of_use(hass: HomeAssistant, call: ServiceCall) -> None:
    entry, site = _resolve(hass, call)
    require_command_scope(entry)
    tariff = call.data[ATTR_TARIFF]
    try:
        # Checked before any call: a broken tariff costs nothing and changes nothing.
        validate_tariff(tariff)
    except ValueError as err:
        raise await async_translate_error(hass, entry, err) from err
    client = entry.runtime_data.client
    await async_run_command(
        hass,
        entry,
        site,
        lambda: client.async_set_time_of_use(site.site_id, tariff),
        expected=lambda info: replace(info, tariff=tariff),
    )


async def _get_energy_history(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry, site = _resolve(hass, call)
    zone = site.info.time_zone
    start, end = _range(call, zone)
    client = entry.runtime_data.client
    intervals = await async_run_read(
        hass,
        entry,
        lambda: client.async_energy_history(
            site.site_id, start, end, _zone_name(zone), call.data[ATTR_PERIOD]
        ),
    )
    totals: dict[str, Any] = {}
    for interval in intervals:
        for flow, value in interval.flows.items():
            totals[flow] = round(totals.get(flow, 0.0) + value, 2)
    return {
        "site": site.site.name,
        "time_zone": _zone_name(zone),
        "unit": "Wh",
        "totals": totals,
        "intervals": [
            {
                "start": interval.start.isoformat(),
                **{k: round(v, 2) for k, v in interval.flows.items()},
            }
            for interval in intervals
        ],
    }


async def _get_backup_history(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry, site = _resolve(hass, call)
    zone = site.info.time_zone
    start, end = _range(call, zone)
    client = entry.runtime_data.client
    events = await async_run_read(
        hass,
        entry,
        lambda: client.async_backup_history(
            site.site_id, start, end, _zone_name(zone), call.data[ATTR_PERIOD]
        ),
    )
    return {
        "site": site.site.name,
        "total_events": len(events),
        "total_seconds": round(sum(e.duration.total_seconds() for e in events)),
        "events": [
            {"start": e.start.isoformat(), "duration_seconds": round(e.duration.total_seconds())}
            for e in events
        ],
    }


async def _get_charge_history(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry, site = _resolve(hass, call)
    zone = site.info.time_zone
    start, end = _range(call, zone)
    client = entry.runtime_data.client
    sessions = await async_run_read(
        hass,
        entry,
        lambda: client.async_charge_history(site.site_id, start, end, _zone_name(zone)),
    )
    return {
        "site": site.site.name,
        "total_energy_wh": round(sum(s.energy_added for s in sessions), 1),
        "sessions": [
            {
                "start": s.start.isoformat(),
                "duration_seconds": round(s.duration.total_seconds()),
                "energy_added_wh": s.energy_added,
            }
            for s in sessions
        ],
    }


async def _command(
    hass: HomeAssistant,
    call: ServiceCall,
    send: Callable[[TeslaEnergyConfigEntry, TeslaEnergySiteData], Awaitable[None]],
    expected: Callable[[SiteInfo], SiteInfo],
) -> None:
    entry, site = _resolve(hass, call)
    await async_run_command(hass, entry, site, lambda: send(entry, site), expected=expected)


async def _set_backup_reserve(hass: HomeAssistant, call: ServiceCall) -> None:
    percent = call.data[ATTR_PERCENT]
    await _command(
        hass,
        call,
        lambda entry, site: entry.runtime_data.client.async_set_backup_reserve(
            site.site_id, percent
        ),
        lambda info: replace(info, backup_reserve=float(percent)),
    )


async def _set_operation_mode(hass: HomeAssistant, call: ServiceCall) -> None:
    mode = OperationMode(call.data[ATTR_MODE])
    await _command(
        hass,
        call,
        lambda entry, site: entry.runtime_data.client.async_set_operation_mode(site.site_id, mode),
        lambda info: replace(info, operation_mode=mode),
    )


async def _set_storm_watch(hass: HomeAssistant, call: ServiceCall) -> None:
    enabled = call.data[ATTR_ENABLED]
    await _command(
        hass,
        call,
        lambda entry, site: entry.runtime_data.client.async_set_storm_watch(site.site_id, enabled),
        lambda info: replace(info, storm_watch_enabled=enabled),
    )


async def _set_grid_import_export(hass: HomeAssistant, call: ServiceCall) -> None:
    allow = call.data.get(ATTR_ALLOW_CHARGE_FROM_GRID)
    rule = ExportRule(call.data[ATTR_EXPORT_RULE]) if ATTR_EXPORT_RULE in call.data else None
    if allow is None and rule is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="nothing_to_change")

    def expected(info: SiteInfo) -> SiteInfo:
        return replace(
            info,
            allow_charge_from_grid=info.allow_charge_from_grid if allow is None else allow,
            export_rule=info.export_rule if rule is None else rule,
        )

    await _command(
        hass,
        call,
        lambda entry, site: entry.runtime_data.client.async_set_grid_import_export(
            site.site_id, allow_charge_from_grid=allow, export_rule=rule
        ),
        expected,
    )


async def _set_off_grid_reserve(hass: HomeAssistant, call: ServiceCall) -> None:
    percent = call.data[ATTR_PERCENT]
    await _command(
        hass,
        call,
        lambda entry, site: entry.runtime_data.client.async_set_off_grid_vehicle_charging_reserve(
            site.site_id, percent
        ),
        lambda info: replace(info, off_grid_vehicle_charging_reserve=float(percent)),
    )


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions."""
    handlers: dict[
        str, tuple[Callable[[HomeAssistant, ServiceCall], Awaitable[Any]], SupportsResponse]
    ] = {
        SERVICE_SET_TIME_OF_USE: (_set_time_of_use, SupportsResponse.NONE),
        SERVICE_GET_ENERGY_HISTORY: (_get_energy_history, SupportsResponse.ONLY),
        SERVICE_GET_BACKUP_HISTORY: (_get_backup_history, SupportsResponse.ONLY),
        SERVICE_GET_CHARGE_HISTORY: (_get_charge_history, SupportsResponse.ONLY),
        SERVICE_SET_BACKUP_RESERVE: (_set_backup_reserve, SupportsResponse.NONE),
        SERVICE_SET_OPERATION_MODE: (_set_operation_mode, SupportsResponse.NONE),
        SERVICE_SET_STORM_WATCH: (_set_storm_watch, SupportsResponse.NONE),
        SERVICE_SET_GRID_IMPORT_EXPORT: (_set_grid_import_export, SupportsResponse.NONE),
        SERVICE_SET_OFF_GRID_RESERVE: (_set_off_grid_reserve, SupportsResponse.NONE),
    }
    for service, (handler, supports_response) in handlers.items():
        hass.services.async_register(
            DOMAIN,
            service,
            partial(handler, hass),  # type: ignore[arg-type]
            schema=SCHEMAS[service],
            supports_response=supports_response,
        )
