"""The Powerwall gateway's local client against the simulated gateway (no Home Assistant).

Expected values come from what the simulated gateway said: its raw replies (read here with a
plain request) or its own state; never from the parser under test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
import logging
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
import pytest

from custom_components.energy_bridges_common.client.errors import (
    AuthenticationError,
    RateLimitedError,
    UnreachableError,
)
from custom_components.energy_bridges_common.client.lan import LanAddressError, LanAddressReason
from custom_components.tesla_energy.api.local import (
    DEFAULT_BACKOFF,
    MAX_BACKOFF,
    MIN_RELOGIN_INTERVAL,
    DefaultPasswordRejectedError,
    EndpointMissingError,
    LocalAccessProblem,
    LocalAccessUnavailableError,
    PowerwallLocalClient,
)
from custom_components.tesla_energy.api.local_models import (
    LIVE_ENDPOINTS,
    GridStatus,
    LocalEndpoint,
    LocalOperationMode,
    LocalSession,
    parse_go_duration,
    to_app_scale,
)
from simulators.framework import FaultKind, SimClock
from simulators.tesla_local import PROFILES, Limits, PowerwallGatewaySimulator
from simulators.tesla_local.tls import server_context

# Noon in London: the sun shines, so every flow is non-zero.
NOON = datetime(2026, 6, 15, 11, 0, tzinfo=UTC)


class FakeClock:
    """The client's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        """Start at an arbitrary point."""
        self.now = 1000.0

    def __call__(self) -> float:
        """Return the time."""
        return self.now


type Gateway = tuple[PowerwallGatewaySimulator, str]
type GatewayFactory = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def gateway(socket_enabled: None) -> AsyncIterator[GatewayFactory]:
    """Serve simulated gateways on loopback (HTTPS with a self-signed certificate)."""
    servers: list[TestServer] = []

    async def start(profile: str = "full", *, tls: bool = True, **kwargs: Any) -> Gateway:
        clock = SimClock(start=NOON)
        clock.freeze()
        sim = PowerwallGatewaySimulator(PROFILES[profile], clock=clock, **kwargs)
        context = server_context() if tls else None
        server = TestServer(sim.make_app(), host="127.0.0.1")
        await server.start_server(ssl=context, access_log=None)
        servers.append(server)
        scheme = "https" if context is not None else "http"
        return sim, f"{scheme}://127.0.0.1:{server.port}"

    yield start
    for server in servers:
        await server.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return a session like Home Assistant's shared one (certificates verified)."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def _client(
    session: aiohttp.ClientSession, url: str, password: str, **kwargs: Any
) -> PowerwallLocalClient:
    return PowerwallLocalClient(session, url, password, allow_loopback=True, **kwargs)


def _password(sim: PowerwallGatewaySimulator) -> str:
    return sim.profile.gateway_password[-5:]


async def _raw(
    session: aiohttp.ClientSession, url: str, path: str, token: str | None
) -> dict[str, Any]:
    """Read a reply the way any client would, to compute expectations from."""
    async with session.get(
        f"{url}{path}", headers={"Authorization": f"Bearer {token}"}, ssl=False
    ) as resp:
        assert resp.status == 200
        data: dict[str, Any] = await resp.json(content_type=None)
        return data


def _logins(sim: PowerwallGatewaySimulator) -> int:
    return sim.log.count("/api/login/Basic")


# -- login and session ---------------------------------------------------------------------


async def test_logs_in_once_and_reads_the_live_values(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """One login for many polls; values as the gateway sent them, charge on the app's scale."""
    sim, url = await gateway()
    seen: list[LocalSession | None] = []
    client = _client(session, url, _password(sim), on_session_change=seen.append)
    for _ in range(3):
        snapshot = await client.poll()
    assert _logins(sim) == 1
    assert len(seen) == 1 and seen[0] is client.session_state
    assert seen[0] is not None and seen[0].token
    assert set(seen[0].cookies) == {"AuthCookie", "UserRecord"}

    token = seen[0].token
    meters = await _raw(session, url, "/api/meters/aggregates", token)
    soe = await _raw(session, url, "/api/system_status/soe", token)
    grid = await _raw(session, url, "/api/system_status/grid_status", token)
    operation = await _raw(session, url, "/api/operation", token)
    assert snapshot.power.grid_power == meters["site"]["instant_power"]
    assert snapshot.power.battery_power == meters["battery"]["instant_power"]
    assert snapshot.power.load_power == meters["load"]["instant_power"]
    assert snapshot.power.solar_power == meters["solar"]["instant_power"]
    assert snapshot.power.solar_power and snapshot.power.solar_power > 0
    assert snapshot.soe.raw_percent == soe["percentage"]
    assert snapshot.soe.percent == pytest.approx((soe["percentage"] - 5) / 0.95)
    assert snapshot.grid.status is GridStatus.CONNECTED
    assert grid["grid_status"] == "SystemGridConnected"
    assert snapshot.operation is not None
    assert snapshot.operation.mode == LocalOperationMode(operation["real_mode"])
    assert snapshot.operation.backup_reserve == pytest.approx(
        (operation["backup_reserve_percent"] - 5) / 0.95
    )


async def test_a_stored_session_is_used_without_logging_in(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """After a restart the kept session goes on working: no new login."""
    sim, url = await gateway()
    first = _client(session, url, _password(sim))
    await first.poll()
    stored = LocalSession.from_dict(first.session_state.as_dict() if first.session_state else None)
    assert stored is not None

    second = _client(session, url, _password(sim), stored_session=stored)
    await second.poll()
    assert _logins(sim) == 1
    assert second.logins == 0


async def test_a_lapsed_session_logs_in_again_once_then_asks_the_user(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """401: one new login and the request again; a second 401 soon after: no more logins."""
    sim, url = await gateway()
    clock = FakeClock()
    seen: list[LocalSession | None] = []
    client = _client(session, url, _password(sim), clock=clock, on_session_change=seen.append)
    await client.poll()
    clock.now += MIN_RELOGIN_INTERVAL + 1

    await sim.update_state({"expire_sessions": True})
    await client.poll()
    assert _logins(sim) == 2

    await sim.update_state({"expire_sessions": True})
    with pytest.raises(AuthenticationError):
        await client.poll()
    assert seen[-1] is None  # the caller forgets the dead session
    for _ in range(5):
        clock.now += MIN_RELOGIN_INTERVAL + 1
        with pytest.raises(AuthenticationError):
            await client.poll()
    assert _logins(sim) == 2

    client.set_password(_password(sim))
    await client.poll()
    assert _logins(sim) == 3


async def test_a_refused_password_is_never_sent_again(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """One refused login, then nothing: the gateway's lockout is never reached by us."""
    sim, url = await gateway()
    client = _client(session, url, "wrong")
    for _ in range(10):
        with pytest.raises(AuthenticationError) as err:
            await client.poll()
        assert not isinstance(err.value, DefaultPasswordRejectedError)
    assert _logins(sim) == 1
    assert not sim.state()["locked"]

    # The lockout is real in the simulator: five refused logins in a row trigger it.
    for _ in range(4):
        async with session.post(
            f"{url}/api/login/Basic",
            json={"username": "customer", "password": "wrong"},
            ssl=False,
        ):
            pass
    assert sim.state()["locked"]
    with pytest.raises(RateLimitedError):
        await _client(session, url, _password(sim)).login()


async def test_a_refused_default_password_says_so(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """Gateways that stopped taking their default password are told apart from a typo."""
    sim, url = await gateway(refuse_default_password=True)
    with pytest.raises(DefaultPasswordRejectedError):
        await _client(session, url, _password(sim)).login()


# -- being a good LAN citizen ---------------------------------------------------------------


async def test_backs_off_when_the_gateway_is_busy(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """A 429 silences the client (nothing sent) for a wait that doubles, capped."""
    sim, url = await gateway(limits=Limits(rate_limit=5))
    clock = FakeClock()
    client = _client(session, url, _password(sim), clock=clock)
    await client.poll()  # login + 4 reads: the limit
    with pytest.raises(RateLimitedError) as err:
        await client.poll()
    assert err.value.retry_after == DEFAULT_BACKOFF
    sent = sim.log.count()

    clock.now += DEFAULT_BACKOFF - 1
    with pytest.raises(RateLimitedError) as err:
        await client.poll()
    assert err.value.retry_after == pytest.approx(1)
    assert sim.log.count() == sent  # nothing went out while quiet

    waits = []
    for _ in range(4):  # the simulated gateway's clock stands still: it stays busy
        clock.now += MAX_BACKOFF
        with pytest.raises(RateLimitedError) as err:
            await client.poll()
        waits.append(err.value.retry_after)
    assert waits == [2 * DEFAULT_BACKOFF, 4 * DEFAULT_BACKOFF, MAX_BACKOFF, MAX_BACKOFF]

    sim.clock.advance(sim.limits.rate_penalty)
    clock.now += MAX_BACKOFF
    await client.poll()


async def test_retry_after_and_503_are_honoured(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """A gateway's Retry-After sets the wait; a 503 is a request to back off too."""
    sim, url = await gateway(limits=Limits(rate_limit=1, retry_after=42))
    client = _client(session, url, _password(sim), clock=FakeClock())
    with pytest.raises(RateLimitedError) as err:
        await client.poll()
    assert err.value.retry_after == 42

    sim2, url2 = await gateway()
    sim2.faults.inject(FaultKind.STATUS, "/api/meters/aggregates", status=503, times=1)
    with pytest.raises(RateLimitedError) as err:
        await _client(session, url2, _password(sim2)).poll()
    assert err.value.retry_after == DEFAULT_BACKOFF


async def test_gzip_replies_without_a_header(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """Newer firmware's gzip bodies (magic 1f 8b, no Content-Encoding) are read."""
    sim, url = await gateway(gzip_replies=True)
    client = _client(session, url, _password(sim))
    snapshot = await client.poll()
    assert client.session_state is not None
    async with session.get(
        f"{url}/api/system_status/soe",
        headers={"Authorization": f"Bearer {client.session_state.token}"},
        ssl=False,
    ) as resp:
        body = await resp.read()
        assert "Content-Encoding" not in resp.headers
    assert body[:2] == b"\x1f\x8b"
    assert snapshot.soe.raw_percent == pytest.approx(sim.model.soe_raw)


async def test_certificate_accepted_for_the_gateway_only(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """The client reads the self-signed gateway; the same session still verifies others."""
    sim, url = await gateway()
    assert url.startswith("https://")
    await _client(session, url, _password(sim)).poll()
    # The refused handshake makes the server side report an error to the loop: not ours.
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, _context: None)
    try:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            async with session.get(f"{url}/api/system_status/soe"):
                pass
        await asyncio.sleep(0.2)
    finally:
        loop.set_exception_handler(handler)


async def test_secrets_stay_out_of_the_logs(
    gateway: GatewayFactory, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither the password nor the session appears in debug logs."""
    sim, url = await gateway()
    caplog.set_level(logging.DEBUG)
    client = _client(session, url, _password(sim))
    await client.poll()
    assert client.session_state is not None
    assert _password(sim) not in caplog.text
    assert client.session_state.token
    assert client.session_state.token not in caplog.text
    assert client.session_state.token not in repr(client.session_state)


# -- probing ---------------------------------------------------------------------------------


async def test_probe_of_a_full_gateway(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """Powerwall 2/2+: every endpoint answers; DIN and firmware come from /api/status."""
    sim, url = await gateway()
    client = _client(session, url, _password(sim))
    capabilities = await client.probe()
    assert capabilities.endpoints == frozenset(LocalEndpoint)
    assert not capabilities.reduced
    assert capabilities.operation
    token = client.session_state.token if client.session_state else None
    status = await _raw(session, url, "/api/status", token)
    powerwalls = await _raw(session, url, "/api/powerwalls", token)
    site = await _raw(session, url, "/api/site_info", token)
    assert capabilities.din == status["din"]
    assert capabilities.firmware == status["version"].split(" ")[0]
    assert capabilities.device_type == status["device_type"]
    assert capabilities.powerwall_count == len(powerwalls["powerwalls"])
    assert capabilities.site_name == site["site_name"]


async def test_probe_of_a_reduced_gateway(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """Powerwall 3: only the live values; the 404s are remembered, never asked again."""
    sim, url = await gateway("reduced")
    client = _client(session, url, _password(sim))
    capabilities = await client.probe()
    assert capabilities.endpoints == LIVE_ENDPOINTS
    assert capabilities.reduced and not capabilities.operation
    assert capabilities.din is None
    asked = sim.log.count("/api/operation")
    snapshot = await client.poll()
    await client.poll()
    assert snapshot.operation is None
    assert sim.log.count("/api/operation") == asked == 1
    assert snapshot.power.solar_power == sim.model.flows.solar
    with pytest.raises(EndpointMissingError):
        await client.status()


async def test_unprobed_reduced_gateway_learns_from_its_first_poll(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """Without a probe the first poll finds /api/operation missing, and stops asking."""
    sim, url = await gateway("reduced")
    client = _client(session, url, _password(sim))
    await client.poll()
    await client.poll()
    assert sim.log.count("/api/operation") == 1
    assert client.missing == {LocalEndpoint.OPERATION}


async def test_tedapi_only_gateway_is_a_clear_error(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """No /api login, only the signed TEDAPI: local access is not possible, and why."""
    sim, url = await gateway("tedapi")
    with pytest.raises(LocalAccessUnavailableError) as err:
        await _client(session, url, _password(sim)).probe()
    assert err.value.problem is LocalAccessProblem.TEDAPI_ONLY


class _NoRoute:
    """A session whose every connection fails, as a host the LAN does not route to."""

    def request(self, *args: Any, **kwargs: Any) -> _NoRoute:
        return self

    async def __aenter__(self) -> None:
        raise aiohttp.ClientConnectionError("no route to host")

    async def __aexit__(self, *args: object) -> None:
        return None


async def test_gateway_wifi_address_is_a_clear_error() -> None:
    """192.168.91.1 (the gateway's own Wi-Fi) is not routed from the LAN since 25.10."""
    no_route: Any = _NoRoute()
    with pytest.raises(LocalAccessUnavailableError) as err:
        await PowerwallLocalClient(no_route, "192.168.91.1", "abcde").probe()
    assert err.value.problem is LocalAccessProblem.GATEWAY_WIFI_ONLY
    assert isinstance(err.value.__cause__, UnreachableError)
    # Any other unreachable address is just unreachable (the coordinator retries it).
    with pytest.raises(UnreachableError):
        await PowerwallLocalClient(no_route, "192.168.1.20", "abcde").probe()


# -- the address -----------------------------------------------------------------------------


async def test_lan_guard_refuses_public_and_loopback(
    gateway: GatewayFactory, session: aiohttp.ClientSession
) -> None:
    """The password goes only to a private LAN address; loopback only where allowed."""
    sim, url = await gateway()
    with pytest.raises(LanAddressError) as err:
        await PowerwallLocalClient(session, "8.8.8.8", "abcde").login()
    assert err.value.reason is LanAddressReason.PUBLIC

    async def resolves_public(host: str) -> list[str]:
        return ["192.168.1.20", "203.0.113.7"]

    with pytest.raises(LanAddressError) as err:
        await PowerwallLocalClient(
            session, "powerwall.lan", "abcde", resolver=resolves_public
        ).login()
    assert err.value.reason is LanAddressReason.PUBLIC

    with pytest.raises(LanAddressError) as err:
        await PowerwallLocalClient(session, url, _password(sim)).poll()
    assert err.value.reason is LanAddressReason.LOOPBACK
    assert sim.log.count() == 0


def test_plain_http_only_on_loopback() -> None:
    """A LAN gateway is always asked over HTTPS, whatever was typed."""
    session: Any = object()  # the constructor sends nothing
    assert PowerwallLocalClient(session, "http://192.168.1.20", "x").base_url == (
        "https://192.168.1.20"
    )
    assert PowerwallLocalClient(session, "192.168.1.20:8443", "x").base_url == (
        "https://192.168.1.20:8443"
    )
    assert PowerwallLocalClient(session, "http://127.0.0.1:8410", "x").base_url == (
        "http://127.0.0.1:8410"
    )
    assert PowerwallLocalClient(session, "[fd00::5]", "x").base_url == "https://[fd00::5]"


# -- models ------------------------------------------------------------------------------------


def test_app_scale_and_quirks() -> None:
    """The app's scale, Go durations, unknown grid states, stored sessions."""
    assert to_app_scale(5.000019999999999) == pytest.approx(0.0, abs=1e-4)
    assert to_app_scale(81) == pytest.approx(80.0)
    assert to_app_scale(2.0) == 0.0
    assert to_app_scale(None) is None
    duration = parse_go_duration("1541h38m20.5s")
    assert duration is not None
    assert duration.total_seconds() == pytest.approx(1541 * 3600 + 38 * 60 + 20.5)
    assert parse_go_duration("12 hours") is None
    assert GridStatus.parse("SystemSomethingNew") is GridStatus.UNKNOWN
    assert GridStatus.parse(None) is None
    assert GridStatus.ISLANDED_ACTIVE.grid_connected is False
    assert GridStatus.UNKNOWN.grid_connected is None
    assert LocalSession.from_dict({"token": "", "cookies": {}}) is None
    assert LocalSession.from_dict("junk") is None
    kept = LocalSession.from_dict({"token": None, "cookies": {"AuthCookie": "c00kie"}})
    assert kept is not None and kept.token is None and kept.cookies == {"AuthCookie": "c00kie"}
    assert LocalOperationMode.SCHEDULER.cloud_mode is None
    assert LocalOperationMode.BACKUP.cloud_mode is not None
