"""The simulated Powerwall gateway: login, lockout, sessions, rate limit, profiles, the model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
import json
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
import pytest

from simulators.framework import FaultKind, SimClock
from simulators.framework.runner import VENDORS
from simulators.tesla_local import PROFILES, Limits, PowerwallGatewaySimulator, build
from simulators.tesla_local.model import SiteModel

NOON = datetime(2026, 6, 15, 11, 0, tzinfo=UTC)
type Start = Callable[..., Awaitable[tuple[PowerwallGatewaySimulator, str]]]


@pytest.fixture
async def start(socket_enabled: None) -> AsyncIterator[Start]:
    """Serve simulated gateways with a frozen clock at noon."""
    servers: list[TestServer] = []

    async def go(profile: str = "full", **kwargs: Any) -> tuple[PowerwallGatewaySimulator, str]:
        clock = SimClock(start=NOON)
        clock.freeze()
        sim = PowerwallGatewaySimulator(PROFILES[profile], clock=clock, **kwargs)
        server = TestServer(sim.make_app(), host="127.0.0.1")
        await server.start_server(access_log=None)
        servers.append(server)
        return sim, f"http://127.0.0.1:{server.port}"

    yield go
    for server in servers:
        await server.close()


async def _login(session: aiohttp.ClientSession, url: str, password: str) -> tuple[int, Any]:
    async with session.post(
        f"{url}/api/login/Basic",
        json={"username": "customer", "password": password, "email": "", "force_sm_off": False},
    ) as resp:
        text = await resp.text()
        return resp.status, json.loads(text) if resp.content_type == "application/json" else text


async def _get(session: aiohttp.ClientSession, url: str, path: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.get(f"{url}{path}", headers=headers) as resp:
        return resp.status


def test_runner_finds_the_vendor() -> None:
    """``python -m simulators tesla_local`` works without registering anything."""
    assert VENDORS["tesla_local"] == "simulators.tesla_local"
    served = build({"profile": "full,reduced", "gzip": "1", "rate_limit": "7"}, SimClock())
    assert [s.port for s in served] == [PROFILES["full"].port, PROFILES["reduced"].port]
    app = served[0].app
    assert isinstance(app, PowerwallGatewaySimulator)
    assert app.gzip_replies and app.limits.rate_limit == 7
    assert len(build({}, SimClock())) == len(PROFILES)
    with pytest.raises(SystemExit):
        build({"profile": "pw4"}, SimClock())


async def test_login_then_reads_need_the_session(start: Start) -> None:
    """401 without a session, 200 with the token or the AuthCookie; logout ends it."""
    sim, url = await start()
    async with aiohttp.ClientSession() as session:
        assert await _get(session, url, "/api/system_status/soe", None) == 401
        status, body = await _login(session, url, sim.password)
        assert status == 200
        assert await _get(session, url, "/api/system_status/soe", body["token"]) == 200
        cookie = next(iter(sim.sessions.values())).cookie
        async with session.get(
            f"{url}/api/system_status/soe", headers={"Cookie": f"AuthCookie={cookie}"}
        ) as resp:
            assert resp.status == 200
        async with session.get(
            f"{url}/api/logout", headers={"Authorization": f"Bearer {body['token']}"}
        ):
            pass
        assert await _get(session, url, "/api/system_status/soe", body["token"]) == 401


async def test_sessions_expire(start: Start) -> None:
    """A session dies after its lifetime on the simulator's clock."""
    sim, url = await start(limits=Limits(session_lifetime=3600))
    async with aiohttp.ClientSession() as session:
        _status, body = await _login(session, url, sim.password)
        sim.clock.advance(3599)
        assert await _get(session, url, "/api/operation", body["token"]) == 200
        sim.clock.advance(2)
        assert await _get(session, url, "/api/operation", body["token"]) == 401


async def test_lockout_after_repeated_failed_logins(start: Start) -> None:
    """Five refused logins lock the login, the right password too, for a while."""
    sim, url = await start()
    async with aiohttp.ClientSession() as session:
        for _ in range(sim.limits.lockout_after):
            status, body = await _login(session, url, "nope!")
            assert status == 401
            assert body["error"] == "bad credentials"
        status, _body = await _login(session, url, sim.password)
        assert status == 429
        sim.clock.advance(sim.limits.lockout_seconds)
        status, _body = await _login(session, url, sim.password)
        assert status == 200


async def test_default_password_refused(start: Start) -> None:
    """A gateway that refuses its default password says so."""
    sim, url = await start(refuse_default_password=True)
    async with aiohttp.ClientSession() as session:
        status, body = await _login(session, url, sim.password)
    assert status == 401
    assert body["error"] == "default password not supported"


async def test_polled_too_fast_answers_429_for_a_while(start: Start) -> None:
    """More than the limit in the window: 429 on every route until the penalty ends."""
    sim, url = await start(limits=Limits(rate_limit=3, rate_window=10, rate_penalty=60))
    async with aiohttp.ClientSession() as session:
        _status, body = await _login(session, url, sim.password)  # 1
        token = body["token"]
        assert await _get(session, url, "/api/system_status/soe", token) == 200  # 2
        assert await _get(session, url, "/api/system_status/soe", token) == 200  # 3
        assert await _get(session, url, "/api/system_status/soe", token) == 429
        sim.clock.advance(59)
        assert await _get(session, url, "/api/site_info", token) == 429
        sim.clock.advance(2)
        assert await _get(session, url, "/api/site_info", token) == 200


async def test_reduced_and_tedapi_profiles(start: Start) -> None:
    """Powerwall 3: live endpoints only, no web page; TEDAPI-only: no /api login at all."""
    sim, url = await start("reduced")
    async with aiohttp.ClientSession() as session:
        _status, body = await _login(session, url, sim.password)
        token = body["token"]
        for path in sim.live_only:
            assert await _get(session, url, path, token) == 200
        for path in ("/api/operation", "/api/status", "/api/powerwalls", "/api/site_info", "/"):
            assert await _get(session, url, path, token) == 404
        tedapi, tedapi_url = await start("tedapi")
        status, _body = await _login(session, tedapi_url, tedapi.password)
        assert status == 404
        assert await _get(session, tedapi_url, "/tedapi/din", None) == 401


async def test_framework_faults_apply(start: Start) -> None:
    """The framework's faults work on the gateway's routes."""
    sim, url = await start()
    sim.faults.inject(FaultKind.STATUS, "/api/system_status/soe", status=503, times=1)
    async with aiohttp.ClientSession() as session:
        _status, body = await _login(session, url, sim.password)
        assert await _get(session, url, "/api/system_status/soe", body["token"]) == 503
        assert await _get(session, url, "/api/system_status/soe", body["token"]) == 200


async def test_grid_outage_and_island_command(start: Start) -> None:
    """The grid down: islanded, no grid power; the island write goes off grid and back."""
    sim, url = await start()
    await sim.update_state({"grid_up": False})
    async with aiohttp.ClientSession() as session:
        _status, body = await _login(session, url, sim.password)
        headers = {"Authorization": f"Bearer {body['token']}"}
        async with session.get(f"{url}/api/system_status/grid_status", headers=headers) as resp:
            assert (await resp.json())["grid_status"] == "SystemIslandedActive"
        async with session.get(f"{url}/api/meters/aggregates", headers=headers) as resp:
            assert (await resp.json())["site"]["instant_power"] == 0
        async with session.post(
            f"{url}/api/v2/islanding/mode", json={"island_mode": "backup"}, headers=headers
        ) as resp:
            assert await resp.json() == {"island_mode": "backup"}
    assert sim.model.grid_up


def test_model_follows_the_sun_and_totals_only_grow() -> None:
    """No sun at night, sun at noon; flows balance; lifetime energy never goes back."""
    model = SiteModel(time_zone="UTC")
    start = datetime(2026, 6, 15, 0, 0, tzinfo=UTC).timestamp()
    night = model.advance(start)
    assert night.solar == 0
    before = {name: (m.imported, m.exported) for name, m in model.meters.items()}
    noon = model.advance(start + 12 * 3600)
    assert noon.solar > 0
    assert noon.site + noon.battery + noon.solar == pytest.approx(noon.load)
    for name, meter in model.meters.items():
        assert meter.imported >= before[name][0]
        assert meter.exported >= before[name][1]
    # Discharging stops at the reserve (self-consumption) in the evening.
    model.advance(start + 20 * 3600)
    model.soe_raw = model.reserve_raw
    evening = model.advance(start + 20 * 3600)
    assert evening.battery == 0
    assert evening.site == pytest.approx(evening.load - evening.solar)
