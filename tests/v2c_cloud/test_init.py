"""Setting up an account: entities from the LAN, the cloud, and both."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.v2c_cloud.const import DOMAIN

from .conftest import V2CSim


async def test_setup_creates_devices_and_lan_values(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    assert init_integration.state is ConfigEntryState.LOADED
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), init_integration.entry_id)
    names = sorted(d.name or "" for d in devices)
    assert names == ["Trydan 1", "Trydan 2", "V2C Cloud account"]
    assert hass.states.get("sensor.trydan_1_charge_power").state == str(16 * 230.0)
    assert hass.states.get("sensor.trydan_1_charge_state").state == "charging"
    assert hass.states.get("sensor.trydan_1_data_source").state == "lan"
    assert hass.states.get("switch.trydan_1_charging_paused").state == "off"
    assert hass.states.get("number.trydan_1_charging_current").state == "16"
    assert hass.states.get("number.trydan_1_contracted_power").state == "4.6"
    assert hass.states.get("select.trydan_1_dynamic_power_mode").state == "pv_exclusive"
    assert hass.states.get("select.trydan_1_language").state == "english"
    assert hass.states.get("switch.trydan_1_rfid_reader").state == "on"
    assert hass.states.get("binary_sensor.trydan_1_cloud_connection").state == "on"
    assert hass.states.get("binary_sensor.trydan_1_charging").state == "on"
    # Firmware 2.4.6 has no LEDs in RealTimeData: /read/ fills them in.
    assert hass.states.get("switch.trydan_2_logo_led").state == "on"
    budget = hass.states.get("sensor.v2c_cloud_account_cloud_calls_left_today")
    assert budget is not None
    assert int(budget.state) < 1000


async def test_energy_accumulates_and_survives_a_glitch(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    first = float(hass.states.get("sensor.trydan_1_charge_energy").state)
    freezer.tick(timedelta(minutes=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    second = float(hass.states.get("sensor.trydan_1_charge_energy").state)
    assert second > first
    assert second == pytest.approx(16 * 230 * 0.5 / 1000, abs=0.1)
    # A reboot resets the session counter to zero: the sensor does not go back.
    v2c_sim.charger().energy = 0.0
    freezer.tick(timedelta(seconds=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert float(hass.states.get("sensor.trydan_1_charge_energy").state) == second


@pytest.mark.parametrize("cloud_only", [{2}])
async def test_4g_charger_uses_cloud_values(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    assert hass.states.get("sensor.trydan_2_data_source").state == "cloud"
    # kW in the cloud payload, W on the entity; W/100 for the contracted power.
    assert float(hass.states.get("sensor.trydan_2_charge_power").state) == 16 * 230
    assert hass.states.get("number.trydan_2_contracted_power").state == "4.6"
    assert hass.states.get("sensor.trydan_2_grid_voltage").state == "230.0"
    assert v2c_sim.cloud_calls("/device/reported") == 2


async def test_lan_outage_falls_back_to_cloud_without_flapping(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    entity = "sensor.trydan_1_charge_power"
    await v2c_sim.servers["V2C00001"].close()
    seen: set[str] = set()
    for _ in range(60):
        freezer.tick(timedelta(seconds=5))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        seen.add(hass.states.get(entity).state)
        seen.add(hass.states.get("sensor.trydan_1_data_source").state)
    assert STATE_UNAVAILABLE not in seen
    assert hass.states.get("sensor.trydan_1_data_source").state == "cloud"
    assert float(hass.states.get(entity).state) == 16 * 230


async def test_start_up_with_the_cloud_down_uses_stored_pairings(
    hass: HomeAssistant, v2c_sim: V2CSim, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    v2c_sim.cloud.faults.inject("status", status=503)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.trydan_1_data_source").state == "lan"
    assert float(hass.states.get("sensor.trydan_1_charge_power").state) == 16 * 230
    # Cloud-only settings have no value while the cloud is down.
    assert hass.states.get("select.trydan_1_language").state == STATE_UNAVAILABLE


async def test_first_start_with_the_cloud_down_retries(
    hass: HomeAssistant, v2c_sim: V2CSim, config_entry: MockConfigEntry
) -> None:
    v2c_sim.cloud.faults.inject("status", status=503)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_first_start_with_a_bad_key_asks_for_reauth(
    hass: HomeAssistant, v2c_sim: V2CSim, config_entry: MockConfigEntry
) -> None:
    v2c_sim.cloud.api_keys = {"another"}
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flows and flows[0]["context"]["source"] == "reauth"


async def test_new_ip_from_pairings_is_followed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    runtime = init_integration.runtime_data
    charger = v2c_sim.charger()
    real = charger.ip
    # The charger moved (a new DHCP lease): the old address answers nothing.
    runtime.chargers["V2C00001"].lan.set_address("127.0.0.1", 1)
    for _ in range(8):
        freezer.tick(timedelta(minutes=5))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert runtime.chargers["V2C00001"].lan.address == real
    assert hass.states.get("sensor.trydan_1_data_source").state == "lan"


async def test_new_charger_on_the_account_reloads(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    from simulators.v2c import make_chargers

    extra = make_chargers(3, cloud_only={3})[2]
    v2c_sim.cloud.chargers[extra.charger_id] = extra
    freezer.tick(timedelta(hours=7))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    freezer.tick(timedelta(seconds=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("sensor.trydan_3_data_source").state == "cloud"
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), init_integration.entry_id)
    assert any((DOMAIN, "V2C00003") in d.identifiers for d in devices)


async def test_unload_and_remove(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert not er.async_entries_for_config_entry(er.async_get(hass), init_integration.entry_id)


async def test_only_unpaired_chargers_can_be_removed(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    from custom_components.v2c_cloud import async_remove_config_entry_device

    registry = dr.async_get(hass)
    paired = registry.async_get_device_by_identifier(
        (DOMAIN, "V2C00001"), init_integration.entry_id
    )
    assert paired is not None
    assert not await async_remove_config_entry_device(hass, init_integration, paired)
    gone = registry.async_get_or_create(
        config_entry_id=init_integration.entry_id, identifiers={(DOMAIN, "OLD0001")}
    )
    assert await async_remove_config_entry_device(hass, init_integration, gone)


async def test_restart_does_not_refetch_the_pairing_list(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    assert v2c_sim.cloud_calls("/pairings/me") == 1
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert v2c_sim.cloud_calls("/pairings/me") == 1
    # One reported state per charger per start: the whole cost of a restart.
    assert v2c_sim.cloud_calls("/device/reported") == 4
