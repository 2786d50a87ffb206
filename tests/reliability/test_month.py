"""A simulated month: random faults at a few percent of requests, nothing grows, budgets hold.

Time moves in steps of half an hour (one or more polls each; the local intervals are shorter
but what a month proves is growth and accounting, not every poll). Before each step a fault
is scripted with a small, seeded probability; it hits the next matching request only.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
import gc
import logging
import random
import tracemalloc
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_KEY, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_bridges_common.client.http import RetryPolicy
from custom_components.powervault.api import client as client_module
from custom_components.powervault.const import (
    CLOUD_URL_ENV,
    CONF_ACCOUNT_ID,
    CONF_CONNECTION,
    CONF_MODEL,
    CONF_UNIT_ID,
    DOMAIN,
)
from simulators.framework import FaultKind
from simulators.powervault import PowervaultCloud
from tests.conftest import time_travel

from .matrix import Served

DAYS = 30
STEP = timedelta(hours=1)
FAULT_RATE = 0.03
KINDS = [
    {"kind": FaultKind.RESET},
    {"kind": FaultKind.STATUS, "status": 503},
    {"kind": FaultKind.MALFORMED},
    {"kind": FaultKind.TRUNCATED},
    {"kind": FaultKind.RATE_LIMIT, "seconds": 300},
]
# Soak figures, printed with -s and used by docs/reliability.md.
FIGURES: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def fast_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "DEFAULT_TIMEOUT", 1.0)
    monkeypatch.setattr(client_module, "CLOUD_RETRY", RetryPolicy(attempts=1))
    monkeypatch.setattr(client_module, "LOCAL_RETRY", RetryPolicy(attempts=1))


@pytest.fixture
async def cloud(
    socket_enabled: None, allow_loopback: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Served]:
    served = await Served(PowervaultCloud(units=1)).start()
    monkeypatch.setenv(CLOUD_URL_ENV, f"http://127.0.0.1:{served.port}/v4")
    yield served
    await served.stop()


def _timers(hass: HomeAssistant) -> int:
    return sum(1 for handle in hass.loop._scheduled if not handle.cancelled())  # type: ignore[attr-defined]


async def soak(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    name: str,
    entry: MockConfigEntry,
    targets: list[tuple[Served, str]],
    energy: list[str],
    budget: Any | None,
    *,
    step: timedelta = STEP,
    per_step: float = 4,
    kinds: list[dict[str, Any]] = KINDS,
) -> dict[str, Any]:
    """Run a month; assert what does not grow, budgets, energy; return the figures."""
    # pytest keeps every log record of a test: at debug level that alone grows for a month.
    for logger in ("custom_components", "homeassistant", "aiohttp", "asyncio", "simulators"):
        logging.getLogger(logger).setLevel(logging.WARNING)
    registry = er.async_get(hass)
    entities = [e.entity_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)]
    rng = random.Random(14)
    steps_per_day = int(timedelta(days=1) / step)
    for _ in range(steps_per_day):
        await time_travel(hass, freezer, step.total_seconds())
    gc.collect()
    tasks0, timers0 = len(asyncio.all_tasks()), _timers(hass)
    objects0 = len(gc.get_objects())
    snapshot0 = None
    last: dict[str, tuple[float, tuple[Any, Any]]] = {}
    faults = 0
    for n in range(DAYS * steps_per_day):
        if n == (DAYS - 3) * steps_per_day:
            # Tracing allocations slows everything down: the last three days only.
            gc.collect()
            tracemalloc.start()
            snapshot0 = tracemalloc.take_snapshot()
        # About ``per_step`` requests per step: a fault before FAULT_RATE of them.
        if rng.random() < FAULT_RATE * per_step:
            served, route = rng.choice(targets)
            served.app.faults.inject(route=route, times=1, **rng.choice(kinds))
            faults += 1
        await time_travel(hass, freezer, step.total_seconds())
        if budget is not None:
            assert budget.used <= budget.quota
        day = (dt_util.now().date(), dt_util.utcnow().date())
        for entity_id in energy:
            state = hass.states.get(entity_id)
            if state is None or state.state in (STATE_UNAVAILABLE, "unknown"):
                continue
            value = float(state.state)
            if entity_id in last and value < last[entity_id][0]:
                # A daily total: only a new day (the device's or Home Assistant's) restarts it;
                # ``seen`` is the day the higher value first showed (it may be held past
                # midnight until the new day's first reading).
                before, seen = last[entity_id]
                assert seen[0] != day[0] or seen[1] != day[1], (entity_id, before, value)
            if entity_id not in last or value != last[entity_id][0]:
                last[entity_id] = (value, day)
    per_day: Counter[str] = Counter()
    for served, _route in targets:
        for record in served.app.log.records:
            per_day[datetime.fromtimestamp(record.time).date().isoformat()] += 1
    gc.collect()
    assert snapshot0 is not None
    snapshot1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    # Our code's allocations only: the simulators keep their own history, pytest its records.
    ours = tracemalloc.Filter(inclusive=True, filename_pattern="*custom_components*")
    diff = snapshot1.filter_traces([ours]).compare_to(snapshot0.filter_traces([ours]), "lineno")
    grown = sum(s.size_diff for s in diff)
    print("SOAK growth", [(str(s.traceback), s.size_diff, s.count_diff) for s in diff[:4]])  # noqa: T201
    objects = len(gc.get_objects()) - objects0
    tasks1, timers1 = len(asyncio.all_tasks()), _timers(hass)
    figures = {
        "tasks": (tasks0, tasks1),
        "timers": (timers0, timers1),
        "memory_bytes_last_3_days": grown,
        "objects_grown": objects,
        "faults": faults,
        "max_requests_per_day": max(per_day.values()),
        "quota": budget.quota if budget is not None else None,
    }
    FIGURES[name] = figures
    print("SOAK", name, figures)  # noqa: T201
    assert tasks1 <= tasks0
    assert timers1 <= timers0
    # The simulators' own history and pytest's log records are in ``objects``: a figure only.
    assert grown < 200_000
    if budget is not None:
        assert max(per_day.values()) <= budget.quota
    # A last poll after the last fault, then everything is there.
    await time_travel(hass, freezer, step.total_seconds())
    unavailable = [
        e
        for e in entities
        if (s := hass.states.get(e)) is not None and s.state == STATE_UNAVAILABLE
    ]
    assert unavailable == []
    return figures


@pytest.mark.timeout(900)
async def test_powervault_cloud_month(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, cloud: Served
) -> None:
    unit = "pvsim-1001"
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=unit,
        data={
            CONF_CONNECTION: "cloud",
            CONF_API_KEY: "sim-powervault-key",
            CONF_ACCOUNT_ID: "4242",
            CONF_UNIT_ID: unit,
            CONF_MODEL: "P4",
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    energy = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{unit}_home_energy")
    assert energy is not None
    await soak(
        hass,
        freezer,
        "powervault cloud",
        entry,
        [(cloud, "/v4/unit")],
        [energy],
        entry.runtime_data.budget,
        step=timedelta(hours=1),
        per_step=2,
    )


@pytest.mark.timeout(900)
async def test_v2c_month(hass: HomeAssistant, freezer: FrozenDateTimeFactory, v2c: Any) -> None:
    from custom_components.energy_bridges_common.hass.budget import account_key
    from custom_components.v2c_cloud.const import CONF_ACCOUNT_ID, DOMAIN as V2C

    cloud_served, lan = v2c
    key = "test-api-key-0123456789"
    entry = MockConfigEntry(
        domain=V2C,
        data={CONF_API_KEY: key, CONF_ACCOUNT_ID: account_key(key)},
        unique_id=account_key(key),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await soak(
        hass,
        freezer,
        "v2c_cloud",
        entry,
        [(cloud_served, "/device/reported"), (lan, "/RealTimeData")],
        ["sensor.trydan_1_charge_energy"],
        entry.runtime_data.budget,
        per_step=2,
    )


@pytest.fixture
async def v2c(
    socket_enabled: None, allow_loopback: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Served, Served]]:
    from custom_components.v2c_cloud.const import CLOUD_URL_ENV as V2C_URL
    from simulators.framework import SimClock
    from simulators.v2c import ChargerApp, CloudApp, make_chargers

    clock = SimClock()
    chargers = make_chargers(1, firmware=["2.4.6"], cloud_only=set())
    cloud_served = await Served(
        CloudApp(chargers, api_key="test-api-key-0123456789", clock=clock)
    ).start()
    lan = await Served(ChargerApp(chargers[0], clock=clock)).start()
    chargers[0].ip = f"127.0.0.1:{lan.port}"
    monkeypatch.setenv(V2C_URL, f"http://127.0.0.1:{cloud_served.port}")
    yield cloud_served, lan
    await lan.stop()
    await cloud_served.stop()


@pytest.fixture
async def enphase(
    socket_enabled: None, allow_loopback: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Served]:
    from dataclasses import replace

    from custom_components.enphase_gateway.const import ENV_ENLIGHTEN_BASE_URL, ENV_TOKEN_BASE_URL
    from simulators.enphase import PROFILES, EnlightenSimulator, GatewaySimulator

    cloud_served = await Served(EnlightenSimulator()).start()
    monkeypatch.setenv(ENV_ENLIGHTEN_BASE_URL, f"http://127.0.0.1:{cloud_served.port}")
    monkeypatch.setenv(ENV_TOKEN_BASE_URL, f"http://127.0.0.1:{cloud_served.port}")
    sim = GatewaySimulator(replace(PROFILES["8x"]), latency=0)
    sim.boot_time -= 3600
    gateway = await Served(sim).start()
    yield gateway
    await gateway.stop()
    await cloud_served.stop()


@pytest.mark.timeout(900)
async def test_enphase_month(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, enphase: Served
) -> None:
    from custom_components.enphase_gateway.const import DOMAIN as ENPHASE
    from simulators.enphase import PROFILES
    from tests.enphase_gateway.conftest import entry_data

    serial = PROFILES["8x"].serial
    entry = MockConfigEntry(domain=ENPHASE, unique_id=serial, data=entry_data("8x", enphase.port))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await soak(
        hass,
        freezer,
        "enphase_gateway",
        entry,
        [(enphase, "production"), (enphase, "/ivp/meters/readings")],
        [
            f"sensor.envoy_{serial}_lifetime_energy_production",
            f"sensor.envoy_{serial}_energy_production_today",
            f"sensor.envoy_{serial}_lifetime_energy_consumption",
        ],
        None,
        # Three hours a step: the gateway's full read is the heaviest poll of the four.
        step=timedelta(hours=3),
        per_step=3,
    )
