"""Real chargers' ``RealTimeData`` replies, replayed through the LAN path into entities.

The replies are read at test time from ``../shared/real-data/v2c/`` (beside the repository,
never committed). Each is served unchanged by a tiny loopback server as the charger's
``/RealTimeData``; a real config entry is set up against it (the account's cloud is our
simulator), and every entity is compared with a value computed here from the raw JSON.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.v2c_cloud.const import DOMAIN

from .conftest import V2CSim

REAL_DATA = Path(__file__).parents[2].parent / "shared" / "real-data" / "v2c"
REPLIES = sorted(REAL_DATA.glob("*.json")) if REAL_DATA.is_dir() else []

# From the API notes: ChargeState 0 disconnected, 1 connected, 2 charging.
CHARGE_STATE_NAMES = {0: "disconnected", 1: "connected", 2: "charging"}
# DynamicPowerMode in the notes' order (0 timed/app profile, 1 timed disabled, 2 PV exclusive,
# 3 PV + minimum, 4 grid + PV, 5 stop).
DYNAMIC_POWER_MODE_NAMES = {
    0: "timed_power_enabled",
    1: "timed_power_disabled",
    2: "pv_exclusive",
    3: "pv_with_minimum_power",
    4: "grid_and_pv",
    5: "stop",
}
# Disabled by default: enabled here so that every LAN value is checked.
ENABLE = (("sensor", "ready_state"),)

pytestmark = pytest.mark.skipif(
    not REPLIES,
    reason=f"No real V2C replies at {REAL_DATA} (the shared real-data folder is not beside "
    "the repository here): the conformance test needs them",
)


@pytest.fixture
def charger_count() -> int:
    return 1


@pytest.fixture
def firmware() -> list[str]:
    return ["2.1.17"]


@pytest.fixture(params=REPLIES, ids=[p.stem for p in REPLIES])
def raw_reply(request: pytest.FixtureRequest) -> bytes:
    path: Path = request.param
    return path.read_bytes()


@pytest.fixture
async def real_charger(socket_enabled: None, raw_reply: bytes) -> AsyncIterator[TestServer]:
    """Serve the captured reply as it was received; ``/read/`` is absent (404)."""

    async def realtime(_request: web.Request) -> web.Response:
        return web.Response(body=raw_reply, content_type="text/html")

    app = web.Application()
    app.router.add_get("/RealTimeData", realtime)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


def _state(hass: HomeAssistant, entity_id: str) -> Any:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state


def _on_off(value: Any) -> str:
    return STATE_ON if value else STATE_OFF


async def test_real_reply_becomes_entities(
    hass: HomeAssistant,
    v2c_sim: V2CSim,
    config_entry: MockConfigEntry,
    real_charger: TestServer,
    raw_reply: bytes,
) -> None:
    raw = json.loads(raw_reply)
    charger = v2c_sim.charger()
    # The account's pairing points at the captured charger.
    charger.ip = f"127.0.0.1:{real_charger.port}"
    config_entry.add_to_hass(hass)
    registry = er.async_get(hass)
    enabled = {
        key: registry.async_get_or_create(
            domain, DOMAIN, f"{charger.charger_id}_{key}", config_entry=config_entry
        ).entity_id
        for domain, key in ENABLE
    }
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert _state(hass, "sensor.trydan_1_data_source").state == "lan"
    assert float(_state(hass, "sensor.trydan_1_charge_power").state) == raw["ChargePower"]
    assert (
        _state(hass, "sensor.trydan_1_charge_state").state == CHARGE_STATE_NAMES[raw["ChargeState"]]
    )
    assert _state(hass, "binary_sensor.trydan_1_car_connected").state == _on_off(
        raw["ChargeState"] > 0
    )
    assert _state(hass, "binary_sensor.trydan_1_charging").state == _on_off(raw["ChargeState"] == 2)
    assert float(_state(hass, "sensor.trydan_1_house_power").state) == raw["HousePower"]
    assert float(_state(hass, "sensor.trydan_1_photovoltaic_power").state) == raw["FVPower"]
    assert float(_state(hass, "sensor.trydan_1_charge_energy").state) == raw["ChargeEnergy"]
    # Seconds on the charger, shown in minutes.
    assert float(_state(hass, "sensor.trydan_1_charge_time").state) == pytest.approx(
        raw["ChargeTime"] / 60, abs=0.01
    )
    assert int(_state(hass, enabled["ready_state"]).state) == raw["ReadyState"]
    assert float(_state(hass, "number.trydan_1_charging_current").state) == raw["Intensity"]
    assert float(_state(hass, "number.trydan_1_minimum_current").state) == raw["MinIntensity"]
    assert float(_state(hass, "number.trydan_1_maximum_current").state) == raw["MaxIntensity"]
    assert float(_state(hass, "number.trydan_1_contracted_power").state) == (
        raw["ContractedPower"] / 1000
    )
    for entity_id, key in (
        ("switch.trydan_1_charging_paused", "Paused"),
        ("switch.trydan_1_charger_lock", "Locked"),
        ("switch.trydan_1_dynamic_mode", "Dynamic"),
        ("switch.trydan_1_timer", "Timer"),
        ("switch.trydan_1_pause_dynamic_control", "PauseDynamic"),
    ):
        assert _state(hass, entity_id).state == _on_off(raw[key]), entity_id
    assert (
        _state(hass, "select.trydan_1_dynamic_power_mode").state
        == DYNAMIC_POWER_MODE_NAMES[raw["DynamicPowerMode"]]
    )
    firmware = _state(hass, "update.trydan_1_firmware")
    assert firmware.attributes["installed_version"] == raw["FirmwareVersion"]
    # Values this firmware leaves out come from the cloud (the simulator's own state).
    voltage = raw.get("VoltageInstallation", charger.voltage)
    assert float(_state(hass, "sensor.trydan_1_grid_voltage").state) == voltage
    logo = raw.get("LogoLED", charger.logo_led)
    assert _state(hass, "switch.trydan_1_logo_led").state == _on_off(logo > 0)
