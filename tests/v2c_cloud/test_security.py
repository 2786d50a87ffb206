"""Issue 14 for V2C: stored charger addresses, the stand-in cloud URL, the LAN peer check.

Every test here failed on the code before the fixes.
"""

from __future__ import annotations

import aiohttp
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_bridges_common.client.errors import AddressRefusedError
from custom_components.v2c_cloud.api import CLOUD_BASE_URL, V2CLocalClient
from custom_components.v2c_cloud.const import (
    CLOUD_URL_ENV,
    CONF_CHARGER,
    CONF_CHARGER_HOSTS,
    CONF_COMMAND_RESERVE,
    DOMAIN,
    cloud_base_url,
)
from tests.conftest import SecretWatch

from .conftest import API_KEY, V2CSim

LOOPBACK_ENV = "HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK"


@pytest.mark.parametrize("stored", ["8.8.8.8", "169.254.169.254", "3232235781", "10.1"])
async def test_a_stored_charger_address_off_the_lan_is_refused_with_a_repair(
    hass: HomeAssistant, v2c_sim: V2CSim, config_entry: MockConfigEntry, stored: str
) -> None:
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_CHARGER_HOSTS: {"V2C00001": stored}}
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    # The account still works; that charger through the cloud only, nothing sent to it.
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.runtime_data.chargers["V2C00001"].lan is None
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"charger_address_not_allowed_{config_entry.entry_id}_V2C00001"
    )
    assert issue is not None
    assert issue.translation_key == "charger_address_not_allowed"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["address"] == stored

    # Fixed in the options: the issue goes away.
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_COMMAND_RESERVE: 150, CONF_CHARGER: "V2C00001"},
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_HOST: v2c_sim.address(0)}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert config_entry.runtime_data.chargers["V2C00001"].lan is not None
    assert (
        ir.async_get(hass).async_get_issue(
            DOMAIN, f"charger_address_not_allowed_{config_entry.entry_id}_V2C00001"
        )
        is None
    )


async def test_a_loopback_override_gets_nothing_without_the_switch(
    hass: HomeAssistant,
    v2c_sim: V2CSim,
    config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_CHARGER_HOSTS: {"V2C00001": v2c_sim.address(0)}}
    )
    monkeypatch.delenv(LOOPBACK_ENV)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert v2c_sim.lan_calls(0) == 0


async def test_the_options_store_the_canonical_address(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    port = v2c_sim.address(0).rsplit(":", 1)[1]
    base = {CONF_COMMAND_RESERVE: 150}
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**base, CONF_CHARGER: "V2C00001"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_HOST: f"2130706433:{port}"}
    )
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_HOST: f" http://127.0.0.1.:{port}/ "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options[CONF_CHARGER_HOSTS] == {"V2C00001": f"127.0.0.1:{port}"}


def test_stand_in_url_needs_the_switch_and_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LOOPBACK_ENV, raising=False)
    monkeypatch.setenv(CLOUD_URL_ENV, "http://127.0.0.1:8123")
    assert cloud_base_url() == CLOUD_BASE_URL
    monkeypatch.setenv(LOOPBACK_ENV, "1")
    for elsewhere in ("https://attacker.example", "http://192.168.1.5", "http://127.0.0.1/?x=1"):
        monkeypatch.setenv(CLOUD_URL_ENV, elsewhere)
        assert cloud_base_url() == CLOUD_BASE_URL
    monkeypatch.setenv(CLOUD_URL_ENV, "http://127.0.0.1:8123/")
    assert cloud_base_url() == "http://127.0.0.1:8123"


async def test_the_api_key_never_goes_to_an_override_without_the_switch(
    hass: HomeAssistant,
    v2c_sim: V2CSim,
    config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(LOOPBACK_ENV)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert v2c_sim.cloud_calls() == 0


async def test_the_lan_client_checks_where_a_name_connects(
    v2c_sim: V2CSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = int(v2c_sim.address(0).rsplit(":", 1)[1])
    async with aiohttp.ClientSession() as session:
        client = V2CLocalClient(session, "localhost", port)
        assert (await client.realtime()).charger_id == "V2C00001"  # the switch is on
        monkeypatch.delenv(LOOPBACK_ENV)
        with pytest.raises(AddressRefusedError):
            await client.realtime()


async def test_the_api_key_is_nowhere_to_be_seen(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    secrets_watch: SecretWatch,
) -> None:
    """Logs (DEBUG), diagnostics, attributes and repairs: checked by ``secrets_watch``."""
    secrets_watch.add(API_KEY)
    assert await get_diagnostics_for_config_entry(hass, hass_client, init_integration)  # type: ignore[arg-type]
    assert secrets_watch.diagnostics
