"""Actions: good and bad input, events, response data."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import probatio as vol
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.v2c_cloud.const import (
    DOMAIN,
    EVENT_DEVICE_STATISTICS,
    EVENT_GLOBAL_STATISTICS,
    EVENT_POWER_PROFILES,
    EVENT_WIFI_SCAN,
)

from .conftest import V2CSim


def _device_id(hass: HomeAssistant, entry: MockConfigEntry, charger_id: str = "V2C00001") -> str:
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id):
        if (DOMAIN, charger_id) in device.identifiers:
            return device.id
    raise AssertionError(charger_id)


async def _call(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = False
) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )


COMMAND_CASES: list[tuple[str, dict[str, Any], tuple[str, Any]]] = [
    ("set_wifi_credentials", {"ssid": "Net2", "password": "12345678"}, ("ssid", "Net2")),
    ("set_ocpp_enabled", {"enabled": True}, ("ocpp", 1)),
    ("set_ocpp_id", {"ocpp_id": "CP-9"}, ("ocpp_id", "CP-9")),
    (
        "set_ocpp_address",
        {"address": "wss://cs.example/ocpp"},
        ("ocpp_addr", "wss://cs.example/ocpp"),
    ),
    ("set_inverter_ip", {"inverter_ip": "192.168.1.77"}, ("inverter_ip", "192.168.1.77")),
    ("set_installation_voltage", {"voltage": 240}, ("voltage", 240)),
    ("trigger_update", {}, ("updates", 1)),
    ("register_rfid", {"tag": "Guest"}, ("learning_tag", "Guest")),
    ("set_charge_stop_energy", {"energy": 12.5}, ("stop_energy", 12.5)),
    ("set_charge_stop_minutes", {"minutes": 90}, ("stop_minutes", 90)),
    ("start_charge_for_energy", {"energy": 8}, ("stop_energy", 8.0)),
    ("start_charge_for_minutes", {"minutes": 30}, ("stop_minutes", 30)),
]


async def test_command_actions(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    device_id = _device_id(hass, init_integration)
    for service, data, (attribute, expected) in COMMAND_CASES:
        await _call(hass, service, {"device_id": device_id, **data})
        assert getattr(v2c_sim.charger(), attribute) == expected, service


async def test_timer_and_rfid_lifecycle(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    device_id = _device_id(hass, init_integration)
    charger = v2c_sim.charger()
    await _call(
        hass,
        "program_timer",
        {"device_id": device_id, "timer_id": 2, "start_time": "22:00", "end_time": "06:30"},
    )
    assert charger.timers[2] == {"start": "22:00", "end": "06:30", "active": True}
    await _call(hass, "add_rfid_card", {"device_id": device_id, "code": "04A1B2", "tag": "Ana"})
    await _call(hass, "update_rfid_tag", {"device_id": device_id, "code": "04A1B2", "tag": "Bo"})
    assert charger.rfid_cards == [{"code": "04A1B2", "tag": "Bo"}]
    await _call(hass, "delete_rfid", {"device_id": device_id, "code": "04A1B2"})
    assert charger.rfid_cards == []
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "delete_rfid", {"device_id": device_id, "code": "04A1B2"})
    assert err.value.translation_key == "command_rejected"


async def test_power_profiles_events_and_responses(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    device_id = _device_id(hass, init_integration)
    events = async_capture_events(hass, EVENT_POWER_PROFILES)
    created = await _call(
        hass,
        "create_power_profile",
        {"device_id": device_id, "name": "Sunny", "profile": {"slots": [{"h": 10}]}},
        response=True,
    )
    stamp = created["updated_at"]
    await _call(
        hass,
        "update_power_profile",
        {"device_id": device_id, "name": "Sunny", "updated_at": stamp, "profile": {"slots": []}},
    )
    one = await _call(
        hass, "get_power_profile", {"device_id": device_id, "updated_at": stamp}, response=True
    )
    assert one["profile"]["profile"] == {"slots": []}
    assert one["timestamp"] == stamp
    listed = await _call(hass, "list_power_profiles", {"device_id": device_id}, response=True)
    assert [p["name"] for p in listed["profiles"]] == ["Sunny"]
    await _call(
        hass, "delete_power_profile", {"device_id": device_id, "name": "Sunny", "updated_at": stamp}
    )
    assert v2c_sim.charger().profiles == {}
    # Without a response the action still fires its event.
    await _call(hass, "list_power_profiles", {"device_id": device_id})
    await hass.async_block_till_done()
    assert len(events) == 3
    assert events[0].data["device_id"] == device_id
    assert events[0].data["charger_id"] == "V2C00001"
    assert events[2].data["profiles"] == []


async def test_statistics_and_wifi_scan(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    device_id = _device_id(hass, init_integration)
    device_events = async_capture_events(hass, EVENT_DEVICE_STATISTICS)
    global_events = async_capture_events(hass, EVENT_GLOBAL_STATISTICS)
    wifi_events = async_capture_events(hass, EVENT_WIFI_SCAN)
    stats = await _call(
        hass,
        "get_device_statistics",
        {"device_id": device_id, "start_date": "2025-01-01", "end_date": "2025-01-31"},
        response=True,
    )
    assert stats["date_start"] == "2025-01-01"
    assert stats["statistics"][0]["date"] == "2025-01-31"
    totals = await _call(hass, "get_global_statistics", {"start_date": "2025-02-01"}, response=True)
    assert totals["statistics"][0]["from"] == "2025-02-01"
    assert totals["config_entry_id"] == init_integration.entry_id
    networks = await _call(hass, "scan_wifi_networks", {"device_id": device_id}, response=True)
    assert networks["networks"][0]["ssid"] == "HomeWifi"
    await hass.async_block_till_done()
    assert device_events[0].data["statistics"] == stats["statistics"]
    assert global_events[0].data["date_start"] == "2025-02-01"
    assert wifi_events[0].data["networks"] == networks["networks"]


BAD_INPUT: list[tuple[str, dict[str, Any]]] = [
    ("set_wifi_credentials", {"ssid": "Net", "password": "short"}),
    ("set_wifi_credentials", {"ssid": "x" * 33, "password": ""}),
    ("program_timer", {"timer_id": 11, "start_time": "08:00", "end_time": "09:00"}),
    ("program_timer", {"timer_id": 1, "start_time": "25:00", "end_time": "09:00"}),
    ("set_ocpp_address", {"address": "ftp://cs.example"}),
    ("set_inverter_ip", {"inverter_ip": "8.8.8.8"}),
    ("set_inverter_ip", {"inverter_ip": "inverter"}),
    ("set_installation_voltage", {"voltage": 500}),
    ("add_rfid_card", {"code": "a b", "tag": "x"}),
    ("add_rfid_card", {"code": "04A1B2", "tag": ""}),
    ("set_charge_stop_energy", {"energy": 0}),
    ("set_charge_stop_minutes", {"minutes": 2000}),
    # Whole numbers only: never truncated silently (issue 14).
    ("set_charge_stop_minutes", {"minutes": 90.5}),
    ("start_charge_for_minutes", {"minutes": "nan"}),
    ("set_installation_voltage", {"voltage": 230.7}),
    ("program_timer", {"timer_id": 3.9, "start_time": "08:00", "end_time": "09:00"}),
    ("create_power_profile", {"name": "P", "profile": {}}),
    ("get_device_statistics", {"start_date": "2025-02-01", "end_date": "2025-01-01"}),
    ("get_device_statistics", {"start_date": "yesterday"}),
]


async def test_bad_input_changes_nothing(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    device_id = _device_id(hass, init_integration)
    before = v2c_sim.cloud_calls()
    summary = v2c_sim.charger().summary()
    for service, data in BAD_INPUT:
        try:
            await _call(hass, service, {"device_id": device_id, **data})
        except vol.Invalid, ServiceValidationError:
            continue
        pytest.fail(f"{service} accepted {data}")
    assert v2c_sim.cloud_calls() == before
    assert v2c_sim.charger().summary() == summary


async def test_unknown_or_foreign_device(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "trigger_update", {"device_id": "nope"})
    assert err.value.translation_key == "device_not_found"
    account = next(
        d
        for d in dr.async_entries_for_config_entry(dr.async_get(hass), init_integration.entry_id)
        if (DOMAIN, init_integration.runtime_data.account_id) in d.identifiers
    )
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "trigger_update", {"device_id": account.id})
    assert err.value.translation_key == "not_a_charger"
    device_id = _device_id(hass, init_integration)
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "trigger_update", {"device_id": device_id})
    assert err.value.translation_key == "entry_not_loaded"
    with pytest.raises(ServiceValidationError):
        await _call(hass, "get_global_statistics", {})


async def test_cloud_failures_are_translated(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    device_id = _device_id(hass, init_integration)
    v2c_sim.cloud.faults.inject("status", route="/device/update", status=503, times=1)
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "trigger_update", {"device_id": device_id})
    assert err.value.translation_key == "communication_error"
    v2c_sim.cloud.faults.inject("status", route="/stadistic", status=500, times=1)
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "get_global_statistics", {}, response=True)
    assert err.value.translation_key == "communication_error"


async def test_lan_only_action_on_a_4g_charger(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    init_integration.runtime_data.chargers["V2C00002"].lan = None
    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass,
            "set_installation_voltage",
            {"device_id": _device_id(hass, init_integration, "V2C00002"), "voltage": 230},
        )
    assert err.value.translation_key == "communication_error"
