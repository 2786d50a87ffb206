"""Actions: what no entity can do, the tariff and the three histories.

The settings the entities control (backup reserve, operation mode, Storm Watch, grid import
and export, off-grid reserve) have no actions of their own: the entities' actions do that.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
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

from ..energy_bridges_common.hass.command import async_run_command
from .api import TariffError
from .api.tariff import validate_tariff
from .const import ATTR_DEVICE_ID, DOMAIN
from .coordinator import TeslaEnergyConfigEntry, TeslaEnergySiteData, async_site_time_zone
from .helpers import require_command_scope, tariff_error

ATTR_TARIFF = "tariff"
ATTR_START = "start"
ATTR_END = "end"
ATTR_PERIOD = "period"

SERVICE_SET_TIME_OF_USE = "set_time_of_use"
SERVICE_GET_ENERGY_HISTORY = "get_energy_history"
SERVICE_GET_BACKUP_HISTORY = "get_backup_history"
SERVICE_GET_CHARGE_HISTORY = "get_charge_history"

HISTORY_PERIODS = ["day", "week", "month", "year", "lifetime"]
# The bounds of a history range. Tesla's energy products with a gateway date from 2015 (the
# first Powerwall): nothing is older. A year per call keeps a reply of five-minute steps to
# about 105,000 points; longer spans are asked in several calls. A day ahead allows for a
# site whose day has already begun.
HISTORY_EARLIEST = datetime(2015, 1, 1, tzinfo=UTC)
HISTORY_MAX_SPAN = timedelta(days=366)
HISTORY_MAX_AHEAD = timedelta(days=1)

_DEVICE: dict[Any, Any] = {vol.Required(ATTR_DEVICE_ID): cv.string}
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
        try:
            moment = value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)
            # Years 1 and 9999 overflow here, or later in the request: refuse them now.
            moment.astimezone(UTC)
        except OverflowError, ValueError:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="history_date_out_of_range",
                translation_placeholders={"date": value.isoformat()},
            ) from None
        return moment

    start = local(call.data[ATTR_START])
    end = local(call.data.get(ATTR_END) or dt_util.utcnow())
    if end <= start:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="invalid_range")
    if start < HISTORY_EARLIEST:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="history_too_early",
            translation_placeholders={"earliest": HISTORY_EARLIEST.date().isoformat()},
        )
    if end > dt_util.utcnow() + HISTORY_MAX_AHEAD:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="history_in_future")
    if end - start > HISTORY_MAX_SPAN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="history_too_long",
            translation_placeholders={"days": str(HISTORY_MAX_SPAN.days)},
        )
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
    except TariffError as err:
        raise tariff_error(err) from err
    client = entry.runtime_data.client

    async def send() -> None:
        await client.async_set_time_of_use(site.site_id, tariff)
        if site.info.data is not None:
            # Shown at once, and kept when the read-back cannot be afforded.
            site.info.async_set_updated_data(replace(site.info.data, tariff=tariff))

    await async_run_command(site.command, send)


async def _get_energy_history(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry, site = _resolve(hass, call)
    zone = await async_site_time_zone(site.info.data)
    start, end = _range(call, zone)
    client = entry.runtime_data.client
    intervals = await async_run_command(
        site.command,
        lambda: client.async_energy_history(
            site.site_id, start, end, _zone_name(zone), call.data[ATTR_PERIOD]
        ),
        read_back=False,
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
    zone = await async_site_time_zone(site.info.data)
    start, end = _range(call, zone)
    client = entry.runtime_data.client
    events = await async_run_command(
        site.command,
        lambda: client.async_backup_history(
            site.site_id, start, end, _zone_name(zone), call.data[ATTR_PERIOD]
        ),
        read_back=False,
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
    zone = await async_site_time_zone(site.info.data)
    start, end = _range(call, zone)
    client = entry.runtime_data.client
    sessions = await async_run_command(
        site.command,
        lambda: client.async_charge_history(site.site_id, start, end, _zone_name(zone)),
        read_back=False,
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
    }
    for service, (handler, supports_response) in handlers.items():
        hass.services.async_register(
            DOMAIN,
            service,
            partial(handler, hass),  # type: ignore[arg-type]
            schema=SCHEMAS[service],
            supports_response=supports_response,
        )
