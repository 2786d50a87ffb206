"""Diagnostics: the entry, granted scopes, the budget and every site's data, redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.core import HomeAssistant

from ..energy_bridges_common.hass.diagnostics import entry_diagnostics, redact
from .budget import projected_monthly_calls, projected_monthly_cost
from .coordinator import TeslaEnergyConfigEntry

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
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: TeslaEnergyConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for an entry."""
    runtime = entry.runtime_data
    token = entry.data.get("token", {})
    secrets = [token.get("access_token"), token.get("refresh_token"), token.get("id_token")]
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
                "data": runtime.usage.data,
                "commands": runtime.usage.commands,
                "unbilled": runtime.usage.unbilled,
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
