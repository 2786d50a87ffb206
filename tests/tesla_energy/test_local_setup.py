"""Trying an address and password for local access; DHCP host names of gateways."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp.test_utils import TestServer
from homeassistant.core import HomeAssistant
import pytest

from custom_components.tesla_energy.api import EnergySite
from custom_components.tesla_energy.api.local_models import LIVE_ENDPOINTS
from custom_components.tesla_energy.local_setup import (
    ERROR_DEFAULT_PASSWORD,
    ERROR_INVALID_AUTH,
    LocalSetupError,
    async_try_local,
    gateway_of_hostname,
    site_of_gateway,
)
from simulators.tesla_local import PROFILES, PowerwallGatewaySimulator

type Served = dict[str, tuple[PowerwallGatewaySimulator, str]]


@pytest.fixture
async def gateways(socket_enabled: None) -> AsyncIterator[Served]:
    """Serve one gateway of each profile on loopback (plain http)."""
    servers: list[TestServer] = []
    served: Served = {}
    for name in ("full", "reduced", "tedapi"):
        sim = PowerwallGatewaySimulator(PROFILES[name], refuse_default_password=False)
        server = TestServer(sim.make_app(), host="127.0.0.1")
        await server.start_server(access_log=None)
        servers.append(server)
        served[name] = (sim, f"http://127.0.0.1:{server.port}")
    yield served
    for server in servers:
        await server.close()


async def test_a_working_gateway_gives_capabilities_and_a_session(
    hass: HomeAssistant, gateways: Served, allow_loopback: None
) -> None:
    """Full and reduced gateways are found out; the session comes back to be kept."""
    sim, url = gateways["full"]
    result = await async_try_local(hass, url, sim.password)
    assert result.capabilities.din == sim.profile.din
    assert result.session is not None
    sim, url = gateways["reduced"]
    result = await async_try_local(hass, url, sim.password)
    assert result.capabilities.endpoints == LIVE_ENDPOINTS


async def test_every_failure_is_a_form_error(
    hass: HomeAssistant, gateways: Served, allow_loopback: None
) -> None:
    """Wrong password, refused default, TEDAPI only, bad address: each its own key."""
    sim, url = gateways["full"]
    with pytest.raises(LocalSetupError) as err:
        await async_try_local(hass, url, "wrong")
    assert err.value.key == ERROR_INVALID_AUTH
    sim.refuse_default_password = True
    with pytest.raises(LocalSetupError) as err:
        await async_try_local(hass, url, sim.password)
    assert err.value.key == ERROR_DEFAULT_PASSWORD
    sim, url = gateways["tedapi"]
    with pytest.raises(LocalSetupError) as err:
        await async_try_local(hass, url, sim.password)
    assert err.value.key == "local_tedapi_only"
    with pytest.raises(LocalSetupError) as err:
        await async_try_local(hass, "8.8.8.8", "abcde")
    assert err.value.key == "not_private_address"


async def test_loopback_refused_without_the_switch(hass: HomeAssistant, gateways: Served) -> None:
    """Without HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK the simulator's address is refused."""
    sim, url = gateways["full"]
    with pytest.raises(LocalSetupError) as err:
        await async_try_local(hass, url, sim.password)
    assert err.value.key == "not_private_address"
    assert sim.log.count() == 0


def test_dhcp_host_names() -> None:
    """Gateway DINs and Powerwall 3 names are recognised; others are not gateways."""
    assert gateway_of_hostname("1232100-00-e--tg1234567890g1") == "1232100-00-E--TG1234567890G1"
    assert gateway_of_hostname("1118431-01-F--TG0123") == "1118431-01-F--TG0123"
    assert gateway_of_hostname("TeslaPW_ABC123") == ""
    assert gateway_of_hostname("my-laptop") is None
    sites = [
        EnergySite(1, "Home", "1232100-00-E--TG1234567890G1", True, True, True, ()),
        EnergySite(2, "Barn", None, False, True, True, ()),
    ]
    assert site_of_gateway(sites, "1232100-00-E--TG1234567890G1") == sites[0]
    assert site_of_gateway(sites, "1232100-01-E--TG1234567890G1") == sites[0]
    assert site_of_gateway(sites, "1232100-00-E--TG999") is None
    assert site_of_gateway(sites, "") is None
