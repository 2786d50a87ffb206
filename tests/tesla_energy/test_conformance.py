"""Real Fleet API replies, served on loopback into a real config entry.

The replies in ``../shared/real-data/tesla/`` are read at test time (never copied into the
repository) and served by a small loopback server as the regional Fleet API server would.
Every expected value is computed here from the raw JSON. Where the folder is absent the
tests skip.

What the real replies teach: ``installation_time_zone`` can be ``""`` (Home Assistant's time
zone is used), site_info's ``id`` is a string unrelated to the energy site id,
``off_grid_vehicle_charging_reserve_percent`` and Wall Connector serial numbers can be
absent, and ``time_series`` is ``null`` when there is no history yet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import copy
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import time
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.tesla_energy.api import SiteInfo
from custom_components.tesla_energy.api.const import SERVER_OVERRIDE_ENV
from custom_components.tesla_energy.const import CONF_REGION, DOMAIN
from custom_components.tesla_energy.statistics import statistic_id
from simulators.tesla import make_jwt

REAL = Path(__file__).parents[2].parent / "shared" / "real-data" / "tesla"
NOW = datetime(2026, 6, 15, 18, 7, tzinfo=UTC)


def _real(name: str) -> Any:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"real Tesla replies not available ({path} is absent)")
    return json.loads(path.read_text())


class RealCloud:
    """A regional Fleet API server that answers with the real replies."""

    def __init__(self, *, history_series: str = "real") -> None:
        """Load the replies; ``history_series`` is ``real`` or ``null``."""
        self.products = _real("teslemetry_products.json")
        self.site_info = _real("fleet_site_info.json")
        self.live = _real("teslemetry_live_status.json")
        self.history = _real("fleet_energy_history.json")
        self.history_series = history_series
        self.history_queries: list[dict[str, str]] = []
        self.hour: datetime | None = None
        """Start (UTC) of the hour the real history points are placed in."""

    def app(self) -> web.Application:
        """Return the server's routes."""
        app = web.Application()
        app.router.add_get("/{region}/api/1/users/region", self._region)
        site = "/na/api/1/energy_sites/{site_id}"
        app.router.add_get("/na/api/1/products", self._json(lambda: self.products))
        app.router.add_get(f"{site}/site_info", self._json(lambda: self.site_info))
        app.router.add_get(f"{site}/live_status", self._json(lambda: self.live))
        app.router.add_get(f"{site}/calendar_history", self._calendar_history)
        app.router.add_get(
            f"{site}/telemetry_history",
            self._json(lambda: {"response": {"charge_history": []}}),
        )
        return app

    @staticmethod
    def _json(body: Any) -> Any:
        async def handler(_request: web.Request) -> web.Response:
            return web.json_response(body())

        return handler

    async def _region(self, request: web.Request) -> web.Response:
        region = request.match_info["region"]
        if region != "na":
            return web.json_response({"response": None, "error": "user out of region"}, status=421)
        base = f"{request.scheme}://{request.host}/na"
        return web.json_response({"response": {"region": "na", "fleet_api_base_url": base}})

    async def _calendar_history(self, request: web.Request) -> web.Response:
        if request.query.get("kind") == "backup":
            return web.json_response({"response": {"events": [], "total_events": 0}})
        self.history_queries.append(dict(request.query))
        reply = copy.deepcopy(self.history)
        if self.history_series == "null":
            reply["response"]["time_series"] = None
            return web.json_response(reply)
        # The real points, unchanged but for their timestamps: the last steps of an hour of
        # the asked day, so that the hour is complete and goes to the statistics.
        start = datetime.fromisoformat(request.query["start_date"])
        points = reply["response"]["time_series"]
        hour_end = start.replace(hour=2, minute=0, second=0)
        for index, point in enumerate(points):
            step = hour_end - timedelta(minutes=5 * (len(points) - index))
            point["timestamp"] = step.isoformat()
        if start.date() == (NOW.astimezone(start.tzinfo) - timedelta(days=1)).date():
            self.hour = (hour_end - timedelta(hours=1)).astimezone(UTC)
            return web.json_response(reply)
        reply["response"]["time_series"] = None
        return web.json_response(reply)


def _site(cloud: RealCloud) -> dict[str, Any]:
    return next(p for p in cloud.products["response"] if p.get("site_name"))


async def _serve(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, cloud: RealCloud
) -> AsyncIterator[MockConfigEntry]:
    server = TestServer(cloud.app(), host="127.0.0.1", access_log=None)
    await server.start_server()
    monkeypatch.setenv(SERVER_OVERRIDE_ENV, str(server.make_url("")).rstrip("/"))
    now = time.time()
    token = {
        "access_token": make_jwt(
            {
                "sub": "real-account",
                "scp": ["openid", "offline_access", "energy_device_data", "energy_cmds"],
                "ou_code": "NA",
                "exp": int(now + 8 * 3600),
            }
        ),
        "refresh_token": "unused",
        "token_type": "Bearer",
        "expires_in": 8 * 3600,
        "expires_at": now + 8 * 3600,
    }
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Energy Site",
        unique_id="real-account",
        data={"auth_implementation": DOMAIN, "token": token, CONF_REGION: "na"},
    )
    entry.add_to_hass(hass)
    try:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert entry.state is ConfigEntryState.LOADED
        yield entry
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await server.close()


@pytest.fixture
def history_series() -> str:
    """Return how the history is served: the real points, or ``null``."""
    return "real"


@pytest.fixture
def cloud(history_series: str) -> RealCloud:
    """Return the server of real replies."""
    return RealCloud(history_series=history_series)


@pytest.fixture
async def real_entry(
    recorder_mock: Any,
    hass: HomeAssistant,
    credentials: None,
    socket_enabled: None,
    allow_loopback: None,
    monkeypatch: pytest.MonkeyPatch,
    cloud: RealCloud,
) -> AsyncIterator[MockConfigEntry]:
    """Set a config entry up against the real replies."""
    async for entry in _serve(hass, monkeypatch, cloud):
        yield entry


def _entity(hass: HomeAssistant, entry: MockConfigEntry, unique_suffix: str) -> str | None:
    """Return the state of the entity whose unique id ends with ``unique_suffix``."""
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.unique_id.endswith(unique_suffix):
            state = hass.states.get(entity.entity_id)
            return None if state is None else state.state
    return None


@pytest.mark.freeze_time(NOW)
async def test_real_replies_become_entities(
    hass: HomeAssistant, real_entry: MockConfigEntry, cloud: RealCloud
) -> None:
    """Every value shown is the value the real replies carry."""
    site = _site(cloud)
    site_id = site["energy_site_id"]
    live = cloud.live["response"]
    info = cloud.site_info["response"]
    runtime = real_entry.runtime_data
    # Only the product with equipment is a site; the string ``id`` of site_info plays no role.
    assert set(runtime.sites) == {site_id}
    assert isinstance(info["id"], str)
    assert str(site_id) not in info["id"]
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), real_entry.entry_id)
    names = {device.name for device in devices if (DOMAIN, str(site_id)) in device.identifiers}
    assert names == {site["site_name"]}

    def number(suffix: str) -> float:
        value = _entity(hass, real_entry, suffix)
        assert value is not None, suffix
        return float(value)

    assert number("solar_power") == pytest.approx(live["solar_power"] / 1000)
    assert number("battery_power") == pytest.approx(live["battery_power"] / 1000)
    assert number("load_power") == pytest.approx(live["load_power"] / 1000)
    assert number("grid_power") == pytest.approx(live["grid_power"] / 1000)
    assert number("battery_level") == pytest.approx(live["percentage_charged"], abs=0.01)
    assert number("backup_reserve") == pytest.approx(info["backup_reserve_percent"])
    assert _entity(hass, real_entry, "operation_mode") == info["default_real_mode"]
    assert _entity(hass, real_entry, "storm_watch") == (
        "on" if info["user_settings"]["storm_mode_enabled"] else "off"
    )
    assert _entity(hass, real_entry, "version") == info["version"]


@pytest.mark.freeze_time(NOW)
async def test_absent_fields_are_not_values(
    hass: HomeAssistant, real_entry: MockConfigEntry, cloud: RealCloud
) -> None:
    """A field the reply leaves out is unknown, never a made-up zero or serial number."""
    info = cloud.site_info["response"]
    assert "off_grid_vehicle_charging_reserve_percent" not in info
    # The site says it supports the reserve, so the control exists; its value is unknown.
    assert info["components"]["off_grid_vehicle_charging_reserve_supported"] is True
    assert _entity(hass, real_entry, "off_grid_vehicle_charging_reserve") == STATE_UNKNOWN
    connectors = {c["din"] for c in info["components"]["wall_connectors"]}
    assert all("serial_number" not in c for c in info["components"]["wall_connectors"])
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), real_entry.entry_id)
    chargers = [
        device
        for device in devices
        if {value for domain, value in device.identifiers if domain == DOMAIN} & connectors
    ]
    assert chargers
    assert all(device.serial_number is None for device in chargers)


@pytest.mark.freeze_time(NOW)
async def test_empty_time_zone_falls_back_to_home_assistant(
    hass: HomeAssistant, real_entry: MockConfigEntry, cloud: RealCloud
) -> None:
    """``installation_time_zone: ""``: days and history requests follow Home Assistant's zone."""
    assert cloud.site_info["response"]["installation_time_zone"] == ""
    site_id = _site(cloud)["energy_site_id"]
    info = real_entry.runtime_data.sites[site_id].info
    assert info.time_zone == dt_util.get_default_time_zone()
    assert cloud.history_queries
    assert {q["time_zone"] for q in cloud.history_queries} == {hass.config.time_zone}


@pytest.mark.freeze_time(NOW)
async def test_real_history_goes_to_statistics(
    hass: HomeAssistant, real_entry: MockConfigEntry, cloud: RealCloud
) -> None:
    """The hour of the real points holds their energy, by the totals Tesla sends with them."""
    site_id = _site(cloud)["energy_site_id"]
    points = cloud.history["response"]["time_series"]
    assert cloud.hour is not None
    await async_wait_recording_done(hass)
    expected = {
        "solar_production": sum(p["total_solar_generation"] for p in points),
        "home_usage": sum(p["total_home_usage"] for p in points),
        "battery_charge": sum(p["total_battery_charge"] for p in points),
        "battery_discharge": sum(p["total_battery_discharge"] for p in points),
        "grid_export": sum(p["total_grid_energy_exported"] for p in points),
        "grid_import": sum(p["grid_energy_imported"] for p in points),
    }
    ids = {flow: statistic_id(site_id, flow) for flow in expected}
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        cloud.hour - timedelta(days=2),
        None,
        set(ids.values()),
        "hour",
        None,
        {"state"},
    )
    for flow, wh in expected.items():
        by_hour = {row["start"]: row["state"] for row in rows.get(ids[flow], [])}
        assert by_hour.get(cloud.hour.timestamp()) == pytest.approx(wh / 1000, abs=1e-3), flow


@pytest.mark.freeze_time(NOW)
@pytest.mark.parametrize("history_series", ["null"])
async def test_null_time_series_is_an_empty_history(
    hass: HomeAssistant, real_entry: MockConfigEntry, cloud: RealCloud
) -> None:
    """``time_series: null`` (no data yet) is an empty history, not a failure."""
    site_id = _site(cloud)["energy_site_id"]
    history = real_entry.runtime_data.sites[site_id].history
    assert history.last_update_success
    assert history.data is not None
    assert history.data.imported_hours == 0


def test_site_info_id_is_not_the_energy_site_id() -> None:
    """site_info's ``id`` names something else: never taken for the energy site id."""
    info = SiteInfo.from_api({"response": {"id": 123456, "site_name": "Site"}})
    assert info.site_id is None
    assert SiteInfo.from_api({"response": {"id": "1233-abcd"}}).site_id is None
