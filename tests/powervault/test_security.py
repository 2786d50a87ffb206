"""Issue 14 for Powervault: the stored LAN address, the stand-in cloud URL, the options.

Every test here failed on the code before the fixes.
"""

from __future__ import annotations

from unittest.mock import patch

from aiohttp.test_utils import TestServer
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.powervault.api import CLOUD_BASE_URL
from custom_components.powervault.const import (
    CLOUD_URL_ENV,
    CONF_DAILY_BUDGET,
    CONF_OVERRIDE_HOURS,
    cloud_base_url,
)
from simulators.powervault import PowervaultCloud, PowervaultLocal
from tests.conftest import SecretWatch

from .conftest import API_KEY
from .test_config_flow import _start

LOOPBACK_ENV = "HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK"


@pytest.mark.parametrize("stored", ["8.8.8.8", "169.254.169.254", "3232235781", "10.1"])
async def test_setup_refuses_a_stored_address_off_the_lan(
    hass: HomeAssistant, local_entry: MockConfigEntry, stored: str
) -> None:
    hass.config_entries.async_update_entry(
        local_entry, data={**local_entry.data, CONF_HOST: stored}
    )
    await hass.config_entries.async_setup(local_entry.entry_id)
    assert local_entry.state is ConfigEntryState.SETUP_ERROR
    assert local_entry.error_reason_translation_key == "address_not_allowed"


async def test_setup_sends_nothing_to_a_refused_address(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(LOOPBACK_ENV)
    await hass.config_entries.async_setup(local_entry.entry_id)
    assert local_entry.state is ConfigEntryState.SETUP_ERROR
    assert local_app.log.count() == 0


async def test_the_local_flow_stores_the_canonical_address(
    hass: HomeAssistant, local_server: TestServer, allow_loopback: None
) -> None:
    flow_id = await _start(hass, "local")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: f"2130706433:{local_server.port}"}
    )
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    with patch("custom_components.powervault.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOST: f"http://127.0.0.1.:{local_server.port}/"}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == "127.0.0.1"
    assert result["data"][CONF_PORT] == local_server.port


def test_stand_in_url_needs_the_switch_and_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LOOPBACK_ENV, raising=False)
    monkeypatch.setenv(CLOUD_URL_ENV, "http://127.0.0.1:8123/v4")
    assert cloud_base_url() == CLOUD_BASE_URL
    monkeypatch.setenv(LOOPBACK_ENV, "1")
    for elsewhere in (
        "https://attacker.example/v4",
        "http://192.168.1.5/v4",
        "http://u:p@127.0.0.1/",
    ):
        monkeypatch.setenv(CLOUD_URL_ENV, elsewhere)
        assert cloud_base_url() == CLOUD_BASE_URL
    monkeypatch.setenv(CLOUD_URL_ENV, "http://127.0.0.1:8123/v4/")
    assert cloud_base_url() == "http://127.0.0.1:8123/v4"


async def test_the_api_key_never_goes_to_an_override_without_the_switch(
    hass: HomeAssistant,
    cloud_server: TestServer,
    cloud_app: PowervaultCloud,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(LOOPBACK_ENV, raising=False)
    monkeypatch.setenv(CLOUD_URL_ENV, f"http://127.0.0.1:{cloud_server.port}/v4")
    flow_id = await _start(hass, "cloud")
    with patch("custom_components.powervault.config_flow.PowervaultCloudClient") as client:
        client.return_value.get_account.side_effect = RuntimeError("stop here")
        await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: API_KEY})
    assert client.call_args.kwargs["base_url"] == CLOUD_BASE_URL
    assert cloud_app.log.count() == 0


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 12.5])
async def test_options_refuse_numbers_that_are_not(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    local_entry: MockConfigEntry,
    value: float,
) -> None:
    cases = [
        (cloud_entry, {CONF_DAILY_BUDGET: 1000, CONF_OVERRIDE_HOURS: 4}),
        (local_entry, {CONF_OVERRIDE_HOURS: 24}),
    ]
    with patch("custom_components.powervault.async_setup_entry", return_value=True):
        for entry, good in cases:
            for field in good:
                result = await hass.config_entries.options.async_init(entry.entry_id)
                with pytest.raises(InvalidData):
                    await hass.config_entries.options.async_configure(
                        result["flow_id"], {**good, field: value}
                    )
            assert entry.options == {}


async def test_the_api_key_is_nowhere_to_be_seen(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    cloud_entry: MockConfigEntry,
    secrets_watch: SecretWatch,
) -> None:
    """Logs (DEBUG), diagnostics, attributes and repairs: checked by ``secrets_watch``."""
    secrets_watch.add(API_KEY)
    assert await hass.config_entries.async_setup(cloud_entry.entry_id)
    await hass.async_block_till_done()
    assert await get_diagnostics_for_config_entry(hass, hass_client, cloud_entry)  # type: ignore[arg-type]
    assert secrets_watch.diagnostics
