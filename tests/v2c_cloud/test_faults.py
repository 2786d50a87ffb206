"""Faults from the simulator framework, and recovery from each."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.v2c_cloud.const import DOMAIN

from .conftest import V2CSim

POWER = "sensor.trydan_1_charge_power"
SOURCE = "sensor.trydan_1_data_source"


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "malformed"},
        {"kind": "truncated"},
        {"kind": "wrong_types"},
        {"kind": "missing_keys"},
        {"kind": "reset"},
        {"kind": "status", "status": 500},
    ],
    ids=lambda f: f["kind"],
)
async def test_lan_faults_are_ridden_out_and_recovered(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    fault: dict[str, object],
) -> None:
    app = v2c_sim.app(0)
    app.faults.inject(route="/RealTimeData", times=4, **fault)
    states: set[str] = set()
    for _ in range(12):
        await _tick(hass, freezer, 10)
        states.add(hass.states.get(POWER).state)
    assert STATE_UNAVAILABLE not in states
    assert states == {str(16 * 230.0)}
    coordinator = init_integration.runtime_data.chargers["V2C00001"]
    assert coordinator.consecutive_failures == 0
    assert coordinator.update_interval == timedelta(seconds=5)
    assert hass.states.get(SOURCE).state == "lan"


async def test_lan_reboot_is_not_a_drop_to_zero(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    energy = "sensor.trydan_1_charge_energy"
    await _tick(hass, freezer, 1800)
    before = float(hass.states.get(energy).state)
    assert before > 1
    v2c_sim.app(0).reboot(20)
    seen = []
    for _ in range(10):
        await _tick(hass, freezer, 5)
        seen.append(hass.states.get(energy).state)
        assert hass.states.get(POWER).state != STATE_UNAVAILABLE
    # The session counter restarts at 0: never shown as 0 (a glitch to statistics) ...
    assert "0.0" not in seen
    assert float(seen[2]) == before
    # ... and once it has counted up for a few readings it is a new session (a meter reset).
    assert float(seen[-1]) < before


async def test_cloud_outage_and_recovery(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    cloud = init_integration.runtime_data.cloud
    normal = cloud.update_interval
    v2c_sim.cloud.faults.inject("status", status=502, times=6)  # 2 chargers x 3 polls
    for _ in range(3):
        assert cloud.update_interval is not None
        await _tick(hass, freezer, cloud.update_interval.total_seconds() + 1)
    assert cloud.consecutive_failures == 3
    # Cloud-only settings keep their last value through the outage.
    assert hass.states.get("select.trydan_1_language").state == "english"
    assert cloud.update_interval is not None
    await _tick(hass, freezer, cloud.update_interval.total_seconds() + 1)
    assert cloud.consecutive_failures == 0
    assert cloud.update_interval is not None and normal is not None
    assert abs(cloud.update_interval - normal) < timedelta(seconds=15)


async def test_one_charger_failing_in_the_cloud_keeps_the_others(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    cloud = init_integration.runtime_data.cloud
    v2c_sim.charger(1).language = 5
    v2c_sim.cloud.faults.inject("status", route="/device/reported", status=500, times=1)
    await cloud.async_refresh()
    await hass.async_block_till_done()
    assert cloud.last_update_success
    assert "V2C00001" in cloud.data.errors
    assert hass.states.get("select.trydan_2_language").state == "german"
    assert hass.states.get("select.trydan_1_language").state == "english"


async def test_key_revoked_while_running(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    v2c_sim.cloud.api_keys = set()
    cloud = init_integration.runtime_data.cloud
    await cloud.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flows and flows[0]["context"]["source"] == "reauth"
    # The chargers keep working over the LAN.
    v2c_sim.charger().intensity = 12
    await _tick(hass, freezer, 5)
    assert hass.states.get("number.trydan_1_charging_current").state == "12"


async def test_failed_read_back_is_retried(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    v2c_sim.app(0).faults.inject("status", route="/RealTimeData", status=500, times=1)
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.trydan_1_timer"}, blocking=True
    )
    assert v2c_sim.charger().timer == 1
    await _tick(hass, freezer, 6)
    assert hass.states.get("switch.trydan_1_timer").state == "on"


@pytest.mark.parametrize("cloud_only", [{2}])
async def test_4g_charger_that_gets_a_lan_address_is_rebuilt(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    cloud_only: set[int],
) -> None:
    assert init_integration.runtime_data.chargers["V2C00002"].lan is None
    charger = v2c_sim.charger(1)
    charger.has_lan = True
    charger.ip = "127.0.0.1:1"
    await init_integration.runtime_data.cloud.async_refresh_pairings()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert init_integration.runtime_data.chargers["V2C00002"].lan is not None
    # Nothing answers there yet: its values still come from the cloud.
    assert hass.states.get("sensor.trydan_2_data_source").state == "cloud"


async def test_failed_poll_does_not_undo_an_accepted_command(
    hass: HomeAssistant, v2c_sim: V2CSim, init_integration: MockConfigEntry
) -> None:
    from homeassistant.helpers import device_registry as dr

    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "V2C00001"), init_integration.entry_id
    )
    assert device is not None
    await hass.services.async_call(
        DOMAIN, "set_ocpp_enabled", {"device_id": device.id, "enabled": True}, blocking=True
    )
    assert hass.states.get("switch.trydan_1_ocpp").state == "on"
    v2c_sim.cloud.faults.inject("status", status=500, times=2)
    await init_integration.runtime_data.cloud.async_refresh()
    await hass.async_block_till_done()
    assert not init_integration.runtime_data.cloud.last_update_success or (
        init_integration.runtime_data.cloud.consecutive_failures == 1
    )
    assert hass.states.get("switch.trydan_1_ocpp").state == "on"
