"""Entity names come from the user's language: no English word fills a placeholder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_platform, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.enphase_gateway.api import CtKind
from custom_components.enphase_gateway.const import DOMAIN
from custom_components.enphase_gateway.sensor import (
    CT_PHASE_SENSORS,
    CT_SENSORS,
    CT_STATUS_SENSORS,
    PHASES,
)
from simulators.enphase import gateway as sim_gateway

from .conftest import SimFactory, setup_entry

TRANSLATIONS = Path(__file__).parents[2] / "custom_components" / DOMAIN / "translations"
LANGUAGES = ("en", "de", "nl", "fr", "es", "it")
# Read once at import: no file I/O inside the event loop.
STRINGS: dict[str, dict[str, Any]] = {
    language: json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
    for language in LANGUAGES
}
# The English words that used to fill {flow} and {ct}.
ENGLISH_KINDS = (
    "Production",
    "Consumption",
    "Net consumption",
    "Total consumption",
    "Storage",
    "Backfeed",
    "Load",
    "EV charger",
    "PV 3-phase",
)
SERIAL = "122300000804"


def _name(language: str, translation_key: str, **placeholders: str) -> str:
    name: str = STRINGS[language]["entity"]["sensor"][translation_key]["name"]
    return name.format(**placeholders)


def _sensors(hass: HomeAssistant) -> list[Any]:
    return [
        entity
        for platform in entity_platform.async_get_platforms(hass, DOMAIN)
        if platform.domain == "sensor"
        for entity in platform.entities.values()
    ]


async def _set_up_in(
    hass: HomeAssistant, language: str, gateway_factory: SimFactory, **changes: Any
) -> MockConfigEntry:
    hass.config.language = language
    _sim, server = await gateway_factory("8x", **changes)
    return await setup_entry(hass, "8x", server.port)


async def _enable(hass: HomeAssistant, entry: MockConfigEntry, *unique_ids: str) -> None:
    """Enable sensors that are disabled by default, as a user would, then reload."""
    registry = er.async_get(hass)
    for unique_id in unique_ids:
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, unique_id)
        assert entity_id is not None, unique_id
        registry.async_update_entity(entity_id, disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


def _friendly_name(hass: HomeAssistant, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    name: str = state.attributes["friendly_name"]
    return name


async def test_sensor_names_are_german(hass: HomeAssistant, gateway_factory: SimFactory) -> None:
    entry = await _set_up_in(hass, "de", gateway_factory)
    await _enable(hass, entry, f"{SERIAL}_production_power_l1", f"{SERIAL}_ct_storage_voltage_l2")
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, SERIAL), entry.entry_id)
    assert device is not None
    expected = {
        f"{SERIAL}_production_power_l1": _name("de", "production_phase_power", phase="L1"),
        f"{SERIAL}_ct_net_consumption_voltage": _name("de", "net_consumption_ct_voltage"),
        f"{SERIAL}_ct_storage_voltage_l2": _name("de", "storage_ct_phase_voltage", phase="L2"),
        f"{SERIAL}_ct_production_status": _name("de", "production_ct_status"),
        f"{SERIAL}_ct_net_consumption_status": _name("de", "net_consumption_ct_status"),
        # The Energy dashboard's CT sensors keep their names of their own.
        f"{SERIAL}_ct_net_consumption_delivered": _name("de", "grid_import_energy"),
    }
    for unique_id, german in expected.items():
        friendly = _friendly_name(hass, unique_id)
        assert friendly == f"{device.name} {german}"
        assert not any(word in friendly for word in ENGLISH_KINDS), friendly
    assert _friendly_name(hass, f"{SERIAL}_ct_net_consumption_voltage") == (
        f"Envoy {SERIAL} Spannung Nettoverbrauchs-CT"
    )
    # The CT status is an enum whose states are translated under the same key.
    state = hass.states.get(
        er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{SERIAL}_ct_storage_status")
        or ""
    )
    assert state is not None
    assert state.state == "normal"
    assert "normal" in STRINGS["de"]["entity"]["sensor"]["storage_ct_status"]["state"]

    # Every sensor is named from the German file, and only a phase fills a placeholder.
    sensors = _sensors(hass)
    assert len(sensors) > 60
    german = STRINGS["de"]["entity"]["sensor"]
    for sensor in sensors:
        placeholders = dict(sensor.translation_placeholders)
        assert set(placeholders) <= {"phase"}, (sensor.unique_id, placeholders)
        assert placeholders.get("phase", "L1") in PHASES
        assert sensor.translation_key in german, sensor.translation_key
        assert sensor.name == german[sensor.translation_key]["name"].format(**placeholders)


async def test_english_names_are_unchanged(
    hass: HomeAssistant, gateway_factory: SimFactory
) -> None:
    await _set_up_in(hass, "en", gateway_factory)
    registry = er.async_get(hass)
    names = {
        entry.unique_id.removeprefix(f"{SERIAL}_"): entry.original_name
        for entry in registry.entities.values()
        if entry.platform == DOMAIN
    }
    assert names["production_power_l1"] == "Production power L1"
    assert names["consumption_today_l2"] == "Consumption energy today L2"
    assert names["net_consumption_voltage_l1"] == "Net consumption voltage L1"
    assert names["ct_net_consumption_voltage"] == "Net consumption CT voltage"
    assert names["ct_net_consumption_power_l2"] == "Net consumption CT power L2"
    assert names["ct_storage_status"] == "Storage CT status"
    assert names["ct_production_voltage"] == "Production CT voltage"
    # One sensor per value: the flows show these CTs' power and the production CT's energy.
    assert "ct_production_power" not in names
    assert "ct_production_delivered" not in names
    assert "ct_net_consumption_power" not in names
    assert names["ct_storage_received"] == "Battery energy charged"


async def test_unknown_ct_type_is_named_by_its_identifier(
    hass: HomeAssistant, gateway_factory: SimFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CT type we know gets its own names; one we don't shows the gateway's identifier."""
    monkeypatch.setitem(sim_gateway.CT_EIDS, "evse", 704643968)
    monkeypatch.setitem(sim_gateway.CT_EIDS, "future-ct", 704644096)
    entry = await _set_up_in(
        hass,
        "de",
        gateway_factory,
        cts=("production", "net-consumption", "evse", "future-ct"),
    )
    await _enable(hass, entry, f"{SERIAL}_ct_evse_current_l1", f"{SERIAL}_ct_future_ct_current_l1")
    device = f"Envoy {SERIAL}"
    assert _friendly_name(hass, f"{SERIAL}_ct_evse_status") == (
        f"{device} {_name('de', 'evse_ct_status')}"
    )
    assert _friendly_name(hass, f"{SERIAL}_ct_future_ct_voltage") == (
        f"{device} {_name('de', 'ct_voltage', ct='future-ct')}"
    )
    by_id = {sensor.unique_id: sensor for sensor in _sensors(hass)}
    unknown = by_id[f"{SERIAL}_ct_future_ct_current_l1"]
    assert unknown.translation_key == "ct_phase_current"
    assert unknown.translation_placeholders == {"ct": "future-ct", "phase": "L1"}
    assert by_id[f"{SERIAL}_ct_evse_current_l1"].translation_placeholders == {"phase": "L1"}
    for sensor in by_id.values():
        placeholders = dict(sensor.translation_placeholders)
        if "ct" in placeholders:
            assert placeholders["ct"] == "future-ct", sensor.unique_id
            assert sensor.translation_key.startswith("ct_")
        assert set(placeholders) <= {"ct", "phase"}


@pytest.mark.parametrize("kind", list(CtKind))
def test_every_known_ct_type_is_translated(kind: CtKind) -> None:
    """Each known CT type has its own key in every language, with at most {phase}."""
    rows = [(row, None) for row in (*CT_SENSORS, *CT_STATUS_SENSORS)]
    rows += [(row, phase) for row in CT_PHASE_SENSORS for phase in PHASES]
    for row, phase in rows:
        if kind not in row.kind_keys:
            continue  # the system flows show this value
        key = row.kind_keys[kind]
        placeholders = {"phase": phase} if phase else {}
        assert not key.startswith("ct_")
        for language in LANGUAGES:
            name = _name(language, key, **placeholders)
            assert "{" not in name, (language, key)
            if language != "en":
                assert name != _name("en", key, **placeholders), (language, key)
