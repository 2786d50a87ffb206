"""DHCP discovery of a Powerwall gateway offers local access to the site it belongs to."""

from __future__ import annotations

from collections.abc import AsyncIterator
import dataclasses

from aiohttp.test_utils import TestServer
from homeassistant.config_entries import SOURCE_DHCP
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.const import DOMAIN
from custom_components.tesla_energy.local_coordinator import CONF_LOCAL_ACCESS
from custom_components.tesla_energy.local_source import LiveSource
from simulators.tesla_local import PROFILES, PowerwallGatewaySimulator

from .conftest import HOME_SITE, HomeAssistantClock

MAC = "0c29ef000001"


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


async def _discover(hass: HomeAssistant, hostname: str, address: str) -> dict[str, object]:
    # A real gateway's DHCP address is a bare IP (HTTPS on 443); the simulator's has a port.
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip=address, hostname=hostname, macaddress=MAC),
    )
    return dict(result)


async def test_a_powerwall_3_on_the_lan_gets_local_access(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    gateway: tuple[PowerwallGatewaySimulator, str],
) -> None:
    """The only site with a Powerwall is offered; the password is checked, then saved."""
    local_sim, url = gateway
    result = await _discover(hass, "TeslaPW_1A2B3C", url)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "dhcp_confirm"
    assert local_sim.log.count() == 0  # nothing sent before the user enters a password
    result = dict(
        await hass.config_entries.flow.async_configure(
            str(result["flow_id"]), {"password": "wrong"}
        )
    )
    assert result["errors"] == {"base": "local_invalid_auth"}
    result = dict(
        await hass.config_entries.flow.async_configure(
            str(result["flow_id"]), {"password": local_sim.password}
        )
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "local_access_added"
    await hass.async_block_till_done(wait_background_tasks=True)
    entry = setup_integration
    assert entry.options[CONF_LOCAL_ACCESS][str(HOME_SITE)]["host"] == url
    local = entry.runtime_data.sites[HOME_SITE].local
    assert local is not None and local.selector.source is LiveSource.LOCAL

    # Found again: the site has local access already.
    result = await _discover(hass, "TeslaPW_1A2B3C", url)
    assert result["reason"] == "local_access_configured"


async def test_a_gateway_is_matched_by_its_din(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    gateway: tuple[PowerwallGatewaySimulator, str],
) -> None:
    """A Gateway 2's host name is its DIN: the site whose gateway has it is offered."""
    _local_sim, url = gateway
    result = await _discover(hass, "1232100-00-E--TG9000000000G1", url)
    assert result["reason"] == "no_matching_site"
    site_data = setup_integration.runtime_data.sites[HOME_SITE]
    site_data.site = dataclasses.replace(site_data.site, gateway_id="1232100-00-E--TG9000000000G1")
    result = await _discover(hass, "1232100-00-e--tg9000000000g1", url)
    assert result["type"] is FlowResultType.FORM
    assert result["description_placeholders"] == {"site": "Home", "host": url}


async def test_other_devices_are_ignored(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """A host name that is no gateway's ends the flow at once."""
    result = await _discover(hass, "my-laptop", "192.168.1.30")
    assert result["reason"] == "not_a_gateway"


async def test_a_silent_gateway_is_followed_to_its_new_address(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    gateway: tuple[PowerwallGatewaySimulator, str],
) -> None:
    """Known gateway at a new address: followed only while the old address is silent."""
    local_sim, url = gateway
    entry = setup_integration
    hass.config_entries.async_update_entry(
        entry,
        options={
            **entry.options,
            CONF_LOCAL_ACCESS: {str(HOME_SITE): {"host": url, "password": local_sim.password}},
        },
    )
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    local = entry.runtime_data.sites[HOME_SITE].local
    assert local is not None
    # Where it moved: the same simulated gateway, served at a second address.
    second = TestServer(local_sim.make_app(), host="127.0.0.1")
    await second.start_server(access_log=None)
    moved = f"http://127.0.0.1:{second.port}"
    result = await _discover(hass, "TeslaPW_1A2B3C", moved)
    assert result["reason"] == "local_access_configured"  # it answers: not moved
    local.selector.local_unusable("gone")
    result = await _discover(hass, "TeslaPW_1A2B3C", moved)
    assert result["reason"] == "local_access_updated"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options[CONF_LOCAL_ACCESS][str(HOME_SITE)] == {
        "host": moved,
        "password": local_sim.password,
    }
    await second.close()
