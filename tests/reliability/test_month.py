"""A simulated month: random faults at a few percent of requests, nothing grows, budgets hold.

Time moves in steps of half an hour (one or more polls each; the local intervals are shorter
but what a month proves is growth and accounting, not every poll). Before each step a fault
is scripted with a small, seeded probability; it hits the next matching request only.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
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


def _forget_saved_stores() -> None:
    """Drop what the test harness's storage mock remembers of each save.

    ``hass_storage`` replaces ``Store._async_write_data`` with an autospec mock, whose call
    list keeps every snapshot ever saved (a budget's, about 450 B, at every save): growth of
    the test's, not of the integrations' (a real ``Store`` lets go of the data once written).
    """
    from homeassistant.helpers.storage import Store

    if (reset := getattr(Store._async_write_data, "reset_mock", None)) is not None:
        reset()


def _simulators(item: Any) -> bool:
    """Return whether a task or timer is a simulator's server at work, not ours.

    A simulator's server keeps a handler task and a keep-alive timer per open connection:
    the clients' connection pools (bounded) decide how many are open at a given moment.
    """
    what = item.get_coro() if isinstance(item, asyncio.Task) else item._callback
    return "RequestHandler" in getattr(what, "__qualname__", "")


def _tasks() -> list[asyncio.Task[Any]]:
    return [task for task in asyncio.all_tasks() if not _simulators(task)]


def _timer_handles(hass: HomeAssistant) -> list[Any]:
    return [
        handle
        for handle in hass.loop._scheduled  # type: ignore[attr-defined]
        if not handle.cancelled() and not _simulators(handle)
    ]


def _name(handle: Any) -> str:
    callback = handle._callback
    return str(getattr(callback, "__qualname__", None) or getattr(callback, "func", callback))


def _timers(hass: HomeAssistant) -> int:
    return len(_timer_handles(hass))


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
    days: int = DAYS,
    on_day: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Run a month; assert what does not grow, budgets, energy; return the figures.

    ``on_day(n)`` runs at the start of each day of the month (after the first, warm-up day).
    """
    # pytest keeps every log record of a test: at debug level that alone grows for a month.
    for logger in ("custom_components", "homeassistant", "aiohttp", "asyncio", "simulators"):
        logging.getLogger(logger).setLevel(logging.WARNING)
    # The test loop runs in debug mode, which records a traceback with every callback
    # scheduled: over a month that was most of the run time. What a month proves (nothing
    # grows, budgets hold) does not need it.
    hass.loop.set_debug(False)
    registry = er.async_get(hass)
    entities = [e.entity_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)]
    rng = random.Random(14)
    steps_per_day = int(timedelta(days=1) / step)
    for _ in range(steps_per_day):
        await time_travel(hass, freezer, step.total_seconds())
    # What has a value after the first day must have one at the end (a price sensor of a
    # site without a tariff, say, is unavailable by design from the start).
    entities = [
        e
        for e in entities
        if (s := hass.states.get(e)) is not None and s.state != STATE_UNAVAILABLE
    ]
    gc.collect()
    # Tasks and timers come and go with each poll (a delayed save, a retry): what is compared
    # is the most seen after any step of the first day and of the last day.
    first_day: list[tuple[int, int]] = []
    last_day: list[tuple[int, int]] = []
    objects0 = len(gc.get_objects())
    snapshot0 = None
    last: dict[str, tuple[float, tuple[Any, Any]]] = {}
    faults = 0
    for n in range(days * steps_per_day):
        if n % steps_per_day == 0:
            _forget_saved_stores()
            if on_day is not None:
                on_day(n // steps_per_day)
        if n == (days - 3) * steps_per_day:
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
        if n < steps_per_day:
            first_day.append((len(_tasks()), _timers(hass)))
        elif n >= (days - 1) * steps_per_day:
            last_day.append((len(_tasks()), _timers(hass)))
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
    _forget_saved_stores()
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
    tasks0, timers0 = (max(counts) for counts in zip(*first_day, strict=True))
    tasks1, timers1 = (max(counts) for counts in zip(*last_day, strict=True))
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
    assert tasks1 <= tasks0, [task.get_coro() for task in _tasks()]
    assert timers1 <= timers0, Counter(_name(h) for h in _timer_handles(hass))
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


# -- Tesla: three sites of Powerwalls and solar on a small monthly budget -------------------

STATISTICS = "custom_components.tesla_energy.statistics"
TESLA_SITES = 3
# US$3 a month: three sites' live data about every two hours, history every six or seven.
# (The default US$10 gives the same shape three times as often: a month of it is minutes of
# test time, the history replies above all.) Steps of an hour, below every interval.
TESLA_MONTHLY_AMOUNT = 3.0
TESLA_STEP = timedelta(hours=1)


@pytest.fixture
async def tesla(
    socket_enabled: None, allow_loopback: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Served]:
    from custom_components.tesla_energy.api.const import SERVER_OVERRIDE_ENV
    from simulators.tesla import TeslaFleetSimulator
    from simulators.tesla.app import Account
    from simulators.tesla.physics import SiteModel
    from tests.tesla_energy.conftest import ACCOUNT, HomeAssistantClock

    sites = [
        SiteModel(
            site_id=5001 + index,
            name=f"Site {index + 1}",
            time_zone="America/Los_Angeles",
            solar_peak=7600.0,
            battery_count=2,
            energy_left=18_000.0,
        )
        for index in range(TESLA_SITES)
    ]
    sim = TeslaFleetSimulator(
        clock=HomeAssistantClock(),
        accounts=[Account(ACCOUNT, "na", sites)],
        rate_limit_per_minute=0,
    )
    served = await Served(sim).start()
    monkeypatch.setenv(SERVER_OVERRIDE_ENV, f"http://127.0.0.1:{served.port}")
    yield served
    await served.stop()


@pytest.fixture
def recorder_config() -> dict[str, Any]:
    """Record no entity's states: the month looks at the imported statistics only.

    Writing every state of three sites for a month would be most of the run time.
    """
    return {"exclude": {"domains": ["sensor", "binary_sensor", "number", "select", "switch"]}}


@pytest.fixture
def mock_recorder_before_hass(recorder_db_url: str) -> None:
    """Prepare the recorder's database before Home Assistant starts (Tesla needs it)."""
    # Its SQL echo alone would be most of a month's run time.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


class FakeStatistics:
    """The recorder's external statistics, in memory: what the integration imported.

    The importer asks for the last row of each statistic and adds rows, as with the
    recorder (whose database writes would be most of a month's run). Each row is checked as
    it comes: the next hour, a sum that never goes back. Only the last row is kept.
    """

    def __init__(self) -> None:
        self.last_rows: dict[str, tuple[float, float]] = {}
        self.count: Counter[str] = Counter()

    def add(self, hass: HomeAssistant, metadata: Any, statistics: list[Any]) -> None:
        statistic = metadata["statistic_id"]
        for row in statistics:
            start, total = row["start"].timestamp(), float(row["sum"])
            if (last := self.last_rows.get(statistic)) is not None:
                assert start == last[0] + 3600, (statistic, last, row)
                assert total >= last[1], (statistic, last, row)
            self.last_rows[statistic] = (start, total)
            self.count[statistic] += 1

    def last(
        self, hass: HomeAssistant, count: int, statistic_id: str, convert: bool, types: set[str]
    ) -> dict[str, list[dict[str, float]]]:
        if (last := self.last_rows.get(statistic_id)) is None:
            return {}
        return {statistic_id: [{"start": last[0], "sum": last[1]}]}


def _billed_per_day(records: list[Any]) -> Counter[str]:
    """Return the calls Tesla bills per UTC day, from the simulator's request log."""
    per_day: Counter[str] = Counter()
    for record in records:
        # Billed: every Fleet API reply below 500; a scripted fault never reached the API.
        if "/api/1/" in record.path and record.status < 500 and record.fault is None:
            per_day[datetime.fromtimestamp(record.time, UTC).date().isoformat()] += 1
    return per_day


@pytest.mark.timeout(900)
@pytest.mark.freeze_time("2026-05-01 00:00:00+00:00")
async def test_tesla_month(
    recorder_mock: Any,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    tesla: Served,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """May on a monthly budget: the bill stays within it and is what the sensor projected."""
    from homeassistant.components.application_credentials import (
        ClientCredential,
        async_import_client_credential,
    )
    from homeassistant.setup import async_setup_component

    from custom_components.tesla_energy.api.const import DATA_CALLS_PER_USD
    from custom_components.tesla_energy.const import (
        BUDGET_MODE_MONTHLY,
        CONF_BUDGET_MODE,
        CONF_MONTHLY_AMOUNT,
        CONF_REGION,
        DOMAIN as TESLA,
    )
    from custom_components.tesla_energy.statistics import statistic_id
    from tests.tesla_energy.conftest import ACCOUNT, CLIENT_ID, CLIENT_SECRET, issue_token

    sim = tesla.app
    statistics = FakeStatistics()
    monkeypatch.setattr(f"{STATISTICS}.async_add_external_statistics", statistics.add)
    monkeypatch.setattr(f"{STATISTICS}.get_last_statistics", statistics.last)
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, TESLA, ClientCredential(CLIENT_ID, CLIENT_SECRET), TESLA
    )
    entry = MockConfigEntry(
        domain=TESLA,
        unique_id=ACCOUNT,
        data={"auth_implementation": TESLA, "token": issue_token(sim), CONF_REGION: "na"},
        options={
            CONF_BUDGET_MODE: BUDGET_MODE_MONTHLY,
            CONF_MONTHLY_AMOUNT: TESLA_MONTHLY_AMOUNT,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    async def no_sleep(_seconds: float) -> None:
        return

    # Retries come at once: a retry's wait is real time, and the month's clock is frozen.
    entry.runtime_data.client.http._sleep = no_sleep
    budget = entry.runtime_data.budget
    registry = er.async_get(hass)
    account = next(
        e.unique_id.removesuffix("_cloud_budget")
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.unique_id.endswith("_cloud_budget")
    )
    calls_today = registry.async_get_entity_id("sensor", TESLA, f"{account}_calls_today")
    projected_cost = registry.async_get_entity_id(
        "sensor", TESLA, f"{account}_projected_monthly_cost"
    )
    assert calls_today is not None
    assert projected_cost is not None
    projections: list[float] = []
    ledger_days: list[tuple[str, int]] = []

    def on_day(day: int) -> None:
        state = hass.states.get(projected_cost)
        assert state is not None
        projections.append(float(state.state))
        ledger_days.append((budget.today.day.isoformat(), budget.today.billed))

    sites = [site.site_id for site in sim.accounts[ACCOUNT].sites]
    figures = await soak(
        hass,
        freezer,
        "tesla_energy",
        entry,
        [(tesla, "live_status"), (tesla, "site_info"), (tesla, "calendar_history")],
        # The day's calls: a daily total that never goes back within the day.
        [calls_today],
        budget,
        step=TESLA_STEP,
        per_step=1.5,
        on_day=on_day,
    )
    # The whole of May (the warm-up day and 30 more): the bill is within the budget...
    per_day = _billed_per_day(sim.log.records)
    may = sum(count for day, count in per_day.items() if day.startswith("2026-05"))
    assert may <= budget.quota
    cost = may / DATA_CALLS_PER_USD
    # ...and what the sensor projected after the first day (spent, not hoarded).
    first_projection = projections[0]
    assert abs(cost - first_projection) <= 0.05 * first_projection, (cost, projections)
    first_day = per_day["2026-05-01"]
    steady = sorted(count for day, count in per_day.items() if "2026-05-03" <= day <= "2026-05-30")
    figures |= {
        "billed_may": may,
        "cost_may_usd": round(cost, 2),
        "projected_after_day_1_usd": first_projection,
        "projected_last_usd": projections[-1],
        "billed_first_day": first_day,
        "billed_per_day_median": steady[len(steady) // 2],
        "billed_per_day_min_max": (steady[0], steady[-1]),
    }
    print("SOAK tesla cost", figures)  # noqa: T201
    FIGURES["tesla_energy"] = figures

    # Statistics: every hour once, sums that never go back (checked as they came), up to the
    # last hours of May.
    ids = {
        statistic_id(site, flow) for site in sites for flow in ("home_usage", "solar_production")
    }
    assert ids <= set(statistics.last_rows)
    for statistic in ids:
        assert (
            statistics.last_rows[statistic][0] >= datetime(2026, 5, 31, 12, tzinfo=UTC).timestamp()
        )
