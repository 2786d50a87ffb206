"""The Powervault simulator: its build, control API and input checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp.test_utils import TestServer

from simulators.framework import SimClock
from simulators.powervault import DESCRIPTION, PowervaultCloud, PowervaultLocal, build
from simulators.v2c import make_chargers
from simulators.v2c.charger import ChargerApp
from tests.conftest import serve_simulator

from .conftest import API_KEY, CLOUD_UNIT


def test_build() -> None:
    served = build({"units": "3", "local_port": "8111"}, SimClock())
    assert [(s.app.name, s.port) for s in served] == [
        ("powervault-cloud", 8100),
        ("powervault-local", 8111),
    ]
    assert isinstance(served[0].app, PowervaultCloud)
    assert len(served[0].app.units) == 3
    assert "8100" in DESCRIPTION


async def test_cloud_control_and_checks(
    cloud_server: TestServer, cloud_app: PowervaultCloud
) -> None:
    base = f"http://127.0.0.1:{cloud_server.port}"
    headers = {"x-api-key": API_KEY}
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{base}/_sim/state",
            json={
                "null_at_boundary": False,
                "battery_positive_when": "discharging",
                "ignore_cancel": True,
                CLOUD_UNIT: {"soc": 90},
            },
        ) as resp:
            state = await resp.json()
        assert not cloud_app.null_at_boundary
        assert cloud_app.battery_positive_when == "discharging"
        assert cloud_app.ignore_cancel
        assert set(state) == {"pvsim-1001", "pvsim-1002"}
        async with session.get(
            f"{base}/v4/unit/{CLOUD_UNIT}/data?period=ever", headers=headers
        ) as resp:
            assert resp.status == 400
        async with session.get(f"{base}/v4/unit?customerAccountId=1", headers=headers) as resp:
            assert await resp.json() == {"units": []}
        for body in ({"stateOverrides": "x"}, {"stateOverrides": [{"state": "normal"}]}):
            async with session.post(
                f"{base}/v4/unit/{CLOUD_UNIT}/stateOverride", json=body, headers=headers
            ) as resp:
                assert resp.status == 400
        async with session.post(
            f"{base}/v4/unit/{CLOUD_UNIT}/stateOverride", data="{", headers=headers
        ) as resp:
            assert resp.status == 400


async def test_local_control_and_checks(
    local_server: TestServer, local_app: PowervaultLocal
) -> None:
    base = f"http://127.0.0.1:{local_server.port}"
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{base}/_sim/state",
            json={"base_load": 900, "nulls": ["gridPower"], "ignore_cancel": True},
        ) as resp:
            assert (await resp.json())["unit_id"] == "008a2564"
        assert local_app.unit.base_load == 900
        assert local_app.ignore_cancel
        async with session.get(f"{base}/api/latest-telemetry") as resp:
            grid = [r for r in await resp.json() if r["measurement"] == "gridPower"]
        assert [(r["value"], r["unit"]) for r in grid] == [(None, "watts")]
        async with session.get(f"{base}/api/chart-data?start=x") as resp:
            assert resp.status == 400
        for body in ("{", "[]", '{"state": "turbo"}'):
            async with session.post(f"{base}/api/state-override", data=body) as resp:
                assert resp.status == 400


async def test_linked_chargers_draw_from_the_house(socket_enabled: None) -> None:
    """The demo house: the chargers' power is part of the Powervault's home load."""
    clock = SimClock()
    chargers = make_chargers(2)
    chargers[1].paused = 1
    apps = [ChargerApp(charger, clock=clock) for charger in chargers]
    async for first in serve_simulator(apps[0]):
        async for second in serve_simulator(apps[1]):
            urls = [f"http://127.0.0.1:{s.port}/RealTimeData" for s in (first, second)]
            served = build({"linked_load": ",".join(urls)}, clock)
            cloud = served[0].app
            assert isinstance(cloud, PowervaultCloud)
            unit = next(iter(cloud.units.values()))
            before = clock.timestamp()
            when = datetime.fromtimestamp(before, UTC)
            alone = unit.home_at(when)
            async with aiohttp.ClientSession() as session:
                drawn = await cloud.poll_linked(session)
    # The charging one draws its intensity at its voltage; the paused one nothing.
    assert drawn == chargers[0].intensity * chargers[0].voltage
    later = datetime.fromtimestamp(clock.timestamp() + 1, UTC)
    assert unit.linked_load is not None
    assert unit.linked_load(later.timestamp()) == drawn
    assert unit.home_at(later) > drawn
    # Before the first reading the chargers were idle: the house's history is unchanged.
    assert unit.home_at(when - timedelta(seconds=1)) < alone + 300


async def test_a_silent_linked_device_counts_nothing(socket_enabled: None) -> None:
    served = build({"linked_load": "http://127.0.0.1:1/RealTimeData"}, SimClock())
    cloud = served[0].app
    assert isinstance(cloud, PowervaultCloud)
    async with aiohttp.ClientSession() as session:
        assert await cloud.poll_linked(session) == 0.0


def test_linked_history_is_the_house_past() -> None:
    """Before the first reading the linked devices drew what ``linked_history`` says."""
    served = build(
        {"linked_load": "http://127.0.0.1:1/RealTimeData", "linked_history": "18:00-21:30@7360"},
        SimClock(),
    )
    cloud = served[0].app
    assert isinstance(cloud, PowervaultCloud)
    load = cloud.linked_load
    evening = datetime(2026, 12, 1, 18, 0, tzinfo=UTC).timestamp()  # GMT is British time
    assert load(evening) == 7360
    assert load(evening + 3.5 * 3600 - 1) == 7360
    assert load(evening + 3.5 * 3600) == 0
    assert load(evening - 1) == 0
    # From the first reading on, the readings count, not the history.
    load.add(evening + 60, 100.0)
    assert load(evening + 120) == 100.0
    assert load(evening + 30) == 7360
