"""Smoke test of the side-by-side bench's harness (scripts/bench itself is not run in CI)."""

from __future__ import annotations

import asyncio

import aiohttp
from homeassistant.core import HomeAssistant

from bench.side_by_side.harness import AgeSampler, CpuMeter, Traffic, tagged
from simulators.framework import SimClock
from simulators.v2c import ChargerApp, make_chargers


async def test_requests_are_told_apart_by_port(hass: HomeAssistant, socket_enabled: None) -> None:
    """One simulated charger on two ports: each request counts for the port's client only."""
    charger = make_chargers(1)[0]
    app = ChargerApp(charger, clock=SimClock())
    traffic = Traffic()
    try:
        first = await traffic.serve(app, "first", "charger")
        second = await traffic.serve(app, "second", "charger")
        async with aiohttp.ClientSession() as session:
            for server, count in ((first, 2), (second, 3)):
                for _ in range(count):
                    async with session.get(server.make_url("/RealTimeData")) as reply:
                        assert reply.status == 200
            async with session.get(second.make_url("/write/Intensity=99")) as reply:
                assert reply.status == 400
    finally:
        await traffic.close()

    assert len(traffic.of("first")) == 2
    assert len(traffic.of("second", "/RealTimeData")) == 3
    assert [h.status for h in traffic.of("second", "/write/")] == [400]
    assert len(traffic.of("second", ok=True)) == 3
    # The simulator's own log saw all of them: one instance behind both ports.
    assert app.log.count("/RealTimeData") == 5

    sampler = AgeSampler(traffic, {"first": "/RealTimeData"}, ["charger"])
    last = max(h.at for h in traffic.of("first"))
    sampler.sample(last + 7)
    assert sampler.summary("first") == {"median": 7, "max": 7}


async def test_cpu_is_charged_to_the_tagged_client(hass: HomeAssistant) -> None:
    """Callbacks run in a tagged context count for that tag, and for no other."""
    meter = CpuMeter()
    meter.install()
    try:

        async def work() -> None:
            for _ in range(3):
                sum(i * i for i in range(20_000))
                await asyncio.sleep(0)

        with tagged("busy"):
            task = asyncio.get_running_loop().create_task(work())
        await task
        sum(i * i for i in range(20_000))
    finally:
        meter.uninstall()
    # The untagged work (the test's own) goes to "other", never to the tagged client.
    assert meter.snapshot().keys() <= {"busy", "other"}
    assert meter.snapshot()["busy"] > 0
