"""The V2C simulator: quota headers, 429, firmware variants, the evolving session."""

from __future__ import annotations

import aiohttp

from simulators.framework import SimClock
from simulators.powervault import PowervaultCloud
from simulators.v2c import DESCRIPTION, CloudApp, build, make_chargers
from simulators.v2c.charger import ChargerApp
from tests.conftest import serve_simulator

from .conftest import API_KEY, V2CSim


def test_build_serves_cloud_and_lan_chargers() -> None:
    served = build({"chargers": "3", "cloud_only": "2", "firmware": "2.1.7,2.4.6"}, SimClock())
    assert [s.port for s in served] == [8200, 8201, 8203]
    assert served[0].app.name == "v2c-cloud"
    assert "8200" in DESCRIPTION


def test_session_energy_follows_intensity() -> None:
    clock = SimClock()
    clock.freeze()
    charger = make_chargers(1)[0]
    app = ChargerApp(charger, clock=clock)
    clock.advance(3600)
    state = app.state()
    assert state["energy"] == round(16 * 230 / 1000, 4)
    charger.paused = 1
    clock.advance(3600)
    assert app.state()["energy"] == round(16 * 230 / 1000, 4)


async def test_quota_and_control_api(v2c_sim: V2CSim) -> None:
    async with aiohttp.ClientSession() as session:
        headers = {"apikey": API_KEY}
        async with session.get(f"{v2c_sim.cloud_url}/pairings/me", headers=headers) as resp:
            assert resp.headers["RateLimit-Remaining"] == "999"
        v2c_sim.cloud.used = 1000
        async with session.get(f"{v2c_sim.cloud_url}/pairings/me", headers=headers) as resp:
            assert resp.status == 429
            assert int(resp.headers["Retry-After"]) > 0
        async with session.post(
            f"{v2c_sim.cloud_url}/_sim/state",
            json={"used": 0, "chargers": {"V2C00001": {"car_connected": False}}},
        ) as resp:
            assert (await resp.json())["used"] == 0
        lan = f"http://{v2c_sim.address()}"
        async with session.get(f"{lan}/RealTimeData") as resp:
            assert (await resp.json(content_type=None))["ChargeState"] == 0
        async with session.get(f"{lan}/write/Intensity=33") as resp:
            assert resp.status == 400
        async with session.get(f"{lan}/write/Bogus=1") as resp:
            assert resp.status == 404
        async with session.get(f"{lan}/write/Intensity=x") as resp:
            assert resp.status == 400
        async with session.get(f"{lan}/read/Bogus") as resp:
            assert resp.status == 404
        async with session.post(
            f"{lan}/_sim/state", json={"firmware": "2.3.20", "car_connected": True, "Intensity": 10}
        ) as resp:
            assert (await resp.json())["Intensity"] == 10
        async with session.post(f"{lan}/_sim/state", json={"firmware": "9.9"}) as resp:
            assert resp.status == 400
        async with session.post(f"{lan}/_sim/state", json={"nope": 1}) as resp:
            assert resp.status == 400
        async with session.get(f"{lan}/read/Intensity") as resp:
            assert resp.status == 404
        async with session.get(
            f"{v2c_sim.cloud_url}/device/reported?deviceId=X", headers=headers
        ) as resp:
            assert resp.status == 404
        async with session.post(
            f"{v2c_sim.cloud_url}/device/intensity?deviceId=V2C00001&value=99", headers=headers
        ) as resp:
            assert resp.status == 400
        async with session.post(
            f"{v2c_sim.cloud_url}/device/timer?deviceId=V2C00001&timerId=1",
            headers=headers,
            data="nope",
        ) as resp:
            assert resp.status == 400
        async with session.get(f"{v2c_sim.cloud_url}/device/rfid", headers=headers) as resp:
            assert resp.status == 404
    assert v2c_sim.cloud.state()["quota"] == 1000


async def test_chargers_read_the_house_meter(socket_enabled: None) -> None:
    """The demo house: the chargers' house and PV power are the Powervault's home and solar."""
    clock = SimClock()
    clock.freeze()  # both reads see the same moment of the house
    meter = PowervaultCloud(clock=clock)
    async for server in serve_simulator(meter):
        served = build({"house_meter": f"http://127.0.0.1:{server.port}/_sim/state"}, clock)
        cloud = served[0].app
        assert isinstance(cloud, CloudApp)
        async with aiohttp.ClientSession() as session:
            assert await cloud.poll_house_meter(session)
            async with session.get(f"http://127.0.0.1:{server.port}/_sim/state") as resp:
                house = next(iter((await resp.json()).values()))
    for charger in cloud.chargers.values():
        assert charger.realtime()["HousePower"] == round(house["home"])
        assert charger.realtime()["FVPower"] == round(house["solar"])


async def test_a_silent_house_meter_changes_nothing(socket_enabled: None) -> None:
    served = build({"house_meter": "http://127.0.0.1:1/_sim/state"}, SimClock())
    cloud = served[0].app
    assert isinstance(cloud, CloudApp)
    before = [charger.realtime()["HousePower"] for charger in cloud.chargers.values()]
    async with aiohttp.ClientSession() as session:
        assert not await cloud.poll_house_meter(session)
    assert [charger.realtime()["HousePower"] for charger in cloud.chargers.values()] == before
