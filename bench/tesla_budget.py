"""Tesla Energy: calls per site per day and the monthly bill, plus client latency.

Run: ``python bench/tesla_budget.py``. Prints the allocation the shared CallBudget gives the
integration's consumers at the default budget and at Home Assistant core's freshness, the
projected monthly cost, and the time the client takes per live_status call against the
simulator on loopback.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import os
from pathlib import Path
import statistics
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp.test_utils import TestServer

from custom_components.energy_bridges_common.client.budget import BudgetConsumer, CallBudget
from custom_components.energy_bridges_common.client.stand_in import ALLOW_LOOPBACK_ENV
from custom_components.tesla_energy.api import TeslaEnergyClient, fleet_urls
from custom_components.tesla_energy.api.const import SERVER_OVERRIDE_ENV
from custom_components.tesla_energy.budget import DAYS_PER_MONTH, budget_settings
from custom_components.tesla_energy.const import (
    BUDGET_MODE_DAILY,
    CONF_BUDGET_MODE,
    CONF_CALLS_PER_DAY,
    HISTORY_MIN_INTERVAL,
    HISTORY_WEIGHT,
    INFO_MIN_INTERVAL,
    INFO_WEIGHT,
    LIVE_MIN_INTERVAL,
    LIVE_WEIGHT,
)
from simulators.tesla import TeslaFleetSimulator

CORE_CALLS_PER_SITE_PER_DAY = 86400 / 60 + 86400 / 60 + 86400 / 300


def per_day(options: dict[str, object], sites: int = 1) -> dict[str, float]:
    """Return each consumer's calls per day for the first site, at the start of a period."""
    settings = budget_settings(options)
    start = datetime(2026, 4, 1, tzinfo=UTC)
    budget = CallBudget(
        quota=settings.quota,
        reserve=settings.reserve,
        period=settings.period,
        now=lambda: start,
        max_interval=86400,
    )
    for site in range(sites):
        for name, interval, weight in (
            ("live", LIVE_MIN_INTERVAL, LIVE_WEIGHT),
            ("info", INFO_MIN_INTERVAL, INFO_WEIGHT),
            ("history", HISTORY_MIN_INTERVAL, HISTORY_WEIGHT),
        ):
            budget.register(BudgetConsumer(f"{name}{site}", 1, interval.total_seconds(), weight))
    return {name: 86400 / budget.interval_for(f"{name}0") for name in ("live", "info", "history")}


def report(title: str, options: dict[str, object]) -> None:
    """Print one configuration's numbers."""
    calls = per_day(options)
    total = sum(calls.values())
    monthly = total * DAYS_PER_MONTH
    settings = budget_settings(options)
    print(f"{title} (quota {settings.quota}/{settings.period.value}, reserve {settings.reserve})")
    for name, value in calls.items():
        print(f"  {name:8s} {value:8.1f} calls/day  (every {86400 / value:7.0f} s)")
    print(
        f"  total    {total:8.1f} calls/site/day = {total / CORE_CALLS_PER_SITE_PER_DAY:.0%} "
        f"of core's {CORE_CALLS_PER_SITE_PER_DAY:.0f}; {monthly:,.0f} calls/month = "
        f"US${monthly / 500:.2f} before the US$10 credit"
    )


async def latency(samples: int = 300) -> None:
    """Time live_status calls through the client against the simulator on loopback."""
    sim = TeslaFleetSimulator(rate_limit_per_minute=0)
    server = TestServer(sim.make_app(), host="127.0.0.1", access_log=None)
    await server.start_server()
    token = sim._issue("account-home", ("energy_device_data", "energy_cmds"), "bench")  # noqa: SLF001
    base = str(server.make_url("")).rstrip("/")

    async def provider(_fresh: bool) -> str:
        return str(token["access_token"])

    # The only way to a stand-in server: its variable, with the loopback switch on.
    os.environ[ALLOW_LOOPBACK_ENV] = "1"
    os.environ[SERVER_OVERRIDE_ENV] = base
    async with aiohttp.ClientSession() as session:
        client = TeslaEnergyClient(session, provider, region="na", urls=fleet_urls())
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            await client.async_live_status(1001)
            times.append((time.perf_counter() - started) * 1000)
    await server.close()
    times.sort()
    print(
        f"live_status through the client on loopback: median {statistics.median(times):.2f} ms, "
        f"p95 {times[int(len(times) * 0.95)]:.2f} ms over {samples} calls"
    )


def main() -> None:
    """Print the numbers."""
    report("Defaults: US$10 a month (the free credit), one site", {})
    report(
        "Core's freshness: 1,600 calls a day, one site",
        {CONF_BUDGET_MODE: BUDGET_MODE_DAILY, CONF_CALLS_PER_DAY: 1600},
    )
    asyncio.run(latency())


if __name__ == "__main__":
    main()
