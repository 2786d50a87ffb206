"""Tests for the simulator framework: faults, request log, clock, control API, CLI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
import json
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.energy_bridges_common.client.errors import (
    InvalidResponseError,
    RateLimitedError,
    RequestError,
    RequestTimeoutError,
    UnreachableError,
)
from custom_components.energy_bridges_common.client.http import NO_RETRY, HttpClient
from simulators.framework import Fault, FaultKind, SimClock, SimulatorApp, json_response
from simulators.framework.faults import missing_keys, wrong_types
from simulators.framework.runner import VENDORS, Served, main, parse_args, start, vendor_options


class Meter(SimulatorApp):
    """A tiny device: a counter that grows with simulated time."""

    name = "meter"

    def __init__(self, clock: SimClock | None = None) -> None:
        super().__init__(clock=clock)
        self.reboots = 0
        self.label = "meter"

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/reading", self.reading)
        app.router.add_get("/api/item/{item_id}", self.item)

    async def reading(self, request: web.Request) -> web.Response:
        elapsed = self.clock.timestamp() - self.boot_time
        return json_response({"energy": round(elapsed, 3), "label": self.label, "ok": True})

    async def item(self, request: web.Request) -> web.Response:
        return json_response({"id": request.match_info["item_id"], "nested": {"v": 1}})

    def on_reboot(self) -> None:
        self.reboots += 1

    def state(self) -> dict[str, Any]:
        return {"label": self.label, "reboots": self.reboots}

    async def update_state(self, changes: dict[str, Any]) -> dict[str, Any]:
        self.label = str(changes.get("label", self.label))
        return self.state()


@pytest.fixture
def clock() -> SimClock:
    clock = SimClock(start=datetime(2026, 6, 1, 12, tzinfo=UTC))
    clock.freeze()
    return clock


@pytest.fixture
async def meter(clock: SimClock, socket_enabled: None) -> AsyncIterator[tuple[Meter, str]]:
    sim = Meter(clock)
    server = TestServer(sim.make_app(), host="127.0.0.1")
    await server.start_server()
    yield sim, str(server.make_url(""))
    await server.close()


@pytest.fixture
async def client(meter: tuple[Meter, str]) -> AsyncIterator[HttpClient]:
    async with aiohttp.ClientSession() as session:
        yield HttpClient(session, meter[1], timeout=2, retry=NO_RETRY)


async def test_normal_answers_and_request_log(
    meter: tuple[Meter, str], client: HttpClient, clock: SimClock
) -> None:
    sim, _ = meter
    clock.advance(30)
    assert (await client.get_json("/api/reading"))["energy"] == 30
    await client.get_json("/api/item/7")
    await client.get_json("/api/item/8")
    assert sim.log.count() == 3
    assert sim.log.count(r"^/api/item/") == 2
    assert sim.log.count(method="POST") == 0
    assert sim.log.by_route() == {"GET /api/reading": 1, "GET /api/item/{item_id}": 2}
    summary = sim.log.summary()
    assert summary["total"] == 3
    assert sim.log.busy_seconds() >= 0
    assert sim.log.records[0].time == clock.timestamp()
    sim.log.clear()
    assert sim.log.count() == 0


async def test_fault_status_times_and_skip(meter: tuple[Meter, str], client: HttpClient) -> None:
    sim, _ = meter
    fault = sim.faults.inject(FaultKind.STATUS, r"/api/reading", status=503, times=2, skip=1)
    await client.get_json("/api/reading")  # skipped
    for _ in range(2):
        with pytest.raises(RequestError) as err:
            await client.get_json("/api/reading")
        assert err.value.status == 503
    await client.get_json("/api/reading")  # exhausted
    assert fault.hits == 2
    assert [r.status for r in sim.log.records] == [200, 503, 503, 200]
    assert [r.fault for r in sim.log.records] == [None, "status", "status", None]


async def test_fault_matches_route_and_method(meter: tuple[Meter, str], client: HttpClient) -> None:
    sim, _ = meter
    sim.faults.inject(FaultKind.STATUS, r"/api/item/", method="POST", status=500)
    await client.get_json("/api/item/1")  # a GET is untouched
    sim.faults.clear()
    sim.faults.inject(FaultKind.STATUS, r"/api/item/", status=404)
    await client.get_json("/api/reading")
    with pytest.raises(RequestError):
        await client.get_json("/api/item/2")


async def test_rate_limit_fault(meter: tuple[Meter, str], client: HttpClient) -> None:
    sim, _ = meter
    sim.faults.inject(FaultKind.RATE_LIMIT, seconds=120, times=1)
    sim.faults.inject(FaultKind.RATE_LIMIT, times=1)
    with pytest.raises(RateLimitedError) as err:
        await client.get_json("/api/reading")
    assert err.value.retry_after == 120
    with pytest.raises(RateLimitedError) as err:
        await client.get_json("/api/reading")
    assert err.value.retry_after is None


async def test_body_faults(meter: tuple[Meter, str], client: HttpClient) -> None:
    sim, _ = meter
    sim.faults.inject(FaultKind.MALFORMED, times=1)
    with pytest.raises(InvalidResponseError):
        await client.get_json("/api/reading")
    sim.faults.inject(FaultKind.MALFORMED, body='{"energy": "NaN-ish"', times=1)
    with pytest.raises(InvalidResponseError):
        await client.get_json("/api/reading")
    sim.faults.inject(FaultKind.TRUNCATED, times=1)
    with pytest.raises(InvalidResponseError):
        await client.get_json("/api/reading")
    sim.faults.inject(FaultKind.WRONG_TYPES, times=1)
    data = await client.get_json("/api/reading")
    assert data == {"energy": "0.0x", "label": {"unexpected": "meter"}, "ok": "maybe"}
    sim.faults.inject(FaultKind.WRONG_TYPES, keys=["energy"], times=1)
    data = await client.get_json("/api/reading")
    assert data == {"energy": "0.0x", "label": "meter", "ok": True}
    sim.faults.inject(FaultKind.MISSING_KEYS, keys=["energy"], times=1)
    assert await client.get_json("/api/reading") == {"label": "meter", "ok": True}
    sim.faults.inject(FaultKind.MISSING_KEYS, times=1)
    assert await client.get_json("/api/reading") == {}


async def test_connection_faults(meter: tuple[Meter, str], client: HttpClient) -> None:
    sim, _ = meter
    # aiohttp itself retries an idempotent request once on a dropped connection: the
    # fault stays until cleared so that the client sees the reset.
    sim.faults.inject(FaultKind.RESET)
    with pytest.raises(UnreachableError):
        await client.get_json("/api/reading")
    sim.faults.clear()
    sim.faults.inject(FaultKind.TIMEOUT, seconds=0.5, times=1)
    client.timeout = 0.1
    with pytest.raises(RequestTimeoutError):
        await client.get_json("/api/reading")
    client.timeout = 2
    sim.faults.inject(FaultKind.DELAY, seconds=0.05, times=1)
    assert (await client.get_json("/api/reading"))["ok"] is True
    assert sim.log.records[-1].duration >= 0.05


async def test_reboot_fault(meter: tuple[Meter, str], client: HttpClient, clock: SimClock) -> None:
    sim, _ = meter
    clock.advance(100)
    sim.faults.inject(FaultKind.REBOOT, seconds=20, times=1)
    with pytest.raises(UnreachableError):
        await client.get_json("/api/reading")
    assert sim.reboots == 1
    assert sim.rebooting
    with pytest.raises(UnreachableError):  # still rebooting
        await client.get_json("/api/reading")
    clock.advance(25)
    # Back, with its uptime counting from the end of the reboot.
    assert (await client.get_json("/api/reading"))["energy"] == 5


async def test_control_api(meter: tuple[Meter, str], clock: SimClock) -> None:
    sim, url = meter
    async with aiohttp.ClientSession(base_url=url) as session:
        resp = await session.post(
            "/_sim/faults", json={"kind": "status", "route": "/api/reading", "status": 500}
        )
        assert resp.status == 201
        assert (await session.get("/api/reading")).status == 500
        faults = await (await session.get("/_sim/faults")).json()
        assert faults[0]["hits"] == 1
        assert (await session.post("/_sim/faults", json={"kind": "bogus"})).status == 400
        assert (await session.post("/_sim/faults", json={"kind": "delay", "x": 1})).status == 400
        assert await (await session.delete("/_sim/faults")).json() == []
        assert (await session.get("/api/reading")).status == 200

        log = await (await session.get("/_sim/log", params={"last": "1"})).json()
        assert log["total"] == 2  # control calls are not logged
        assert len(log["records"]) == 1
        assert (await (await session.get("/_sim/log")).json())["total"] == 2
        await session.delete("/_sim/log")
        assert sim.log.count() == 0

        before = clock.timestamp()
        state = await (await session.post("/_sim/clock", json={"advance": 60})).json()
        assert clock.timestamp() == before + 60
        assert state["frozen"] is True
        await session.post("/_sim/clock", json={"freeze": False})
        assert not clock.frozen
        await session.post("/_sim/clock", json={"freeze": True})
        assert (await (await session.get("/_sim/clock")).json())["frozen"] is True

        assert await (await session.get("/_sim/state")).json() == {"label": "meter", "reboots": 0}
        new = await (await session.post("/_sim/state", json={"label": "x"})).json()
        assert new["label"] == "x"
        reboot = await (await session.post("/_sim/reboot", json={"seconds": 5})).json()
        assert reboot["rebooting_until"] == clock.timestamp() + 5
        assert sim.reboots == 1


async def test_base_app_defaults(clock: SimClock, socket_enabled: None) -> None:
    sim = SimulatorApp(clock=clock)
    sim.setup_routes(web.Application())
    sim.on_reboot()
    assert sim.state() == {}
    server = TestServer(sim.make_app(), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession(base_url=str(server.make_url(""))) as session:
            assert (await session.post("/_sim/state", json={})).status == 400
            assert (await session.get("/nothing")).status == 404
            assert sim.log.records[-1].status == 404
            assert sim.log.records[-1].route == "/nothing"
    finally:
        await server.close()


def test_clock() -> None:
    clock = SimClock(start=datetime(2026, 1, 1, tzinfo=UTC), speed=60)
    first = clock.timestamp()
    assert first >= datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    clock.set(datetime(2026, 7, 1, tzinfo=UTC))
    assert abs(clock.timestamp() - datetime(2026, 7, 1, tzinfo=UTC).timestamp()) < 5
    clock.freeze()
    frozen = clock.now()
    clock.advance(3600)
    assert (clock.now() - frozen).total_seconds() == 3600
    clock.unfreeze()
    clock.unfreeze()  # twice is harmless
    assert clock.as_dict()["speed"] == 60


def test_fault_helpers() -> None:
    assert wrong_types({"a": [1, None, 2.5]}) == {"a": ["1x", [], "2.5x"]}
    assert wrong_types({"a": object}) == {"a": object}
    assert missing_keys([{"a": 1, "b": {"a": 2, "c": 3}}], ["a"]) == [{"b": {"c": 3}}]
    assert missing_keys(5, ["a"]) == 5
    fault = Fault.from_dict({"kind": "delay", "seconds": 2})
    assert fault.as_dict()["kind"] == "delay"
    with pytest.raises(ValueError):
        Fault.from_dict({"kind": "delay", "colour": "red"})
    with pytest.raises(ValueError):
        Fault(kind="nonsense")  # type: ignore[arg-type]


async def test_runner_serves_apps(socket_enabled: None, unused_tcp_port: int) -> None:
    sim = Meter()
    served = Served(sim, "127.0.0.1", unused_tcp_port)
    assert served.url == f"http://127.0.0.1:{unused_tcp_port}"
    runners = await start([served])
    try:
        async with aiohttp.ClientSession() as session:
            resp = await session.get(f"{served.url}/api/reading")
            assert (await resp.json())["ok"] is True
    finally:
        for runner in runners:
            await runner.cleanup()


def test_cli(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as err:
        main(["--help"])
    assert err.value.code == 0
    assert "fault injection" in " ".join(capsys.readouterr().out.split())
    assert main(["--list"]) == 0
    listing = capsys.readouterr().out
    for vendor in VENDORS:
        assert vendor in listing
    with pytest.raises(SystemExit, match="unknown vendor"):
        main(["no-such-vendor"])
    args = parse_args(["v2c", "--set", "v2c.chargers=3", "--set", "tesla.sites=2", "--speed", "10"])
    assert args.vendors == ["v2c"]
    assert args.speed == 10
    assert vendor_options(args.set, "v2c") == {"chargers": "3"}
    with pytest.raises(SystemExit):
        vendor_options(["novalue"], "v2c")
    json.dumps(VENDORS)


def test_log_keeps_the_newest_records() -> None:
    from simulators.framework.log import RequestLog, RequestRecord

    log = RequestLog(max_records=3)
    for n in range(5):
        log.add(
            RequestRecord(time=n, method="GET", path=f"/{n}", route="/{n}", status=200, duration=0)
        )
    assert [r.path for r in log.records] == ["/2", "/3", "/4"]
    assert [r["path"] for r in log.as_list(last=2)] == ["/3", "/4"]


async def test_body_faults_leave_non_json_alone(clock: SimClock, socket_enabled: None) -> None:
    class Text(SimulatorApp):
        def setup_routes(self, app: web.Application) -> None:
            app.router.add_get("/text", self.text)

        async def text(self, request: web.Request) -> web.Response:
            return web.Response(text="OK")

    sim = Text(clock=clock)
    sim.faults.inject(FaultKind.WRONG_TYPES)
    server = TestServer(sim.make_app(), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            resp = await session.get(server.make_url("/text"))
            assert await resp.text() == "OK"
    finally:
        await server.close()
