"""Diagnostics: the budget, the latest RateLimit values, and where every value came from."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant

from ..energy_bridges_common.hass.diagnostics import entry_diagnostics, redact
from .const import CONF_CHARGER_HOSTS
from .coordinator import V2CChargerCoordinator, V2CConfigEntry

TO_REDACT = {CONF_API_KEY, CONF_CHARGER_HOSTS, "ip_address", "wifi_info", "ocpp_addr", "host"}


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _charger(coordinator: V2CChargerCoordinator) -> dict[str, Any]:
    snapshot = coordinator.data
    lan = coordinator.lan
    return {
        "pairing": asdict(coordinator.pairing),
        "lan": None
        if lan is None
        else {
            "host": lan.address,
            "interval_seconds": coordinator.base_interval.total_seconds(),
            "current_interval_seconds": None
            if coordinator.update_interval is None
            else coordinator.update_interval.total_seconds(),
            "unsupported_reads": sorted(lan.unsupported_reads),
            "requests": lan.http.stats.requests,
            "failures": lan.http.stats.failures,
            "address_from_options": coordinator.address_overridden,
        },
        "last_update_success": coordinator.last_update_success,
        "consecutive_failures": coordinator.consecutive_failures,
        "last_error": coordinator.last_error,
        "source": None if snapshot is None or snapshot.source is None else snapshot.source.value,
        "lan_updated": None if snapshot is None else _iso(snapshot.lan_updated),
        "cloud_updated": None if snapshot is None else _iso(snapshot.cloud_updated),
        "value_sources": {}
        if snapshot is None
        else {name: source.value for name, source in snapshot.sources.items()},
        "values": None
        if snapshot is None or snapshot.realtime is None
        else asdict(snapshot.realtime),
        "cloud_settings": None
        if snapshot is None or snapshot.cloud is None
        else {k: v for k, v in asdict(snapshot.cloud).items() if k not in ("realtime", "raw")},
        "cloud_raw": None if snapshot is None or snapshot.cloud is None else snapshot.cloud.raw,
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: V2CConfigEntry
) -> dict[str, Any]:
    """Return the entry's diagnostics, redacted."""
    runtime = entry.runtime_data
    cloud = runtime.cloud
    rate_limit = runtime.client.rate_limit
    data = {
        "entry": entry_diagnostics(entry, keys=TO_REDACT),
        "cloud": {
            "last_update_success": cloud.last_update_success,
            "interval_seconds": None
            if cloud.update_interval is None
            else cloud.update_interval.total_seconds(),
            "last_error": cloud.last_error,
            "rate_limit": None if rate_limit is None else asdict(rate_limit),
            "requests": runtime.client.http.stats.requests,
            "requests_by_path": dict(runtime.client.http.stats.by_path),
            "pairings_refreshed": _iso(runtime.pairings.refreshed),
            "errors": {} if cloud.data is None else dict(cloud.data.errors),
        },
        "budget": runtime.budget.as_dict(),
        "chargers": {cid: _charger(c) for cid, c in runtime.chargers.items()},
    }
    return dict(redact(data, keys=TO_REDACT, secrets=[entry.data.get(CONF_API_KEY)]))
