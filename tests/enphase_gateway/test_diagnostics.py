"""Diagnostics: redacted, with raw endpoint replies when the option is on."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.enphase_gateway.const import OPTION_DIAGNOSTICS_RAW

from .conftest import SimFactory, setup_entry


async def test_diagnostics_redacted_with_raw(
    hass: HomeAssistant, hass_client: object, gateway_factory: SimFactory
) -> None:
    sim, server = await gateway_factory("8x")
    entry = await setup_entry(hass, "8x", server.port, options={OPTION_DIAGNOSTICS_RAW: True})
    token = entry.runtime_data.client.token
    assert token
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)  # type: ignore[arg-type]
    text = json.dumps(result)
    assert token not in text
    assert sim.profile.serial not in text
    assert "122550000000" not in text  # battery serials
    assert "correct horse battery" not in text
    assert "00:1d:c0:12:34:56" not in text
    assert result["capabilities"]["batteries"] is True
    assert result["firmware"] == "D8.2.4382"
    assert "/ivp/meters/readings" in result["raw"]
    assert "/admin/lib/tariff" in result["raw"]
    assert result["coordinators"]["meters"]["interval"] == 10


async def test_diagnostics_without_raw(
    hass: HomeAssistant, hass_client: object, gateway_factory: SimFactory
) -> None:
    _sim, server = await gateway_factory("3x")
    entry = await setup_entry(hass, "3x", server.port)
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)  # type: ignore[arg-type]
    assert "raw" not in result
    assert result["token"] is None
    assert result["capabilities"]["meters"] == {}
