"""Powervault's cells of the fault matrix: the local unit's and the cloud's endpoint families."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_bridges_common.client.http import RetryPolicy
from custom_components.powervault.api import client as client_module
from custom_components.powervault.const import (
    CLOUD_URL_ENV,
    CONF_ACCOUNT_ID,
    CONF_CONNECTION,
    CONF_MODEL,
    CONF_UNIT_ID,
    DOMAIN,
)
from simulators.powervault import PowervaultCloud, PowervaultLocal

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

INTEGRATION = "powervault"
API_KEY = "sim-powervault-key"
CLOUD_UNIT = "pvsim-1001"
LOCAL_UNIT = "008a2564"

# Cells that fail on today's code: (family, fault) -> why.
XFAILS: dict[tuple[str, str], str] = {}


@pytest.fixture(autouse=True)
def fast_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """A short timeout and no retries: a retry's sleep never ends under a frozen clock."""
    monkeypatch.setattr(client_module, "DEFAULT_TIMEOUT", 1.0)
    monkeypatch.setattr(client_module, "CLOUD_RETRY", RetryPolicy(attempts=1))
    monkeypatch.setattr(client_module, "LOCAL_RETRY", RetryPolicy(attempts=1))


@pytest.fixture
async def local(socket_enabled: None, allow_loopback: None) -> AsyncIterator[Served]:
    served = await Served(PowervaultLocal(modules=1, cells=2)).start()
    yield served
    await served.stop()


@pytest.fixture
async def cloud(
    socket_enabled: None, allow_loopback: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Served]:
    served = await Served(PowervaultCloud(units=2)).start()
    monkeypatch.setenv(CLOUD_URL_ENV, f"http://127.0.0.1:{served.port}/v4")
    yield served
    await served.stop()


def _entity(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert found is not None, unique_id
    return found


async def _run(runner: Runner, families: list[Family]) -> None:
    for family in families:
        for spec in FAULTS:
            await runner.run(family, spec)


@pytest.mark.timeout(900)
async def test_local_matrix(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    local: Served,
) -> None:
    """Run every cell of the local unit (one entry, faults switched between cells)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=LOCAL_UNIT,
        data={
            CONF_CONNECTION: "local",
            CONF_HOST: "127.0.0.1",
            CONF_PORT: local.port,
            CONF_UNIT_ID: LOCAL_UNIT,
            CONF_MODEL: "P3X",
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    runner = Runner(hass, freezer, caplog, entry.entry_id, DOMAIN)

    async def move(runner: Runner, result: CellResult) -> None:
        """The unit gets a new address; the user gives it in the reconfigure form."""
        port = await local.move()
        flow = await entry.start_reconfigure_flow(hass)
        done = await hass.config_entries.flow.async_configure(
            flow["flow_id"], {CONF_HOST: f"127.0.0.1:{port}"}
        )
        runner.check(done.get("reason") == "reconfigure_successful", f"reconfigure: {done}")
        await hass.async_block_till_done(wait_background_tasks=True)
        await runner.travel(runner.interval() + 1)
        runner.check(runner.available(runner.family.entity), "not back at the new address")  # type: ignore[union-attr]
        result.asserted.append("back")

    common = {
        "app": lambda: local.app,
        "refuse": local.refuse,
        "restore": local.restore,
        "special": {"reboot": reboot_cell, "clock jump": clock_jump_cell, "address change": move},
        "not_applicable": {},
    }
    families = [
        Family(
            INTEGRATION,
            "local telemetry",
            route="latest-telemetry|chart-data",
            coordinator=lambda: entry.runtime_data.data,
            entity=_entity(hass, "sensor", f"{LOCAL_UNIT}_battery_power"),
            grace=timedelta(seconds=90),
            energy=[_entity(hass, "sensor", f"{LOCAL_UNIT}_home_energy")],
            **common,  # type: ignore[arg-type]
        ),
        Family(
            INTEGRATION,
            "local schedule",
            route="schedule|state-override",
            coordinator=lambda: entry.runtime_data.control,
            entity=_entity(hass, "select", f"{LOCAL_UNIT}_battery_mode"),
            grace=timedelta(minutes=15),
            **common,  # type: ignore[arg-type]
        ),
    ]
    await _run(runner, families)


@pytest.mark.timeout(900)
async def test_cloud_matrix(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    cloud: Served,
) -> None:
    """Run every cell of the cloud (one entry, faults switched between cells)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=CLOUD_UNIT,
        data={
            CONF_CONNECTION: "cloud",
            CONF_API_KEY: API_KEY,
            CONF_ACCOUNT_ID: "4242",
            CONF_UNIT_ID: CLOUD_UNIT,
            CONF_MODEL: "P4",
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    runner = Runner(hass, freezer, caplog, entry.entry_id, DOMAIN)
    common = {
        "app": lambda: cloud.app,
        "refuse": cloud.refuse,
        "restore": cloud.restore,
        "credentials": True,
        "budget": lambda: entry.runtime_data.budget,
        "special": {"clock jump": clock_jump_cell},
        "not_applicable": {
            "reboot": "a cloud does not reboot (a unit's reboot shows as its data pausing)",
            "address change": "the cloud's address is fixed",
        },
    }
    families = [
        Family(
            INTEGRATION,
            "cloud data",
            route="/data",
            coordinator=lambda: entry.runtime_data.data,
            entity=_entity(hass, "sensor", f"{CLOUD_UNIT}_battery_power"),
            grace=timedelta(hours=2),
            energy=[_entity(hass, "sensor", f"{CLOUD_UNIT}_home_energy")],
            **common,  # type: ignore[arg-type]
        ),
        Family(
            INTEGRATION,
            "cloud schedule",
            route="schedule|stateOverride",
            coordinator=lambda: entry.runtime_data.control,
            entity=_entity(hass, "select", f"{CLOUD_UNIT}_battery_mode"),
            grace=timedelta(hours=3),
            **common,  # type: ignore[arg-type]
        ),
    ]
    await _run(runner, families)


FAMILIES = ["local telemetry", "local schedule", "cloud data", "cloud schedule"]


@pytest.mark.parametrize(
    ("integration", "family", "fault"), cell_params(INTEGRATION, FAMILIES, XFAILS)
)
def test_cell(integration: str, family: str, fault: str) -> None:
    assert_cell(integration, family, fault)
