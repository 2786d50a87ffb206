"""The actions of the Powervault integration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import probatio as vol

from .api import DEFAULT_OVERRIDE_SECONDS, VALID_PERIODS, VALID_STATES
from .const import DOMAIN, MAX_OVERRIDE_DURATION, MAX_START_AHEAD, START_GRACE
from .coordinator import PowervaultConfigEntry
from .helpers import async_cancel_override, async_run_command

SERVICE_SET_BATTERY_STATE = "set_battery_state"
SERVICE_CANCEL_OVERRIDE = "cancel_override"
SERVICE_GET_DATA = "get_data"

ATTR_STATE = "state"
ATTR_DURATION = "duration"
ATTR_START = "start"
ATTR_PERIOD = "period"

MIN_DURATION = timedelta(minutes=1)

_ENTRY: dict[vol.Marker, Any] = {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string}


@dataclass(frozen=True, slots=True)
class _OutOfRange:
    """A duration no ``timedelta`` can hold (1e30 days, inf, nan): refused by the action."""

    text: str


def _time_period(value: Any) -> timedelta | _OutOfRange:
    """Read a duration as Home Assistant does, without its OverflowError on huge values.

    The action itself refuses what is out of range, with a translated message.
    """
    try:
        period: timedelta = cv.time_period(value)
    except OverflowError, ValueError, vol.Invalid:
        return _OutOfRange(str(value))
    return period


SET_BATTERY_STATE_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required(ATTR_STATE): cv.string,
        vol.Optional(
            ATTR_DURATION, default=timedelta(seconds=DEFAULT_OVERRIDE_SECONDS)
        ): _time_period,
        vol.Optional(ATTR_START): cv.datetime,
    }
)
CANCEL_OVERRIDE_SCHEMA = vol.Schema(_ENTRY)
GET_DATA_SCHEMA = vol.Schema({**_ENTRY, vol.Required(ATTR_PERIOD): cv.string})


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _loaded_entry(hass: HomeAssistant, call: ServiceCall) -> PowervaultConfigEntry:
    entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
    entry: PowervaultConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise _invalid("entry_not_found", entry_id=entry_id)
    if entry.state is not ConfigEntryState.LOADED:
        raise _invalid("entry_not_loaded", title=entry.title)
    return entry


def _state(value: str) -> str:
    state = value.strip().lower().replace("_", "-")
    if state not in VALID_STATES:
        raise _invalid("invalid_state", state=value, valid=", ".join(VALID_STATES))
    return state


def _start(value: datetime | None, now: datetime) -> datetime | None:
    if value is None:
        return None
    try:
        start = dt_util.as_utc(value)
    except OverflowError:
        # Year 9999 or 1 in a zone that moves it past datetime's range.
        if value.year < now.year:
            raise _invalid("start_in_past", start=value.isoformat()) from None
        raise _invalid(
            "start_too_far", start=value.isoformat(), days=str(MAX_START_AHEAD.days)
        ) from None
    if start < now - START_GRACE:
        raise _invalid("start_in_past", start=value.isoformat())
    if start > now + MAX_START_AHEAD:
        raise _invalid("start_too_far", start=value.isoformat(), days=str(MAX_START_AHEAD.days))
    return max(start, now)


def _duration(value: timedelta | _OutOfRange) -> timedelta:
    if isinstance(value, _OutOfRange) or not MIN_DURATION <= value <= MAX_OVERRIDE_DURATION:
        shown = value.text if isinstance(value, _OutOfRange) else str(value)
        raise _invalid("invalid_duration", duration=shown, max_days=str(MAX_OVERRIDE_DURATION.days))
    return value


async def _async_set_battery_state(call: ServiceCall) -> None:
    entry = _loaded_entry(call.hass, call)
    now = dt_util.utcnow()
    state = _state(call.data[ATTR_STATE])
    duration = _duration(call.data[ATTR_DURATION])
    start = _start(call.data.get(ATTR_START), now)
    runtime = entry.runtime_data
    await async_run_command(
        entry,
        lambda: runtime.client.set_battery_state(
            runtime.unit_id, state, duration=duration, start=start, now=now
        ),
    )


async def _async_cancel_override(call: ServiceCall) -> None:
    entry = _loaded_entry(call.hass, call)
    await async_cancel_override(entry)


async def _async_get_data(call: ServiceCall) -> ServiceResponse:
    entry = _loaded_entry(call.hass, call)
    period = call.data[ATTR_PERIOD]
    if period not in VALID_PERIODS:
        raise _invalid("invalid_period", period=period, valid=", ".join(VALID_PERIODS))
    runtime = entry.runtime_data
    client = runtime.client
    records: list[dict[str, Any]]
    if client.is_local:
        samples = await async_run_command(
            entry, lambda: client.get_history(period, dt_util.utcnow()), refresh=False
        )
        records = [sample.as_dict() for sample in samples]
    else:
        buckets = await async_run_command(
            entry, lambda: client.get_data(runtime.unit_id, period), refresh=False
        )
        records = [bucket.as_dict() for bucket in buckets]
    return {"unit_id": runtime.unit_id, "period": period, "records": records}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, for every entry)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_BATTERY_STATE,
        _async_set_battery_state,
        schema=SET_BATTERY_STATE_SCHEMA,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_CANCEL_OVERRIDE, _async_cancel_override, schema=CANCEL_OVERRIDE_SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_DATA,
        _async_get_data,
        schema=GET_DATA_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
