"""Tesla Energy's cells of the fault matrix: a site's live data on the Fleet API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.api.const import SERVER_OVERRIDE_ENV
from simulators.tesla import TeslaFleetSimulator
from tests.tesla_energy.conftest import (  # noqa: F401 - fixtures
    ACCOUNT,
    HOME_SITE,
    HomeAssistantClock,
    credentials,
    issue_token,
    mock_recorder_before_hass,
    quick_backfill,
)

from .matrix import (
    FAULTS,
    CellResult,
    Family,
    Runner,
    Served,
    assert_cell,
    cell_params,
    clock_jump_cell,
)

INTEGRATION = "tesla_energy"
FAMILIES = ["site live"]
XFAILS: dict[tuple[str, str], str] = {}


@pytest.fixture
async def served(
    socket_enabled: None, allow_loopback: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Served]:
    server = await Served(TeslaFleetSimulator(clock=HomeAssistantClock())).start()
    monkeypatch.setenv(SERVER_OVERRIDE_ENV, f"http://127.0.0.1:{server.port}")
    yield server
    await server.stop()


@pytest.mark.timeout(900)
async def test_tesla_matrix(
    recorder_mock: Any,
    hass: HomeAssistant,
    credentials: None,  # noqa: F811
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    served: Served,
) -> None:
    """Run every cell (one entry, faults switched between cells)."""
    from custom_components.tesla_energy.const import CONF_REGION, DOMAIN

    sim: TeslaFleetSimulator = served.app  # type: ignore[assignment]
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=ACCOUNT,
        data={"auth_implementation": DOMAIN, "token": issue_token(sim), CONF_REGION: "na"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    async def no_sleep(_seconds: float) -> None:
        return

    entry.runtime_data.client.http._sleep = no_sleep
    runner = Runner(hass, freezer, caplog, entry.entry_id, DOMAIN)

    async def region_move(runner: Runner, result: CellResult) -> None:
        """The account moves region: the server answers 421 and the integration follows."""
        sim.accounts[ACCOUNT].region = "eu"
        await runner.travel(runner.interval() + 1)
        await runner.travel(runner.interval() + 1)
        runner.check(entry.data[CONF_REGION] == "eu", "region not followed")
        runner.check(runner.available(runner.family.entity), "not available after the move")  # type: ignore[union-attr]
        result.asserted += ["back"]

    family = Family(
        INTEGRATION,
        "site live",
        app=lambda: served.app,
        route="live_status",
        coordinator=lambda: entry.runtime_data.sites[HOME_SITE].live,
        entity="sensor.home_solar_power",
        grace=timedelta(minutes=30),
        energy=[],
        credentials=True,
        budget=lambda: entry.runtime_data.budget,
        refuse=served.refuse,
        restore=served.restore,
        special={"clock jump": clock_jump_cell, "address change": region_move},
        not_applicable={"reboot": "a cloud does not reboot"},
    )
    for spec in FAULTS:
        await runner.run(family, spec)


@pytest.mark.parametrize(
    ("integration", "family", "fault"), cell_params(INTEGRATION, FAMILIES, XFAILS)
)
def test_cell(integration: str, family: str, fault: str) -> None:
    assert_cell(integration, family, fault)
