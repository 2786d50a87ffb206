"""V2C Cloud's cells of the fault matrix: a charger on the LAN, and the cloud."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_bridges_common.hass.budget import account_key
from custom_components.v2c_cloud.const import CLOUD_URL_ENV, CONF_ACCOUNT_ID, DOMAIN
from simulators.framework import SimClock
from simulators.v2c import ChargerApp, CloudApp, make_chargers

from .matrix import (
    FAULTS,
    CellResult,
    Family,
    Runner,
    Served,
    assert_cell,
    cell_params,
    clock_jump_cell,
    reboot_cell,
)

INTEGRATION = "v2c_cloud"
API_KEY = "test-api-key-0123456789"
CHARGER = "V2C00001"
FAMILIES = ["charger LAN", "cloud"]
# The fixed ones have their own tests in tests/v2c_cloud/test_faults.py.
XFAILS: dict[tuple[str, str], str] = {}


@dataclass
class Sim:
    cloud: Served
    lan: Served
    charger: object


@pytest.fixture
async def sim(
    socket_enabled: None, allow_loopback: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Sim]:
    clock = SimClock()
    chargers = make_chargers(1, firmware=["2.4.6"], cloud_only=set())
    cloud = await Served(CloudApp(chargers, api_key=API_KEY, clock=clock)).start()
    lan = await Served(ChargerApp(chargers[0], clock=clock)).start()
    chargers[0].ip = f"127.0.0.1:{lan.port}"
    monkeypatch.setenv(CLOUD_URL_ENV, f"http://127.0.0.1:{cloud.port}")
    yield Sim(cloud, lan, chargers[0])
    await lan.stop()
    await cloud.stop()


@pytest.mark.timeout(900)
async def test_v2c_matrix(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sim: Sim,
) -> None:
    """Run every cell (one entry, faults switched between cells)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_API_KEY: API_KEY, CONF_ACCOUNT_ID: account_key(API_KEY)},
        unique_id=account_key(API_KEY),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    runner = Runner(hass, freezer, caplog, entry.entry_id, DOMAIN)

    async def reboot(runner: Runner, result: CellResult) -> None:
        await reboot_cell(runner, result, seconds=20)
        # The sensor takes the new session after a few readings: in this cell, whatever the
        # timing, not in the next one.
        for _ in range(6):
            await runner.travel(runner.interval() + 1)

    async def move(runner: Runner, result: CellResult) -> None:
        """The charger gets a new DHCP lease; the cloud's pairing list has the new address."""
        port = await sim.lan.move()
        sim.charger.ip = f"127.0.0.1:{port}"  # type: ignore[attr-defined]
        for _ in range(80):
            await runner.travel(60)
            if hass.states.get("sensor.trydan_1_data_source").state == "lan":  # type: ignore[union-attr]
                break
        source = hass.states.get("sensor.trydan_1_data_source")
        runner.check(source is not None and source.state == "lan", "not back on the LAN")
        runner.check(runner.available("sensor.trydan_1_charge_power"), "unavailable")
        result.asserted += ["back", "stays"]

    lan = Family(
        INTEGRATION,
        "charger LAN",
        app=lambda: sim.lan.app,
        route="/RealTimeData",
        coordinator=lambda: entry.runtime_data.chargers[CHARGER],
        entity="sensor.trydan_1_charge_power",
        grace=timedelta(seconds=30),
        energy=["sensor.trydan_1_charge_energy"],
        sessions=["sensor.trydan_1_charge_energy"],
        outage_unavailable=False,
        refuse=sim.lan.refuse,
        restore=sim.lan.restore,
        special={
            "reboot": reboot,
            "clock jump": clock_jump_cell,
            "address change": move,
        },
        away_back=("is not answering on the LAN", "is back on the LAN"),
    )
    cloud = Family(
        INTEGRATION,
        "cloud",
        app=lambda: sim.cloud.app,
        route="/device/reported|/pairings",
        coordinator=lambda: entry.runtime_data.cloud,
        entity="select.trydan_1_language",
        grace=timedelta(hours=24),
        credentials=True,
        budget=lambda: entry.runtime_data.budget,
        refuse=sim.cloud.refuse,
        restore=sim.cloud.restore,
        special={"clock jump": clock_jump_cell},
        not_applicable={
            "reboot": "a cloud does not reboot",
            "address change": "the cloud's address is fixed",
        },
    )
    for family in (lan, cloud):
        for spec in FAULTS:
            await runner.run(family, spec)


@pytest.mark.parametrize(
    ("integration", "family", "fault"), cell_params(INTEGRATION, FAMILIES, XFAILS)
)
def test_cell(integration: str, family: str, fault: str) -> None:
    assert_cell(integration, family, fault)
