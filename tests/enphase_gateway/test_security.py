"""Issue 14 for Enphase: the gateway's address, its secrets, the stand-in URLs, the options.

Every test here failed on the code before the fixes.
"""

from __future__ import annotations

from ipaddress import ip_address
import logging

import aiohttp
from homeassistant.config_entries import SOURCE_USER, SOURCE_ZEROCONF, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_bridges_common.client.errors import AddressRefusedError
from custom_components.enphase_gateway.api import EnphaseGateway
from custom_components.enphase_gateway.const import (
    DOMAIN,
    ENLIGHTEN_BASE_URL,
    ENV_ENLIGHTEN_BASE_URL,
    ENV_TOKEN_BASE_URL,
    TOKEN_BASE_URL,
    cloud_urls,
)
from custom_components.enphase_gateway.coordinator import create_client
from simulators.enphase import EnlightenSimulator
from simulators.enphase.cloud import OWNER_EMAIL, OWNER_PASSWORD
from tests.conftest import SecretWatch

from .conftest import SimFactory, entry_data, setup_entry

LOOPBACK_ENV = "HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK"


def _announce(address: str, serial: str) -> ZeroconfServiceInfo:
    ip = ip_address(address)
    return ZeroconfServiceInfo(
        ip_address=ip,
        ip_addresses=[ip],
        hostname="envoy.local.",
        name="envoy._enphase-envoy._tcp.local.",
        port=80,
        type="_enphase-envoy._tcp.local.",
        properties={"serialnum": serial, "protovers": "8.2.4382"},
    )


# -- the address ------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["8.8.8.8", "169.254.169.254", "127.0.0.1", "224.0.0.251"])
async def test_zeroconf_never_moves_a_gateway_off_the_lan(
    hass: HomeAssistant,
    gateway_factory: SimFactory,
    monkeypatch: pytest.MonkeyPatch,
    address: str,
) -> None:
    sim, server = await gateway_factory("7x")
    entry = await setup_entry(hass, "7x", server.port)
    stored = entry.data[CONF_HOST]
    # Anyone on the LAN can announce the gateway's (public) serial.
    monkeypatch.delenv(LOOPBACK_ENV)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_announce(address, sim.profile.serial)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_private_address"
    assert entry.data[CONF_HOST] == stored


async def test_zeroconf_still_follows_a_gateway_on_the_lan(
    hass: HomeAssistant, gateway_factory: SimFactory
) -> None:
    sim, server = await gateway_factory("7x")
    entry = await setup_entry(hass, "7x", server.port)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_announce("192.168.1.77", sim.profile.serial),
    )
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "192.168.1.77"


@pytest.mark.parametrize(
    "stored", ["8.8.8.8", "169.254.169.254", "3232235781", "https://8.8.8.8", "10.1"]
)
async def test_setup_refuses_a_stored_address_off_the_lan(
    hass: HomeAssistant, stored: str, caplog: pytest.LogCaptureFixture
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="1", data={**entry_data("7x", 1), CONF_HOST: stored}
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.error_reason_translation_key == "address_not_allowed"


async def test_setup_sends_nothing_to_a_refused_address(
    hass: HomeAssistant, gateway_factory: SimFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim, server = await gateway_factory("7x")
    monkeypatch.delenv(LOOPBACK_ENV)
    entry = MockConfigEntry(domain=DOMAIN, data=entry_data("7x", server.port))
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert sim.log.count() == 0


async def test_a_name_that_resolves_off_the_lan_is_refused_where_it_connects(
    gateway_factory: SimFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name passes the setup check (not resolved there) but not where it connects."""
    sim, server = await gateway_factory("7x")
    async with aiohttp.ClientSession() as session:
        client = EnphaseGateway(session, f"localhost:{server.port}")
        assert (await client.setup()).serial == sim.profile.serial  # the switch is on
        monkeypatch.delenv(LOOPBACK_ENV)
        client = EnphaseGateway(session, f"localhost:{server.port}")
        with pytest.raises(AddressRefusedError, match="not a private LAN address"):
            await client.setup()


async def test_the_flow_stores_the_canonical_address(
    hass: HomeAssistant, gateway_factory: SimFactory
) -> None:
    _sim, server = await gateway_factory("3x")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    # 127.0.0.1 as one number: refused, not stored as typed.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: f"2130706433:{server.port}"}
    )
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: f" HTTP://127.0.0.1.:{server.port}/ "}
    )
    assert result["step_id"] == "digest"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == f"http://127.0.0.1:{server.port}"
    await hass.async_block_till_done()


# -- secrets in debug logs --------------------------------------------------------------------


async def test_token_and_session_ids_never_reach_the_debug_log(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    gateway_factory: SimFactory,
    cloud: EnlightenSimulator,
    caplog: pytest.LogCaptureFixture,
    secrets_watch: SecretWatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets_watch.add(OWNER_PASSWORD)
    sim, server = await gateway_factory("8x")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data={CONF_HOST: f"127.0.0.1:{server.port}"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "cloud_login"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: OWNER_EMAIL, CONF_PASSWORD: OWNER_PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    token = entry.data["token"]
    secrets = [token, OWNER_PASSWORD, *cloud.sessions, *sim.sessions]
    assert len(secrets) >= 4  # a token, the password, an Enlighten session, a gateway cookie
    for secret in secrets:
        assert secret not in caplog.text
    # The same, and in a diagnostics download, entity attributes and repairs: at teardown.
    secrets_watch.add(*secrets)
    assert await get_diagnostics_for_config_entry(hass, hass_client, entry)  # type: ignore[arg-type]
    assert secrets_watch.diagnostics
    # The replies were logged, without their bodies.
    assert "bytes not logged: the reply carries secrets" in caplog.text


# -- stand-in URLs ----------------------------------------------------------------------------


def test_stand_in_urls_need_the_switch_and_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    production = (f"{ENLIGHTEN_BASE_URL}/login/login.json", f"{TOKEN_BASE_URL}/tokens")
    monkeypatch.delenv(LOOPBACK_ENV, raising=False)
    monkeypatch.setenv(ENV_ENLIGHTEN_BASE_URL, "http://127.0.0.1:8123")
    monkeypatch.setenv(ENV_TOKEN_BASE_URL, "http://127.0.0.1:8123")
    assert cloud_urls() == production
    monkeypatch.setenv(LOOPBACK_ENV, "1")
    monkeypatch.setenv(ENV_ENLIGHTEN_BASE_URL, "https://attacker.example")
    monkeypatch.setenv(ENV_TOKEN_BASE_URL, "http://127.0.0.1.attacker.example:80")
    assert cloud_urls() == production
    monkeypatch.setenv(ENV_ENLIGHTEN_BASE_URL, "http://127.0.0.1:8123/")
    assert cloud_urls()[0] == "http://127.0.0.1:8123/login/login.json"


async def test_a_client_without_the_switch_never_uses_the_override(
    hass: HomeAssistant, cloud: EnlightenSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(LOOPBACK_ENV)
    entry = MockConfigEntry(domain=DOMAIN, data=entry_data("8x", 1))
    client = create_client(hass, entry)
    assert client.login_url == f"{ENLIGHTEN_BASE_URL}/login/login.json"
    assert client.token_url == f"{TOKEN_BASE_URL}/tokens"
    assert cloud.log.count() == 0
