"""Every entity has a value, from the LAN or from the cloud; translations are complete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from .conftest import V2CSim

ROOT = Path(__file__).parents[2] / "custom_components" / "v2c_cloud"


@pytest.mark.parametrize("cloud_only", [{2}])
async def test_every_entity_has_a_value(
    hass: HomeAssistant,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    cloud_only: set[int],
) -> None:
    registry = er.async_get(hass)
    entries = er.async_entries_for_config_entry(registry, init_integration.entry_id)
    enabled = [e for e in entries if e.disabled_by is None]
    assert len(enabled) > 60
    for entry in enabled:
        state = hass.states.get(entry.entity_id)
        assert state is not None, entry.entity_id
        if entry.domain == "button":
            continue
        if state.attributes.get("assumed_state"):
            # Settings the cloud never reports: unknown until set from Home Assistant.
            assert state.state == STATE_UNKNOWN, entry.entity_id
            continue
        assert state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN), entry.entity_id
    # The same entities for the 4G charger as for the LAN one, but those only a LAN gives.
    lan = {e.unique_id.split("_", 1)[1] for e in entries if e.unique_id.startswith("V2C00001")}
    cloud = {e.unique_id.split("_", 1)[1] for e in entries if e.unique_id.startswith("V2C00002")}
    assert lan - cloud == {
        "ready_state",
        "wifi_signal",
        "timer",
        "pause_dynamic",
        "dynamic_power_mode",
        "charge_mode",
    }
    assert cloud <= lan


def _keys(data: Any, prefix: str = "") -> set[str]:
    if isinstance(data, dict):
        return {k for key, value in data.items() for k in _keys(value, f"{prefix}/{key}")}
    return {prefix}


def test_translations_are_complete() -> None:
    english = json.loads((ROOT / "translations" / "en.json").read_text())
    for language in ("es", "it"):
        other = json.loads((ROOT / "translations" / f"{language}.json").read_text())
        assert _keys(other) == _keys(english), language
    services = yaml.safe_load((ROOT / "services.yaml").read_text())
    assert set(services) == set(english["services"])
    for name, spec in services.items():
        assert set((spec or {}).get("fields", {})) == set(english["services"][name]["fields"])
    icons = json.loads((ROOT / "icons.json").read_text())
    assert set(icons["services"]) == set(services)
    for exception in (
        "communication_error",
        "rate_limited",
        "budget_exhausted",
        "authentication_failed",
    ):
        assert "{error}" in english["exceptions"][exception]["message"]


def test_unknown_codes_have_a_state() -> None:
    from custom_components.v2c_cloud.api import Realtime, Source
    from custom_components.v2c_cloud.coordinator import ChargerSnapshot
    from custom_components.v2c_cloud.sensor import SENSORS

    snapshot = ChargerSnapshot(
        charger_id="X",
        realtime=Realtime(source=Source.LAN, charge_state=9, slave_error=77, signal_status=3),
        sources={},
        cloud=None,
        lan_updated=None,
        cloud_updated=None,
        lan_error=None,
    )
    values = {d.key: d.value_fn(snapshot) for d in SENSORS}
    assert values["charge_state"] == "fault"
    assert values["meter_error"] == "other_error"
    assert values["wifi_signal"] == "excellent"
    empty = ChargerSnapshot("X", None, {}, None, None, None, None)
    assert {d.key: d.value_fn(empty) for d in SENSORS}["charge_state"] is None
    assert {d.key: d.value_fn(empty) for d in SENSORS}["meter_error"] is None
