"""Real Powerwall gateway replies through the local models and the local client.

The replies in ``../shared/real-data/tesla-local/`` (published by Home Assistant core,
tesla_powerwall and pypowerwall, captured on real gateways) are read at test time, never
copied into the repository. Every expected value is computed here from the raw JSON. Where
the folder is absent the tests skip.

What the real replies teach: ``grid_code`` is flat text on 1.x firmware and an object later;
``din`` is absent from old ``/api/status``; a disabled battery block has null readings and an
empty ``pinv_grid_state``; the load meter has no ``num_meters_aggregated``; a ``backup_reserve
_percent`` of 5.00002 (raw) is the app's 0 %, 81 the app's 80 %.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
import json
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.tesla_energy.api.local import PowerwallLocalClient
from custom_components.tesla_energy.api.local_models import (
    LIVE_ENDPOINTS,
    BatteryBlock,
    GatewayStatus,
    GridState,
    LivePower,
    LocalEndpoint,
    LocalSiteInfo,
    MeterLocation,
    Operation,
    Powerwalls,
    Sitemaster,
    StateOfEnergy,
    SystemStatus,
)

REAL = Path(__file__).parents[2].parent / "shared" / "real-data" / "tesla-local"

# What each real file is the reply of (request path) and the model that reads it.
ENDPOINT_FILES: dict[str, list[str]] = {
    "/api/meters/aggregates": [
        "ha_api_meters_aggregates.json",
        "pypw_api_meters_aggregates.json",
        "tpw_api_meters_aggregates.json",
    ],
    "/api/system_status/soe": ["pypw_api_system_status_soe.json"],
    "/api/system_status/grid_status": [
        "pypw_api_system_status_grid_status.json",
        "pypw_api_system_status_grid_status_islanded.json",
        "pypw_api_system_status_grid_status_transition.json",
        "tpw_api_system_status_grid_status.json",
    ],
    "/api/operation": ["pypw_api_operation.json", "tpw_api_operation.json"],
    "/api/site_info": [
        "ha_api_site_info.json",
        "pypw_api_site_info.json",
        "tpw_api_site_info.json",
    ],
    "/api/status": ["ha_api_status.json", "pypw_api_status.json", "tpw_api_status.json"],
    "/api/sitemaster": [
        "ha_api_sitemaster.json",
        "pypw_api_sitemaster.json",
        "tpw_api_sitemaster.json",
    ],
    "/api/powerwalls": ["pypw_api_powerwalls.json", "tpw_api_powerwalls.json"],
    "/api/system_status": ["pypw_api_system_status.json", "tpw_api_system_status.json"],
}
# Replies the integration has no use for (yet), and why: a new file must be sorted in here or
# above, so that no real reply goes unread by accident.
UNUSED_FILES: dict[str, str] = {
    "ha_api_system_status_battery_blocks.json": "only the battery_blocks array (read below)",
    "pypw_api_site_info_site_name.json": "/api/site_info/site_name: name and zone (read below)",
    "pypw_api_meters_site.json": "per-phase meter detail: no entity uses it",
    "tpw_api_meters_site.json": "per-phase meter detail: no entity uses it",
    "tpw_api_meters_solar.json": "per-phase meter detail: no entity uses it",
    "pypw_api_auth_toggle_supported.json": "a web-UI setting",
    "pypw_api_system_update_status.json": "firmware update progress: not read",
    "tpw_api_v2_islanding_mode_offgrid.json": "reply to a write (commands stay on the cloud)",
    "tpw_api_v2_islanding_mode_ongrid.json": "reply to a write (commands stay on the cloud)",
}


def _real(name: str) -> Any:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"real Powerwall gateway replies not available ({path} is absent)")
    return json.loads(path.read_text())


def _files(endpoint: str) -> list[tuple[str, Any]]:
    return [(name, _real(name)) for name in ENDPOINT_FILES[endpoint]]


def _when(text: str) -> datetime | None:
    when = datetime.fromisoformat(text)
    return None if when.year == 1 else when


def test_every_real_reply_is_accounted_for() -> None:
    """Each file in the folder is read by a test here or listed as unused with a reason."""
    if not REAL.is_dir():
        pytest.skip(f"real Powerwall gateway replies not available ({REAL} is absent)")
    known = {name for names in ENDPOINT_FILES.values() for name in names} | set(UNUSED_FILES)
    present = {path.name for path in REAL.glob("*.json")}
    assert present - known == set()


def test_meters_aggregates() -> None:
    """Power, lifetime energy and times of every meter, signs as the gateway sent them."""
    for name, raw in _files("/api/meters/aggregates"):
        power = LivePower.from_api(raw)
        assert {m.value for m in power.meters} == set(raw), name
        for location, meter in power.meters.items():
            data = raw[location.value]
            assert meter.power == data["instant_power"], name
            assert meter.energy_exported == data["energy_exported"], name
            assert meter.energy_imported == data["energy_imported"], name
            assert meter.frequency == data["frequency"], name
            assert meter.voltage == data["instant_average_voltage"], name
            assert meter.last_communication == _when(data["last_communication_time"]), name
            assert meter.meters_aggregated == data.get("num_meters_aggregated"), name
        assert power.grid_power == raw["site"]["instant_power"]
        assert power.battery_power == raw["battery"]["instant_power"]
        assert power.load_power == raw["load"]["instant_power"]
        assert power.solar_power == raw["solar"]["instant_power"]
        times = [_when(m["last_communication_time"]) for m in raw.values()]
        assert power.timestamp == max(t for t in times if t is not None)


def test_state_of_energy_on_the_apps_scale() -> None:
    """The raw percentage, and the app's: the bottom 5 % is the hidden buffer."""
    for _name, raw in _files("/api/system_status/soe"):
        soe = StateOfEnergy.from_api(raw)
        assert soe.raw_percent == raw["percentage"]
        assert soe.percent == pytest.approx((raw["percentage"] - 5) / 0.95)


def test_grid_status() -> None:
    """Every real grid state is a known one; only SystemGridConnected is on the grid."""
    for name, raw in _files("/api/system_status/grid_status"):
        grid = GridState.from_api(raw)
        assert grid.status is not None
        assert grid.status.value == raw["grid_status"], name
        assert grid.grid_services_active is raw["grid_services_active"], name
        assert grid.status.grid_connected is (raw["grid_status"] == "SystemGridConnected")


def test_operation_mode_and_reserve() -> None:
    """The mode by name; the reserve raw and on the app's scale (5.00002 raw is 0 %)."""
    for name, raw in _files("/api/operation"):
        operation = Operation.from_api(raw)
        assert operation.mode is not None
        assert operation.mode.value == raw["real_mode"], name
        assert operation.backup_reserve_raw == raw["backup_reserve_percent"], name
        expected = max((raw["backup_reserve_percent"] - 5) / 0.95, 0.0)
        assert operation.backup_reserve == pytest.approx(expected), name


def test_site_info_flat_and_nested_grid_code() -> None:
    """The grid settings are found in both firmware generations' shapes."""
    for name, raw in _files("/api/site_info"):
        info = LocalSiteInfo.from_api(raw)
        grid = raw["grid_code"] if isinstance(raw["grid_code"], dict) else raw
        code = grid["grid_code"] if isinstance(raw["grid_code"], dict) else raw["grid_code"]
        assert info.site_name == raw["site_name"], name
        assert info.time_zone == raw["timezone"], name
        assert info.nominal_energy_kwh == raw["nominal_system_energy_kWh"], name
        assert info.grid_code == code, name
        assert info.country == grid["country"], name
        assert info.grid_frequency == grid["grid_freq_setting"], name
    only_name = _real("pypw_api_site_info_site_name.json")
    info = LocalSiteInfo.from_api(only_name)
    assert (info.site_name, info.time_zone) == (only_name["site_name"], only_name["timezone"])


def test_status_firmware_din_and_uptime() -> None:
    """The firmware without its hash, the DIN where the firmware has one, Go durations."""
    for name, raw in _files("/api/status"):
        status = GatewayStatus.from_api(raw)
        assert status.version == raw["version"].split(" ")[0], name
        assert status.din == raw.get("din"), name
        assert status.device_type == raw["device_type"], name
        start = datetime.strptime(raw["start_time"], "%Y-%m-%d %H:%M:%S %z")
        assert status.start_time == start, name
        hours, rest = raw["up_time_seconds"].split("h")
        minutes, seconds = rest.split("m")
        expected = int(hours) * 3600 + int(minutes) * 60 + float(seconds.rstrip("s"))
        assert status.up_time is not None
        assert status.up_time.total_seconds() == pytest.approx(expected), name


def test_sitemaster() -> None:
    """Running and connected; ``power_supply_mode`` absent on old firmware."""
    for name, raw in _files("/api/sitemaster"):
        sitemaster = Sitemaster.from_api(raw)
        assert sitemaster.status == raw["status"], name
        assert sitemaster.running is raw["running"], name
        assert sitemaster.connected_to_tesla is raw["connected_to_tesla"], name
        assert sitemaster.power_supply_mode == raw.get("power_supply_mode"), name


def test_powerwalls() -> None:
    """The gateway's DIN and each Powerwall's part and serial number."""
    for name, raw in _files("/api/powerwalls"):
        powerwalls = Powerwalls.from_api(raw)
        assert powerwalls.gateway_din == raw["gateway_din"], name
        assert [(p.part_number, p.serial_number) for p in powerwalls.powerwalls] == [
            (p["PackagePartNumber"], p["PackageSerialNumber"]) for p in raw["powerwalls"]
        ], name


def test_system_status_and_battery_blocks() -> None:
    """Pack energy, and blocks; a disabled one has no readings and says why."""
    for name, raw in _files("/api/system_status"):
        status = SystemStatus.from_api(raw)
        assert status.full_pack_energy == raw["nominal_full_pack_energy"], name
        assert status.energy_remaining == raw["nominal_energy_remaining"], name
        assert status.max_charge_power == raw["instantaneous_max_charge_power"], name
        assert status.island_state is not None
        assert status.island_state.value == raw["system_island_state"], name
        _check_blocks(status.battery_blocks, raw["battery_blocks"], name)
    blocks = _real("ha_api_system_status_battery_blocks.json")
    _check_blocks(tuple(BatteryBlock.from_api(b) for b in blocks), blocks, "ha blocks")


def _check_blocks(blocks: tuple[BatteryBlock, ...], raw: list[dict[str, Any]], name: str) -> None:
    assert len(blocks) == len(raw), name
    for block, data in zip(blocks, raw, strict=True):
        assert block.serial_number == data["PackageSerialNumber"], name
        assert block.power == data["p_out"], name
        assert block.energy_charged == data["energy_charged"], name
        assert block.full_pack_energy == data["nominal_full_pack_energy"], name
        assert block.grid_state == (data["pinv_grid_state"] or None), name
        assert block.disabled is bool(data.get("disabled_reasons")), name


# -- the client on real replies ----------------------------------------------------------------


class RealGateway:
    """A loopback gateway answering with one source's real replies (404 for the rest)."""

    def __init__(self, prefix: str, endpoints: set[str]) -> None:
        """Serve ``prefix``'s replies of ``endpoints``."""
        self.replies = {path: _real(_file_of(prefix, path)) for path in endpoints}

    def app(self) -> web.Application:
        """Return the routes: the login, then the replies."""
        app = web.Application()
        app.router.add_post("/api/login/Basic", self._login)
        app.router.add_get("/{path:.*}", self._read)
        return app

    async def _login(self, request: web.Request) -> web.Response:
        reply = web.json_response({"token": "real-replay-token", "roles": ["Home_Owner"]})
        reply.set_cookie("AuthCookie", "real-replay-cookie")
        return reply

    async def _read(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bearer real-replay-token":
            return web.json_response({"code": 401, "error": "bad credentials"}, status=401)
        if request.path not in self.replies:
            return web.Response(status=404)
        return web.json_response(self.replies[request.path])


def _file_of(prefix: str, path: str) -> str:
    return f"{prefix}_{path.strip('/').replace('/', '_').replace('.', '_')}.json"


@pytest.fixture
async def serve(socket_enabled: None) -> AsyncIterator[Any]:
    """Serve real replies on loopback."""
    servers: list[TestServer] = []

    async def start(gateway: RealGateway) -> str:
        server = TestServer(gateway.app(), host="127.0.0.1")
        await server.start_server(access_log=None)
        servers.append(server)
        return f"http://127.0.0.1:{server.port}"

    yield start
    for server in servers:
        await server.close()


async def test_client_probes_and_polls_a_real_gateway(serve: Any) -> None:
    """pypowerwall's Gateway 2 (23.28.2): full capabilities, values as it sent them."""
    every = {endpoint.value for endpoint in LocalEndpoint}
    gateway = RealGateway("pypw", every)
    url = await serve(gateway)
    async with aiohttp.ClientSession() as session:
        client = PowerwallLocalClient(session, url, "abcde", allow_loopback=True)
        capabilities = await client.probe()
        snapshot = await client.poll()
    replies = gateway.replies
    assert not capabilities.reduced
    assert capabilities.din == replies["/api/status"]["din"]
    assert capabilities.din == replies["/api/powerwalls"]["gateway_din"]
    assert capabilities.firmware == replies["/api/status"]["version"].split(" ")[0]
    assert capabilities.powerwall_count == len(replies["/api/powerwalls"]["powerwalls"])
    meters = replies["/api/meters/aggregates"]
    assert snapshot.power.grid_power == meters["site"]["instant_power"]
    assert snapshot.power.battery_power == meters["battery"]["instant_power"]
    assert snapshot.power.load_power == meters["load"]["instant_power"]
    assert snapshot.power.solar_power == meters["solar"]["instant_power"]
    raw_soe = replies["/api/system_status/soe"]["percentage"]
    assert snapshot.soe.percent == pytest.approx((raw_soe - 5) / 0.95)
    assert snapshot.grid.status is not None
    assert snapshot.grid.status.value == replies["/api/system_status/grid_status"]["grid_status"]
    assert snapshot.operation is not None
    raw_reserve = replies["/api/operation"]["backup_reserve_percent"]
    assert snapshot.operation.backup_reserve == pytest.approx((raw_reserve - 5) / 0.95)


async def test_client_on_a_reduced_gateway_with_real_replies(serve: Any) -> None:
    """A Powerwall 3 answers only the live endpoints (in the same shapes): reduced, no DIN."""
    gateway = RealGateway("pypw", {endpoint.value for endpoint in LIVE_ENDPOINTS})
    url = await serve(gateway)
    async with aiohttp.ClientSession() as session:
        client = PowerwallLocalClient(session, url, "abcde", allow_loopback=True)
        capabilities = await client.probe()
        snapshot = await client.poll()
    assert capabilities.reduced
    assert capabilities.endpoints == LIVE_ENDPOINTS
    assert capabilities.din is None
    assert snapshot.operation is None
    meters = gateway.replies["/api/meters/aggregates"]
    assert snapshot.power.meters.keys() == {MeterLocation(k) for k in meters}
