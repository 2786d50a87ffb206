"""Faults from the simulator framework, and recovery from each."""

from __future__ import annotations

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.energy_bridges_common.client.errors import UnreachableError
from custom_components.v2c_cloud.api import CloudState
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


# -- a charger that refuses its LAN API (401/403) -------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
async def test_lan_refusing_access_is_a_lan_fault_not_a_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    status: int,
) -> None:
    """The LAN API has no credentials: the cloud stands in, polls go on, no reauth."""
    coordinator = init_integration.runtime_data.chargers["V2C00001"]
    issue_id = f"charger_refuses_local_access_{init_integration.entry_id}_V2C00001"
    issues = ir.async_get(hass)
    # Every request to it: telemetry, /read/ and /write/.
    v2c_sim.app(0).faults.inject("status", status=status)
    polls = v2c_sim.lan_calls(0, "/RealTimeData")
    seen: set[str] = set()
    for _ in range(24):
        await _tick(hass, freezer, 5)
        seen.add(hass.states.get(POWER).state)
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert STATE_UNAVAILABLE not in seen
    assert hass.states.get(SOURCE).state == "cloud"
    assert float(hass.states.get(POWER).state) == v2c_sim.charger().charge_power
    # The polls go on (backing off) so the LAN is used again as soon as it answers.
    assert v2c_sim.lan_calls(0, "/RealTimeData") >= polls + 3
    assert issues.async_get_issue(DOMAIN, issue_id) is None

    # A setting the cloud can take goes there while the LAN refuses it.
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.trydan_1_charging_current", "value": 10},
        blocking=True,
    )
    assert v2c_sim.cloud_calls("/device/intensity") == 1
    assert v2c_sim.charger().intensity == 10
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)

    # After an hour of refusals the user is told (a repair), once; the entities stay.
    for _ in range(13):
        await _tick(hass, freezer, 300)
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "charger_refuses_local_access"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["status"] == str(status)
    assert issue.translation_placeholders["address"] == v2c_sim.address(0)
    assert hass.states.get(POWER).state != STATE_UNAVAILABLE
    refusals = [r for r in caplog.records if "refuses access to its LAN API" in r.getMessage()]
    assert len(refusals) == 1
    assert refusals[0].levelno == logging.WARNING

    v2c_sim.app(0).faults.clear()
    assert coordinator.update_interval is not None
    await _tick(hass, freezer, coordinator.update_interval.total_seconds() + 1)
    assert hass.states.get(SOURCE).state == "lan"
    assert issues.async_get_issue(DOMAIN, issue_id) is None


async def test_refusal_repair_is_removed_with_the_entry(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    issue_id = f"charger_refuses_local_access_{init_integration.entry_id}_V2C00001"
    v2c_sim.app(0).faults.inject("status", route="/RealTimeData", status=403)
    for _ in range(14):
        await _tick(hass, freezer, 300)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


# -- the session energy when the other source takes over ------------------------------------

ENERGY = "sensor.trydan_1_charge_energy"


async def _charge_ten_minutes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> None:
    """Charge for ten minutes, then have the cloud read the session too."""
    await _tick(hass, freezer, 600)
    await entry.runtime_data.cloud.async_refresh()


async def test_session_energy_never_goes_back_when_the_cloud_takes_over(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    """The LAN rounds to 0.01 kWh, the cloud does not: its lower value must not show."""
    charger = v2c_sim.charger()
    charger.paused = 1  # the session stands still: both sources keep their values
    charger.energy = 12.0296
    lan_value = float(charger.realtime()["ChargeEnergy"])
    cloud_value = float(charger.reported()["energy"])
    assert cloud_value < lan_value
    cloud = init_integration.runtime_data.cloud
    await cloud.async_refresh()
    await _tick(hass, freezer, 5)
    assert float(hass.states.get(ENERGY).state) == lan_value

    await v2c_sim.servers["V2C00001"].close()
    seen: list[float] = []
    for _ in range(60):
        await _tick(hass, freezer, 10)
        seen.append(float(hass.states.get(ENERGY).state))
    assert hass.states.get(SOURCE).state == "cloud"
    assert v2c_sim.cloud_calls("/device/reported") > 4
    assert min(seen) == lan_value

    # Charging again, the cloud's value passes the one shown and takes over.
    charger.paused = 0
    for _ in range(30):
        await _tick(hass, freezer, 10)
    assert float(hass.states.get(ENERGY).state) > lan_value


async def test_a_new_session_while_the_lan_is_away_still_shows(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    """The cloud's own counter going back is a new session, not a lagging value: it shows."""
    await _charge_ten_minutes(hass, freezer, init_integration)
    for _ in range(4):
        await _tick(hass, freezer, 5)
    before = float(hass.states.get(ENERGY).state)
    assert before > 0.5
    await v2c_sim.servers["V2C00001"].close()
    for _ in range(8):
        await _tick(hass, freezer, 5)
    assert hass.states.get(SOURCE).state == "cloud"
    # A new car: the session starts again from zero while only the cloud sees it.
    v2c_sim.charger().reset_session()
    for _ in range(40):
        await _tick(hass, freezer, 15)
    after = float(hass.states.get(ENERGY).state)
    assert after < before
    assert after == pytest.approx(float(v2c_sim.charger().reported()["energy"]), abs=0.1)


async def test_the_clouds_old_session_never_shows_after_the_lan_saw_a_new_one(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    """Right after a new session the cloud's last value is the old one: it must not show."""
    await _charge_ten_minutes(hass, freezer, init_integration)
    old_session = float(v2c_sim.charger().reported()["energy"])
    # A new session the LAN sees at once; the cloud still has the old one.
    v2c_sim.charger().reset_session()
    for _ in range(5):
        await _tick(hass, freezer, 5)
    new_session = float(hass.states.get(ENERGY).state)
    assert new_session < old_session
    await v2c_sim.servers["V2C00001"].close()
    seen: list[float] = []
    for _ in range(12):
        await _tick(hass, freezer, 5)
        seen.append(float(hass.states.get(ENERGY).state))
    assert hass.states.get(SOURCE).state == "cloud"
    assert max(seen) < old_session
    assert min(seen) >= new_session


# -- cloud replies that are answered but say nothing ----------------------------------------

LANGUAGE = "select.trydan_1_language"


@pytest.mark.parametrize("kind", ["missing_keys", "wrong_types"])
async def test_a_junk_cloud_reply_keeps_the_cloud_values_for_the_grace(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    kind: str,
) -> None:
    cloud = init_integration.runtime_data.cloud
    assert v2c_sim.charger().language == 0
    v2c_sim.cloud.faults.inject(kind, route="/device/reported")
    for _ in range(3):
        assert cloud.update_interval is not None
        await _tick(hass, freezer, cloud.update_interval.total_seconds() + 1)
    assert cloud.consecutive_failures == 3
    assert cloud.last_update_success
    assert hass.states.get(LANGUAGE).state == "english"
    v2c_sim.cloud.faults.clear()
    v2c_sim.charger().language = 5
    assert cloud.update_interval is not None
    await _tick(hass, freezer, cloud.update_interval.total_seconds() + 1)
    assert cloud.consecutive_failures == 0
    assert hass.states.get(LANGUAGE).state == "german"


@pytest.mark.parametrize("kind", ["missing_keys", "wrong_types"])
async def test_a_junk_pairing_list_removes_no_charger(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    kind: str,
) -> None:
    runtime = init_integration.runtime_data
    v2c_sim.cloud.faults.inject(kind, route="/pairings")
    calls = v2c_sim.cloud_calls("/pairings")
    # The pairing list is asked again every 6 hours.
    await _tick(hass, freezer, 7 * 3600)
    await _tick(hass, freezer, 5)
    assert v2c_sim.cloud_calls("/pairings") > calls
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data is runtime
    assert runtime.pairings.charger_ids == [c.charger_id for c in v2c_sim.chargers]
    assert hass.states.get(LANGUAGE).state == "english"
    assert hass.states.get(POWER).state == str(16 * 230.0)


# -- cloud-only values follow the cloud, with its grace --------------------------------------


async def test_cloud_only_values_go_with_the_cloud_after_its_grace(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    cloud = init_integration.runtime_data.cloud
    last_good = cloud.last_success
    assert last_good is not None
    v2c_sim.cloud.faults.inject("status", status=503)
    went_away = None
    for _ in range(30):
        await _tick(hass, freezer, 3600)
        # The LAN's values stay: they never depended on the cloud.
        assert hass.states.get(POWER).state == str(16 * 230.0)
        if hass.states.get(LANGUAGE).state == STATE_UNAVAILABLE:
            went_away = dt_util.utcnow()
            break
    assert went_away is not None
    assert went_away - last_good >= cloud.stale_after
    assert went_away - last_good <= cloud.stale_after + timedelta(hours=1)
    assert not cloud.last_update_success
    assert hass.states.get("switch.trydan_1_rfid_reader").state == STATE_UNAVAILABLE
    assert hass.states.get(SOURCE).state == "lan"

    v2c_sim.cloud.faults.clear()
    assert cloud.update_interval is not None
    await _tick(hass, freezer, cloud.update_interval.total_seconds() + 1)
    assert hass.states.get(LANGUAGE).state == "english"
    assert hass.states.get("switch.trydan_1_rfid_reader").state == "on"


async def test_cloud_values_of_a_lan_charger_stay_within_the_grace(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    cloud = init_integration.runtime_data.cloud
    v2c_sim.cloud.faults.inject("reset")
    for _ in range(23):
        await _tick(hass, freezer, 3600)
        assert hass.states.get(LANGUAGE).state == "english"
    assert cloud.consecutive_failures > 0


async def test_one_charger_the_cloud_keeps_failing_for_loses_its_cloud_values(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
) -> None:
    """The same grace for one charger the cloud fails for as for the whole cloud."""
    cloud = init_integration.runtime_data.cloud
    reported = cloud.client.reported

    async def _reported(charger_id: str) -> CloudState:
        # The cloud answers for the first charger only (V2C's cloud has done this).
        if charger_id == "V2C00002":
            raise UnreachableError("V2C00002 is offline in the cloud")
        return await reported(charger_id)

    monkeypatch.setattr(cloud.client, "reported", _reported)
    for _ in range(23):
        await _tick(hass, freezer, 3600)
    assert cloud.last_update_success
    assert hass.states.get("select.trydan_2_language").state == "english"
    for _ in range(3):
        await _tick(hass, freezer, 3600)
    assert hass.states.get("select.trydan_2_language").state == STATE_UNAVAILABLE
    assert hass.states.get(LANGUAGE).state == "english"
    # Its LAN values are not the cloud's to take away.
    assert hass.states.get("sensor.trydan_2_charge_power").state != STATE_UNAVAILABLE
