"""The simulated units follow a new override at once, whatever the hour and the schedule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from simulators.framework import SimClock
from simulators.powervault import PowervaultCloud, PowervaultLocal
from simulators.powervault.model import MAX_POWER
from tests.conftest import serve_simulator

from .conftest import API_KEY, CLOUD_UNIT

# Off the simulator's 30-second steps, in the schedule's night force-charge (01:07, British
# winter time = UTC), with the sun up (12:07) and in the evening peak (18:07).
HOURS = [1, 12, 18]


def _text(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> SimClock:
    """A frozen clock 17 s past a few minutes of the hour (between two simulated steps)."""
    clock = SimClock(start=datetime(2026, 12, 2, request.param, 7, 17, tzinfo=UTC))
    clock.freeze()
    return clock


@pytest.fixture
async def base(socket_enabled: None, clock: SimClock) -> AsyncIterator[tuple[str, str]]:
    """Serve a cloud and a local unit on the clock; yield their base URLs."""
    cloud = PowervaultCloud(clock=clock)
    local = PowervaultLocal(clock=clock)
    for app in (cloud, local):
        for unit in [*app.units.values()] if isinstance(app, PowervaultCloud) else [app.unit]:
            unit.advance_to(clock.timestamp())
            unit.soc = 100.0
    async for cloud_server in serve_simulator(cloud):
        async for local_server in serve_simulator(local):
            yield (
                f"http://127.0.0.1:{cloud_server.port}",
                f"http://127.0.0.1:{local_server.port}",
            )


@pytest.mark.parametrize("clock", HOURS, indirect=True)
async def test_cloud_force_discharge_at_full_discharges_at_once(
    base: tuple[str, str], clock: SimClock
) -> None:
    """Right after the override, the latest record discharges at the unit's maximum."""
    now = clock.now()
    headers = {"x-api-key": API_KEY}
    override = {
        "start": _text(now),
        "end": _text(now + timedelta(hours=24)),
        "state": "force-discharge",
    }
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(
            f"{base[0]}/v4/unit/{CLOUD_UNIT}/stateOverride", json={"stateOverrides": [override]}
        ) as resp:
            assert resp.status == 200
        async with session.get(f"{base[0]}/v4/unit/{CLOUD_UNIT}/data") as resp:
            records = (await resp.json())["data"]
    # The simulated cloud's default sign: positive while charging (milliwatts).
    assert records[-1]["instant_battery"] == -MAX_POWER * 1000


@pytest.mark.parametrize("clock", HOURS, indirect=True)
async def test_local_force_discharge_at_full_discharges_at_once(
    base: tuple[str, str], clock: SimClock
) -> None:
    """Right after the override, the telemetry discharges at the unit's maximum."""
    now = clock.now()
    override = {
        "start": _text(now),
        "end": _text(now + timedelta(hours=24)),
        "state": "force-discharge",
    }
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base[1]}/api/state-override", json=override) as resp:
            assert (await resp.json())["status"] == "ok"
        async with session.get(f"{base[1]}/api/latest-telemetry") as resp:
            telemetry = {r["measurement"]: r["value"] for r in await resp.json()}
    # A real P3X: batteryPower negative when discharging.
    assert telemetry["batteryPower"] == -MAX_POWER
