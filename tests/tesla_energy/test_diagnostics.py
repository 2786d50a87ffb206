"""Diagnostics: useful (scopes, budget, data) and without secrets or identifying ids."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.diagnostics import async_get_config_entry_diagnostics


async def test_diagnostics(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """Tokens, ids, names and addresses are redacted; scopes and the budget are shown."""
    result = await async_get_config_entry_diagnostics(hass, setup_integration)
    text = json.dumps(result, default=str)
    token = setup_integration.data["token"]
    for secret in (token["access_token"], token["refresh_token"], "1457768-02-G--PGT00000000001"):
        assert secret not in text
    assert "127.0.0.1" not in text
    assert "account-home" not in text
    assert result["granted_scopes"] == [
        "energy_cmds",
        "energy_device_data",
        "offline_access",
        "openid",
    ]
    assert result["budget"]["quota"] == 5000
    assert result["projected_monthly_cost_usd"] <= 10.0
    assert len(result["sites"]) == 2
    assert result["sites"][0]["live_status"]["solar_power"] is not None
    assert result["sites"][0]["intervals"]["live"] >= 60
