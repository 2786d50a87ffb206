"""Tesla Energy with local access: Fleet API calls per site per day, freshness, LAN poll time.

Run: ``python bench/tesla_local.py``. Prints, side by side with Home Assistant core's
``tesla_fleet`` (live_status and site_info every 60 s, history every 5 min), the Fleet API calls
a site costs per day at the default budget with and without local access (with it the live
consumer leaves the budget: live values come from the LAN), how old live power can get in each
mode, and what one LAN poll (3 requests, one after another) takes through the local client
against the simulated gateway on loopback over HTTPS with its self-signed certificate.

With local access the live coordinator leaves the budget (``local_source_changed``), so the
"with local access" row is the budget's allocation without the live consumer; the month of
time travel in ``tests/tesla_energy/test_local_budget.py`` checks that no live_status is sent.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
import statistics
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp.test_utils import TestServer

from custom_components.energy_bridges_common.client.budget import BudgetConsumer, CallBudget
from custom_components.tesla_energy.api.local import PowerwallLocalClient
from custom_components.tesla_energy.budget import budget_settings
from custom_components.tesla_energy.const import (
    HISTORY_MIN_INTERVAL,
    HISTORY_WEIGHT,
    INFO_MIN_INTERVAL,
    INFO_WEIGHT,
    LIVE_MIN_INTERVAL,
    LIVE_WEIGHT,
)
from custom_components.tesla_energy.local_source import LOCAL_INTERVAL
from simulators.framework import SimClock
from simulators.tesla_local import PROFILES, Limits, PowerwallGatewaySimulator
from simulators.tesla_local.tls import server_context

CORE_LIVE_AGE = 60.0
CORE_CALLS_PER_SITE_PER_DAY = 86400 / 60 + 86400 / 60 + 86400 / 300


def calls_per_day(*, local: bool, sites: int = 1) -> dict[str, float]:
    """Return the first site's Fleet API calls per day by kind at the default budget."""
    settings = budget_settings({})
    start = datetime(2026, 4, 1, tzinfo=UTC)
    budget = CallBudget(
        quota=settings.quota,
        reserve=settings.reserve,
        period=settings.period,
        now=lambda: start,
        max_interval=86400,
    )
    kinds = [
        ("info", INFO_MIN_INTERVAL, INFO_WEIGHT),
        ("history", HISTORY_MIN_INTERVAL, HISTORY_WEIGHT),
    ]
    if not local:
        kinds.insert(0, ("live", LIVE_MIN_INTERVAL, LIVE_WEIGHT))
    for site in range(sites):
        for name, interval, weight in kinds:
            budget.register(BudgetConsumer(f"{name}{site}", 1, interval.total_seconds(), weight))
    return {name: 86400 / budget.interval_for(f"{name}0") for name, _i, _w in kinds}


async def lan_poll_times(samples: int = 200) -> list[float]:
    """Time whole LAN polls (ms) through the client against the simulated gateway."""
    sim = PowerwallGatewaySimulator(
        PROFILES["full"], clock=SimClock(), limits=Limits(rate_limit=1_000_000)
    )
    server = TestServer(sim.make_app(), host="127.0.0.1")
    await server.start_server(ssl=server_context(), access_log=None)
    times = []
    async with aiohttp.ClientSession() as session:
        client = PowerwallLocalClient(
            session, f"127.0.0.1:{server.port}", sim.password, allow_loopback=True
        )
        await client.probe()
        for _ in range(samples):
            started = time.perf_counter()
            await client.poll(operation=False)  # as the local coordinator polls
            times.append((time.perf_counter() - started) * 1000)
        logins = client.logins
    await server.close()
    print(f"  logins for {samples} polls and a probe: {logins}")
    return sorted(times)


def main() -> None:
    """Print the numbers."""
    print("Fleet API calls per site per day at the default budget (US$10 a month, one site)")
    print(f"  core tesla_fleet          {CORE_CALLS_PER_SITE_PER_DAY:8.1f}")
    for local in (False, True):
        calls = calls_per_day(local=local)
        total = sum(calls.values())
        parts = ", ".join(f"{k} {v:.1f}" for k, v in calls.items())
        label = "with local access   " if local else "without local access"
        print(
            f"  {label}      {total:8.1f}  = {total / CORE_CALLS_PER_SITE_PER_DAY:.3f}x core "
            f"({parts})"
        )
        if not local:
            live_age = 86400 / calls["live"]
    print("Live power, oldest it gets")
    print(f"  core tesla_fleet          {CORE_LIVE_AGE:6.0f} s")
    print(f"  without local access      {live_age:6.0f} s (the budget's live interval)")
    times = asyncio.run(lan_poll_times())
    median = statistics.median(times)
    p95 = times[int(len(times) * 0.95)]
    print(f"  with local access         {LOCAL_INTERVAL + p95 / 1000:6.1f} s (interval + p95 poll)")
    print(
        f"LAN poll (3 requests, HTTPS, loopback): median {median:.2f} ms, p95 {p95:.2f} ms "
        f"over {len(times)} polls"
    )


if __name__ == "__main__":
    main()
