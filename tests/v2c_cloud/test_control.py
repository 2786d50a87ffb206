"""Switches, selects, numbers and buttons: LAN writes read back, cloud writes held."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.event import async_track_state_change_event
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from .conftest import V2CSim


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _switch(hass: HomeAssistant, entity_id: str, on: bool) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_ON if on else SERVICE_TURN_OFF,
        {ATTR_ENTITY_ID: entity_id},
        blocking=True,
    )


async def _number(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: value},
        blocking=True,
    )


async def _select(hass: HomeAssistant, entity_id: str, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity_id, ATTR_OPTION: option},
        blocking=True,
    )


async def test_lan_writes_show_the_value_read_back(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    charger = v2c_sim.charger()
    cloud_before = v2c_sim.cloud_calls()
    await _switch(hass, "switch.trydan_1_charging_paused", True)
    # No poll in between: the state is what the charger answered right after the write.
    assert hass.states.get("switch.trydan_1_charging_paused").state == "on"
    assert hass.states.get("sensor.trydan_1_charge_state").state == "connected"
    assert hass.states.get("sensor.trydan_1_charge_power").state == "0.0"
    assert charger.paused == 1
    await _number(hass, "number.trydan_1_charging_current", 20)
    assert hass.states.get("number.trydan_1_charging_current").state == "20"
    await _number(hass, "number.trydan_1_contracted_power", 7.4)
    assert charger.contracted_power == 7400
    assert hass.states.get("number.trydan_1_contracted_power").state == "7.4"
    await _switch(hass, "switch.trydan_1_logo_led", False)
    assert (charger.logo_led, hass.states.get("switch.trydan_1_logo_led").state) == (0, "off")
    await _switch(hass, "switch.trydan_1_logo_led", True)
    assert charger.logo_led == 100
    await _select(hass, "select.trydan_1_dynamic_power_mode", "grid_and_pv")
    assert charger.dynamic_power_mode == 4
    assert hass.states.get("select.trydan_1_dynamic_power_mode").state == "grid_and_pv"
    await _select(hass, "select.trydan_1_charge_mode", "three_phase")
    assert charger.charge_mode == 1
    for entity, keyword in [
        ("switch.trydan_1_charger_lock", "locked"),
        ("switch.trydan_1_dynamic_mode", "dynamic"),
        ("switch.trydan_1_pause_dynamic_control", "pause_dynamic"),
        ("switch.trydan_1_timer", "timer"),
    ]:
        await _switch(hass, entity, True)
        assert getattr(charger, keyword) == 1
        assert hass.states.get(entity).state == "on"
    assert v2c_sim.cloud_calls() == cloud_before


async def test_a_mode_we_cannot_name_shows_as_unknown_and_can_be_changed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    charger = v2c_sim.charger()
    charger.dynamic_power_mode = 9  # a code no source names
    await _tick(hass, freezer, 6)
    entity_id = "select.trydan_1_dynamic_power_mode"
    assert hass.states.get(entity_id).state == "unknown"
    await _select(hass, entity_id, "stop")
    assert charger.dynamic_power_mode == 5
    assert hass.states.get(entity_id).state == "stop"


async def test_lan_away_writes_go_to_the_cloud_and_hold(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    charger = v2c_sim.charger()
    await v2c_sim.servers["V2C00001"].close()
    await _number(hass, "number.trydan_1_charging_current", 25)
    assert charger.intensity == 25
    assert v2c_sim.cloud_calls("/device/intensity") == 1
    assert hass.states.get("number.trydan_1_charging_current").state == "25"
    await _switch(hass, "switch.trydan_1_charging_paused", True)
    assert v2c_sim.cloud_calls("/device/pausecharge") == 1
    assert hass.states.get("switch.trydan_1_charging_paused").state == "on"
    # LAN-only keywords have no cloud route: a clear error, nothing changed.
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, "switch.trydan_1_timer", True)
    assert err.value.translation_key == "communication_error"
    assert charger.timer == 0
    assert hass.states.get("switch.trydan_1_timer").state == "off"
    budget = init_integration.runtime_data.budget
    assert budget.used_by_kind["command"] >= 2
    # The failed write scheduled a refresh: it keeps trying the charger.
    lan_failures = init_integration.runtime_data.chargers["V2C00001"].consecutive_failures
    await _tick(hass, freezer, 6)
    assert init_integration.runtime_data.chargers["V2C00001"].consecutive_failures > lan_failures


async def test_cloud_only_select_is_held_then_follows_the_cloud(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    charger = v2c_sim.charger()
    cloud = init_integration.runtime_data.cloud
    await _select(hass, "select.trydan_1_language", "italian")
    assert charger.language == 4
    assert hass.states.get("select.trydan_1_language").state == "italian"
    # The charger did not take it (it reports English again) on a poll within 20 s: held.
    charger.language = 0
    await _tick(hass, freezer, 5)
    await cloud.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("select.trydan_1_language").state == "italian"
    # The hold lasts at least until the cloud's next poll; then the cloud's value wins.
    for _ in range(30):
        await _tick(hass, freezer, 10)
    assert hass.states.get("select.trydan_1_language").state == "english"


async def test_cloud_hold_ends_when_the_cloud_confirms(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    await _select(hass, "select.trydan_1_installation_type", "three_phase")
    await _tick(hass, freezer, 5)
    await init_integration.runtime_data.cloud.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("select.trydan_1_installation_type").state == "three_phase"
    entity = next(
        e
        for e in hass.data["entity_components"]["select"].entities
        if e.entity_id == "select.trydan_1_installation_type"
    )
    assert not entity._hold.active


async def test_cloud_only_controls(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    charger = v2c_sim.charger()
    await _switch(hass, "switch.trydan_1_rfid_reader", False)
    await _switch(hass, "switch.trydan_1_ocpp", True)
    await _select(hass, "select.trydan_1_installation_type", "photovoltaic")
    await _select(hass, "select.trydan_1_meter_device", "mqtt")
    assert (charger.rfid_reader, charger.ocpp, charger.inst_type, charger.slave_type) == (
        0,
        1,
        2,
        11,
    )
    assert hass.states.get("switch.trydan_1_rfid_reader").state == "off"
    assert hass.states.get("switch.trydan_1_ocpp").state == "on"
    assert hass.states.get("select.trydan_1_meter_device").state == "mqtt"


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        ({"kind": "status", "status": 500}, "communication_error"),
        ({"kind": "status", "status": 400}, "command_rejected"),
        ({"kind": "rate_limit", "seconds": 60}, "rate_limited"),
        ({"kind": "status", "status": 401}, "authentication_failed"),
    ],
)
async def test_cloud_command_failure_rolls_back(
    hass: HomeAssistant,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    fault: dict[str, object],
    key: str,
) -> None:
    v2c_sim.cloud.faults.inject(route="/device/language", **fault)
    with pytest.raises(HomeAssistantError) as err:
        await _select(hass, "select.trydan_1_language", "german")
    assert err.value.translation_key == key
    assert hass.states.get("select.trydan_1_language").state == "english"


async def test_commands_may_use_the_reserve_but_not_more(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    budget = init_integration.runtime_data.budget
    budget.used = budget.quota - budget.reserve
    assert budget.poll_remaining == 0
    await _switch(hass, "switch.trydan_1_ocpp", True)
    budget.used = budget.quota
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, "switch.trydan_1_ocpp", False)
    assert err.value.translation_key == "budget_exhausted"
    assert v2c_sim.charger().ocpp == 1


async def test_buttons(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: "button.trydan_1_restart"}, blocking=True
    )
    assert (v2c_sim.charger().reboots, v2c_sim.charger().updates) == (1, 0)


async def test_out_of_range_number_is_refused(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError):
        await _number(hass, "number.trydan_1_charging_current", 40)
    assert v2c_sim.charger().intensity == 16


async def test_a_lan_write_is_read_back_once_a_cloud_fallback_is_not(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    charger = v2c_sim.charger()
    reads = v2c_sim.lan_calls(0, "/RealTimeData")
    await _number(hass, "number.trydan_1_charging_current", 10)
    assert v2c_sim.lan_calls(0, "/RealTimeData") == reads + 1
    assert hass.states.get("number.trydan_1_charging_current").state == str(charger.intensity)
    # The LAN drops the write: the cloud takes it, and the LAN is not asked again at once.
    v2c_sim.app().faults.inject("reset", route="/write/")
    await _number(hass, "number.trydan_1_charging_current", 14)
    assert charger.intensity == 14
    assert v2c_sim.cloud_calls("/device/intensity") == 1
    assert v2c_sim.lan_calls(0, "/RealTimeData") == reads + 1
    assert hass.states.get("number.trydan_1_charging_current").state == "14"


async def test_a_cloud_control_shows_the_request_before_the_cloud_answers(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    charger = v2c_sim.charger()
    seen: list[tuple[str, int]] = []

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        if (state := event.data["new_state"]) is not None:
            seen.append((state.state, charger.language))

    async_track_state_change_event(hass, "select.trydan_1_language", _changed)
    await _select(hass, "select.trydan_1_language", "german")
    # Shown while the charger still had English (0), then held once it took German (5).
    assert seen[0] == ("german", 0)
    assert charger.language == 5
    assert hass.states.get("select.trydan_1_language").state == "german"
