"""The options' local access step: the LAN guard, the gateway's answer, what is saved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp.test_utils import TestServer
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.local_coordinator import CONF_LOCAL_ACCESS, stored_session
from custom_components.tesla_energy.local_source import LiveSource
from simulators.tesla import TeslaFleetSimulator
from simulators.tesla_local import PROFILES, PowerwallGatewaySimulator

from .conftest import HOME_SITE, HomeAssistantClock

LIVE_STATUS = f"/api/1/energy_sites/{HOME_SITE}/live_status"


@pytest.fixture
async def gateway(socket_enabled: None) -> AsyncIterator[tuple[PowerwallGatewaySimulator, str]]:
    """Serve the Home site's gateway on loopback."""
    sim = PowerwallGatewaySimulator(PROFILES["full"], clock=HomeAssistantClock())
    server = TestServer(sim.make_app(), host="127.0.0.1")
    await server.start_server(access_log=None)
    try:
        yield sim, f"http://127.0.0.1:{server.port}"
    finally:
        await server.close()


async def _local_step(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "local_access"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "local_access"
    return dict(result)


async def test_local_access_is_checked_saved_and_used(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
    gateway: tuple[PowerwallGatewaySimulator, str],
) -> None:
    """A wrong password changes nothing; the right one is saved and the LAN serves."""
    local_sim, url = gateway
    entry = setup_integration
    result = await _local_step(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"site": str(HOME_SITE), "host": url, "password": "wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "local_invalid_auth"}
    assert CONF_LOCAL_ACCESS not in entry.options

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"site": str(HOME_SITE), "host": url, "password": local_sim.password}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options[CONF_LOCAL_ACCESS] == {
        str(HOME_SITE): {"host": url, "password": local_sim.password}
    }
    # The probe's session carried over the reload: two logins in all (wrong, right).
    assert local_sim.log.count("/api/login/Basic") == 2
    site = entry.runtime_data.sites[HOME_SITE]
    assert site.local is not None
    assert site.local.selector.source is LiveSource.LOCAL
    assert stored_session(entry, HOME_SITE) is not None
    calls = sim.log.count(LIVE_STATUS)
    await site.live.async_refresh()
    assert sim.log.count(LIVE_STATUS) == calls

    # An empty address removes local access (and the kept session).
    result = await _local_step(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"site": str(HOME_SITE), "host": ""}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options[CONF_LOCAL_ACCESS] == {}
    assert stored_session(entry, HOME_SITE) is None
    assert entry.runtime_data.sites[HOME_SITE].local is None


async def test_the_lan_guard_refuses_public_and_loopback(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    gateway: tuple[PowerwallGatewaySimulator, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A public address, or loopback without the switch, is refused; nothing is sent."""
    local_sim, url = gateway
    entry = setup_integration
    result = await _local_step(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"site": str(HOME_SITE), "host": "8.8.8.8", "password": "abcde"}
    )
    assert result["errors"] == {"host": "not_private_address"}
    monkeypatch.delenv("HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"site": str(HOME_SITE), "host": url, "password": local_sim.password}
    )
    assert result["errors"] == {"host": "not_private_address"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"site": str(HOME_SITE), "host": "not a host!", "password": "x"}
    )
    assert result["errors"] == {"host": "invalid_host"}
    assert local_sim.log.count() == 0
    assert CONF_LOCAL_ACCESS not in entry.options


async def test_only_sites_with_a_gateway_are_offered(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """The solar-only Barn site has no Powerwall: it is not in the list."""
    result = await _local_step(hass, setup_integration)
    schema = result["data_schema"].schema
    site_selector = next(v for k, v in schema.items() if str(k) == "site")
    offered = {option["value"] for option in site_selector.config["options"]}
    assert offered == {str(HOME_SITE)}
