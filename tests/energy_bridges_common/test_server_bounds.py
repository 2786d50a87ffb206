"""What a server says is bounded: its waits, its body sizes, its secrets, its address.

Each test here failed on the code before issue 14's fixes: a ``Retry-After`` of ``nan``,
``inf`` or ``1e308`` escaped as ``ValueError``/``OverflowError``, a wait of billions of seconds
was persisted and restored, bodies were read whole, secret replies were logged, and a LAN
client connected wherever a name resolved.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
import logging
import random
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_bridges_common.client.budget import CallBudget
from custom_components.energy_bridges_common.client.errors import (
    AddressRefusedError,
    BudgetExhaustedError,
    InvalidResponseError,
    RateLimitedError,
)
from custom_components.energy_bridges_common.client.http import (
    NO_RETRY,
    HttpClient,
    HttpResponse,
    RateLimitInfo,
    RetryPolicy,
    _ip_literal,
    _peer,
    parse_retry_after,
)
from custom_components.energy_bridges_common.client.limits import (
    DEFAULT_MAX_BODY,
    MAX_SERVER_WAIT,
    bounded_wait,
)
from custom_components.energy_bridges_common.hass.budget import (
    async_get_account_budget,
    async_release_account_budget,
)
from custom_components.energy_bridges_common.hass.coordinator import BudgetedCoordinator

from .test_coordinator import FakeDevice, LocalCoordinator

BASE = "http://cloud.test/api"
BAD_WAITS = ["nan", "NaN", "inf", "-inf", "Infinity", "1e308", "1e400", "99999999999999"]


async def no_sleep(seconds: float) -> None:
    """Never sleep (the retries of these tests must not wait)."""


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


# -- the numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (float("nan"), None),
        (float("inf"), None),
        (float("-inf"), None),
        ("junk", None),
        (10**400, None),
        (-5, 0.0),
        (30, 30.0),
        (1e308, MAX_SERVER_WAIT),
        (86401, MAX_SERVER_WAIT),
    ],
)
def test_bounded_wait(value: Any, expected: float | None) -> None:
    assert bounded_wait(value) == expected


def test_retry_after_is_finite_and_at_most_a_day() -> None:
    for value in ("nan", "inf", "-inf", "Infinity", "1e400"):
        assert parse_retry_after(value) is None
    assert parse_retry_after("1e308") == MAX_SERVER_WAIT
    assert parse_retry_after("3000000000") == MAX_SERVER_WAIT
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now) == MAX_SERVER_WAIT


def test_rate_limit_headers_are_finite_and_bounded() -> None:
    assert RateLimitInfo.from_headers({"RateLimit-Remaining": "nan"}) is None
    assert RateLimitInfo.from_headers({"RateLimit-Limit": "inf"}) is None
    info = RateLimitInfo.from_headers({"RateLimit-Remaining": "0", "RateLimit-Reset": "1e308"})
    assert info == RateLimitInfo(limit=None, remaining=0, reset=MAX_SERVER_WAIT)


def test_rate_limited_error_bounds_any_wait() -> None:
    assert RateLimitedError("x", float("nan")).retry_after is None
    assert RateLimitedError("x", float("inf")).retry_after is None
    assert RateLimitedError("x", 1e308).retry_after == MAX_SERVER_WAIT
    assert BudgetExhaustedError("x", 12.5).retry_after == 12.5


# -- through the client ---------------------------------------------------------------------


@pytest.mark.parametrize("value", BAD_WAITS)
async def test_bad_retry_after_through_the_client_and_budget(
    session: aiohttp.ClientSession, value: str
) -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    budget = CallBudget(quota=1000, now=lambda: now)
    client = HttpClient(session, BASE, sleep=no_sleep, rng=random.Random(1))
    client.add_observer(budget)
    with aioresponses() as mock:
        mock.get(
            f"{BASE}/x",
            status=429,
            headers={"Retry-After": value, "RateLimit-Remaining": "0", "RateLimit-Reset": value},
        )
        with pytest.raises(RateLimitedError) as err:
            await client.request("GET", "/x")
        wait = err.value.retry_after
        assert wait is None or 0 <= wait <= MAX_SERVER_WAIT
        # The budget's block is at most a day, even after a "wait of 3000 years".
        stored = budget.as_dict()["blocked_until"]
        assert stored is not None
        assert datetime.fromisoformat(stored) <= now + timedelta(seconds=MAX_SERVER_WAIT)
        # A 503 that asks for a bad wait is retried (a meaningless wait is ignored) or, for a
        # long one, raised as rate limited with a wait of a day at most: never crashed on.
        budget.blocked_until = None
        budget.server_remaining = None
        mock.get(f"{BASE}/y", status=503, headers={"Retry-After": value})
        mock.get(f"{BASE}/y", status=200, body="{}")
        if value == "1e308" or value.isdigit():
            with pytest.raises(RateLimitedError) as long_wait:
                await client.request("GET", "/y", retry=RetryPolicy(attempts=2))
            assert long_wait.value.retry_after == MAX_SERVER_WAIT
        else:
            response = await client.request("GET", "/y", retry=RetryPolicy(attempts=2))
            assert response.status == 200


@pytest.mark.parametrize("value", ["nan", "inf", "1e308"])
async def test_bad_retry_after_through_a_coordinator(
    hass: HomeAssistant,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    value: str,
) -> None:
    entry = MockConfigEntry(domain="v2c_cloud", data={})
    entry.add_to_hass(hass)
    budget = CallBudget(quota=1000)
    client = HttpClient(session, BASE, retry=NO_RETRY)
    client.add_observer(budget)

    class Cloud(BudgetedCoordinator[int]):
        async def _async_fetch(self) -> int:
            await client.request("GET", "/data")
            return 1

    coordinator = Cloud(
        hass,
        logging.getLogger(__name__),
        config_entry=entry,
        name="cloud",
        budget=budget,
        calls_per_update=1,
        min_interval=timedelta(seconds=60),
    )
    with aioresponses() as mock:
        mock.get(f"{BASE}/data", status=429, headers={"Retry-After": value})
        await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert "Unexpected error fetching" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert coordinator.update_interval is not None
    assert coordinator.update_interval <= timedelta(seconds=MAX_SERVER_WAIT)
    await coordinator.async_shutdown()


async def test_a_vendor_error_with_an_infinite_wait_does_not_crash_the_coordinator(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    entry = MockConfigEntry(domain="powervault", data={})
    entry.add_to_hass(hass)
    device = FakeDevice()
    coordinator = LocalCoordinator(hass, entry, device)
    device.errors = [RateLimitedError("slow down", float("inf"))]
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert "Unexpected error fetching" not in caplog.text


# -- the budget across a restart --------------------------------------------------------------


async def test_a_far_block_from_an_old_store_comes_back_capped(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to("2026-05-01T08:00:00+00:00")
    key = "v2c_cloud.budget.acct"
    # What the code before the fix wrote after "Retry-After: 3000000000".
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {
            "period_start": "2026-05-01T00:00:00+00:00",
            "used": 5,
            "blocked_until": "2121-07-12T13:20:00+00:00",
        },
    }
    budget = await async_get_account_budget(
        hass, domain="v2c_cloud", account_id="acct", entry_id="a", quota=1000, reserve=50
    )
    assert budget.used == 5
    wait = budget.retry_after()
    assert wait is not None
    assert 0 < wait <= MAX_SERVER_WAIT

    # A far wait sent now is never stored beyond the cap either.
    budget.after_response(HttpResponse("GET", BASE, 429, {"Retry-After": "3000000000"}, b"", 0.1))
    await async_release_account_budget(hass, domain="v2c_cloud", account_id="acct", entry_id="a")
    stored = datetime.fromisoformat(hass_storage[key]["data"]["blocked_until"])
    assert stored <= datetime(2026, 5, 2, 8, 0, tzinfo=UTC)

    # A naive or garbage time from a hand-edited store does not crash the restore.
    hass_storage[key]["data"]["blocked_until"] = "9999-12-31T23:59:59"
    hass_storage[key]["data"]["used"] = float("inf")
    again = await async_get_account_budget(
        hass, domain="v2c_cloud", account_id="acct", entry_id="b", quota=1000, reserve=50
    )
    assert again.used == 0
    hass_storage[key]["data"]["used"] = 7
    hass_storage[key]["data"]["used_by_kind"] = {"poll": float("inf")}
    await async_release_account_budget(hass, domain="v2c_cloud", account_id="acct", entry_id="b")
    third = await async_get_account_budget(
        hass, domain="v2c_cloud", account_id="acct", entry_id="c", quota=1000, reserve=50
    )
    assert third.used >= 0
    assert (third.retry_after() or 0) <= MAX_SERVER_WAIT
    await async_release_account_budget(hass, domain="v2c_cloud", account_id="acct", entry_id="c")


def test_a_meaningless_wait_blocks_nothing() -> None:
    budget = CallBudget(quota=100)
    budget._block(float("nan"))
    assert budget.retry_after() is None


def test_restore_clamps_a_naive_far_block() -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    budget = CallBudget(quota=100, now=lambda: now)
    budget.restore(
        {
            "period_start": budget.period_start.isoformat(),
            "used": 1,
            "used_by_kind": {"poll": float("inf")},
            "blocked_until": "9999-12-31T23:59:59",
        }
    )
    assert budget.retry_after() == MAX_SERVER_WAIT
    assert budget.used == 1


# -- the body limit ----------------------------------------------------------------------------


async def _big_body(request: web.Request) -> web.StreamResponse:
    """Send a body in chunks without a Content-Length (the limit must count as it reads)."""
    size = int(request.query.get("size", "0"))
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    chunk = b"x" * 65536
    sent = 0
    while sent < size:
        await response.write(chunk[: size - sent])
        sent += min(len(chunk), size - sent)
    await response.write_eof()
    return response


async def _declared_body(request: web.Request) -> web.Response:
    return web.Response(body=b"y" * int(request.query["size"]))


async def _token(request: web.Request) -> web.Response:
    return web.json_response({"token": "tok-secret-123"})


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_get("/big", _big_body)
    app.router.add_get("/declared", _declared_body)
    app.router.add_get("/ok", _token)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def test_bodies_are_bounded(
    server: TestServer, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    base = str(server.make_url(""))
    client = HttpClient(session, base, retry=NO_RETRY, max_body=100_000)
    # A chunked body is cut off as soon as it passes the limit.
    with pytest.raises(InvalidResponseError, match="larger than 100000 bytes"):
        await client.request("GET", "/big", params={"size": 50 * 1024 * 1024})
    # A declared length above the limit is refused before reading.
    with pytest.raises(InvalidResponseError, match="larger than 100000 bytes"):
        await client.request("GET", "/declared", params={"size": 100_001})
    # Up to the limit is fine, and a request may allow a known big endpoint more.
    assert len((await client.request("GET", "/big", params={"size": 100_000})).body) == 100_000
    big = await client.request("GET", "/big", params={"size": 300_000}, max_body=400_000)
    assert len(big.body) == 300_000
    assert not [r for r in caplog.records if r.name.startswith("custom_components") and r.exc_info]
    assert HttpClient(session).max_body == DEFAULT_MAX_BODY


# -- secrets in replies ----------------------------------------------------------------------


async def test_secret_replies_are_never_logged(
    server: TestServer, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = HttpClient(session, str(server.make_url("")), retry=NO_RETRY)
    response = await client.request("GET", "/ok", secret_reply=True)
    assert response.json() == {"token": "tok-secret-123"}
    assert "tok-secret-123" not in caplog.text
    assert "bytes not logged" in caplog.text
    # A reply that is not JSON is not quoted in the error either.
    bad = HttpResponse("GET", "x", 200, {}, b"tok-secret-123 garbage", 0.1, secret=True)
    with pytest.raises(InvalidResponseError) as err:
        bad.json()
    assert "tok-secret" not in str(err.value)
    plain = HttpResponse("GET", "x", 200, {}, b"garbage", 0.1)
    with pytest.raises(InvalidResponseError, match="garbage"):
        plain.json()


# -- the address a LAN client really reaches --------------------------------------------------


async def test_lan_client_checks_the_address_connected_to(
    server: TestServer,
    session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK", raising=False)
    port = server.port
    # "localhost" passes no syntax check but resolves to loopback: refused after connecting,
    # before the body is used.
    client = HttpClient(session, f"http://localhost:{port}", retry=NO_RETRY, lan_only=True)
    with pytest.raises(AddressRefusedError, match=r"127\.0\.0\.1 is not a private LAN address"):
        await client.request("GET", "/ok")
    # An address in the URL is refused before anything is sent.
    literal = HttpClient(session, f"http://127.0.0.1:{port}", retry=NO_RETRY, lan_only=True)
    with pytest.raises(AddressRefusedError):
        await literal.request("GET", "/ok")
    assert literal.stats.requests == 0
    # Not a LAN client: no check (a cloud client reaches public addresses).
    assert (await HttpClient(session, f"http://localhost:{port}").request("GET", "/ok")).status
    # With the loopback switch (simulators), both pass.
    monkeypatch.setenv("HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK", "1")
    assert (await client.request("GET", "/ok")).status == 200
    assert (await literal.request("GET", "/ok")).status == 200


async def test_lan_client_refuses_an_unknown_peer(
    session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transport that cannot tell its peer fails closed for a name."""
    monkeypatch.setenv("HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK", "1")
    client = HttpClient(session, "http://gateway.lan", retry=NO_RETRY, lan_only=True)
    with aioresponses() as mock:
        mock.get("http://gateway.lan/x", body="{}")
        with pytest.raises(AddressRefusedError, match="unknown"):
            await client.request("GET", "/x")
        # An address literal needs no peer: it was checked before sending.
        mock.get("http://192.168.1.5/x", body="{}")
        assert (await client.request("GET", "http://192.168.1.5/x")).status == 200


def test_peer_address_from_the_transport() -> None:
    class Transport:
        def __init__(self, peer: Any) -> None:
            self.peer = peer

        def get_extra_info(self, name: str) -> Any:
            return self.peer

    class Connection:
        def __init__(self, transport: Any) -> None:
            self.transport = transport

    class Resp:
        def __init__(self, connection: Any) -> None:
            self.connection = connection

    assert _peer(Resp(Connection(Transport(("fd00::5%eth0", 80, 0, 2))))) == "fd00::5"  # type: ignore[arg-type]
    assert _peer(Resp(Connection(Transport(None)))) is None  # type: ignore[arg-type]
    assert _peer(Resp(Connection(None))) is None  # type: ignore[arg-type]
    assert _peer(Resp(None)) is None  # type: ignore[arg-type]


def test_ip_literal() -> None:
    assert _ip_literal("http://192.168.1.5:80/x") == "192.168.1.5"
    assert _ip_literal("http://[fd00::5]/x") == "fd00::5"
    assert _ip_literal("http://gateway.lan/x") is None
    assert _ip_literal("/relative") is None
    assert _ip_literal("http://[bad/x") is None
