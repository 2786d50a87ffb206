"""Tests for the shared diagnostics redaction."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_bridges_common.client.redact import REDACTED
from custom_components.energy_bridges_common.hass.diagnostics import entry_diagnostics, redact


def test_redact_keys_and_secret_values() -> None:
    data = {
        "api_key": "k-123456",
        "serial": "122233445566",
        "nested": {"latitude": 1.0, "note": "uses k-123456"},
        "unitId": "abc",
    }
    assert redact(data, keys={"unitId"}, secrets=["k-123456", None]) == {
        "api_key": REDACTED,
        "serial": REDACTED,
        "nested": {"latitude": REDACTED, "note": f"uses {REDACTED}"},
        "unitId": REDACTED,
    }


async def test_entry_diagnostics(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain="powervault",
        title="My battery",
        unique_id="unit-1",
        data={
            "api_key": "super-secret-key",
            "host": "192.168.1.5",
            "token": {"access_token": "at-123456", "expires_at": 5},
            "auth": {"refresh_token": "rt-123456", "scope": "openid"},
        },
        options={"scan_interval": 30},
    )
    result = entry_diagnostics(entry)
    text = str(result)
    assert "super-secret-key" not in text
    assert "at-123456" not in text
    assert "unit-1" not in text
    assert result["data"]["host"] == "192.168.1.5"
    assert "rt-123456" not in text
    assert result["data"]["token"] == REDACTED
    assert result["data"]["auth"] == {"refresh_token": REDACTED, "scope": "openid"}
    assert result["options"] == {"scan_interval": 30}
    assert result["title"] == REDACTED
