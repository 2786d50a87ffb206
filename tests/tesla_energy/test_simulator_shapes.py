"""The simulated Fleet API answers in the shapes of real replies, and takes every valid request.

The shape tests compare the simulator's replies with the real replies in
``../shared/real-data/tesla/`` (read at test time, never copied): the same keys, with values
of the same JSON type. They skip where that folder is absent. The history tests need no
real data: they send the requests the Fleet API documentation allows (and core's
``tesla_fleet`` sends) and expect the answers the real API gives.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
import pytest

from simulators.tesla import TeslaFleetSimulator

from .conftest import ACCOUNT, BARN_SITE, HOME_SITE, base_url, issue_token

REAL = Path(__file__).parents[2].parent / "shared" / "real-data" / "tesla"

# Keys the simulator may send that one real capture lacks: documented in the API notes
# (live_status ``energy_left``/``total_pack_energy``; site_info's off-grid reserve and
# tariff; a Wall Connector's serial number), present on other real sites.
DOCUMENTED_EXTRAS = {
    "energy_left",
    "total_pack_energy",
    "off_grid_vehicle_charging_reserve_percent",
    "tariff_content_v2",
    "serial_number",
}


def _real(name: str) -> Any:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"real Tesla replies not available ({path} is absent)")
    return json.loads(path.read_text())


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def _differences(real: Any, ours: Any, where: str = "") -> list[str]:
    """Return where ``ours`` differs from ``real`` in keys or JSON types."""
    if _kind(real) != _kind(ours):
        return [f"{where or '/'}: real {_kind(real)}, simulator {_kind(ours)}"]
    problems: list[str] = []
    if isinstance(real, dict):
        problems.extend(
            f"{where}/{key}: missing in the simulator" for key in real.keys() - ours.keys()
        )
        problems.extend(
            f"{where}/{key}: not in the real reply"
            for key in ours.keys() - real.keys() - DOCUMENTED_EXTRAS
        )
        for key in real.keys() & ours.keys():
            problems.extend(_differences(real[key], ours[key], f"{where}/{key}"))
    elif isinstance(real, list) and real and ours:
        problems.extend(_differences(real[0], ours[0], f"{where}[0]"))
    return problems


@pytest.fixture
async def fleet(
    server: TestServer, sim: TeslaFleetSimulator
) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    """Return a session that carries the home account's token, and the NA server's URL."""
    token = issue_token(sim, ACCOUNT)["access_token"]
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        yield session, f"{base_url(server)}/na/api/1"


async def _get(fleet: tuple[aiohttp.ClientSession, str], path: str, **params: str) -> Any:
    session, base = fleet
    async with session.get(f"{base}{path}", params=params) as response:
        assert response.status == 200, await response.text()
        return await response.json()


# -- shapes ------------------------------------------------------------------------------------


async def test_site_info_shape(fleet: tuple[aiohttp.ClientSession, str]) -> None:
    """site_info: the real keys and types, a string id, an empty time zone where real sites
    send one, and absent fields where real sites leave them out."""
    real = _real("fleet_site_info.json")
    home = await _get(fleet, f"/energy_sites/{HOME_SITE}/site_info")
    assert _differences(real, home) == []
    assert isinstance(home["response"]["id"], str)
    assert str(HOME_SITE) not in home["response"]["id"]
    barn = (await _get(fleet, f"/energy_sites/{BARN_SITE}/site_info"))["response"]
    assert barn["installation_time_zone"] == real["response"]["installation_time_zone"] == ""
    for absent in ("off_grid_vehicle_charging_reserve_percent",):
        assert absent not in barn
        assert absent not in real["response"]
    real_connector = real["response"]["components"]["wall_connectors"][0]
    ours = home["response"]["components"]["wall_connectors"][0]
    assert "serial_number" not in real_connector
    assert "serial_number" not in ours


async def test_live_status_shape(fleet: tuple[aiohttp.ClientSession, str]) -> None:
    """live_status: the real keys and types (Wall Connectors included)."""
    real = _real("teslemetry_live_status.json")
    ours = await _get(fleet, f"/energy_sites/{HOME_SITE}/live_status")
    assert _differences(real, ours) == []


async def test_products_shape(fleet: tuple[aiohttp.ClientSession, str]) -> None:
    """products: the vehicle and the energy site entries have the real keys and types."""
    real = _real("teslemetry_products.json")
    ours = await _get(fleet, "/products")
    assert set(real) == set(ours)
    real_vehicle = next(p for p in real["response"] if "vin" in p)
    real_site = next(p for p in real["response"] if "site_name" in p)
    our_vehicle = next(p for p in ours["response"] if "vin" in p)
    our_site = next(p for p in ours["response"] if p.get("energy_site_id") == HOME_SITE)
    assert _differences(real_vehicle, our_vehicle) == []
    # battery_type is null on a site without one: compare the home site's components only.
    assert _differences(real_site, our_site) == []


async def test_energy_history_shape(
    fleet: tuple[aiohttp.ClientSession, str], sim: TeslaFleetSimulator
) -> None:
    """energy_history: every field sent (zeros too), with the totals real replies carry."""
    real = _real("fleet_energy_history.json")
    day = (sim.clock.now() - timedelta(days=1)).date().isoformat()
    ours = await _get(
        fleet,
        f"/energy_sites/{HOME_SITE}/calendar_history",
        kind="energy",
        period="day",
        start_date=f"{day}T00:00:00Z",
        end_date=f"{day}T23:59:59Z",
    )
    assert ours["response"]["time_series"], "the simulated site has yesterday's history"
    assert _differences(real, ours) == []


async def test_energy_history_null_without_data(
    fleet: tuple[aiohttp.ClientSession, str], sim: TeslaFleetSimulator
) -> None:
    """No data yet is ``time_series: null``, as real replies say it."""
    now = sim.clock.now()
    future = now.replace(year=now.year + 1).isoformat()
    ours = await _get(
        fleet,
        f"/energy_sites/{HOME_SITE}/calendar_history",
        kind="energy",
        period="day",
        start_date=future,
        end_date=future,
    )
    assert ours["response"]["time_series"] is None


# -- history requests: every valid one is served -----------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        # What core's tesla_fleet (tesla-fleet-api) sends: the kind and the period only.
        {"kind": "energy", "period": "day"},
        {"kind": "energy", "period": "week"},
        {"kind": "energy", "period": "month"},
        {"kind": "energy", "period": "year"},
        {"kind": "energy", "period": "lifetime"},
        {"kind": "energy"},
        {"kind": "backup", "period": "day"},
        {"kind": "backup"},
        # RFC 3339 with Z, with fractional seconds, and with an offset.
        {
            "kind": "energy",
            "period": "day",
            "start_date": "{yesterday}T00:00:00Z",
            "end_date": "{yesterday}T23:59:59.999Z",
            "time_zone": "Europe/London",
        },
        {
            "kind": "energy",
            "period": "day",
            "start_date": "{yesterday}T00:00:00-08:00",
            "end_date": "{yesterday}T23:59:59-08:00",
            "time_zone": "America/Los_Angeles",
        },
        {"kind": "energy", "period": "day", "start_date": "{yesterday}T00:00:00+00:00"},
    ],
)
async def test_valid_calendar_history_requests_are_served(
    fleet: tuple[aiohttp.ClientSession, str], sim: TeslaFleetSimulator, params: dict[str, str]
) -> None:
    """Only ``kind`` is required: dates default to the current period, the zone to the site's."""
    day = (sim.clock.now() - timedelta(days=1)).date().isoformat()
    query = {key: value.format(yesterday=day) for key, value in params.items()}
    reply = await _get(fleet, f"/energy_sites/{HOME_SITE}/calendar_history", **query)
    if query["kind"] == "energy":
        assert reply["response"]["period"] == query.get("period", "day")
        assert reply["response"]["time_series"] is None or isinstance(
            reply["response"]["time_series"], list
        )
    else:
        assert reply["response"]["events"] == []


async def test_charge_history_without_dates_is_served(
    fleet: tuple[aiohttp.ClientSession, str],
) -> None:
    """telemetry_history needs only ``kind=charge``."""
    reply = await _get(fleet, f"/energy_sites/{HOME_SITE}/telemetry_history", kind="charge")
    assert isinstance(reply["response"]["charge_history"], list)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"kind": "power"},
        {"kind": "energy", "period": "hour"},
        {"kind": "energy", "time_zone": "Mars/Olympus"},
        {"kind": "energy", "start_date": "2024-01-01T00:00:00"},
        {"kind": "energy", "start_date": "yesterday"},
        {
            "kind": "energy",
            "start_date": "2024-01-02T00:00:00Z",
            "end_date": "2024-01-01T00:00:00Z",
        },
    ],
)
async def test_invalid_calendar_history_requests_are_refused(
    fleet: tuple[aiohttp.ClientSession, str], params: dict[str, str]
) -> None:
    """What the documentation does not allow is a 400 with Tesla's error body."""
    session, base = fleet
    async with session.get(
        f"{base}/energy_sites/{HOME_SITE}/calendar_history", params=params
    ) as response:
        assert response.status == 400
        body = await response.json()
    assert body["response"] is None
    assert body["error"]
