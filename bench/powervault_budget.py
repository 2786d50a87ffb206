"""
Powervault: cloud calls per day per unit and the data freshness they buy (not a test).

Serves the simulators on loopback (ports 8150/8151), then replays a simulated day with the
integration's own pacing: the shared CallBudget (the default 500 calls, 40 kept for
commands), the coordinators' consumers (data: 1 call, 5-minute slots; schedule: 2 calls,
hourly) and the bucket-slot alignment. Every request goes through the real api client to
the simulator, which records it. Also times the local API's calls.

    PYTHONPATH=. python bench/powervault_budget.py [--units N] [--quota Q]
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
import json
import os
import statistics
import time

import aiohttp

from custom_components.energy_bridges_common.client.budget import BudgetConsumer, CallBudget
from custom_components.energy_bridges_common.client.stand_in import ALLOW_LOOPBACK_ENV
from custom_components.powervault.api import (
    LocalTelemetry,
    PowervaultCloudClient,
    PowervaultLocalClient,
)
from custom_components.powervault.const import COMMAND_RESERVE, DEFAULT_DAILY_BUDGET
from custom_components.powervault.coordinator import seconds_to_next_slot
from simulators.framework import SimClock
from simulators.framework.runner import Served, start
from simulators.powervault import PowervaultCloud, PowervaultLocal

START = datetime(2026, 11, 23, 0, 0, 30, tzinfo=UTC)
DAY = 86400.0


async def replay_day(units: int, quota: int) -> dict[str, object]:
    clock = SimClock(start=START)
    clock.freeze()
    cloud = PowervaultCloud(clock=clock, units=units)
    runners = await start([Served(cloud, "127.0.0.1", 8150)])
    budget = CallBudget(quota=quota, reserve=COMMAND_RESERVE, now=clock.now, max_interval=3600.0)
    try:
        async with aiohttp.ClientSession() as session:
            client = PowervaultCloudClient(
                session, "sim-powervault-key", base_url="http://127.0.0.1:8150/v4"
            )
            client.http.add_observer(budget)
            unit_ids = list(cloud.units)
            # name -> (next due timestamp, kind, unit)
            due: dict[str, tuple[float, str, str]] = {}
            for unit in unit_ids:
                for kind, calls, interval, weight in (
                    ("data", 1, 300.0, 3.0),
                    ("control", 2, 3600.0, 1.0),
                ):
                    name = f"{unit}:{kind}"
                    budget.register(BudgetConsumer(name, calls, interval, weight))
                    due[name] = (clock.timestamp(), kind, unit)
            ages: list[float] = []
            gaps: dict[str, list[float]] = {}
            last_poll: dict[str, float] = {}
            end = clock.timestamp() + DAY
            while True:
                name, (when, kind, unit) = min(due.items(), key=lambda item: item[1][0])
                if when >= end:
                    break
                clock.set(datetime.fromtimestamp(when, UTC))
                now = clock.timestamp()
                if kind == "data":
                    records = await client.get_data(unit, "today")
                    if records:
                        # How far into the newest bucket it is read.
                        ages.append(now - records[-1].time.timestamp())
                    wait = seconds_to_next_slot(now, budget.interval_for(name))
                else:
                    await client.get_battery_control(unit)
                    wait = budget.interval_for(name)
                if name in last_poll:
                    gaps.setdefault(kind, []).append(now - last_poll[name])
                last_poll[name] = now
                due[name] = (now + wait, kind, unit)
            total = cloud.log.count(r"/v4/")
            return {
                "units": units,
                "quota": quota,
                "calls_per_day": total,
                "calls_per_day_per_unit": round(total / units, 1),
                "by_route": cloud.log.by_route(),
                "budget_refused": budget.refused,
                "data_interval_s": {
                    "median": statistics.median(gaps.get("data", [0])),
                    "max": max(gaps.get("data", [0])),
                },
                "schedule_interval_s": {
                    "median": statistics.median(gaps.get("control", [0])),
                    "max": max(gaps.get("control", [0])),
                },
                "read_into_newest_bucket_s": {
                    "median": statistics.median(ages) if ages else None,
                    "max": max(ages) if ages else None,
                },
                # The shown values are at most one interval plus the read delay old.
                "shown_data_max_age_s": (max(gaps.get("data", [0])) + max(ages) if ages else None),
            }
    finally:
        for runner in runners:
            await runner.cleanup()


async def time_local(samples: int = 50) -> dict[str, object]:
    local = PowervaultLocal(clock=SimClock())
    runners = await start([Served(local, "127.0.0.1", 8151)])
    try:
        async with aiohttp.ClientSession() as session:
            client = PowervaultLocalClient(session, "127.0.0.1", 8151)
            timings: dict[str, list[float]] = {"latest_telemetry": [], "chart_data_5min": []}
            now = datetime.now(UTC)
            for _ in range(samples):
                started = time.perf_counter()
                await client.get_latest_telemetry()
                timings["latest_telemetry"].append(time.perf_counter() - started)
                started = time.perf_counter()
                await client.get_chart_data(now - timedelta(minutes=5), now)
                timings["chart_data_5min"].append(time.perf_counter() - started)
            started = time.perf_counter()
            day = await client.get_history("today", now)
            whole_day = time.perf_counter() - started
            return {
                name: {
                    "p50_ms": round(statistics.median(values) * 1000, 2),
                    "p95_ms": round(sorted(values)[int(len(values) * 0.95) - 1] * 1000, 2),
                }
                for name, values in timings.items()
            } | {"chart_data_today_ms": round(whole_day * 1000, 1), "samples_today": len(day)}
    finally:
        for runner in runners:
            await runner.cleanup()


def time_parse(samples: int = 200) -> dict[str, object]:
    """Time the parse of one real-shaped reply: ten modules of 15 cells, nulls and letters."""
    unit = PowervaultLocal(clock=SimClock(), modules=10)
    sample = unit.unit.latest()
    records = unit._records(sample)  # noqa: SLF001 - the reply itself, without HTTP
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        telemetry = LocalTelemetry.from_api(records)
        timings.append(time.perf_counter() - started)
    return {
        "records": len(records),
        "null_records": sum(record["value"] is None for record in records),
        "cells_parsed": len(telemetry.cells),
        "p50_ms": round(statistics.median(timings) * 1000, 3),
        "p95_ms": round(sorted(timings)[int(len(timings) * 0.95) - 1] * 1000, 3),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=1)
    parser.add_argument("--quota", type=int, default=DEFAULT_DAILY_BUDGET)
    args = parser.parse_args()
    # The unit's local client refuses a loopback address (the simulator's) without the switch.
    os.environ[ALLOW_LOOPBACK_ENV] = "1"
    result = {
        "cloud_day": await replay_day(args.units, args.quota),
        "local_api": await time_local(),
        "local_parse": time_parse(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
