"""Actions: the cloud-only features (Wi-Fi, timers, RFID, OCPP, power profiles, statistics).

Every action names a charger by its device; the data-retrieval actions fire the seed's events
and also return their payload as response data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, time
import math
from typing import Any
from urllib.parse import urlsplit

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

from ..energy_bridges_common.client.lan import LanAddressError, check_lan_ip
from ..energy_bridges_common.hass.command import async_run_command
from ..energy_bridges_common.hass.validators import finite_number, strict_boolean
from .api import ChargerSetting
from .const import (
    DOMAIN,
    EVENT_DEVICE_STATISTICS,
    EVENT_GLOBAL_STATISTICS,
    EVENT_POWER_PROFILES,
    EVENT_WIFI_SCAN,
)
from .coordinator import V2CChargerCoordinator, V2CConfigEntry
from .helpers import account_command_target, charger_command_target

ATTR_DEVICE_ID = "device_id"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"


def _lan_ip(value: Any) -> str:
    text = cv.string(value).strip()
    try:
        check_lan_ip(text)
    except LanAddressError as err:
        raise vol.Invalid(f"not a private LAN address ({err.reason})") from err
    return text


def _ocpp_url(value: Any) -> str:
    text = cv.string(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("ws", "wss", "http", "https") or not parts.hostname:
        raise vol.Invalid("expected a ws://, wss://, http:// or https:// address")
    return text


def _wifi_password(value: Any) -> str:
    text = cv.string(value)
    if text and not 8 <= len(text) <= 63:
        raise vol.Invalid("a Wi-Fi password has 8 to 63 characters (or none for open networks)")
    return text


_RFID_CODE = vol.All(cv.string, vol.Strip, vol.Match(r"^[0-9A-Za-z:\-]{4,32}$"))
_LABEL = vol.All(cv.string, vol.Strip, vol.Length(min=1, max=40))
_ENERGY = finite_number(0.1, 200)
_MINUTES = finite_number(1, 1440, integer=True)
_PROFILE_NAME = vol.All(cv.string, vol.Strip, vol.Length(min=1, max=64))
_UPDATED_AT = vol.All(cv.string, vol.Strip, vol.Length(min=1, max=64))

_DEVICE: dict[Any, Any] = {vol.Required(ATTR_DEVICE_ID): cv.string}


def _schema(fields: dict[Any, Any] | None = None) -> vol.Schema:
    return vol.Schema({**_DEVICE, **(fields or {})})


type Handler = Callable[[HomeAssistant, V2CChargerCoordinator, ServiceCall], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class _Action:
    schema: Any
    handler: Handler
    response: SupportsResponse = SupportsResponse.NONE


def _event(
    hass: HomeAssistant, event: str, call: ServiceCall, charger: V2CChargerCoordinator, **data: Any
) -> dict[str, Any]:
    payload = {
        "device_id": call.data[ATTR_DEVICE_ID],
        "charger_id": charger.charger_id,
        **data,
    }
    hass.bus.async_fire(event, payload)
    return payload


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


# -- handlers ------------------------------------------------------------------------------------


def _timer_id(value: float) -> int:
    """Return a whole timer slot; 3.9 is refused, never sent as 3."""
    if not math.isfinite(value) or not value.is_integer() or not 1 <= value <= 10:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_timer_id",
            translation_placeholders={"value": str(value)},
        )
    return int(value)


async def _program_timer(hass: HomeAssistant, c: V2CChargerCoordinator, call: ServiceCall) -> None:
    timer_id = _timer_id(call.data["timer_id"])
    await c.charger.cloud.program_timer(
        c.charger_id,
        timer_id,
        _hhmm(call.data["start_time"]),
        _hhmm(call.data["end_time"]),
        call.data["active"],
    )


async def _ocpp_enabled(hass: HomeAssistant, c: V2CChargerCoordinator, call: ServiceCall) -> None:
    enabled: bool = call.data["enabled"]
    await c.charger.cloud.set_ocpp_enabled(c.charger_id, enabled)
    c.async_cloud_took(ocpp_enabled=enabled)


async def _create_profile(
    hass: HomeAssistant, c: V2CChargerCoordinator, call: ServiceCall
) -> dict[str, Any]:
    updated_at = call.data.get("updated_at") or dt_util.utcnow().strftime("%Y-%m-%dT%H:%M:%S")
    name = call.data["name"]
    await c.charger.cloud.save_power_profile(c.charger_id, name, updated_at, call.data["profile"])
    return {"device_id": call.data[ATTR_DEVICE_ID], "name": name, "updated_at": updated_at}


async def _get_profile(
    hass: HomeAssistant, c: V2CChargerCoordinator, call: ServiceCall
) -> dict[str, Any]:
    updated_at = call.data["updated_at"]
    profile = await c.charger.cloud.power_profile(c.charger_id, updated_at)
    return _event(hass, EVENT_POWER_PROFILES, call, c, profile=profile, timestamp=updated_at)


async def _list_profiles(
    hass: HomeAssistant, c: V2CChargerCoordinator, call: ServiceCall
) -> dict[str, Any]:
    profiles = await c.charger.cloud.power_profiles(c.charger_id)
    return _event(hass, EVENT_POWER_PROFILES, call, c, profiles=profiles)


async def _device_statistics(
    hass: HomeAssistant, c: V2CChargerCoordinator, call: ServiceCall
) -> dict[str, Any]:
    start, end = _iso(call.data.get("start_date")), _iso(call.data.get("end_date"))
    statistics = await c.charger.cloud.device_statistics(c.charger_id, start, end)
    return _event(
        hass,
        EVENT_DEVICE_STATISTICS,
        call,
        c,
        date_start=start,
        date_end=end,
        statistics=statistics,
    )


async def _scan_wifi(
    hass: HomeAssistant, c: V2CChargerCoordinator, call: ServiceCall
) -> dict[str, Any]:
    networks = await c.charger.cloud.wifi_networks(c.charger_id)
    return _event(hass, EVENT_WIFI_SCAN, call, c, networks=networks)


def _dates_in_order(data: dict[str, Any]) -> dict[str, Any]:
    start, end = data.get("start_date"), data.get("end_date")
    if start is not None and end is not None and start > end:
        raise vol.Invalid("start_date is after end_date")
    return data


_PROFILE = vol.All(dict, vol.Length(min=1))

ACTIONS: dict[str, _Action] = {
    "set_wifi_credentials": _Action(
        _schema(
            {
                vol.Required("ssid"): vol.All(cv.string, vol.Length(min=1, max=32)),
                vol.Required("password"): _wifi_password,
            }
        ),
        lambda hass, c, call: c.charger.cloud.set_wifi(
            c.charger_id, call.data["ssid"], call.data["password"]
        ),
    ),
    "program_timer": _Action(
        _schema(
            {
                # A float here: a fraction is refused with a translated error, not truncated.
                vol.Required("timer_id"): vol.Coerce(float),
                vol.Required("start_time"): cv.time,
                vol.Required("end_time"): cv.time,
                vol.Optional("active", default=True): strict_boolean,
            }
        ),
        _program_timer,
    ),
    "set_ocpp_enabled": _Action(_schema({vol.Required("enabled"): strict_boolean}), _ocpp_enabled),
    "set_ocpp_id": _Action(
        _schema({vol.Required("ocpp_id"): vol.All(cv.string, vol.Length(min=1, max=64))}),
        lambda hass, c, call: c.charger.cloud.set_ocpp_id(c.charger_id, call.data["ocpp_id"]),
    ),
    "set_ocpp_address": _Action(
        _schema({vol.Required("address"): _ocpp_url}),
        lambda hass, c, call: c.charger.cloud.set_ocpp_address(c.charger_id, call.data["address"]),
    ),
    "set_inverter_ip": _Action(
        _schema({vol.Required("inverter_ip"): _lan_ip}),
        lambda hass, c, call: c.charger.cloud.set_inverter_ip(
            c.charger_id, call.data["inverter_ip"]
        ),
    ),
    "set_installation_voltage": _Action(
        _schema({vol.Required("voltage"): finite_number(100, 450, integer=True)}),
        lambda hass, c, call: c.charger.write(
            ChargerSetting.INSTALLATION_VOLTAGE, call.data["voltage"]
        ),
    ),
    "trigger_update": _Action(_schema(), lambda hass, c, call: c.charger.trigger_update()),
    "register_rfid": _Action(
        _schema({vol.Required("tag"): _LABEL}),
        lambda hass, c, call: c.charger.cloud.register_rfid(c.charger_id, call.data["tag"]),
    ),
    "add_rfid_card": _Action(
        _schema({vol.Required("code"): _RFID_CODE, vol.Required("tag"): _LABEL}),
        lambda hass, c, call: c.charger.cloud.add_rfid_card(
            c.charger_id, call.data["code"], call.data["tag"]
        ),
    ),
    "update_rfid_tag": _Action(
        _schema({vol.Required("code"): _RFID_CODE, vol.Required("tag"): _LABEL}),
        lambda hass, c, call: c.charger.cloud.rename_rfid_card(
            c.charger_id, call.data["code"], call.data["tag"]
        ),
    ),
    "delete_rfid": _Action(
        _schema({vol.Required("code"): _RFID_CODE}),
        lambda hass, c, call: c.charger.cloud.delete_rfid_card(c.charger_id, call.data["code"]),
    ),
    "set_charge_stop_energy": _Action(
        _schema({vol.Required("energy"): _ENERGY}),
        lambda hass, c, call: c.charger.cloud.set_charge_stop_energy(
            c.charger_id, call.data["energy"]
        ),
    ),
    "set_charge_stop_minutes": _Action(
        _schema({vol.Required("minutes"): _MINUTES}),
        lambda hass, c, call: c.charger.cloud.set_charge_stop_minutes(
            c.charger_id, call.data["minutes"]
        ),
    ),
    "start_charge_for_energy": _Action(
        _schema({vol.Required("energy"): _ENERGY}),
        lambda hass, c, call: c.charger.cloud.start_charge_for_energy(
            c.charger_id, call.data["energy"]
        ),
    ),
    "start_charge_for_minutes": _Action(
        _schema({vol.Required("minutes"): _MINUTES}),
        lambda hass, c, call: c.charger.cloud.start_charge_for_minutes(
            c.charger_id, call.data["minutes"]
        ),
    ),
    "create_power_profile": _Action(
        _schema(
            {
                vol.Required("name"): _PROFILE_NAME,
                vol.Optional("updated_at"): _UPDATED_AT,
                vol.Required("profile"): _PROFILE,
            }
        ),
        _create_profile,
        SupportsResponse.OPTIONAL,
    ),
    "update_power_profile": _Action(
        _schema(
            {
                vol.Required("name"): _PROFILE_NAME,
                vol.Required("updated_at"): _UPDATED_AT,
                vol.Required("profile"): _PROFILE,
            }
        ),
        lambda hass, c, call: c.charger.cloud.update_power_profile(
            c.charger_id, call.data["name"], call.data["updated_at"], call.data["profile"]
        ),
    ),
    "get_power_profile": _Action(
        _schema({vol.Required("updated_at"): _UPDATED_AT}),
        _get_profile,
        SupportsResponse.OPTIONAL,
    ),
    "delete_power_profile": _Action(
        _schema({vol.Required("name"): _PROFILE_NAME, vol.Required("updated_at"): _UPDATED_AT}),
        lambda hass, c, call: c.charger.cloud.delete_power_profile(
            c.charger_id, call.data["name"], call.data["updated_at"]
        ),
    ),
    "list_power_profiles": _Action(_schema(), _list_profiles, SupportsResponse.OPTIONAL),
    "get_device_statistics": _Action(
        vol.All(
            _schema({vol.Optional("start_date"): cv.date, vol.Optional("end_date"): cv.date}),
            _dates_in_order,
        ),
        _device_statistics,
        SupportsResponse.OPTIONAL,
    ),
    "scan_wifi_networks": _Action(_schema(), _scan_wifi, SupportsResponse.OPTIONAL),
}

GLOBAL_STATISTICS_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
            vol.Optional("start_date"): cv.date,
            vol.Optional("end_date"): cv.date,
        }
    ),
    _dates_in_order,
)


def _charger_for(hass: HomeAssistant, device_id: str) -> V2CChargerCoordinator:
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="device_not_found",
            translation_placeholders={"device_id": device_id},
        )
    charger_ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
    # A device belongs to one config entry (config_entry_id; the config_entries set is
    # deprecated and goes in Home Assistant 2027.10).
    entry: V2CConfigEntry | None = hass.config_entries.async_get_entry(device.config_entry_id)
    if entry is not None and entry.domain == DOMAIN:
        if entry.state is not ConfigEntryState.LOADED:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_loaded",
                translation_placeholders={"entry": entry.title},
            )
        for charger_id in charger_ids:
            if (charger := entry.runtime_data.chargers.get(charger_id)) is not None:
                return charger
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="not_a_charger",
        translation_placeholders={"device_id": device_id},
    )


def _entry_for(hass: HomeAssistant, entry_id: str | None) -> V2CConfigEntry:
    entries: list[V2CConfigEntry] = [
        e
        for e in hass.config_entries.async_loaded_entries(DOMAIN)
        if entry_id is None or e.entry_id == entry_id
    ]
    if len(entries) != 1:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_required" if len(entries) > 1 else "entry_not_loaded",
            translation_placeholders={"entry": entry_id or ""},
        )
    return entries[0]


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every action."""
    for name, action in ACTIONS.items():

        async def _handle(call: ServiceCall, action: _Action = action) -> ServiceResponse:
            charger = _charger_for(hass, call.data[ATTR_DEVICE_ID])
            result = await async_run_command(
                charger_command_target(charger),
                lambda: action.handler(hass, charger, call),
                # A read the user asked for changes nothing to read back.
                read_back=action.response is SupportsResponse.NONE,
            )
            if action.response is SupportsResponse.NONE or not call.return_response:
                return None
            response: ServiceResponse = result
            return response

        hass.services.async_register(
            DOMAIN, name, _handle, schema=action.schema, supports_response=action.response
        )

    async def _global_statistics(call: ServiceCall) -> ServiceResponse:
        entry = _entry_for(hass, call.data.get(ATTR_CONFIG_ENTRY_ID))
        start, end = _iso(call.data.get("start_date")), _iso(call.data.get("end_date"))
        client = entry.runtime_data.client
        statistics = await async_run_command(
            account_command_target(hass, entry),
            lambda: client.global_statistics(start, end),
            read_back=False,
        )
        payload = {
            "config_entry_id": entry.entry_id,
            "date_start": start,
            "date_end": end,
            "statistics": statistics,
        }
        hass.bus.async_fire(EVENT_GLOBAL_STATISTICS, payload)
        return payload if call.return_response else None

    hass.services.async_register(
        DOMAIN,
        "get_global_statistics",
        _global_statistics,
        schema=GLOBAL_STATISTICS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
