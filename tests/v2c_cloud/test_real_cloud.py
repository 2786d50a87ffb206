"""What the real cloud and chargers do (issue 12): each test fails on the guessed shapes.

Expected values are written here from the API notes' corrections, or read from the
simulator's own state; never computed with our parser or tables.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.components.update import DOMAIN as UPDATE_DOMAIN, SERVICE_INSTALL
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.v2c_cloud.api import InvalidCommandError, V2CCloudClient
from custom_components.v2c_cloud.api.models import parse_pairings, parse_reported, parse_version
from custom_components.v2c_cloud.const import DOMAIN

from .conftest import API_KEY, V2CSim

# /device/language codes as the real cloud takes them.
LANGUAGE_BY_CODE = {
    0: "english",
    1: "spanish",
    2: "portuguese",
    3: "french",
    4: "italian",
    5: "german",
    6: "romanian",
    7: "dutch",
    8: "danish",
    9: "catalan",
}
LAN_ONLY_KEYS = (
    "ready_state",
    "wifi_signal",
    "timer",
    "pause_dynamic",
    "dynamic_power_mode",
    "charge_mode",
)


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _service(hass: HomeAssistant, domain: str, service: str, data: dict[str, Any]) -> None:
    await hass.services.async_call(domain, service, data, blocking=True)


def _device_id(hass: HomeAssistant, entry: MockConfigEntry, charger_id: str = "V2C00001") -> str:
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, charger_id), entry.entry_id)
    assert device is not None
    return device.id


# -- 1. program_timer ---------------------------------------------------------------------------


async def test_program_timer_sends_the_real_keys(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    charger = v2c_sim.charger()
    await _service(
        hass,
        DOMAIN,
        "program_timer",
        {
            "device_id": _device_id(hass, init_integration),
            "timer_id": 4,
            "start_time": "23:15",
            "end_time": "05:45",
            "active": False,
        },
    )
    sent = charger.timer_requests[-1]
    assert sent["query"] == {"deviceId": "V2C00001", "timerId": "4", "timer id": "4"}
    assert sent["body"] == {
        "start_time": "23:15",
        "end_time": "05:45",
        "timeStart": "23:15",
        "timeEnd": "05:45",
        "active": False,
    }


@pytest.mark.parametrize("timer_id", [3.9, 1.5, "2.5"])
async def test_fractional_timer_id_is_refused_not_truncated(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry, timer_id: Any
) -> None:
    before = v2c_sim.cloud_calls("/device/timer")
    with pytest.raises(ServiceValidationError) as err:
        await _service(
            hass,
            DOMAIN,
            "program_timer",
            {
                "device_id": _device_id(hass, init_integration),
                "timer_id": timer_id,
                "start_time": "08:00",
                "end_time": "09:00",
            },
        )
    assert err.value.translation_key == "invalid_timer_id"
    assert v2c_sim.cloud_calls("/device/timer") == before
    assert v2c_sim.charger().timers == {}


async def test_api_refuses_a_fractional_timer_id(v2c_sim: V2CSim) -> None:
    async with aiohttp.ClientSession() as session:
        client = V2CCloudClient(session, API_KEY, base_url=v2c_sim.cloud_url)
        for bad in (3.9, float("nan"), 0, 11, True):
            with pytest.raises(InvalidCommandError):
                await client.program_timer("V2C00001", bad, "08:00", "09:00", True)  # type: ignore[arg-type]
        with pytest.raises(InvalidCommandError):
            await client.program_timer("V2C00001", 1, "8:00", "09:00", True)
    assert v2c_sim.cloud_calls("/device/timer") == 0


# -- 2. the language select ---------------------------------------------------------------------


@pytest.mark.parametrize(("code", "name"), LANGUAGE_BY_CODE.items())
async def test_language_select_reads_and_writes_the_real_codes(
    hass: HomeAssistant,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    code: int,
    name: str,
) -> None:
    charger = v2c_sim.charger()
    charger.language = code
    await init_integration.runtime_data.cloud.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("select.trydan_1_language").state == name
    # Write another language, then this one: the charger gets this code.
    other = LANGUAGE_BY_CODE[(code + 1) % 10]
    for option in (other, name):
        await _service(
            hass,
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            {ATTR_ENTITY_ID: "select.trydan_1_language", ATTR_OPTION: option},
        )
    assert charger.language == code


# -- 3. 4G-only chargers and LAN-only values ----------------------------------------------------


@pytest.mark.parametrize("cloud_only", [{2}])
async def test_4g_charger_mains_voltage_comes_from_currentstatecharge(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    cloud_only: set[int],
) -> None:
    charger = v2c_sim.charger(1)
    assert float(hass.states.get("sensor.trydan_2_grid_voltage").state) == charger.voltage
    # Only the 4G charger needs it: the LAN charger's firmware sends its own voltage.
    assert v2c_sim.cloud_calls("/device/currentstatecharge") == 1
    # Asked again only every 6th update; the last answer fills in meanwhile.
    cloud = init_integration.runtime_data.cloud
    charger.voltage = 241
    for _ in range(5):
        await cloud.async_refresh()
        await hass.async_block_till_done()
    assert v2c_sim.cloud_calls("/device/currentstatecharge") == 1
    assert float(hass.states.get("sensor.trydan_2_grid_voltage").state) == 230
    await cloud.async_refresh()
    await hass.async_block_till_done()
    assert v2c_sim.cloud_calls("/device/currentstatecharge") == 2
    assert float(hass.states.get("sensor.trydan_2_grid_voltage").state) == 241
    assert v2c_sim.cloud_calls("/device/reported") == 2 * 7


@pytest.mark.parametrize("cloud_only", [{2}])
async def test_a_charger_without_lan_has_no_lan_only_entities(
    hass: HomeAssistant,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    cloud_only: set[int],
) -> None:
    registry = er.async_get(hass)
    for key in LAN_ONLY_KEYS:
        assert not [
            e
            for e in er.async_entries_for_config_entry(registry, init_integration.entry_id)
            if e.unique_id == f"V2C00002_{key}"
        ], key
        assert [
            e
            for e in er.async_entries_for_config_entry(registry, init_integration.entry_id)
            if e.unique_id == f"V2C00001_{key}"
        ], key


async def test_lan_only_entities_are_unavailable_while_the_lan_is_away(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    lan_only = [
        "switch.trydan_1_timer",
        "switch.trydan_1_pause_dynamic_control",
        "select.trydan_1_dynamic_power_mode",
        "select.trydan_1_charge_mode",
    ]
    for entity_id in lan_only:
        assert hass.states.get(entity_id).state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
    await v2c_sim.servers["V2C00001"].close()
    for _ in range(20):
        await _tick(hass, freezer, 5)
    assert hass.states.get("sensor.trydan_1_data_source").state == "cloud"
    for entity_id in lan_only:
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE, entity_id
    # What the cloud does report stays.
    assert float(hass.states.get("sensor.trydan_1_charge_power").state) == 16 * 230


# -- 4. logo LED, device id, aliases, empty account, refused LAN writes -------------------------


def test_cloud_logo_led_is_on_off_not_a_fraction() -> None:
    on = parse_reported({"logo_led": "1"}).realtime
    off = parse_reported({"logo_led": "0"}).realtime
    assert (on.logo_led_on, off.logo_led_on) == (True, False)
    # Never a brightness: "1" is not 100 %.
    assert on.logo_led is None


@pytest.mark.parametrize("key", ["device_id", "deviceId"])
def test_charger_id_key(key: str) -> None:
    assert parse_reported({key: "V2C42"}).realtime.charger_id == "V2C42"
    assert [p.charger_id for p in parse_pairings([{key: "V2C42"}])] == ["V2C42"]


@pytest.mark.parametrize(
    ("key", "raw", "read"),
    [
        ("error", "4", lambda s: s.realtime.slave_error),
        ("slaveerror", "4", lambda s: s.realtime.slave_error),
        ("slave_error", "4", lambda s: s.realtime.slave_error),
        ("pause", "1", lambda s: s.realtime.paused),
        ("paused", "1", lambda s: s.realtime.paused),
        ("set_rfid", "1", lambda s: s.rfid_reader),
        ("rfid_enabled", "1", lambda s: s.rfid_reader),
        ("rfid", "1", lambda s: s.rfid_reader),
        ("ocpp", "1", lambda s: s.ocpp_enabled),
        ("ocpp_enabled", "1", lambda s: s.ocpp_enabled),
        ("ocppactive", "1", lambda s: s.ocpp_enabled),
        ("connected", "1", lambda s: s.connected),
        ("isconnected", "1", lambda s: s.connected),
        ("online", "1", lambda s: s.connected),
    ],
)
def test_cloud_aliases(key: str, raw: str, read: Any) -> None:
    value = read(parse_reported({key: raw}))
    assert value in (4, True)


def test_cloud_never_fills_lan_only_values() -> None:
    # Even if such keys showed up, they are not read: only the LAN has these values.
    realtime = parse_reported(
        {
            "ready_state": "1",
            "timer": "1",
            "pause_dynamic": "1",
            "charge_mode": "1",
            "dynamic_power_mode": "3",
            "wifi_info": '{"ssid": "Net", "ip": "192.168.1.9", "signal": "3"}',
        }
    ).realtime
    assert realtime.ready_state is None
    assert realtime.timer is None
    assert realtime.pause_dynamic is None
    assert realtime.charge_mode is None
    assert realtime.dynamic_power_mode is None
    assert realtime.signal_status is None
    assert realtime.ssid == "Net"


@pytest.mark.parametrize(
    ("payload", "release"),
    [
        ({"versionId": "2.4.6"}, "2.4.6"),
        ({"version": "2.1.17"}, "2.1.17"),
        ({"versionId": "1234"}, None),
        ({"versionId": "v2-beta"}, None),
        ("2.3.20", "2.3.20"),
    ],
)
def test_only_a_release_number_is_an_offered_firmware(payload: Any, release: str | None) -> None:
    assert parse_version(payload).firmware_release == release


@pytest.mark.parametrize("payload", [None, ""])
def test_empty_pairings_are_an_empty_account(payload: Any) -> None:
    assert parse_pairings(payload) == []


async def test_null_pairings_from_the_cloud(v2c_sim: V2CSim) -> None:
    v2c_sim.cloud.chargers = {}
    async with aiohttp.ClientSession() as session:
        client = V2CCloudClient(session, API_KEY, base_url=v2c_sim.cloud_url)
        assert await client.pairings() == []


async def test_a_lan_write_not_answered_ok_is_refused(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    charger = v2c_sim.charger()
    charger.refuse_writes = True
    cloud_before = v2c_sim.cloud_calls()
    with pytest.raises(HomeAssistantError) as err:
        await _service(
            hass, SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.trydan_1_timer"}
        )
    assert err.value.translation_key == "write_refused"
    assert charger.timer == 0
    assert hass.states.get("switch.trydan_1_timer").state == "off"
    with pytest.raises(HomeAssistantError):
        await _service(
            hass,
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: "number.trydan_1_charging_current", ATTR_VALUE: 20},
        )
    assert hass.states.get("number.trydan_1_charging_current").state == "16"
    # A refusal is an answer: it is not sent again through the cloud.
    assert v2c_sim.cloud_calls() == cloud_before


# -- 5. the missing cloud controls --------------------------------------------------------------


@pytest.mark.parametrize("cloud_only", [{2}])
async def test_pv_charge_mode_through_the_cloud(
    hass: HomeAssistant,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    cloud_only: set[int],
) -> None:
    entity_id = "select.trydan_2_photovoltaic_charge_mode"
    state = hass.states.get(entity_id)
    # The cloud never reports it: unknown until set, and said to be assumed.
    assert state.state == STATE_UNKNOWN
    assert state.attributes["assumed_state"] is True
    for option, code in (("pv_only", 1), ("maximum_power", 2), ("pv_with_minimum_power", 0)):
        await _service(
            hass,
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            {ATTR_ENTITY_ID: entity_id, ATTR_OPTION: option},
        )
        assert v2c_sim.charger(1).fv_mode == code
        assert hass.states.get(entity_id).state == option
    # Kept over cloud polls and restored after a reload.
    await init_integration.runtime_data.cloud.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == "pv_with_minimum_power"
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == "pv_with_minimum_power"


async def test_logo_led_through_the_cloud_while_the_lan_is_away(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    charger = v2c_sim.charger()
    await v2c_sim.servers["V2C00001"].close()
    await _service(
        hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: "switch.trydan_1_logo_led"}
    )
    assert v2c_sim.cloud_calls("/device/logo_led") == 1
    assert charger.logo_led == 0
    assert hass.states.get("switch.trydan_1_logo_led").state == "off"
    # Once the LAN is stale the cloud's on/off is what the switch shows.
    for _ in range(40):
        await _tick(hass, freezer, 10)
    assert hass.states.get("sensor.trydan_1_data_source").state == "cloud"
    assert hass.states.get("switch.trydan_1_logo_led").state == "off"
    charger.logo_led = 60
    await init_integration.runtime_data.cloud.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("switch.trydan_1_logo_led").state == "on"


async def test_inverter_max_power_through_the_cloud(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id("number", DOMAIN, "V2C00001_inverter_max_power")
    assert entity_id is not None
    registry.async_update_entity(entity_id, disabled_by=None)
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    await _service(
        hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: 3600}
    )
    assert v2c_sim.charger().max_power == 3600
    assert float(hass.states.get(entity_id).state) == 3600
    with pytest.raises(ServiceValidationError):
        await _service(
            hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: 500}
        )
    assert v2c_sim.charger().max_power == 3600


async def test_typed_cloud_writes_refuse_bad_values(v2c_sim: V2CSim) -> None:
    async with aiohttp.ClientSession() as session:
        client = V2CCloudClient(session, API_KEY, base_url=v2c_sim.cloud_url)
        for call in (
            lambda: client.set_pv_charge_mode("V2C00001", 3),
            lambda: client.set_language("V2C00001", 10),
            lambda: client.set_inverter_max_power("V2C00001", 999),
            lambda: client.set_inverter_max_power("V2C00001", 3600.5),
            lambda: client.set_inverter_max_power("V2C00001", float("inf")),
        ):
            with pytest.raises(InvalidCommandError):
                await call()
        await client.set_logo_led("V2C00001", False)
    assert v2c_sim.cloud_calls() == 1
    assert v2c_sim.charger().logo_led == 0


# -- 7. firmware as an update entity ------------------------------------------------------------


async def test_firmware_is_an_update_entity(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    state = hass.states.get("update.trydan_1_firmware")
    assert state is not None
    assert state.attributes["installed_version"] == v2c_sim.charger().firmware.version
    # No sensor and no button any more: the version appears once, on the device.
    assert hass.states.get("sensor.trydan_1_firmware_version") is None
    assert hass.states.get("button.trydan_1_install_firmware_update") is None
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "V2C00001"), init_integration.entry_id
    )
    assert device is not None
    assert device.sw_version == v2c_sim.charger().firmware.version
    # Nothing newer offered: up to date, and nothing to install by accident.
    assert state.state == "off"
    assert state.attributes["latest_version"] == v2c_sim.charger().firmware.version
    with pytest.raises(HomeAssistantError):
        await _service(
            hass, UPDATE_DOMAIN, SERVICE_INSTALL, {ATTR_ENTITY_ID: "update.trydan_1_firmware"}
        )
    assert v2c_sim.charger().updates == 0


async def test_offered_firmware_is_installed_through_the_cloud(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    charger = v2c_sim.charger()
    charger.offered_firmware = "2.4.6"
    calls = v2c_sim.cloud_calls("/version")
    # Asked once a day per charger, not at every poll.
    await init_integration.runtime_data.cloud.async_refresh()
    await hass.async_block_till_done()
    assert v2c_sim.cloud_calls("/version") == calls
    freezer.tick(timedelta(hours=24, seconds=1))
    await init_integration.runtime_data.cloud.async_refresh()
    await hass.async_block_till_done()
    assert v2c_sim.cloud_calls("/version") == calls + 2
    state = hass.states.get("update.trydan_1_firmware")
    assert (state.state, state.attributes["latest_version"]) == ("on", "2.4.6")
    await _service(
        hass, UPDATE_DOMAIN, SERVICE_INSTALL, {ATTR_ENTITY_ID: "update.trydan_1_firmware"}
    )
    assert charger.updates == 1


async def test_old_firmware_entities_are_removed(
    hass: HomeAssistant, v2c_sim: V2CSim, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    registry = er.async_get(hass)
    for domain, unique_id in (
        ("sensor", "V2C00001_firmware_version"),
        ("button", "V2C00001_trigger_update"),
    ):
        registry.async_get_or_create(domain, DOMAIN, unique_id, config_entry=config_entry)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert registry.async_get_entity_id("sensor", DOMAIN, "V2C00001_firmware_version") is None
    assert registry.async_get_entity_id("button", DOMAIN, "V2C00001_trigger_update") is None
