"""A site with local access: live values from the gateway on the LAN, no live_status calls.

The Fleet API and the gateway are both simulated on loopback; the entry is set up as Home
Assistant does. Losing and regaining the LAN is driven by the simulated gateway's faults and
time travel.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
from typing import Any

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.diagnostics import async_get_config_entry_diagnostics
from custom_components.tesla_energy.local_coordinator import (
    CONF_LOCAL_ACCESS,
    CONF_LOCAL_HOST,
    CONF_LOCAL_PASSWORD,
    stored_session,
)
from custom_components.tesla_energy.local_source import LiveSource
from simulators.framework import FaultKind
from simulators.tesla import TeslaFleetSimulator
from simulators.tesla_local import PROFILES, PowerwallGatewaySimulator

from ..conftest import time_travel
from .conftest import HOME_SITE, HomeAssistantClock, no_retry_wait

LIVE_STATUS = f"/api/1/energy_sites/{HOME_SITE}/live_status"


@pytest.fixture
async def gateway(socket_enabled: None) -> AsyncIterator[tuple[PowerwallGatewaySimulator, str]]:
    """Serve the Home site's gateway on loopback (its clock is Home Assistant's)."""
    sim = PowerwallGatewaySimulator(PROFILES["full"], clock=HomeAssistantClock())
    server = TestServer(sim.make_app(), host="127.0.0.1")
    await server.start_server(access_log=None)
    try:
        yield sim, f"http://127.0.0.1:{server.port}"
    finally:
        await server.close()


@pytest.fixture
def options(gateway: tuple[PowerwallGatewaySimulator, str]) -> dict[str, Any]:
    """Local access for the Home site."""
    sim, url = gateway
    return {
        CONF_LOCAL_ACCESS: {
            str(HOME_SITE): {CONF_LOCAL_HOST: url, CONF_LOCAL_PASSWORD: sim.password}
        }
    }


def _kw(hass: HomeAssistant, entity_id: str) -> float:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return float(state.state)


async def test_live_values_come_from_the_lan(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
    gateway: tuple[PowerwallGatewaySimulator, str],
) -> None:
    """The gateway's readings are the live values; live_status is never called."""
    local_sim, _url = gateway
    site = setup_integration.runtime_data.sites[HOME_SITE]
    assert site.local is not None
    assert site.local.selector.source is LiveSource.LOCAL
    flows = local_sim.model.flows
    assert _kw(hass, "sensor.home_solar_power") == pytest.approx(flows.solar / 1000, abs=1e-3)
    assert _kw(hass, "sensor.home_load_power") == pytest.approx(flows.load / 1000, abs=1e-3)
    assert _kw(hass, "sensor.home_battery") == pytest.approx(
        (local_sim.model.soe_raw - 5) / 0.95, abs=0.01
    )
    assert sim.log.count(LIVE_STATUS) == 0
    assert site.live.consumer.name not in setup_integration.runtime_data.budget.consumers
    # The session is kept for the next start.
    assert stored_session(setup_integration, HOME_SITE) == site.local.client.session_state
    # The Barn site has no local access: the cloud as before.
    assert setup_integration.runtime_data.sites[1002].local is None
    assert sim.log.count("/api/1/energy_sites/1002/live_status") == 1


async def test_losing_and_regaining_the_lan(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
    gateway: tuple[PowerwallGatewaySimulator, str],
) -> None:
    """Away past the grace period: the cloud. Back for the settle time: the LAN again."""
    no_retry_wait(setup_integration)
    local_sim, _url = gateway
    site = setup_integration.runtime_data.sites[HOME_SITE]
    assert site.local is not None
    fault = local_sim.faults.inject(FaultKind.RESET, "/api/")
    for _ in range(30):  # 7.5 minutes
        await time_travel(hass, freezer, 15)
    assert site.local.selector.source is LiveSource.CLOUD
    assert sim.log.count(LIVE_STATUS) >= 1
    cloud = sim.site(HOME_SITE)
    assert site.live.data is not None
    assert site.live.data is site.live.cloud_data
    assert site.live.consumer.name in setup_integration.runtime_data.budget.consumers
    assert hass.states.get("sensor.home_solar_power") is not None
    assert cloud is not None

    local_sim.faults.faults.remove(fault)
    for _ in range(60):  # 15 minutes: the next try, then the settle time
        await time_travel(hass, freezer, 15)
    assert site.local.selector.source is LiveSource.LOCAL
    assert site.local.selector.switches == 2
    calls = sim.log.count(LIVE_STATUS)
    for _ in range(40):  # 10 more minutes on the LAN: no live_status
        await time_travel(hass, freezer, 15)
    assert sim.log.count(LIVE_STATUS) == calls
    flows = local_sim.model.flows
    assert _kw(hass, "sensor.home_solar_power") == pytest.approx(flows.solar / 1000, abs=1e-3)


async def test_diagnostics_say_the_source_and_keep_the_secrets(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    gateway: tuple[PowerwallGatewaySimulator, str],
) -> None:
    """Each live value's source is shown; no password, session or address leaks."""
    local_sim, url = gateway
    result = await async_get_config_entry_diagnostics(hass, setup_integration)
    home, barn = result["sites"]
    assert home["live_sources"]["solar_power"] == "local"
    assert home["live_sources"]["battery_level"] == "local"
    assert home["live_sources"]["storm_active"] == "cloud"
    assert set(barn["live_sources"].values()) <= {"cloud", "**REDACTED**"}  # wall_connectors
    assert home["local"]["source"] == "local"
    assert home["local"]["logins"] == 1
    session = stored_session(setup_integration, HOME_SITE)
    assert session is not None and session.token
    dump = json.dumps(result, default=str)
    for secret in (local_sim.password, session.token, *session.cookies.values(), url):
        assert secret not in dump
