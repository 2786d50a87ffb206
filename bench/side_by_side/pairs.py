"""The steps every pair takes: prepare, set up timed, run the period, act, sum up.

A pair's test reads as its own facts (the simulator, the two entries, the action) around
these steps::

    async with pair_run(hass, name, result, domains) as traffic:
        ...serve the simulator on traffic, make the entries...
        await prepare(hass, PLATFORMS, modules)
        await setup_pair(hass, result, ours_entries, core_entries)
        period = await run_period(hass, freezer=..., cpu=..., result=result, ...)
        result["action"] = await number_action(hass, targets=..., confirmed=..., ...)
        summarize(hass, result, traffic, period, entries=..., refresh_route=...)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
import importlib
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .harness import (
    CLIENTS,
    CORE,
    OTHER,
    OURS,
    AgeSampler,
    CpuMeter,
    Hit,
    Traffic,
    ratio,
    tagged,
    traced,
    travel,
    wall,
    write_result,
)


@asynccontextmanager
async def pair_run(
    hass: HomeAssistant, name: str, result: dict[str, Any], domains: Iterable[str]
) -> AsyncIterator[Traffic]:
    """Give the pair its traffic; afterwards write its result, or the error that stopped it.

    One pair failing must not hide the others' figures: the error goes into its result file.
    The entries of ``domains`` are unloaded and the servers closed however the run ended.
    """
    traffic = Traffic()
    try:
        yield traffic
        write_result(name, result)
    except BaseException as err:
        result["error"] = f"{type(err).__name__}: {err}"
        write_result(name, result)
        raise
    finally:
        domains = set(domains)
        for entry in hass.config_entries.async_entries():
            if entry.domain in domains:
                with tagged(entry.domain):
                    await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await traffic.close()


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


async def setup_pair(
    hass: HomeAssistant,
    result: dict[str, Any],
    ours: list[MockConfigEntry],
    core: list[MockConfigEntry] | Callable[[], Awaitable[None]],
) -> None:
    """Set up ours, then core (entries, or a reference's own start); time and weigh each.

    The memory each side holds is what Python allocated during its setup and still holds.
    """
    with traced() as held:
        before = held()
        setup_ours = await setup_timed(hass, ours, OURS)
        after_ours = held()
        if callable(core):
            started = wall()
            with tagged(CORE):
                await core()
                await hass.async_block_till_done()
            setup_core = wall() - started
        else:
            setup_core = await setup_timed(hass, core, CORE)
        after_core = held()
    # What a setup started in the background (Tesla's week of history) belongs to the setup,
    # not to the measured period: without this, how much of it spilled over depended on the
    # machine's speed (a Tesla day read 48, 96 or 144 history calls).
    await hass.async_block_till_done(wait_background_tasks=True)
    result["memory_bytes"] = {OURS: after_ours - before, CORE: after_core - after_ours}
    result["setup_seconds"] = {OURS: setup_ours, CORE: setup_core}


@dataclass(frozen=True)
class Period:
    """A measured period: when it started (simulated), how long, the requests by its end.

    ``summarize`` counts these requests only: an action after the period is not part of it.
    """

    start: float
    seconds: float
    hits: int


async def run_period(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    cpu: CpuMeter,
    result: dict[str, Any],
    sampler: AgeSampler,
    period: float,
    step: float,
) -> Period:
    """Move time through the period; put its wall, CPU and freshness figures in ``result``."""
    start = dt_util.utcnow().timestamp()
    cpu_start = cpu.snapshot()
    wall_start = wall()
    await travel(hass, freezer, period, step, sampler.sample)
    result["wall_seconds"] = wall() - wall_start
    period_hits = len(sampler.traffic.hits)
    cpu_end = cpu.snapshot()
    result["cpu_seconds"] = {c: cpu_end.get(c, 0.0) - cpu_start.get(c, 0.0) for c in (OURS, CORE)}
    result["cpu_other_seconds"] = cpu_end.get(OTHER, 0.0) - cpu_start.get(OTHER, 0.0)
    result["freshness"] = {c: sampler.summary(c) for c in (OURS, CORE)}
    return Period(start, period, period_hits)


def number_entity(
    hass: HomeAssistant, entry: MockConfigEntry, matches: str | Callable[[str], bool]
) -> str:
    """Return the entry's number entity whose unique id ends with ``matches`` (or passes it)."""
    test = matches if callable(matches) else lambda unique_id: unique_id.endswith(matches)
    ids = sorted(
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == "number" and test(e.unique_id)
    )
    assert ids, f"no number entity {matches} in {entry.domain}"
    return ids[0]


async def number_action(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    traffic: Traffic,
    targets: Iterable[tuple[str, str, int]],
    confirmed: Callable[[int], bool],
    read_route: str,
    write_routes: tuple[str, ...],
    limit: float = 300.0,
    step: float = 1.0,
) -> dict[str, Any]:
    """Time ``number.set_value`` for each ``(client, entity_id, value)`` in turn.

    Each client sets its own value, so the device's value tells whose write it holds.
    """
    action: dict[str, Any] = {}
    for client, entity_id, value in targets:

        async def call(entity_id: str = entity_id, value: int = value) -> None:
            await hass.services.async_call(
                "number",
                SERVICE_SET_VALUE,
                {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: value},
                blocking=True,
            )

        def holds(value: int = value) -> bool:
            return confirmed(value)

        action[client] = await action_timing(
            hass,
            freezer=freezer,
            call=call,
            entity_id=entity_id,
            expected=str(value),
            confirmed=holds,
            client=client,
            traffic=traffic,
            read_route=read_route,
            write_routes=write_routes,
            limit=limit,
            step=step,
        )
    return action


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
    period: Period,
    *,
    cloud_devices: set[str],
    refresh_route: dict[str, str],
) -> None:
    """Add the request, busy, cloud and CPU figures and every ratio to ``result``."""
    hours = period.seconds / 3600
    figures: dict[str, dict[str, float | None]] = {}
    routes: dict[str, dict[str, int]] = {}
    busy_by_route: dict[str, dict[str, float]] = {}
    for client in CLIENTS:
        hits = [
            h for h in traffic.hits[: period.hits] if h.client == client and h.at > period.start
        ]
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
            "cloud_calls_per_day": len(cloud) / period.seconds * 86400,
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


def summarize(
    hass: HomeAssistant,
    result: dict[str, Any],
    traffic: Traffic,
    period: Period,
    *,
    entries: dict[str, list[MockConfigEntry]],
    refresh_route: str,
) -> None:
    """Add the entity counts, then every figure and ratio (``finish``), to ``result``.

    Every pair's cloud (if it has one) is served as the device ``cloud``; a refresh is a
    successful or failed request on ``refresh_route``, for both clients.
    """
    counts_by_client, result["unavailable"] = entity_counts(hass, entries)
    for client, counts in counts_by_client.items():
        result.setdefault("extra", {}).setdefault(client, {}).update(counts)
    finish(
        result,
        traffic,
        period,
        cloud_devices={"cloud"},
        refresh_route={OURS: refresh_route, CORE: refresh_route},
    )


def entity_counts(
    hass: HomeAssistant, entries: dict[str, list[MockConfigEntry]]
) -> tuple[dict[str, dict[str, int]], dict[str, list[str]]]:
    """Return each client's entity count and the entities unavailable or unknown now."""
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
