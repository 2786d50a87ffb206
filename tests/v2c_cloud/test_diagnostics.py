"""Diagnostics: redacted, with the RateLimit values and each value's source."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .conftest import API_KEY, V2CSim


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    result = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    text = json.dumps(result)
    assert API_KEY not in text
    assert "HomeWifi" not in text
    assert result["entry"]["data"]["api_key"] == "**REDACTED**"
    rate = result["cloud"]["rate_limit"]
    assert rate["limit"] == 1000
    assert rate["remaining"] == 1000 - v2c_sim.cloud_calls()
    assert result["budget"]["used"] == v2c_sim.cloud_calls()
    first = result["chargers"]["V2C00001"]
    assert first["source"] == "lan"
    assert first["value_sources"]["charge_power"] == "lan"
    second = result["chargers"]["V2C00002"]
    # Firmware 2.4.6: ChargeMode came from /read/ on the LAN, nothing from the cloud yet.
    assert second["value_sources"]["charge_mode"] == "lan"
    assert second["lan"]["host"] == "**REDACTED**"
    assert first["cloud_settings"]["language"] == v2c_sim.charger(0).language
    assert first["pairing"]["ip"] == "**REDACTED**"


async def test_diagnostics_mark_cloud_filled_values(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    # Firmware 1.6.11 sends no VoltageInstallation: the cloud's mains voltage fills it in.
    v2c_sim.charger(0).firmware = __import__("simulators.v2c", fromlist=["FIRMWARES"]).FIRMWARES[
        "1.6.11"
    ]
    await init_integration.runtime_data.chargers["V2C00001"].async_refresh()
    # The cloud's /reported has no mains voltage: its next poll asks /currentstatecharge.
    before = v2c_sim.cloud_calls("/device/currentstatecharge")
    await init_integration.runtime_data.cloud.async_refresh()
    await hass.async_block_till_done()
    assert v2c_sim.cloud_calls("/device/currentstatecharge") == before + 1
    result = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    sources = result["chargers"]["V2C00001"]["value_sources"]
    assert sources["grid_voltage"] == "cloud"
    assert sources["charge_power"] == "lan"
    assert hass.states.get("sensor.trydan_1_grid_voltage").state == "230.0"
