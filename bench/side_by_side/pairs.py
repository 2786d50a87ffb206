"""The steps every pair takes: prepare, set up timed, act, and sum up the figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
import importlib
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .harness import CLIENTS, CORE, OURS, Hit, Traffic, ratio, tagged, travel, wall


async def prepare(hass: HomeAssistant, platforms: Iterable[str], modules: Iterable[str]) -> None:
    """Set up the entity platforms and import the integrations' modules before measuring.

    Whichever side is set up first would otherwise pay for Home Assistant's shared entity
    components and for module imports in its memory and setup time.
    """
    for platform in platforms:
        assert await async_setup_component(hass, platform, {})
    await hass.async_block_till_done()
    for module in modules:
        package = importlib.import_module(module)
        for platform in (*platforms, "coordinator", "config_flow", "diagnostics"):
            try:
                importlib.import_module(f"{package.__name__}.{platform}")
            except ModuleNotFoundError:
                pass


async def setup_timed(hass: HomeAssistant, entries: list[MockConfigEntry], client: str) -> float:
    """Set up the entries as ``client``; return the wall seconds it took."""
    started = wall()
    with tagged(client):
        for entry in entries:
            entry.add_to_hass(hass)
            await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            if entry.state is not ConfigEntryState.LOADED:
                raise RuntimeError(
                    f"{client} entry {entry.domain} did not load: {entry.state} {entry.reason}"
                )
    return wall() - started


async def action_timing(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    call: Callable[[], Awaitable[None]],
    entity_id: str,
    expected: str,
    confirmed: Callable[[], bool],
    client: str,
    traffic: Traffic,
    read_route: str,
    write_routes: tuple[str, ...],
    limit: float = 300.0,
    step: float = 1.0,
) -> dict[str, Any]:
    """Call the action; move time until the entity shows a state the device confirmed.

    Confirmed: the simulated device holds the new value, the entity shows it, and the client
    has read the device (``read_route``) after its last write (``write_routes``), so the state shown is the
    device's and not only an optimistic one.
    """
    started_sim = dt_util.utcnow().timestamp()
    first = len(traffic.hits)
    started = wall()
    with tagged(client):
        await call()
        await hass.async_block_till_done()

    def done() -> bool:
        state = hass.states.get(entity_id)
        if state is None or _same(state.state, expected) is False or not confirmed():
            return False
        hits = [h for h in traffic.hits[first:] if h.client == client]
        writes = [i for i, h in enumerate(hits) if any(_matches(h, w) for w in write_routes)]
        last_write = writes[-1] if writes else -1
        return any(
            _matches(h, read_route) and 200 <= h.status < 300 for h in hits[last_write + 1 :]
        )

    waited = 0.0
    while not done() and waited < limit:
        await travel(hass, freezer, step, step)
        waited += step
    state = hass.states.get(entity_id)
    made = Counter(
        f"{h.method} {h.route} {h.status}" for h in traffic.hits[first:] if h.client == client
    )
    return {
        "requests": dict(made),
        "shown": state.state if state else None,
        "confirmed": done(),
        "sim_seconds": dt_util.utcnow().timestamp() - started_sim,
        "wall_seconds": wall() - started,
    }


def _matches(hit: Hit, pattern: str) -> bool:
    """Return whether a hit's route holds ``pattern`` (``"PUT /x"``: and the method is PUT)."""
    method, _, route = pattern.partition(" ")
    if route and method.isupper():
        return hit.method == method and route in hit.route
    return pattern in hit.route


def _same(shown: str, expected: str) -> bool:
    try:
        return float(shown) == float(expected)
    except ValueError:
        return shown == expected


def finish(
    result: dict[str, Any],
    traffic: Traffic,
    start: float,
    period: float,
    period_hits: int,
    *,
    cloud_devices: set[str],
    refresh_route: dict[str, str],
) -> None:
    """Add the request, busy, cloud and CPU figures and every ratio to ``result``."""
    hours = period / 3600
    figures: dict[str, dict[str, float | None]] = {}
    routes: dict[str, dict[str, int]] = {}
    busy_by_route: dict[str, dict[str, float]] = {}
    for client in CLIENTS:
        hits = [h for h in traffic.hits[:period_hits] if h.client == client and h.at > start]
        device = [h for h in hits if h.device not in cloud_devices]
        cloud = [h for h in hits if h.device in cloud_devices]
        refreshes = sum(1 for h in device + cloud if refresh_route[client] in h.route) or None
        cpu = result["cpu_seconds"][client]
        fresh = result["freshness"][client]
        figures[client] = {
            "device_requests_per_hour": len(device) / hours,
            "device_busy_seconds_per_hour": (
                sum(h.busy for h in device) / hours if result.get("busy_model") else None
            ),
            "cloud_calls_per_day": len(cloud) / period * 86400,
            "failed_requests_per_hour": sum(1 for h in hits if not 200 <= h.status < 300) / hours,
            "age_median_seconds": fresh["median"],
            "age_max_seconds": fresh["max"],
            "cpu_seconds_per_hour": cpu / hours,
            "cpu_ms_per_refresh": cpu * 1000 / refreshes if refreshes else None,
            "refreshes_per_hour": refreshes / hours if refreshes else None,
            "memory_kib": result["memory_bytes"][client] / 1024,
            "memory_kib_per_device": result["memory_bytes"][client] / 1024 / result["devices"],
            "setup_seconds": result["setup_seconds"][client],
        }
        if action := result.get("action"):
            figures[client]["action_sim_seconds"] = action[client]["sim_seconds"]
            figures[client]["action_wall_seconds"] = action[client]["wall_seconds"]
        for key, value in result.get("extra", {}).get(client, {}).items():
            figures[client][key] = value
        routes[client] = dict(Counter(f"{h.method} {h.route} {h.status}" for h in hits))
        if result.get("busy_model"):
            busy: Counter[str] = Counter()
            for h in device:
                busy[f"{h.method} {h.route}"] += h.busy / hours
            busy_by_route[client] = {k: round(v, 1) for k, v in busy.most_common()}
    result["figures"] = figures
    result["ratios"] = {key: ratio(figures[OURS][key], figures[CORE][key]) for key in figures[OURS]}
    result["routes"] = routes
    if busy_by_route:
        result["busy_by_route"] = busy_by_route


def entity_counts(
    hass: HomeAssistant, entries: dict[str, list[MockConfigEntry]]
) -> tuple[dict[str, dict[str, int]], dict[str, list[str]]]:
    """Return each client's entity count and the entities unavailable or unknown now."""
    from homeassistant.helpers import entity_registry as er

    registry = er.async_get(hass)
    counts: dict[str, dict[str, int]] = {}
    unavailable: dict[str, list[str]] = {}
    for client, client_entries in entries.items():
        ids = [
            e.entity_id
            for entry in client_entries
            for e in er.async_entries_for_config_entry(registry, entry.entry_id)
            if not e.disabled
        ]
        states = [hass.states.get(i) for i in ids]
        missing = [
            i
            for i, s in zip(ids, states, strict=True)
            if s is None or s.state in {"unavailable", "unknown"}
        ]
        counts[client] = {"entities": len(ids), "entities_unavailable": len(missing)}
        unavailable[client] = sorted(missing)
    return counts, unavailable
