"""Diagnostics: useful, and with no secret or identifier in them."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powervault.diagnostics import async_get_config_entry_diagnostics
from simulators.powervault import PowervaultCloud

from .conftest import API_KEY, CLOUD_UNIT, LOCAL_UNIT, scheduled, setup_entry


async def test_cloud_diagnostics(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    await setup_entry(hass, cloud_entry)
    result = await async_get_config_entry_diagnostics(hass, cloud_entry)
    dump = json.dumps(result, default=str)
    assert API_KEY not in dump
    assert CLOUD_UNIT not in dump
    assert result["connection"] == "cloud"
    assert result["entry"]["data"]["api_key"] == "**REDACTED**"
    assert result["power"]["state_of_charge"] is not None
    assert set(result["energy_today_wh"]) >= {"day", "grid_import", "home_consumption"}
    assert result["control"]["effective_state"] == scheduled(cloud_app).replace("_", "-")
    assert len(result["control"]["schedule"]) == 7
    assert result["budget"]["quota"] == 500
    assert result["budget"]["used"] == 3
    assert result["requests"]["sent"] == 3
    assert result["telemetry"] is None


async def test_local_diagnostics(hass: HomeAssistant, local_entry: MockConfigEntry) -> None:
    await setup_entry(hass, local_entry)
    result = await async_get_config_entry_diagnostics(hass, local_entry)
    dump = json.dumps(result, default=str)
    assert LOCAL_UNIT not in dump
    assert "127.0.0.1" not in dump
    assert result["connection"] == "local"
    # One module of two cells measured; the empty slots, packs and backplanes say null.
    assert result["telemetry"]["cells"] == 2
    assert result["telemetry"]["values"]["air_co2"] is None
    assert result["battery_sign_check"] is None
    assert result["battery_sign_assumed"] is None
    assert result["budget"] is None
    assert result["coordinators"]["data"]["last_update_success"] is True
