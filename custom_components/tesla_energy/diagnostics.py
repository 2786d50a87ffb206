"""Diagnostics: the entry, granted scopes, the budget and every site's data, redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.core import HomeAssistant

from ..energy_bridges_common.hass.diagnostics import entry_diagnostics, redact
from .api import LiveStatus
from .api.local_models import LOCAL_LIVE_FIELDS, LocalSession
from .budget import projected_monthly_calls, projected_monthly_cost
from .coordinator import TeslaEnergyConfigEntry, TeslaEnergySiteData
from .local_coordinator import CONF_LOCAL, CONF_LOCAL_ACCESS, CONF_LOCAL_PASSWORD, KEY_SESSION

# Ids and addresses that tie the dump to a person or a place.
TO_REDACT = {
    "access_token",
    "refresh_token",
    "id_token",
    "site_id",
    "gateway_id",
    "din",
    "wall_connectors",
    "serial_number",
    "vin",
    "name",
    "site_name",
    "api_url",
    "account_key",
    "installation_date",
    # Local access: the gateway's address and the session it handed out.
    "host",
    "cookies",
}


def _live_sources(site: TeslaEnergySiteData) -> dict[str, str]:
    """Return where each live value comes from now: the gateway on the LAN or the cloud."""
    local = site.local is not None and site.live.local_active
    return {
        name: "local" if local and name in LOCAL_LIVE_FIELDS else "cloud"
        for name in sorted(LiveStatus.__dataclass_fields__)
    }


def _local_secrets(entry: TeslaEnergyConfigEntry) -> list[str | None]:
    """Return the gateway passwords and session values, wherever they might show."""
    found: list[str | None] = [
        access.get(CONF_LOCAL_PASSWORD)
        for access in (entry.options.get(CONF_LOCAL_ACCESS) or {}).values()
        if isinstance(access, dict)
    ]
    for site in (entry.data.get(CONF_LOCAL) or {}).values():
        session = LocalSession.from_dict(site.get(KEY_SESSION)) if isinstance(site, dict) else None
        if session is not None:
            found.append(session.token)
            found.extend(session.cookies.values())
    return found


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: TeslaEnergyConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for an entry."""
    runtime = entry.runtime_data
    token = entry.data.get("token", {})
    secrets = [token.get("access_token"), token.get("refresh_token"), token.get("id_token")]
    secrets.extend(_local_secrets(entry))
    sites = []
    for index, site in enumerate(runtime.sites.values()):
        sites.append(
            {
                "site": f"site {index + 1}",
                "product": asdict(site.site),
                "site_info": asdict(site.info.data) if site.info.data else None,
                "live_status": asdict(site.live.data) if site.live.data else None,
                "history": asdict(site.history.data) if site.history.data else None,
                "intervals": {
                    "live": site.live.update_interval.total_seconds()
                    if site.live.update_interval
                    else None,
                    "info": site.info.update_interval.total_seconds()
                    if site.info.update_interval
                    else None,
                    "history": site.history.update_interval.total_seconds()
                    if site.history.update_interval
                    else None,
                },
                "last_errors": {
                    "live": site.live.last_error,
                    "info": site.info.last_error,
                    "history": site.history.last_error,
                },
                "live_sources": _live_sources(site),
                "local": site.local.diagnostics() if site.local is not None else None,
            }
        )
    result: dict[str, Any] = redact(
        {
            "entry": entry_diagnostics(entry, keys=TO_REDACT),
            "region": entry.data.get("region"),
            "granted_scopes": sorted(runtime.scopes),
            "budget": runtime.budget.as_dict(),
            "projected_monthly_calls": round(projected_monthly_calls(runtime.budget)),
            "projected_monthly_cost_usd": projected_monthly_cost(runtime.budget),
            "calls_today": {
                "data": runtime.budget.today.data,
                "commands": runtime.budget.today.commands,
                "unbilled": runtime.budget.today.unbilled,
            },
            "requests": {
                "sent": runtime.client.http.stats.requests,
                "failures": runtime.client.http.stats.failures,
                "retries": runtime.client.http.stats.retries,
            },
            "sites": sites,
        },
        keys=TO_REDACT,
        secrets=secrets,
    )
    return result
