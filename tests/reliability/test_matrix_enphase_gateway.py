"""Enphase's cells of the fault matrix: an IQ Gateway (token auth) and its production report."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.enphase_gateway.const import (
    DOMAIN,
    ENV_ENLIGHTEN_BASE_URL,
    ENV_TOKEN_BASE_URL,
    SLOW_STALE_AFTER,
)
from simulators.enphase import PROFILES, EnlightenSimulator, GatewaySimulator
from tests.enphase_gateway.conftest import entry_data

from .matrix import (
    FAULTS,
    Family,
    Runner,
    Served,
    assert_cell,
    cell_params,
    clock_jump_cell,
    reboot_cell,
)

INTEGRATION = "enphase_gateway"
PROFILE = "8x"
SERIAL = PROFILES[PROFILE].serial
FAMILIES = ["gateway production"]
# Cells that fail on today's code: (family, fault) -> why.
XFAILS: dict[tuple[str, str], str] = {}


@pytest.fixture
async def served(
    socket_enabled: None, allow_loopback: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Served, Served]]:
    cloud = await Served(EnlightenSimulator()).start()
    monkeypatch.setenv(ENV_ENLIGHTEN_BASE_URL, f"http://127.0.0.1:{cloud.port}")
    monkeypatch.setenv(ENV_TOKEN_BASE_URL, f"http://127.0.0.1:{cloud.port}")
    sim = GatewaySimulator(replace(PROFILES[PROFILE]), latency=0)
    sim.boot_time -= 3600
    gateway = await Served(sim).start()
    yield gateway, cloud
    await gateway.stop()
    await cloud.stop()


@pytest.mark.timeout(900)
async def test_enphase_matrix(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    served: tuple[Served, Served],
) -> None:
    """Run every cell (one entry, faults switched between cells)."""
    gateway, _cloud = served
    entry = MockConfigEntry(domain=DOMAIN, unique_id=SERIAL, data=entry_data(PROFILE, gateway.port))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    runner = Runner(hass, freezer, caplog, entry.entry_id, DOMAIN)
    family = Family(
        INTEGRATION,
        "gateway production",
        app=lambda: gateway.app,
        route="production",
        coordinator=lambda: entry.runtime_data.gateway,
        entity=f"sensor.envoy_{SERIAL}_energy_production_last_seven_days",
        grace=SLOW_STALE_AFTER,
        energy=[
            f"sensor.envoy_{SERIAL}_lifetime_energy_production",
            f"sensor.envoy_{SERIAL}_energy_production_today",
        ],
        credentials=True,
        refuse=gateway.refuse,
        restore=gateway.restore,
        special={
            "reboot": lambda r, res: reboot_cell(r, res, seconds=600),
            "clock jump": clock_jump_cell,
        },
        not_applicable={
            "address change": (
                "not covered: a zeroconf announcement carries an address without a port, and "
                "the simulators differ only by port on 127.0.0.1"
            ),
        },
    )
    for spec in FAULTS:
        await runner.run(family, spec)


@pytest.mark.parametrize(
    ("integration", "family", "fault"), cell_params(INTEGRATION, FAMILIES, XFAILS)
)
def test_cell(integration: str, family: str, fault: str) -> None:
    assert_cell(integration, family, fault)
