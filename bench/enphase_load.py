"""Load on each simulated Enphase gateway at default settings: requests and busy-seconds per hour.

Runs the integration's own poller (the code the coordinators call) against each simulator
profile for a simulated hour, with the default intervals (CT readings every 10 s, the slow
poll every 60 s, which reads inverters and settings every 5 minutes and /info every 4 hours).
The simulator's clock is frozen and moved by hand (time travel), so an hour takes a second.
Busy-seconds are the gateway time each request costs, from the latencies measured on real
gateways (see ../shared/api-notes/enphase-envoy.md) as modelled by the simulator.

    python bench/enphase_load.py [--hours 1] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from datetime import UTC, datetime
import json
import os
from pathlib import Path
import sys

import aiohttp
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.energy_bridges_common.client.stand_in import ALLOW_LOOPBACK_ENV
from custom_components.enphase_gateway.api import EnphaseGateway, GatewayPoller
from custom_components.enphase_gateway.const import METER_INTERVAL, SCAN_INTERVAL
from simulators.enphase import PROFILES, EnlightenSimulator, GatewaySimulator
from simulators.enphase.cloud import OWNER_EMAIL, OWNER_PASSWORD
from simulators.framework import SimClock

METER_SECONDS = int(METER_INTERVAL.total_seconds())
SCAN_SECONDS = int(SCAN_INTERVAL.total_seconds())


async def measure(name: str, hours: float) -> dict[str, object]:
    clock = SimClock(start=datetime(2026, 6, 21, 6, 0, tzinfo=UTC))
    clock.freeze()
    cloud = EnlightenSimulator(clock=clock)
    sim = GatewaySimulator(PROFILES[name], clock=clock, latency=0)
    sim.boot_time -= 3600
    cloud_server = TestServer(cloud.make_app(), host="127.0.0.1", access_log=None)
    server = TestServer(sim.make_app(), host="127.0.0.1", access_log=None)
    await cloud_server.start_server()
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            token_auth = PROFILES[name].token_auth
            client = EnphaseGateway(
                session,
                f"127.0.0.1:{server.port}",
                username=OWNER_EMAIL if token_auth else "",
                password=OWNER_PASSWORD if token_auth else "",
                login_url=f"http://127.0.0.1:{cloud_server.port}/login/login.json",
                token_url=f"http://127.0.0.1:{cloud_server.port}/tokens",
                clock=clock.timestamp,
            )
            await client.setup()
            await client.authenticate()
            caps = await client.probe()
            poller = GatewayPoller(client, clock=clock.timestamp)
            await poller.read()
            if caps.has_cts:
                await poller.read_meters()
            setup_requests = len(sim.busy)
            setup_busy = sum(r.seconds for r in sim.busy)
            sim.busy.clear()
            ct_ages: list[float] = []
            last_ct = clock.timestamp()
            step = METER_SECONDS
            ticks = int(hours * 3600 / step)
            for tick in range(1, ticks + 1):
                clock.advance(step)
                if caps.has_cts:
                    ct_ages.append(clock.timestamp() - last_ct)
                    await poller.read_meters()
                    last_ct = clock.timestamp()
                if (tick * step) % SCAN_SECONDS == 0:
                    await poller.read()
    finally:
        await server.close()
        await cloud_server.close()
    requests = len(sim.busy) / hours
    busy = sum(r.seconds for r in sim.busy) / hours
    by_path = Counter(r.path for r in sim.busy)
    busy_by_path: Counter[str] = Counter()
    for record in sim.busy:
        busy_by_path[record.path] += record.seconds
    readings_latency = 0.1
    return {
        "profile": name,
        "firmware": PROFILES[name].firmware,
        "setup_requests": setup_requests,
        "setup_busy_seconds": round(setup_busy, 1),
        "requests_per_hour": round(requests),
        "busy_seconds_per_hour": round(busy, 1),
        "busy_share": f"{busy / 3600:.2%}",
        "ct_interval_seconds": METER_SECONDS if caps.has_cts else None,
        "ct_max_age_seconds": (max(ct_ages) + readings_latency) if ct_ages else None,
        "ct_mean_age_seconds": (sum(ct_ages) / len(ct_ages) / 2 + readings_latency)
        if ct_ages
        else None,
        "per_path": {
            p: {"requests": round(c / hours), "busy": round(busy_by_path[p] / hours, 1)}
            for p, c in by_path.most_common()
        },
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    # The gateway's client refuses a loopback address (the simulators') without the switch.
    os.environ[ALLOW_LOOPBACK_ENV] = "1"
    results = [await measure(name, args.hours) for name in PROFILES]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"{'profile':10} {'firmware':10} {'req/h':>6} {'busy s/h':>9} {'busy':>6} {'CT every':>9} {'CT max age':>11} {'setup req':>9} {'setup s':>8}"
    )
    for r in results:
        ct = "-" if r["ct_interval_seconds"] is None else f"{r['ct_interval_seconds']} s"
        age = "-" if r["ct_max_age_seconds"] is None else f"{r['ct_max_age_seconds']:.1f} s"
        print(
            f"{r['profile']:10} {r['firmware']:10} {r['requests_per_hour']:>6} {r['busy_seconds_per_hour']:>9} "
            f"{r['busy_share']:>6} {ct:>9} {age:>11} {r['setup_requests']:>9} {r['setup_busy_seconds']:>8}"
        )
    for r in results:
        print(
            f"\n{r['profile']}: "
            + ", ".join(f"{p} {v['requests']}/h {v['busy']} s" for p, v in r["per_path"].items())
        )  # type: ignore[union-attr]


if __name__ == "__main__":
    asyncio.run(main())
