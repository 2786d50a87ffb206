"""The config flow: address, discovery, digest, Enlighten login, manual token, reauth, reconfigure, options."""

from __future__ import annotations

from datetime import timedelta
from ipaddress import ip_address
import time

from homeassistant.config_entries import SOURCE_USER, SOURCE_ZEROCONF, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest

from custom_components.enphase_gateway.const import (
    CONF_MANUAL_TOKEN,
    DOMAIN,
    OPTION_DIAGNOSTICS_RAW,
    OPTION_DISABLE_KEEP_ALIVE,
)
from simulators.enphase.cloud import MFA_EMAIL, OWNER_EMAIL, OWNER_PASSWORD, issue_token

from .conftest import SimFactory, setup_entry


def _zeroconf(host: str, serial: str, version: int = 4) -> ZeroconfServiceInfo:
    address = ip_address("127.0.0.1" if version == 4 else "fe80::1")
    return (
        ZeroconfServiceInfo(
            ip_address=address,
            ip_addresses=[address],
            hostname="envoy.local.",
            name="envoy._enphase-envoy._tcp.local.",
            port=80,
            type="_enphase-envoy._tcp.local.",
            properties={"serialnum": serial, "protovers": "8.2.4382"},
        )
        if version == 4
        else ZeroconfServiceInfo(
            ip_address=address,
            ip_addresses=[address],
            hostname="envoy.local.",
            name="envoy._enphase-envoy._tcp.local.",
            port=80,
            type="_enphase-envoy._tcp.local.",
            properties={"serialnum": serial},
        )
    )


async def test_user_digest_flow(hass: HomeAssistant, gateway_factory: SimFactory) -> None:
    sim, server = await gateway_factory("3x")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: f"127.0.0.1:{server.port}"}
    )
    assert result["step_id"] == "digest"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "installer", CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    # Blank password: derived from the serial.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "installer"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Envoy {sim.profile.serial}"
    assert result["result"].unique_id == sim.profile.serial
    assert result["data"][CONF_PASSWORD] == ""
    await hass.async_block_till_done()


async def test_user_cloud_login_flow(hass: HomeAssistant, gateway_factory: SimFactory) -> None:
    _sim, server = await gateway_factory("8x")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data={CONF_HOST: f"127.0.0.1:{server.port}"}
    )
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "cloud_login"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: OWNER_EMAIL, CONF_PASSWORD: "bad"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: MFA_EMAIL, CONF_PASSWORD: OWNER_PASSWORD}
    )
    assert result["errors"] == {"base": "mfa_required"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: OWNER_EMAIL, CONF_PASSWORD: OWNER_PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TOKEN].count(".") == 2
    assert result["data"][CONF_MANUAL_TOKEN] is False
    await hass.async_block_till_done()


async def test_manual_token_flow(hass: HomeAssistant, gateway_factory: SimFactory) -> None:
    sim, server = await gateway_factory("7x")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data={CONF_HOST: f"127.0.0.1:{server.port}"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "manual_token"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "garbage"}
    )
    assert result["errors"] == {CONF_TOKEN: "invalid_token"}
    other = issue_token("000000000000", issued_at=time.time())
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_TOKEN: other})
    assert result["errors"] == {"base": "token_rejected"}
    token = issue_token(sim.profile.serial, issued_at=time.time())
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: f" {token} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TOKEN] == token
    assert result["data"][CONF_MANUAL_TOKEN] is True
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("host", "error"),
    [
        ("8.8.8.8", "not_private_address"),
        ("exa mple", "invalid_host"),
        ("169.254.1.1", "not_private_address"),
    ],
)
async def test_user_flow_lan_guard(
    hass: HomeAssistant, allow_loopback: None, host: str, error: str
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_HOST: host})
    assert result["errors"] == {CONF_HOST: error}


async def test_user_flow_cannot_connect_and_not_enphase(
    hass: HomeAssistant, gateway_factory: SimFactory
) -> None:
    sim, server = await gateway_factory("8x")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1:9"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    sim.faults.inject("malformed", route="^/info$")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: f"127.0.0.1:{server.port}"}
    )
    assert result["errors"] == {"base": "not_enphase"}


async def test_zeroconf_discovery_and_moved_host(
    hass: HomeAssistant, gateway_factory: SimFactory
) -> None:
    sim, server = await gateway_factory("3x")
    info = _zeroconf(f"127.0.0.1:{server.port}", sim.profile.serial)
    info.host  # noqa: B018
    object.__setattr__(info, "ip_address", ip_address("127.0.0.1"))
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=info
    )
    assert result["step_id"] == "zeroconf_confirm"
    # Discovery gives the host without our port: point it at the simulator.
    flow = hass.config_entries.flow._progress[result["flow_id"]]
    flow._host = f"127.0.0.1:{server.port}"  # type: ignore[attr-defined]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "digest"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    # The same gateway announced at a new address: the entry follows it.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf("x", sim.profile.serial)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "127.0.0.1"


async def test_zeroconf_rejects_ipv6_and_missing_serial(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf("x", "1", version=6)
    )
    assert result["reason"] == "not_ipv4_address"
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf("x", "")
    )
    assert result["reason"] == "not_enphase"


async def test_already_configured_user_flow_updates_host(
    hass: HomeAssistant, gateway_factory: SimFactory
) -> None:
    _sim, server = await gateway_factory("5x")
    entry = await setup_entry(hass, "5x", server.port, host="127.0.0.1:1")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data={CONF_HOST: f"127.0.0.1:{server.port}"}
    )
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == f"127.0.0.1:{server.port}"


async def test_reauth_with_cloud_login(hass: HomeAssistant, gateway_factory: SimFactory) -> None:
    _sim, server = await gateway_factory("7x")
    entry = await setup_entry(hass, "7x", server.port)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "cloud_login"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: OWNER_EMAIL, CONF_PASSWORD: OWNER_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"


async def test_reauth_unreachable_shows_error(
    hass: HomeAssistant, gateway_factory: SimFactory
) -> None:
    sim, server = await gateway_factory("5x")
    entry = await setup_entry(hass, "5x", server.port)
    result = await entry.start_reauth_flow(hass)
    sim.faults.inject("reset")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "cannot_connect"}


async def test_reconfigure(hass: HomeAssistant, gateway_factory: SimFactory) -> None:
    _sim, server = await gateway_factory("5x")
    _other_sim, other_server = await gateway_factory("3x")
    entry = await setup_entry(hass, "5x", server.port)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: f"127.0.0.1:{other_server.port}"}
    )
    assert result["reason"] == "wrong_gateway"
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: f"http://127.0.0.1:{server.port}"}
    )
    # The stored credentials still work: nothing more to ask.
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_HOST] == f"http://127.0.0.1:{server.port}"


async def test_reconfigure_asks_again_when_credentials_fail(
    hass: HomeAssistant, gateway_factory: SimFactory
) -> None:
    _sim, server = await gateway_factory("8x")
    entry = await setup_entry(hass, "8x", server.port)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_PASSWORD: "changed", CONF_TOKEN: "x.y.z"}
    )
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: f"127.0.0.1:{server.port}"}
    )
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "cloud_login"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: OWNER_EMAIL, CONF_PASSWORD: OWNER_PASSWORD}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PASSWORD] == OWNER_PASSWORD
    assert entry.data[CONF_TOKEN] != "x.y.z"


async def test_options_flow(hass: HomeAssistant, gateway_factory: SimFactory) -> None:
    _sim, server = await gateway_factory("7x")
    entry = await setup_entry(hass, "7x", server.port)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    # The polling intervals are ours to choose (as core requires): not offered.
    assert set(result["data_schema"].schema) == {
        OPTION_DISABLE_KEEP_ALIVE,
        OPTION_DIAGNOSTICS_RAW,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {OPTION_DISABLE_KEEP_ALIVE: True, OPTION_DIAGNOSTICS_RAW: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.runtime_data.client.keep_alive is False


async def test_old_interval_options_are_ignored(
    hass: HomeAssistant, gateway_factory: SimFactory
) -> None:
    """An entry saved with the removed interval options loads, and polls at our pace."""
    _sim, server = await gateway_factory("7x")
    entry = await setup_entry(
        hass, "7x", server.port, options={"scan_interval": 3600, "meter_interval": 600}
    )
    assert entry.state is ConfigEntryState.LOADED
    runtime = entry.runtime_data
    assert runtime.gateway.update_interval == timedelta(seconds=60)
    assert runtime.meters is not None
    assert runtime.meters.update_interval == timedelta(seconds=10)


@pytest.mark.parametrize("profile", ["3x", "5x", "7x", "8x", "8x-large"])
async def test_every_profile_through_the_flow(
    hass: HomeAssistant, gateway_factory: SimFactory, profile: str
) -> None:
    from homeassistant.config_entries import ConfigEntryState
    from homeassistant.helpers import entity_registry as er

    sim, server = await gateway_factory(profile)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data={CONF_HOST: f"127.0.0.1:{server.port}"}
    )
    if sim.profile.token_auth:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "cloud_login"}
        )
        user_input = {CONF_USERNAME: OWNER_EMAIL, CONF_PASSWORD: OWNER_PASSWORD}
    else:
        user_input = {}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{sim.profile.serial}_production_lifetime"
    )
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    expected = sim.house.production_wh
    if profile == "3x":
        expected %= 2**32 / 3600
    assert float(state.state) == pytest.approx(expected / 1000, abs=0.05)
