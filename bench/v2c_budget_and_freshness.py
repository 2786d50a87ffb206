"""
V2C Cloud: cloud calls per day and LAN freshness (a measurement script, not a test).

    PYTHONPATH=. python bench/v2c_budget_and_freshness.py

1. The cloud budget: the same ``CallBudget`` pacing the cloud coordinator uses, run over a
   simulated day for 1, 3 and 10 chargers (one ``/device/reported`` per charger per update,
   the pairing list every 6 h), compared with the seed integration's anchor.
2. LAN freshness: a simulated charger served on loopback, ``RealTimeData`` read and a write
   confirmed by reading it back, timed.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import math
import os
import statistics
import time

import aiohttp
from aiohttp import web

from custom_components.energy_bridges_common.client.budget import BudgetConsumer, CallBudget
from custom_components.energy_bridges_common.client.stand_in import ALLOW_LOOPBACK_ENV
from custom_components.v2c_cloud.api import ChargerSetting, V2CLocalClient
from custom_components.v2c_cloud.const import (
    CLOUD_MIN_INTERVAL,
    CLOUD_QUOTA,
    DEFAULT_COMMAND_RESERVE,
    LAN_INTERVAL,
    PAIRINGS_REFRESH,
)
from simulators.framework import SimClock
from simulators.v2c import ChargerApp, make_chargers

PORT = 8290


def simulate_day(chargers: int) -> tuple[int, float]:
    """Return (cloud calls in a day, mean seconds between two polls of one charger)."""
    now = datetime(2026, 5, 1, 0, 0, 5, tzinfo=UTC)
    end = datetime(2026, 5, 2, tzinfo=UTC)
    budget = CallBudget(quota=CLOUD_QUOTA, reserve=DEFAULT_COMMAND_RESERVE, now=lambda: now)
    consumer = BudgetConsumer(
        name="cloud",
        calls_per_update=chargers,
        min_interval=CLOUD_MIN_INTERVAL.total_seconds(),
    )
    budget.register(consumer)
    updates = 0
    next_pairings = now
    while now < end:
        if now >= next_pairings:
            budget.before_request("GET", "/pairings/me")
            next_pairings = now + PAIRINGS_REFRESH
        if budget.can_spend(chargers):
            for _ in range(chargers):
                budget.before_request("GET", "/device/reported")
            updates += 1
        now += timedelta(seconds=budget.interval_for("cloud") + 1)
    return budget.used, 86400 / max(updates, 1)


def seed_day(chargers: int) -> tuple[int, float]:
    """The seed's pacing: 2 calls per charger per cycle, an 850-call target, 90 s floor."""
    interval = max(math.ceil(2 * chargers * 86400 / 850), 90)
    return math.floor(86400 / interval) * 2 * chargers, float(interval)


async def lan_freshness(samples: int = 200) -> dict[str, float]:
    charger = make_chargers(1, firmware=["2.4.6"])[0]
    app = ChargerApp(charger, clock=SimClock())
    runner = web.AppRunner(app.make_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", PORT).start()
    reads: list[float] = []
    writes: list[float] = []
    try:
        async with aiohttp.ClientSession() as session:
            client = V2CLocalClient(session, "127.0.0.1", PORT)
            await client.realtime()
            for _ in range(samples):
                started = time.perf_counter()
                await client.realtime()
                reads.append(time.perf_counter() - started)
            for index in range(samples):
                started = time.perf_counter()
                await client.write(ChargerSetting.INTENSITY, 6 + index % 20)
                data = await client.realtime()
                writes.append(time.perf_counter() - started)
                assert data.intensity == 6 + index % 20
    finally:
        await runner.cleanup()

    def p95(values: list[float]) -> float:
        return sorted(values)[int(len(values) * 0.95) - 1]

    return {
        "read_mean_ms": statistics.mean(reads) * 1000,
        "read_p95_ms": p95(reads) * 1000,
        "write_confirmed_mean_ms": statistics.mean(writes) * 1000,
        "write_confirmed_p95_ms": p95(writes) * 1000,
    }


def main() -> None:
    print("Cloud calls per day (quota 1000, reserve for commands 150)")
    print(
        f"{'chargers':>8} {'ours calls':>10} {'ours every':>11} {'seed calls':>10} {'seed every':>11}"
    )
    for chargers in (1, 3, 10):
        calls, every = simulate_day(chargers)
        seed_calls, seed_every = seed_day(chargers)
        print(f"{chargers:>8} {calls:>10} {every:>10.0f}s {seed_calls:>10} {seed_every:>10.0f}s")
    # The charger's LAN client refuses a loopback address (the simulator's) without the switch.
    os.environ[ALLOW_LOOPBACK_ENV] = "1"
    result = asyncio.run(lan_freshness())
    print()
    print(f"LAN poll interval: {LAN_INTERVAL.total_seconds():g} s (seed: 30 s)")
    for key, value in result.items():
        print(f"{key}: {value:.2f}")
    worst = LAN_INTERVAL.total_seconds() + result["read_p95_ms"] / 1000
    print(
        f"worst-case telemetry age: {worst:.2f} s; a write shows in {result['write_confirmed_p95_ms']:.0f} ms (p95)"
    )


if __name__ == "__main__":
    main()
