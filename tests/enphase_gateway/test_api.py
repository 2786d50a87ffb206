"""The client on its own: firmware detection, auth, probing, quirks, parsing."""

from __future__ import annotations

import base64
import json
import time

import aiohttp
import pytest

from custom_components.energy_bridges_common.client.errors import (
    AuthenticationError,
    InvalidResponseError,
    UnreachableError,
)
from custom_components.enphase_gateway.api import (
    EnphaseGateway,
    GatewayNotReadyError,
    GatewayPoller,
    MfaRequiredError,
    decode_token,
    installer_password,
)
from custom_components.enphase_gateway.api.auth import DigestAuth, envoy_password
from custom_components.enphase_gateway.api.client import (
    PROBE_REPLY_REUSE_SECONDS,
    EndpointUnavailableError,
)
from custom_components.enphase_gateway.api.models import (
    BatteryPower,
    DeviceData,
    GatewayInfo,
    Measurement,
    ProductionReport,
    parse_firmware,
    parse_meter_readings,
    parse_meters,
)
from simulators.enphase import PROFILES
from simulators.enphase.cloud import MFA_EMAIL, OWNER_EMAIL, OWNER_PASSWORD, issue_token
from simulators.enphase.gateway import installer_password as sim_installer_password

from .conftest import SimFactory


def _client(
    session: aiohttp.ClientSession, port: int, cloud_port: int | None = None, **kw: object
) -> EnphaseGateway:
    urls = {}
    if cloud_port is not None:
        urls = {
            "login_url": f"http://127.0.0.1:{cloud_port}/login/login.json",
            "token_url": f"http://127.0.0.1:{cloud_port}/tokens",
        }
    return EnphaseGateway(session, f"127.0.0.1:{port}", **urls, **kw)  # type: ignore[arg-type]


def test_firmware_and_installer_password() -> None:
    assert parse_firmware("D8.3.5167") == (8, 3, 5167)
    assert parse_firmware("R3.9.36") == (3, 9, 36)
    assert parse_firmware("junk") == ()
    # The algorithm is public: a known serial gives a known password.
    password = installer_password("121500000301")
    assert len(password) == 8
    assert password == sim_installer_password("121500000301")
    assert envoy_password("121500000301") == "000301"


def test_info_xml_rejects_non_gateway() -> None:
    with pytest.raises(InvalidResponseError):
        GatewayInfo.from_xml("<html><body>router</body></html>")
    with pytest.raises(InvalidResponseError):
        GatewayInfo.from_xml("not xml at all")


def test_token_claims() -> None:
    token = issue_token("122300000804", issued_at=1_000_000, lifetime=365 * 86400)
    info = decode_token(token)
    assert info.serial == "122300000804"
    assert info.expires_at == 1_000_000 + 365 * 86400
    assert not info.should_renew(1_000_000 + 100 * 86400)
    assert info.should_renew(1_000_000 + 340 * 86400)  # in the last 30 days
    short = decode_token(issue_token("x", issued_at=0, lifetime=12 * 3600))
    assert short.should_renew(9 * 3600)  # the last third of an installer token
    with pytest.raises(AuthenticationError):
        decode_token("not-a-jwt")
    bad = "a." + base64.urlsafe_b64encode(b"[1]").decode().rstrip("=") + ".c"
    with pytest.raises(AuthenticationError):
        decode_token(bad)


def test_digest_header_waits_for_challenge() -> None:
    auth = DigestAuth("installer", "pw")
    assert auth.header("GET", "/x") is None
    assert not auth.take_challenge("Basic realm=x")
    assert auth.take_challenge(
        'Digest realm="enphaseenergy.com", qop="auth", nonce="abc", opaque="o"'
    )
    header = auth.header("GET", "/x")
    assert header is not None
    assert 'nonce="abc"' in header
    assert "nc=00000001" in header
    assert 'opaque="o"' in header
    assert "nc=00000002" in (auth.header("GET", "/x") or "")


def test_models_quirks() -> None:
    # The battery list's key really is "devices:" on some firmware.
    power = BatteryPower.from_json(
        {"devices:": [{"serial_num": "b1", "real_power_mw": -1500000, "soc": 40}]}
    )
    assert power.power == {"b1": -1500.0}
    assert power.soc == {"b1": 40}
    # Readings are matched by eid: an extra all-zero entry does not shift anything.
    readings = parse_meter_readings(
        [
            {"eid": 0, "activePower": 0},
            {"eid": 7, "activePower": 12.5, "channels": [{"eid": 8, "activePower": 6}]},
        ]
    )
    assert readings[7].power == 12.5
    assert readings[7].channels[0].power == 6
    # A production report without CT sections: inverters only.
    report = ProductionReport.from_json(
        {"production": [{"type": "inverters", "activeCount": 3, "wNow": 300, "whLifetime": 1000}]}
    )
    assert report.production is None
    assert report.inverters is not None
    assert report.inverters.power == 300
    with pytest.raises(InvalidResponseError):
        ProductionReport.from_json({"unexpected": []})
    # device_data stops at its limit: incomplete, so the v1 list stays the reference.
    data = DeviceData.from_json(
        {
            "1": {"devName": "pcu", "sn": "a", "channels": [{}]},
            "deviceCount": 60,
            "deviceDataLimit": 50,
        }
    )
    assert not data.complete
    assert Measurement(power=0, energy_lifetime=0).is_all_zero
    # Wrong types become None, never an exception.
    assert Measurement.from_eim({"wNow": "12x", "lines": "no"}).power is None


async def test_old_firmware_digest_and_probe(gateway_factory: SimFactory) -> None:
    sim, server = await gateway_factory("3x")
    async with aiohttp.ClientSession() as session:
        client = _client(session, server.port)
        info = await client.setup()
        assert info.firmware == "R3.9.36"
        assert not info.uses_token
        assert client.base_url == f"http://127.0.0.1:{server.port}"  # fell back from https
        await client.authenticate()
        caps = await client.probe()
        # /ivp/meters answers 401 with valid credentials on this firmware: "not here".
        assert caps.meters == {}
        assert not caps.device_data
        assert caps.production_v1
        assert caps.inverters
        data = await GatewayPoller(client).read()
        assert data.production is not None
        assert data.production.energy_lifetime is not None
        assert len(data.inverters) == 10
    # Every protected request after the first challenge is answered at once (no 401 first).
    unauthorised = [r for r in sim.log.records if r.status == 401 and r.path != "/ivp/meters"]
    assert len(unauthorised) == 1


async def test_wrong_digest_password(gateway_factory: SimFactory) -> None:
    _sim, server = await gateway_factory("5x")
    async with aiohttp.ClientSession() as session:
        client = _client(session, server.port, username="installer", password="wrong")
        await client.setup()
        with pytest.raises(AuthenticationError):
            await client.authenticate()
        client = _client(session, server.port, username="someone")
        with pytest.raises(AuthenticationError):
            await client.authenticate()
        envoy = _client(session, server.port, username="envoy")
        await envoy.authenticate()


async def test_zeros_after_boot_are_no_data(gateway_factory: SimFactory) -> None:
    sim, server = await gateway_factory("3x")
    sim.boot_time = sim.clock.timestamp()
    async with aiohttp.ClientSession() as session:
        client = _client(session, server.port)
        await client.setup()
        await client.authenticate()
        await client.probe()
        with pytest.raises(GatewayNotReadyError):
            await GatewayPoller(client).read()


async def test_token_fetch_mfa_and_rejections(gateway_factory: SimFactory, cloud: object) -> None:
    _sim, server = await gateway_factory("8x")
    cloud_port = int(__import__("os").environ["ENPHASE_GATEWAY_TOKEN_BASE_URL"].rsplit(":", 1)[1])
    async with aiohttp.ClientSession() as session:
        client = _client(
            session, server.port, cloud_port, username=OWNER_EMAIL, password=OWNER_PASSWORD
        )
        seen: list[str] = []
        client.on_token_change = seen.append
        await client.authenticate()
        assert client.token is not None
        assert seen == [client.token]
        mfa = _client(session, server.port, cloud_port, username=MFA_EMAIL, password=OWNER_PASSWORD)
        with pytest.raises(MfaRequiredError):
            await mfa.authenticate()
        wrong = _client(session, server.port, cloud_port, username=OWNER_EMAIL, password="nope")
        with pytest.raises(AuthenticationError):
            await wrong.authenticate()
        other = issue_token("999999999999", issued_at=__import__("time").time())
        foreign = _client(session, server.port, token=other, manual_token=True)
        with pytest.raises(AuthenticationError):
            await foreign.authenticate()
        expired = issue_token("122300000804", issued_at=0, lifetime=10)
        old = _client(session, server.port, token=expired, manual_token=True)
        with pytest.raises(AuthenticationError):
            await old.authenticate()


async def test_first_poll_takes_the_probe_replies(gateway_factory: SimFactory) -> None:
    sim, server = await gateway_factory("8x")
    now = [time.time()]
    token = issue_token(PROFILES["8x"].serial, issued_at=now[0])
    heavy = "^/(production.json|api/v1|ivp/pdm|ivp/ensemble|admin|ivp/ss)"
    async with aiohttp.ClientSession() as session:
        client = _client(
            session,
            server.port,
            token=token,
            manual_token=True,
            clock=lambda: now[0],
            verify_attempts=1,  # a write is checked by a single read
        )
        await client.setup()
        await client.authenticate()
        await client.probe()
        probed = sim.log.count(heavy)
        data = await GatewayPoller(client).read()
        # Setup reads each endpoint once: the first poll takes what the probe just read.
        assert sim.log.count(heavy) == probed
        assert data.batteries
        assert data.system_controller is not None
        # Each reply serves once: the next detail read asks the gateway.
        await GatewayPoller(client).read()
        assert sim.log.count("^/production.json$") == 2
        assert sim.log.count("^/ivp/ensemble/inventory$") == 2

        # A write makes the probe's replies stale: the relay is read back from the gateway.
        await client.probe()
        await client.set_grid_relay(on_grid=False)
        assert (await client.get_grid_state()).admin_state == "open"

        # So does time: a minute later the reply is read again.
        await client.probe()
        sim.log.clear()
        now[0] += PROBE_REPLY_REUSE_SECONDS + 1
        await client.get_inventory()
        assert sim.log.count("^/ivp/ensemble/inventory$") == 1


async def test_unreachable(socket_enabled: None, allow_loopback: None) -> None:
    async with aiohttp.ClientSession() as session:
        client = EnphaseGateway(session, "127.0.0.1:9")
        with pytest.raises(UnreachableError):
            await client.setup()
        with pytest.raises(UnreachableError):
            await client.get_meter_readings()


def test_json_shapes_roundtrip() -> None:
    assert json.loads(json.dumps({"ok": True}))["ok"]


def test_values_use_the_shared_parsers() -> None:
    """Whole numbers round (a truncating parser read 2.6 phases as 2); numeric text counts."""
    meters = parse_meters(
        [
            {"eid": 1, "measurementType": "production", "phaseCount": 2.6},
            {"eid": "2", "measurementType": "net-consumption", "phaseCount": "3"},
        ]
    )
    assert meters[1].phase_count == 3
    assert meters[2].phase_count == 3


async def test_a_refusal_is_gone_access_only_where_the_endpoint_answered(
    gateway_factory: SimFactory,
) -> None:
    """401 on an endpoint this firmware never served means "not here"; on one it did, reauth."""
    sim, server = await gateway_factory("3x")
    async with aiohttp.ClientSession() as session:
        client = _client(session, server.port)
        await client.setup()
        await client.authenticate()
        await client.probe()
        # /ivp/meters was refused at the probe (this firmware): still "not here" later.
        with pytest.raises(EndpointUnavailableError):
            await client.get_meters()
        assert len(await client.get_inverters()) == 10
        assert len(await client.get_inverters()) == 10
        sim.faults.inject("status", route="inverters", status=401)
        with pytest.raises(AuthenticationError):
            await client.get_inverters()
