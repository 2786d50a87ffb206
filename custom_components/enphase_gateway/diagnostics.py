"""Diagnostics: capabilities, what was read, token lifetime; raw endpoint replies on request."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.core import HomeAssistant

from ..energy_bridges_common.client.errors import BridgeApiError
from ..energy_bridges_common.hass.diagnostics import entry_diagnostics, redact
from .const import OPTION_DIAGNOSTICS_RAW
from .coordinator import EnphaseConfigEntry

KEYS = {"sn", "serial_num", "serialNumber", "euaid", "mac", "ip", "host", "configuration_url"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: EnphaseConfigEntry
) -> dict[str, Any]:
    """Return the diagnostics, with serials and secrets redacted."""
    runtime = entry.runtime_data
    client = runtime.client
    token = client.token_info
    serials = [client.info.serial if client.info else None]
    data = runtime.gateway.data
    serials += [*data.inverters, *data.batteries]
    if data.system_controller is not None:
        serials.append(data.system_controller.serial)
    result: dict[str, Any] = {
        "entry": entry_diagnostics(entry, keys=KEYS),
        "firmware": client.info.firmware if client.info else None,
        "scheme": (client.base_url or "").split(":", 1)[0],
        "capabilities": asdict(runtime.poller.capabilities),
        "token": None
        if token is None
        else {
            "expires_at": token.expires_at,
            "issued_at": token.issued_at,
            "user_type": token.user_type,
        },
        "coordinators": {
            name: {
                "interval": coordinator.update_interval.total_seconds()
                if coordinator.update_interval
                else None,
                "last_success": coordinator.last_success.isoformat()
                if coordinator.last_success
                else None,
                "consecutive_failures": coordinator.consecutive_failures,
                "last_error": coordinator.last_error,
            }
            for name, coordinator in (("gateway", runtime.gateway), ("meters", runtime.meters))
            if coordinator is not None
        },
        "section_errors": dict(runtime.poller.section_errors),
        "requests": client.stats,
        # Lists, not dicts keyed by serial: keys are not redacted.
        "data": {
            **asdict(data),
            "inverters": [asdict(i) for i in data.inverters.values()],
            "batteries": [asdict(b) for b in data.batteries.values()],
        },
        "meters": asdict(runtime.meters.data) if runtime.meters else None,
    }
    if entry.options.get(OPTION_DIAGNOSTICS_RAW):
        raw: dict[str, Any] = {}
        for endpoint in runtime.poller.capabilities.endpoints():
            try:
                raw[endpoint] = await client.get_raw(endpoint)
            except BridgeApiError as err:
                raw[endpoint] = {"error": str(err)}
        result["raw"] = raw
    secrets = [client.token, client.password, *serials]
    # Some replies (the ensemble status) key their devices by serial: rename those keys.
    keyed = {s for s in serials if s}
    return redact(_rename_keys(result, keyed), keys=KEYS, secrets=secrets)  # type: ignore[no-any-return]


def _rename_keys(value: Any, serials: set[str]) -> Any:
    if isinstance(value, dict):
        renamed: dict[str, Any] = {}
        for key, item in value.items():
            name = f"**REDACTED_{len(renamed)}**" if key in serials else key
            renamed[name] = _rename_keys(item, serials)
        return renamed
    if isinstance(value, list):
        return [_rename_keys(item, serials) for item in value]
    return value
