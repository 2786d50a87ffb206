"""Config, reauth, reconfigure and options flows."""

from __future__ import annotations

import math

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_bridges_common.client.lan import LanAddressReason
from custom_components.energy_bridges_common.hass.budget import account_key
from custom_components.v2c_cloud.config_flow import lan_error_key
from custom_components.v2c_cloud.const import (
    CLOUD_URL_ENV,
    CONF_ACCOUNT_ID,
    CONF_CHARGER_HOSTS,
    CONF_COMMAND_RESERVE,
    CONF_LAN_INTERVAL,
    DOMAIN,
)

from .conftest import API_KEY, V2CSim


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return str(result["flow_id"])


async def test_user_flow_creates_entry(hass: HomeAssistant, v2c_sim: V2CSim) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: f"  {API_KEY} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "V2C Cloud"
    assert result["data"] == {CONF_API_KEY: API_KEY, CONF_ACCOUNT_ID: account_key(API_KEY)}
    entry = result["result"]
    assert entry.unique_id == account_key(API_KEY)
    assert API_KEY not in entry.unique_id
    await hass.async_block_till_done()
    assert hass.states.get("sensor.trydan_1_charge_state") is not None


@pytest.mark.parametrize(
    ("prepare", "error"),
    [
        ("bad_key", "invalid_auth"),
        ("quota", "rate_limited"),
        ("down", "cannot_connect"),
        ("empty", "no_chargers"),
    ],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant, v2c_sim: V2CSim, prepare: str, error: str
) -> None:
    chargers = dict(v2c_sim.cloud.chargers)
    key = API_KEY
    if prepare == "bad_key":
        key = "wrong"
    elif prepare == "quota":
        v2c_sim.cloud.used = v2c_sim.cloud.quota
    elif prepare == "down":
        v2c_sim.cloud.faults.inject("status", status=502, times=1)
    else:
        v2c_sim.cloud.chargers = {}
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: key})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert not hass.config_entries.async_entries(DOMAIN)
    v2c_sim.cloud.used = 0
    v2c_sim.cloud.chargers = chargers
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: API_KEY})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_unexpected_error(
    hass: HomeAssistant, v2c_sim: V2CSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def boom(self: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr("custom_components.v2c_cloud.api.V2CCloudClient.pairings", boom)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: API_KEY})
    assert result["errors"] == {"base": "unknown"}


async def test_same_account_or_charger_is_refused(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: API_KEY})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    # A second key of the same account: another hash, the same chargers.
    v2c_sim.cloud.api_keys.add("second-key-of-account")
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: "second-key-of-account"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth_replaces_the_key(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    v2c_sim.cloud.api_keys = {"new-key-123456"}
    result = await init_integration.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "new-key-123456"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert init_integration.data[CONF_API_KEY] == "new-key-123456"
    assert init_integration.unique_id == account_key(API_KEY)


async def test_reauth_refuses_another_account(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    from simulators.v2c import make_chargers

    other = make_chargers(4)[3]
    result = await init_integration.start_reauth_flow(hass)
    v2c_sim.cloud.chargers = {other.charger_id: other}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: API_KEY}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


async def test_reconfigure_keeps_entities(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    v2c_sim.cloud.api_keys.add("rotated-key-999")
    result = await init_integration.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "rotated-key-999"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert init_integration.data[CONF_API_KEY] == "rotated-key-999"
    assert hass.states.get("sensor.trydan_1_charge_state").state == "charging"


async def test_reconfigure_while_not_loaded_reads_stored_pairings(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    await hass.config_entries.async_unload(init_integration.entry_id)
    from simulators.v2c import make_chargers

    v2c_sim.cloud.chargers = {c.charger_id: c for c in make_chargers(5)[3:]}
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: API_KEY}
    )
    assert result["reason"] == "wrong_account"


async def test_options_flow(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["step_id"] == "init"
    # No field is named after a raw charger id: the charger is chosen by its device name.
    fields = [str(key) for key in result["data_schema"].schema]
    assert fields == [CONF_LAN_INTERVAL, CONF_COMMAND_RESERVE, "charger"]
    options = result["data_schema"].schema["charger"].config["options"]
    assert options == [
        {"value": "V2C00001", "label": "Trydan 1"},
        {"value": "V2C00002", "label": "Trydan 2"},
    ]
    base = {CONF_LAN_INTERVAL: 10, CONF_COMMAND_RESERVE: 200}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**base, "charger": "V2C00001"}
    )
    assert result["step_id"] == "charger"
    # Named as the user knows it, with the address in use now.
    assert result["description_placeholders"] == {
        "name": "Trydan 1",
        "address": v2c_sim.address(0),
    }
    for value, error in [
        ("8.8.8.8", "not_private_address"),
        ("169.254.1.1", "not_private_address"),
        ("not a host", "invalid_host"),
    ]:
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"host": value}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"host": error}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"host": v2c_sim.address(0)}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options == {
        CONF_LAN_INTERVAL: 10,
        CONF_COMMAND_RESERVE: 200,
        CONF_CHARGER_HOSTS: {"V2C00001": v2c_sim.address(0)},
    }
    runtime = init_integration.runtime_data
    assert runtime.budget.reserve == 200
    assert runtime.chargers["V2C00001"].address_overridden
    assert runtime.chargers["V2C00001"].update_interval.total_seconds() == 10
    # Without a charger chosen the addresses stay; an empty address drops the override.
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], base)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CHARGER_HOSTS] == {"V2C00001": v2c_sim.address(0)}
    await hass.async_block_till_done()
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**base, "charger": "V2C00001"}
    )
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"host": ""})
    assert result["data"][CONF_CHARGER_HOSTS] == {}


async def test_options_refuse_non_finite_numbers(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    # nan passes the selector's range check (every comparison is false): refused here.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_LAN_INTERVAL: math.nan, CONF_COMMAND_RESERVE: math.nan}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {
        CONF_LAN_INTERVAL: "not_a_number",
        CONF_COMMAND_RESERVE: "not_a_number",
    }
    # Infinities are out of the selector's range: the form refuses them itself.
    for bad in (math.inf, -math.inf):
        with pytest.raises(InvalidData):
            await hass.config_entries.options.async_configure(
                result["flow_id"], {CONF_LAN_INTERVAL: bad, CONF_COMMAND_RESERVE: 150}
            )
    assert init_integration.options == {}


@pytest.mark.parametrize("cloud_only", [{2}])
async def test_options_show_a_4g_charger_has_no_address(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry, cloud_only: set[int]
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_LAN_INTERVAL: 5, CONF_COMMAND_RESERVE: 150, "charger": "V2C00002"},
    )
    assert result["description_placeholders"] == {"name": "Trydan 2", "address": "-"}


async def test_loopback_refused_without_the_switch(
    hass: HomeAssistant,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK")
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_LAN_INTERVAL: 5, CONF_COMMAND_RESERVE: 150, "charger": "V2C00001"},
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"host": "127.0.0.1:80"}
    )
    assert result["errors"] == {"host": "not_private_address"}


async def test_pairing_address_outside_the_lan_is_not_used(
    hass: HomeAssistant, v2c_sim: V2CSim, config_entry: MockConfigEntry
) -> None:
    v2c_sim.charger(0).ip = "8.8.8.8"
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    charger = config_entry.runtime_data.chargers["V2C00001"]
    assert charger.lan is None
    assert hass.states.get("sensor.trydan_1_data_source").state == "cloud"


def test_cloud_url_env_name() -> None:
    assert CLOUD_URL_ENV.startswith("HOME_ENERGY_BRIDGES_")


def test_every_guard_reason_has_an_error() -> None:
    assert {lan_error_key(reason) for reason in LanAddressReason} == {
        "invalid_host",
        "cannot_resolve",
        "not_private_address",
    }
