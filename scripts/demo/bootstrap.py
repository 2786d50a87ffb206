"""Bring a freshly started demo to life: config entries, Energy dashboard, demo dashboard.

Everything goes through Home Assistant's public APIs (config flows, websocket commands), as a
person clicking through the UI would; nothing writes Home Assistant's storage files.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
import logging
from typing import Any

from ha_client import HomeAssistantClient, HomeAssistantError, wait_for
from vendors import BATTERY_IN, BATTERY_OUT, DEVICE, GRID_EXPORT, GRID_IMPORT, SOLAR, Urls, Vendor

_LOGGER = logging.getLogger("demo")

DASHBOARD_URL = "energy-bridges"
DASHBOARD_TITLE = "Energy Bridges"
MAX_FLOW_STEPS = 10


async def _external_step(client: HomeAssistantClient, result: dict[str, Any]) -> None:
    """Complete an OAuth external step against a simulator's auto-approving authorize page."""
    location = await client.get_redirect(result["url"])
    await client.oauth_callback(location)


async def run_flow(client: HomeAssistantClient, vendor: Vendor, urls: Urls) -> dict[str, Any]:
    """Run a vendor's config flow with the demo's answers; return the final result."""
    if vendor.application_credentials is not None:
        await ensure_application_credentials(client, vendor)
    return await drive_flow(client, vendor, urls, await client.start_flow(vendor.domain))


async def drive_flow(
    client: HomeAssistantClient, vendor: Vendor, urls: Urls, result: dict[str, Any]
) -> dict[str, Any]:
    """Answer a flow's steps with the demo's answers until it creates an entry or aborts."""
    for _ in range(MAX_FLOW_STEPS):
        kind = result["type"]
        if kind in ("create_entry", "abort"):
            return result
        flow_id = result["flow_id"]
        if kind == "form":
            step = result["step_id"]
            if result.get("errors"):
                raise HomeAssistantError(
                    f"{vendor.domain}: step {step!r} refused the demo's answer: {result['errors']}"
                )
            if step not in vendor.answers:
                raise HomeAssistantError(f"{vendor.domain}: no demo answer for step {step!r}")
            result = await client.flow_step(flow_id, vendor.answers[step](urls, result))
        elif kind == "menu":
            step = result["step_id"]
            if step not in vendor.answers:
                raise HomeAssistantError(f"{vendor.domain}: no demo answer for menu {step!r}")
            result = await client.flow_step(flow_id, vendor.answers[step](urls, result))
        elif kind == "external":
            await _external_step(client, result)
            result = await client.flow_step(flow_id, {})
        elif kind in ("external_done", "progress_done"):
            result = await client.flow_step(flow_id, {})
        elif kind == "progress":
            result = await wait_for(
                lambda fid=flow_id: _progress_finished(client, fid),
                timeout=60,
                what=f"{vendor.domain} flow progress",
            )
        else:
            raise HomeAssistantError(f"{vendor.domain}: unexpected flow result {kind!r}")
    raise HomeAssistantError(f"{vendor.domain}: the flow did not finish in {MAX_FLOW_STEPS} steps")


async def _progress_finished(client: HomeAssistantClient, flow_id: str) -> dict[str, Any] | None:
    result: dict[str, Any] = await client.request(
        "GET", f"/api/config/config_entries/flow/{flow_id}"
    )
    return None if result["type"] == "progress" else result


async def remove_failed_onboarding_entries(client: HomeAssistantClient) -> list[str]:
    """Remove what onboarding set up that cannot work here (Google Translate needs internet).

    Onboarding adds a few integrations on its own; wait for their flows to finish, then delete
    the entries that failed, as a person would from the integrations page.
    """

    async def flows_done() -> bool:
        flows = await client.ws("config_entries/flow/progress")
        if flows:
            return False
        entries = await client.entries()
        return all(entry["state"] != "setup_in_progress" for entry in entries)

    await wait_for(flows_done, timeout=30, what="onboarding's integrations")
    removed = []
    for entry in await client.entries():
        if entry["source"] == "onboarding" and entry["state"] != "loaded":
            await client.remove_entry(entry["entry_id"])
            removed.append(entry["domain"])
    return removed


async def ensure_application_credentials(client: HomeAssistantClient, vendor: Vendor) -> None:
    """Create the vendor's application credentials once (Settings -> Application credentials)."""
    assert vendor.application_credentials is not None
    existing = await client.ws("application_credentials/list")
    if any(item["domain"] == vendor.domain for item in existing):
        return
    client_id, client_secret = vendor.application_credentials
    await client.ws(
        "application_credentials/create",
        domain=vendor.domain,
        client_id=client_id,
        client_secret=client_secret,
        name=f"{vendor.title} (demo)",
    )


async def ensure_entries(
    client: HomeAssistantClient, vendors: Iterable[Vendor], urls: Mapping[str, Urls]
) -> dict[str, str]:
    """Create one config entry per vendor that has none; return domain -> what happened."""

    async def ensure(vendor: Vendor) -> str:
        if await client.entries(vendor.domain):
            return "kept"
        try:
            result = await run_flow(client, vendor, urls[vendor.domain])
        except HomeAssistantError as err:
            _LOGGER.error("%s: could not add the demo entry: %s", vendor.domain, err)
            return f"failed: {err}"
        if result["type"] == "create_entry":
            return "created"
        _LOGGER.error("%s: the flow aborted: %s", vendor.domain, result.get("reason"))
        return f"aborted: {result.get('reason')}"

    # The vendors' flows are independent: run them side by side.
    vendors = list(vendors)
    outcomes = await asyncio.gather(*(ensure(vendor) for vendor in vendors))
    return {vendor.domain: outcome for vendor, outcome in zip(vendors, outcomes, strict=True)}


async def reauthenticate(
    client: HomeAssistantClient, vendors: Iterable[Vendor], urls: Mapping[str, Urls]
) -> dict[str, str]:
    """Finish the re-authentication Home Assistant asks for, as a person would.

    The simulators start afresh on each run: a cloud that forgot the tokens it issued (Tesla's
    refresh token) refuses them, and Home Assistant starts a reauth flow for the entry.
    """
    domains = {vendor.domain: vendor for vendor in vendors}
    failed = [
        e for e in await client.entries() if e["domain"] in domains and e["state"] == "setup_error"
    ]
    if not failed:
        return {}

    async def reauth_flows() -> list[dict[str, Any]]:
        flows = await client.ws("config_entries/flow/progress")
        return [
            flow
            for flow in flows
            if flow["handler"] in domains and flow["context"].get("source") == "reauth"
        ]

    try:
        flows = await wait_for(reauth_flows, timeout=15, what="re-authentication flows")
    except HomeAssistantError:
        return {}
    outcome: dict[str, str] = {}
    for flow in flows:
        vendor = domains[flow["handler"]]
        current = await client.request("GET", f"/api/config/config_entries/flow/{flow['flow_id']}")
        try:
            result = await drive_flow(client, vendor, urls[vendor.domain], current)
        except HomeAssistantError as err:
            _LOGGER.error("%s: could not re-authenticate: %s", vendor.domain, err)
            outcome[vendor.domain] = f"failed: {err}"
            continue
        outcome[vendor.domain] = str(result.get("reason") or result["type"])
    return outcome


async def wait_entries_loaded(
    client: HomeAssistantClient, domains: Iterable[str], timeout: float = 120
) -> dict[str, str]:
    """Wait until each domain's entries have left the setup states; return domain -> state."""
    domains = list(domains)

    async def settled() -> dict[str, str] | None:
        states: dict[str, str] = {}
        for domain in domains:
            for entry in await client.entries(domain):
                if entry["state"] in ("not_loaded", "setup_in_progress"):
                    return None
                states[domain] = entry["state"]
        return states

    if not domains:
        return {}
    result: dict[str, str] = await wait_for(
        lambda: _present(settled), timeout=timeout, what="config entries to load"
    )
    return result


async def _present(check: Any) -> Any:
    """Adapt a check whose ``None`` means "not yet" (an empty result is an answer)."""
    result = await check()
    return None if result is None else _Answer(result)


class _Answer(dict[str, str]):
    """A result that is truthy even when empty."""

    def __bool__(self) -> bool:
        return True


async def registry(
    client: HomeAssistantClient,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the entity and device registries."""
    entities = await client.ws("config/entity_registry/list")
    devices = await client.ws("config/device_registry/list")
    return entities, devices


def energy_entities(
    vendors: Iterable[Vendor],
    entities: Iterable[Mapping[str, Any]],
    statistic_ids: Iterable[str] = (),
) -> dict[str, list[str]]:
    """Return Energy dashboard role -> entity (or statistic) ids, from the vendors' tables."""
    statistic_ids = sorted(statistic_ids)
    by_key: dict[tuple[str, str], list[str]] = {}
    for entity in entities:
        if entity.get("disabled_by") or not entity.get("translation_key"):
            continue
        by_key.setdefault((entity["platform"], entity["translation_key"]), []).append(
            entity["entity_id"]
        )
    roles: dict[str, list[str]] = {}
    for vendor in vendors:
        for role, keys in vendor.energy.items():
            for key in keys:
                roles.setdefault(role, []).extend(by_key.get((vendor.domain, key), []))
        for role, suffixes in vendor.energy_statistics.items():
            roles.setdefault(role, []).extend(
                statistic_id
                for statistic_id in statistic_ids
                if statistic_id.startswith(f"{vendor.domain}:")
                and statistic_id.endswith(tuple(f"_{suffix}" for suffix in suffixes))
            )
    return roles


def energy_prefs(roles: Mapping[str, list[str]]) -> dict[str, Any]:
    """Return the Energy dashboard preferences for the demo's sensors."""
    # One grid meter: the simulated homes are separate, their meters must not add up.
    imports = roles.get(GRID_IMPORT, [])[:1]
    exports = roles.get(GRID_EXPORT, [])[:1]
    sources: list[dict[str, Any]] = [
        {
            "type": "grid",
            "stat_energy_from": imports[index] if index < len(imports) else None,
            "stat_energy_to": exports[index] if index < len(exports) else None,
            "stat_cost": None,
            "entity_energy_price": None,
            "number_energy_price": 0.25 if index < len(imports) else None,
            "stat_compensation": None,
            "entity_energy_price_export": None,
            "number_energy_price_export": 0.15 if index < len(exports) else None,
            "cost_adjustment_day": 0,
        }
        for index in range(max(len(imports), len(exports)))
    ]
    sources.extend(
        {"type": "solar", "stat_energy_from": entity_id, "config_entry_solar_forecast": None}
        for entity_id in roles.get(SOLAR, [])
    )
    sources.extend(
        {"type": "battery", "stat_energy_from": out_id, "stat_energy_to": in_id}
        for out_id, in_id in zip(
            roles.get(BATTERY_OUT, []), roles.get(BATTERY_IN, []), strict=False
        )
    )
    devices = [{"stat_consumption": entity_id} for entity_id in roles.get(DEVICE, [])]
    return {"energy_sources": sources, "device_consumption": devices}


async def wait_energy_statistics(
    client: HomeAssistantClient, vendors: Iterable[Vendor], timeout: float = 30
) -> None:
    """Wait until the house's vendors that import statistics have imported some."""
    prefixes = [
        f"{vendor.domain}:" for vendor in vendors if vendor.house and vendor.energy_statistics
    ]
    if not prefixes:
        return

    async def imported() -> bool:
        statistics = await client.ws("recorder/list_statistic_ids", statistic_type="sum")
        ids = [item["statistic_id"] for item in statistics]
        return all(any(i.startswith(prefix) for i in ids) for prefix in prefixes)

    try:
        await wait_for(imported, timeout=timeout, what="imported energy statistics")
    except HomeAssistantError as err:
        _LOGGER.warning("%s: the Energy dashboard goes without them", err)


async def configure_energy(
    client: HomeAssistantClient, vendors: Iterable[Vendor]
) -> dict[str, Any]:
    """Point the Energy dashboard at the house's sensors (kept when already set by hand).

    Only the house's vendors (``Vendor.house``) fill it; preferences that name only demo
    sensors (an older demo's, which added up every simulated home) are replaced.
    """
    vendors = list(vendors)
    entities, _ = await registry(client)
    statistics = [
        item["statistic_id"]
        for item in await client.ws("recorder/list_statistic_ids", statistic_type="sum")
    ]
    roles = energy_entities([v for v in vendors if v.house], entities, statistics)
    prefs = energy_prefs(roles)
    current = await _energy_prefs_or_none(client)
    ours = {
        entity_id
        for ids in energy_entities(vendors, entities, statistics).values()
        for entity_id in ids
    }
    if current and not _only_demo_sources(current, ours):
        _LOGGER.info("The Energy dashboard was changed by hand: leaving it as it is")
        return dict(current)
    await client.ws("energy/save_prefs", **prefs)
    return prefs


async def _energy_prefs_or_none(client: HomeAssistantClient) -> dict[str, Any] | None:
    try:
        prefs: dict[str, Any] = await client.ws("energy/get_prefs")
    except HomeAssistantError:
        return None  # not configured yet
    return prefs


def _only_demo_sources(prefs: Mapping[str, Any], ours: set[str]) -> bool:
    """Return whether every statistic in the preferences is one of the demo's sensors."""
    used: set[str] = set()
    for source in prefs.get("energy_sources", []):
        used.update(
            value
            for key, value in source.items()
            if key.startswith("stat_energy") and isinstance(value, str)
        )
    used.update(device["stat_consumption"] for device in prefs.get("device_consumption", []))
    return used <= ours


def _device_cards(
    vendors: Iterable[Vendor],
    entities: list[Mapping[str, Any]],
    devices: list[Mapping[str, Any]],
    states: Mapping[str, Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[str]]:
    """Return one entities card per device of the vendors, and their main power sensors."""
    domains = {vendor.domain: vendor for vendor in vendors}
    by_device: dict[str, list[Any]] = {}
    for entity in entities:
        if (
            entity["platform"] in domains
            and entity.get("device_id")
            and not entity.get("entity_category")
            and not entity.get("disabled_by")
            and not entity.get("hidden_by")
        ):
            # The card's title is the device: rows show the entity's own name.
            row: Any = entity["entity_id"]
            if entity.get("original_name") and not entity.get("name"):
                row = {"entity": entity["entity_id"], "name": entity["original_name"]}
            by_device.setdefault(entity["device_id"], []).append(row)
    cards: list[dict[str, Any]] = []
    power: list[str] = []
    for vendor in domains.values():
        for device in devices:
            if device["id"] not in by_device:
                continue
            rows = by_device[device["id"]]
            ids = [row if isinstance(row, str) else row["entity"] for row in rows]
            if not any(entity_id in states for entity_id in ids):
                continue
            if _device_domain(device, entities) != vendor.domain:
                continue
            cards.append(
                {
                    "type": "entities",
                    "title": device.get("name_by_user") or device.get("name") or vendor.title,
                    "entities": rows,
                    "state_color": True,
                }
            )
            power.extend(
                entity["entity_id"]
                for entity in entities
                if entity.get("device_id") == device["id"]
                and entity["entity_id"].startswith("sensor.")
                and entity.get("translation_key") in vendor.power
                and not entity.get("disabled_by")
            )
    if power:
        cards.insert(
            0, {"type": "history-graph", "title": "Power", "hours_to_show": 1, "entities": power}
        )
    return cards, power


def dashboard_config(
    vendors: Iterable[Vendor],
    entities: Iterable[Mapping[str, Any]],
    devices: Iterable[Mapping[str, Any]],
    states: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """Return a Lovelace config: the house's devices, the other homes' apart, live graphs.

    The house (``Vendor.house``) is what the Energy dashboard adds up; the other simulators
    each simulate a home of their own, so they get a view of their own.
    """
    vendors = list(vendors)
    entities = list(entities)
    devices = list(devices)
    house, _ = _device_cards([v for v in vendors if v.house], entities, devices, states)
    others, _ = _device_cards([v for v in vendors if not v.house], entities, devices, states)
    views: list[dict[str, Any]] = [
        {
            "title": "Home",
            "path": "home",
            "icon": "mdi:home-lightning-bolt",
            "type": "masonry",
            "cards": house
            or [{"type": "markdown", "content": "No Home Energy Bridges device yet."}],
        }
    ]
    if others:
        views.append(
            {
                "title": "Other homes",
                "path": "other-homes",
                "icon": "mdi:home-group",
                "type": "masonry",
                "cards": [
                    {
                        "type": "markdown",
                        "content": (
                            "Each of these simulators simulates a home of its own (its own "
                            "sun, load and meter), so the Energy dashboard leaves them out."
                        ),
                    },
                    *others,
                ],
            }
        )
    views.append(
        {
            "title": "Energy",
            "path": "energy",
            "icon": "mdi:lightning-bolt",
            "cards": [
                {"type": "energy-date-selection"},
                {"type": "energy-distribution", "link_dashboard": True},
                {"type": "energy-usage-graph"},
                {"type": "energy-sources-table"},
            ],
        }
    )
    return {"title": DASHBOARD_TITLE, "views": views}


def _device_domain(device: Mapping[str, Any], entities: Iterable[Mapping[str, Any]]) -> str | None:
    for entity in entities:
        if entity.get("device_id") == device["id"]:
            return str(entity["platform"])
    return None


async def build_dashboard(
    client: HomeAssistantClient, vendors: Iterable[Vendor], *, refresh: bool = True
) -> dict[str, Any] | None:
    """Create the demo's dashboard in the sidebar, or refresh it (``refresh``).

    Without ``refresh`` an existing dashboard is kept as it is (it may have been edited).
    """
    dashboards = await client.ws("lovelace/dashboards/list")
    exists = any(item["url_path"] == DASHBOARD_URL for item in dashboards)
    if exists and not refresh:
        return None
    entities, devices = await registry(client)
    config = dashboard_config(vendors, entities, devices, await client.states())
    if not exists:
        await client.ws(
            "lovelace/dashboards/create",
            url_path=DASHBOARD_URL,
            title=DASHBOARD_TITLE,
            icon="mdi:home-lightning-bolt",
            show_in_sidebar=True,
            require_admin=False,
            mode="storage",
        )
    await client.ws("lovelace/config/save", url_path=DASHBOARD_URL, config=config)
    return config
