"""The demo's own logic: which sensors fill the Energy dashboard, what the dashboard shows."""

from __future__ import annotations

import asyncio
from datetime import datetime
import itertools
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .browser import REPO

from bootstrap import (  # isort: skip
    configure_energy,
    dashboard_config,
    energy_entities,
    energy_prefs,
)
from ha_version import plan, venv_path  # isort: skip
from history import charger_minutes, hourly_rows  # isort: skip
from vendors import (  # isort: skip
    BATTERY_IN,
    BATTERY_OUT,
    DEVICE,
    ENPHASE,
    EV_EVENING,
    GRID_EXPORT,
    GRID_IMPORT,
    POWERVAULT,
    SOLAR,
    TESLA,
    V2C,
    V2C_CHARGER_PORTS,
    V2C_CHARGER_WATTS,
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


class FakeClient:
    """The websocket commands configure_energy sends, answered from canned registries."""

    def __init__(self, entities: list[dict[str, Any]], statistics: list[str]) -> None:
        self.entities = entities
        self.statistics = statistics
        self.saved: dict[str, Any] | None = None

    async def ws(self, command: str, **fields: Any) -> Any:
        if command == "config/entity_registry/list":
            return self.entities
        if command == "config/device_registry/list":
            return []
        if command == "recorder/list_statistic_ids":
            return [{"statistic_id": statistic_id} for statistic_id in self.statistics]
        if command == "energy/get_prefs":
            # An older demo's preferences: every simulated home added up.
            return {
                "energy_sources": [{"type": "solar", "stat_energy_from": "sensor.envoy_solar"}],
                "device_consumption": [],
            }
        assert command == "energy/save_prefs"
        self.saved = fields
        return None


def test_the_energy_dashboard_is_one_house() -> None:
    """Only the house (Powervault's meter, solar, battery; the chargers) fills it."""
    entities = [
        entity("sensor.pv_import", "powervault", "grid_import_energy"),
        entity("sensor.pv_export", "powervault", "grid_export_energy"),
        entity("sensor.pv_solar", "powervault", "solar_energy"),
        entity("sensor.pv_charge", "powervault", "battery_charge_energy"),
        entity("sensor.pv_discharge", "powervault", "battery_discharge_energy"),
        entity("sensor.envoy_solar", "enphase_gateway", "production_lifetime"),
        entity("sensor.trydan_1", "v2c_cloud", "charge_energy"),
        entity("sensor.trydan_2", "v2c_cloud", "charge_energy"),
    ]
    statistics = ["tesla_energy:site_1_solar_production", "tesla_energy:site_1_battery_charge"]
    client = FakeClient(entities, statistics)
    prefs = asyncio.run(configure_energy(client, VENDORS))  # type: ignore[arg-type]
    assert client.saved == prefs
    used = {
        value
        for source in prefs["energy_sources"]
        for key, value in source.items()
        if key.startswith("stat_energy") and value
    }
    assert used == {
        "sensor.pv_import",
        "sensor.pv_export",
        "sensor.pv_solar",
        "sensor.pv_charge",
        "sensor.pv_discharge",
    }
    assert prefs["device_consumption"] == [
        {"stat_consumption": "sensor.trydan_1"},
        {"stat_consumption": "sensor.trydan_2"},
    ]
    assert {vendor.domain for vendor in VENDORS if vendor.house} == {"powervault", "v2c_cloud"}


def test_the_chargers_load_is_the_house_load() -> None:
    """The Powervault's simulator counts both chargers, now and in the imported past."""
    args = dict(item.split("=", 1) for item in POWERVAULT.simulator_args if item != "--set")
    assert args["powervault.linked_load"].split(",") == [
        f"http://127.0.0.1:{port}/RealTimeData" for port in V2C_CHARGER_PORTS
    ]
    assert args["powervault.linked_history"] == f"{EV_EVENING}@{2 * V2C_CHARGER_WATTS}"


def test_hourly_rows_continue_where_the_recorder_starts() -> None:
    """Each imported hour has the buckets' energy; the sums end at the zero point."""
    london = ZoneInfo("Europe/London")
    origin = datetime(2026, 12, 1, tzinfo=london).timestamp()
    # Five-minute buckets of 10 Wh (yesterday) and 20 Wh (today), up to 02:20 today.
    buckets = [(origin + index * 300, 10.0 if index < 288 else 20.0) for index in range(288 + 28)]
    zero_time = origin + 86400 + 2 * 3600 + 20 * 60  # 02:20 today
    zero_value = 28 * 20.0  # the sensor's first reading: today's total then (Wh)
    rows, adjustment = hourly_rows(buckets, zero_time, zero_value, london, 1000.0)
    assert len(rows) == 26  # yesterday's 24 hours and today's 00:00 and 01:00
    sums = [row["sum"] for row in rows]
    hourly = [round(b - a, 4) for a, b in itertools.pairwise(sums)]
    # The first hour counts from 0, as the Energy dashboard takes it.
    assert sums[0] == 0.12
    assert hourly == [0.12] * 23 + [0.24, 0.24]
    # The recorder's sums (0 at the zero point) are raised by the sum there: the history's
    # energy up to 02:20, so 02:00-02:20 lies between the last row and them.
    assert adjustment == 2.88 + 0.56
    assert round(adjustment - rows[-1]["sum"], 4) == 0.08
    assert rows[23]["state"] == 2.88  # yesterday's total at midnight
    assert rows[24]["state"] == 0.24  # the day starts again
    assert rows[-1]["state"] == 0.48


def test_the_chargers_past_sessions() -> None:
    london = ZoneInfo("Europe/London")
    origin = datetime(2026, 12, 1, tzinfo=london).timestamp()
    zero_time = origin + 86400 + 3600 + 600  # 01:10 today
    assert (EV_EVENING, V2C_CHARGER_WATTS) == ("18:00-21:30", 3680)
    minutes = charger_minutes(origin, zero_time)
    rows, adjustment = hourly_rows(minutes, zero_time, None, london, 1000.0, bucket_seconds=60)
    sums = [row["sum"] for row in rows]
    assert sums[0] == 0.0
    assert sums[-1] == adjustment == 12.88  # 3.5 hours at 3.68 kW
    hourly = [round(b - a, 4) for a, b in itertools.pairwise(sums)]
    assert hourly[17:21] == [3.68, 3.68, 3.68, 1.84]
    assert "state" not in rows[0]


def test_other_homes_are_shown_apart() -> None:
    entities = [
        entity("sensor.trydan_power", "v2c_cloud", "charge_power", device_id="trydan"),
        entity("sensor.envoy_power", "enphase_gateway", "production_power", device_id="envoy"),
    ]
    devices = [{"id": "trydan", "name": "Trydan 1"}, {"id": "envoy", "name": "Envoy"}]
    states = {e["entity_id"]: {"attributes": {}} for e in entities}
    config = dashboard_config([V2C, ENPHASE], entities, devices, states)
    titles = [[card.get("title") for card in view["cards"]] for view in config["views"][:2]]
    assert [view["path"] for view in config["views"]] == ["home", "other-homes", "energy"]
    assert titles[0] == ["Power", "Trydan 1"]
    assert titles[1] == [None, "Power", "Envoy"]


def test_the_chargers_read_the_house_meter() -> None:
    args = dict(item.split("=", 1) for item in V2C.simulator_args if item != "--set")
    assert args["v2c.house_meter"] == "http://127.0.0.1:8100/_sim/state"


def test_another_release_gets_its_own_pins(tmp_path: Path) -> None:
    """--ha-version X: the integrations' requirements as X's manifests declare them."""
    components = tmp_path / "homeassistant" / "components"

    def manifest(domain: str, requirements: list[str], **extra: list[str]) -> None:
        (components / domain).mkdir(parents=True)
        (components / domain / "manifest.json").write_text(
            json.dumps({"domain": domain, "requirements": requirements, **extra})
        )

    manifest("frontend", ["home-assistant-frontend==20261028.4"])
    manifest("camera", ["PyTurboJPEG==1.9.0"])
    manifest("assist_pipeline", ["pymicro-vad==1.0.1"])
    manifest("onboarding", [], dependencies=["analytics"])
    manifest("analytics", [], after_dependencies=["hassio"])
    manifest("hassio", ["aiohasupervisor==0.8.1"])
    (tmp_path / "homeassistant" / "package_constraints.txt").write_text(
        "# comment\nhttpx2==2.14.0\npymicro-vad==1.0.1\n"
    )
    demo = (
        "home-assistant-frontend==20260930.5\n"
        "PyTurboJPEG==1.8.3  # camera, stream\n"
        "pymicro-vad==2.1.0  # assist_pipeline\n"
        "colorlog==6.10.1\n"
        "httpx2==2.16.2\n"
    )
    requirements, constraints = plan(tmp_path, demo, "frontend:\nhistory:\n")
    assert requirements == [
        "aiohasupervisor==0.8.1",  # onboarding -> analytics -> hassio, in X
        "colorlog==6.10.1",
        "home-assistant-frontend==20261028.4",
        "pymicro-vad==2.1.0",  # X's pin has no wheels for Python 3.14
        "PyTurboJPEG==1.9.0",
    ]
    # X's constraints decide the rest (httpx2 2.14, not the demo's 2.16).
    assert constraints == ["httpx2==2.14.0"]
    assert venv_path("2026.11.0") == REPO / ".venv-ha-2026.11.0"
    with pytest.raises(ValueError, match="not a Home Assistant release"):
        venv_path("latest; rm -rf /")
