"""The demo's own logic: which sensors fill the Energy dashboard, what the dashboard shows."""

from __future__ import annotations

from typing import Any

import pytest

from .browser import REPO

from bootstrap import dashboard_config, energy_entities, energy_prefs  # isort: skip
from vendors import (  # isort: skip
    BATTERY_IN,
    BATTERY_OUT,
    DEVICE,
    ENPHASE,
    GRID_EXPORT,
    GRID_IMPORT,
    POWERVAULT,
    SOLAR,
    TESLA,
    V2C,
    VENDORS,
    defaults,
)

pytestmark = pytest.mark.e2e


def entity(entity_id: str, platform: str, key: str, **extra: Any) -> dict[str, Any]:
    """Return an entity registry entry as the websocket API lists it."""
    return {
        "entity_id": entity_id,
        "platform": platform,
        "translation_key": key,
        "device_id": extra.pop("device_id", "dev"),
        "disabled_by": None,
        "hidden_by": None,
        "entity_category": None,
        "original_name": extra.pop("original_name", None),
        "name": None,
        **extra,
    }


def test_energy_roles_from_translation_keys_and_statistics() -> None:
    entities = [
        entity("sensor.pv_import", "powervault", "grid_import_energy"),
        entity("sensor.pv_export", "powervault", "grid_export_energy"),
        entity("sensor.pv_charge", "powervault", "battery_charge_energy"),
        entity("sensor.pv_discharge", "powervault", "battery_discharge_energy"),
        entity("sensor.envoy_solar", "enphase_gateway", "production_lifetime"),
        entity("sensor.trydan", "v2c_cloud", "charge_energy"),
        entity("sensor.off", "v2c_cloud", "charge_energy", disabled_by="user"),
    ]
    statistics = ["tesla_energy:site_1_battery_charge", "tesla_energy:site_1_battery_discharge"]
    roles = energy_entities(VENDORS, entities, statistics)
    assert roles[GRID_IMPORT] == ["sensor.pv_import"]
    assert roles[GRID_EXPORT] == ["sensor.pv_export"]
    assert roles[SOLAR] == ["sensor.envoy_solar"]
    assert roles[BATTERY_IN] == ["sensor.pv_charge", "tesla_energy:site_1_battery_charge"]
    assert roles[BATTERY_OUT] == ["sensor.pv_discharge", "tesla_energy:site_1_battery_discharge"]
    assert roles[DEVICE] == ["sensor.trydan"]


def test_energy_prefs_have_one_grid_meter() -> None:
    prefs = energy_prefs(
        {
            GRID_IMPORT: ["sensor.a_import", "sensor.b_import"],
            GRID_EXPORT: ["sensor.a_export"],
            BATTERY_IN: ["sensor.charge"],
            BATTERY_OUT: ["sensor.discharge"],
            DEVICE: ["sensor.car"],
        }
    )
    grids = [source for source in prefs["energy_sources"] if source["type"] == "grid"]
    assert len(grids) == 1
    assert grids[0]["stat_energy_from"] == "sensor.a_import"
    assert grids[0]["stat_energy_to"] == "sensor.a_export"
    batteries = [source for source in prefs["energy_sources"] if source["type"] == "battery"]
    assert batteries == [
        {
            "type": "battery",
            "stat_energy_from": "sensor.discharge",
            "stat_energy_to": "sensor.charge",
        }
    ]
    assert prefs["device_consumption"] == [{"stat_consumption": "sensor.car"}]


def test_dashboard_has_a_card_per_device_and_graphs_the_main_power() -> None:
    entities = [
        entity("sensor.trydan_power", "v2c_cloud", "charge_power", original_name="Charge power"),
        entity("sensor.trydan_ip", "v2c_cloud", "ip_address", entity_category="diagnostic"),
        entity("switch.trydan_lock", "v2c_cloud", "charger_lock"),
        entity("sensor.other", "somebody_else", "power", device_id="other"),
    ]
    devices = [{"id": "dev", "name": "Trydan 1"}, {"id": "other", "name": "Other"}]
    states = {e["entity_id"]: {"attributes": {}} for e in entities}
    config = dashboard_config([V2C], entities, devices, states)
    cards = config["views"][0]["cards"]
    assert cards[0] == {
        "type": "history-graph",
        "title": "Power",
        "hours_to_show": 1,
        "entities": ["sensor.trydan_power"],
    }
    assert cards[1]["title"] == "Trydan 1"
    assert cards[1]["entities"] == [
        {"entity": "sensor.trydan_power", "name": "Charge power"},
        "switch.trydan_lock",
    ]
    assert len(cards) == 2


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda vendor: vendor.domain)
def test_vendor_table_matches_the_integrations(vendor: Any) -> None:
    """Every step, error and energy key the demo relies on exists in the integration."""
    if not vendor.available:
        pytest.skip(f"{vendor.domain} has not landed yet")
    import json

    strings = json.loads(
        (REPO / "custom_components" / vendor.domain / "translations" / "en.json").read_text()
    )
    for step in vendor.answers:
        assert step in strings["config"]["step"], step
    for wrong in vendor.wrong:
        assert wrong.step_id in vendor.answers
        assert wrong.error in strings["config"]["error"]
    sensors = strings["entity"]["sensor"]
    for keys in vendor.energy.values():
        for key in keys:
            assert key in sensors, key
    for key in vendor.power:
        assert key in sensors, key


def test_defaults_are_what_submit_sends() -> None:
    form = {"data_schema": [{"name": "units", "default": ["u1"]}, {"name": "key"}]}
    assert defaults(form) == {"units": ["u1"]}
    assert POWERVAULT.answers["units"]({}, form) == {"units": ["u1"]}
    assert POWERVAULT.answers["user"]({}, {}) == {"next_step_id": "cloud"}
    assert ENPHASE.hass_env is not None
    assert ENPHASE.hass_env({"enphase-cloud": "http://127.0.0.1:8300"})[
        "ENPHASE_GATEWAY_TOKEN_BASE_URL"
    ] == ("http://127.0.0.1:8300")
    assert TESLA.application_credentials is not None
