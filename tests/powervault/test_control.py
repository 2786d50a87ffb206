"""The battery mode select, the cancel button, the actions, and their errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powervault.const import CONF_OVERRIDE_HOURS, DOMAIN
from simulators.framework import FaultKind
from simulators.powervault import PowervaultCloud, PowervaultLocal

from .conftest import CLOUD_UNIT, LOCAL_UNIT, entity_id, scheduled, setup_entry, state_value, tick


async def _select(hass: HomeAssistant, unit: str, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity_id(hass, "select", f"{unit}_battery_mode"), ATTR_OPTION: option},
        blocking=True,
    )


async def _press(hass: HomeAssistant, unit: str) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN,
        SERVICE_PRESS,
        {ATTR_ENTITY_ID: entity_id(hass, "button", f"{unit}_cancel_override")},
        blocking=True,
    )


async def test_select_overrides_then_cancel_cloud(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    await setup_entry(hass, cloud_entry)
    assert state_value(hass, "select", f"{CLOUD_UNIT}_battery_mode") == scheduled(cloud_app)
    now = dt_util.utcnow()
    await _select(hass, CLOUD_UNIT, "force_charge")
    [override] = cloud_app.units[CLOUD_UNIT].overrides
    assert override["state"] == "force-charge"
    assert override["end"] - override["start"] == 24 * 3600
    # Read back at once, without waiting for the hourly poll.
    assert state_value(hass, "select", f"{CLOUD_UNIT}_battery_mode") == "force_charge"
    assert state_value(hass, "sensor", f"{CLOUD_UNIT}_effective_state") == "force_charge"
    end = datetime.fromisoformat(state_value(hass, "sensor", f"{CLOUD_UNIT}_override_end"))
    assert abs(end - (now + timedelta(hours=24))) < timedelta(seconds=5)
    budget = cloud_entry.runtime_data.budget
    assert budget is not None
    assert budget.used_by_kind["command"] == 3  # the write and the two read-backs

    await _press(hass, CLOUD_UNIT)
    assert cloud_app.units[CLOUD_UNIT].overrides == []
    assert state_value(hass, "sensor", f"{CLOUD_UNIT}_override_end") == "unknown"
    assert state_value(hass, "select", f"{CLOUD_UNIT}_battery_mode") == scheduled(cloud_app)


async def test_select_override_duration_and_expiry_local(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    freezer: FrozenDateTimeFactory,
) -> None:
    hass.config_entries.async_update_entry(local_entry, options={CONF_OVERRIDE_HOURS: 2})
    await setup_entry(hass, local_entry)
    await _select(hass, LOCAL_UNIT, "dormant")
    [override] = local_app.unit.overrides
    assert (override["state"], override["end"] - override["start"]) == ("dormant", 7200)
    assert state_value(hass, "sensor", f"{LOCAL_UNIT}_effective_state") == "dormant"
    await tick(hass, freezer, timedelta(hours=2, seconds=5))
    # The override ended: the schedule rules again, and the entities say so.
    assert state_value(hass, "sensor", f"{LOCAL_UNIT}_effective_state") != "dormant"
    assert state_value(hass, "sensor", f"{LOCAL_UNIT}_override_end") == "unknown"
    await _press(hass, LOCAL_UNIT)
    assert local_app.unit.overrides == []


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        ({"kind": FaultKind.STATUS, "status": 500}, "command_failed"),
        ({"kind": FaultKind.RESET}, "command_failed"),
        ({"kind": FaultKind.MALFORMED, "body": '{"message": "nope"}'}, "command_rejected"),
        ({"kind": FaultKind.RATE_LIMIT, "seconds": 120}, "command_rate_limited"),
        ({"kind": FaultKind.STATUS, "status": 401}, "command_auth_failed"),
    ],
)
async def test_select_errors_change_nothing(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    cloud_app: PowervaultCloud,
    fault: dict,
    key: str,
) -> None:
    await setup_entry(hass, cloud_entry)
    cloud_app.faults.inject(route="stateOverride", method="POST", **fault)
    with pytest.raises(HomeAssistantError) as err:
        await _select(hass, CLOUD_UNIT, "force_discharge")
    assert err.value.translation_key == key
    assert cloud_app.units[CLOUD_UNIT].overrides == []
    assert state_value(hass, "select", f"{CLOUD_UNIT}_battery_mode") == scheduled(cloud_app)
    reauth = [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == "reauth"
    ]
    assert bool(reauth) is (key == "command_auth_failed")


@pytest.mark.parametrize("status", [401, 403])
async def test_local_refusal_is_a_failed_command_not_a_reauth(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    status: int,
) -> None:
    """The local API has no credentials: a refused write is the unit's fault."""
    await setup_entry(hass, local_entry)
    before = state_value(hass, "select", f"{LOCAL_UNIT}_battery_mode")
    local_app.faults.inject(FaultKind.STATUS, route="state-override", method="POST", status=status)
    with pytest.raises(HomeAssistantError) as err:
        await _select(hass, LOCAL_UNIT, "force_discharge")
    assert err.value.translation_key == "command_failed"
    assert local_app.unit.overrides == []
    assert state_value(hass, "select", f"{LOCAL_UNIT}_battery_mode") == before
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_command_refused_when_budget_is_spent(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    await setup_entry(hass, cloud_entry)
    budget = cloud_entry.runtime_data.budget
    assert budget is not None
    budget.used = budget.quota
    with pytest.raises(HomeAssistantError) as err:
        await _press(hass, CLOUD_UNIT)
    assert err.value.translation_key == "command_budget_exhausted"


async def test_set_battery_state_action(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    await setup_entry(hass, cloud_entry)
    start = dt_util.utcnow().replace(microsecond=0) + timedelta(hours=1)
    await hass.services.async_call(
        DOMAIN,
        "set_battery_state",
        {
            "config_entry_id": cloud_entry.entry_id,
            "state": "force_charge",
            "duration": {"hours": 3},
            "start": start.isoformat(),
        },
        blocking=True,
    )
    [override] = cloud_app.units[CLOUD_UNIT].overrides
    assert override == {
        "start": start.timestamp(),
        "end": (start + timedelta(hours=3)).timestamp(),
        "state": "force-charge",
    }
    # It starts later: the battery still follows the schedule now.
    assert state_value(hass, "sensor", f"{CLOUD_UNIT}_effective_state") == scheduled(cloud_app)

    await hass.services.async_call(
        DOMAIN, "cancel_override", {"config_entry_id": cloud_entry.entry_id}, blocking=True
    )
    assert cloud_app.units[CLOUD_UNIT].overrides == []

    await hass.services.async_call(
        DOMAIN,
        "set_battery_state",
        {"config_entry_id": cloud_entry.entry_id, "state": "disable"},
        blocking=True,
    )
    [override] = cloud_app.units[CLOUD_UNIT].overrides
    assert override["end"] - override["start"] == 24 * 3600


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"state": "turbo"}, "invalid_state"),
        ({"state": "normal", "duration": {"seconds": 30}}, "invalid_duration"),
        ({"state": "normal", "duration": {"days": 8}}, "invalid_duration"),
        (
            {"state": "normal", "start": datetime(2020, 1, 1, tzinfo=UTC).isoformat()},
            "start_in_past",
        ),
        (
            {"state": "normal", "start": (dt_util.utcnow() + timedelta(days=30)).isoformat()},
            "start_too_far",
        ),
    ],
)
async def test_set_battery_state_bad_input(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    cloud_app: PowervaultCloud,
    data: dict,
    key: str,
) -> None:
    await setup_entry(hass, cloud_entry)
    cloud_app.log.clear()
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_battery_state",
            {"config_entry_id": cloud_entry.entry_id, **data},
            blocking=True,
        )
    assert err.value.translation_key == key
    assert cloud_app.log.count("stateOverride", "POST") == 0


async def test_actions_need_a_loaded_entry(
    hass: HomeAssistant, cloud_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, cloud_entry)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "cancel_override", {"config_entry_id": "nope"}, blocking=True
        )
    assert err.value.translation_key == "entry_not_found"
    await hass.config_entries.async_unload(cloud_entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "cancel_override", {"config_entry_id": cloud_entry.entry_id}, blocking=True
        )
    assert err.value.translation_key == "entry_not_loaded"


async def test_get_data_cloud(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    await setup_entry(hass, cloud_entry)
    response = await hass.services.async_call(
        DOMAIN,
        "get_data",
        {"config_entry_id": cloud_entry.entry_id, "period": "past-hour"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["unit_id"] == CLOUD_UNIT
    assert response["period"] == "past-hour"
    records = response["records"]
    assert len(records) == 13
    assert set(records[0]) >= {
        "time",
        "battery_power",
        "grid_power",
        "solar_power",
        "home_power",
        "state_of_charge",
        "grid_import_energy",
        "home_consumption_energy",
    }
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "get_data",
            {"config_entry_id": cloud_entry.entry_id, "period": "fortnight"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "invalid_period"


async def test_get_data_local(hass: HomeAssistant, local_entry: MockConfigEntry) -> None:
    await setup_entry(hass, local_entry)
    response = await hass.services.async_call(
        DOMAIN,
        "get_data",
        {"config_entry_id": local_entry.entry_id, "period": "past-hour"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert 110 <= len(response["records"]) <= 121
    assert set(response["records"][0]) == {
        "time",
        "battery_power",
        "grid_power",
        "solar_power",
        "state_of_charge",
    }


async def test_state_follows_the_schedule_between_reads(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A slot that starts between two schedule reads shows when it starts."""
    from zoneinfo import ZoneInfo

    london = dt_util.utcnow().astimezone(ZoneInfo("Europe/London"))
    # Within the 5 minutes between two reads of the schedule.
    boundary = (london + timedelta(minutes=3)).replace(second=0, microsecond=0)
    if boundary.date() != london.date():
        pytest.skip("too close to midnight for a same-day slot")
    before = (boundary - timedelta(seconds=1)).strftime("%H:%M:%S")
    slots = [
        {"start": "00:00:00", "end": before, "state": "normal"},
        {"start": boundary.strftime("%H:%M:%S"), "end": "23:59:59", "state": "force-charge"},
    ]
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    local_app.unit.schedule = dict.fromkeys(days, slots)
    await setup_entry(hass, local_entry)
    assert state_value(hass, "select", f"{LOCAL_UNIT}_battery_mode") == "normal"
    reads = local_app.log.count("/api/schedule")
    await tick(hass, freezer, timedelta(minutes=3, seconds=30))
    assert local_app.log.count("/api/schedule") == reads
    assert state_value(hass, "select", f"{LOCAL_UNIT}_battery_mode") == "force_charge"
    assert state_value(hass, "sensor", f"{LOCAL_UNIT}_effective_state") == "force_charge"


async def test_write_succeeds_even_if_read_back_fails(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    await setup_entry(hass, cloud_entry)
    cloud_app.faults.inject(FaultKind.STATUS, "/schedule", status=502, times=1)
    await _select(hass, CLOUD_UNIT, "only_charge")
    assert cloud_app.units[CLOUD_UNIT].overrides[0]["state"] == "only-charge"


async def test_cancel_is_read_back_cloud(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    await _cancel_is_read_back(hass, cloud_entry, cloud_app, CLOUD_UNIT)


async def test_cancel_is_read_back_local(
    hass: HomeAssistant, local_entry: MockConfigEntry, local_app: PowervaultLocal
) -> None:
    await _cancel_is_read_back(hass, local_entry, local_app, LOCAL_UNIT)


async def _cancel_is_read_back(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    app: PowervaultCloud | PowervaultLocal,
    unit: str,
) -> None:
    """A cancel the unit answers "ok" to but does not carry out is reported, not trusted."""
    model = app.units[CLOUD_UNIT] if isinstance(app, PowervaultCloud) else app.unit
    await setup_entry(hass, entry)
    await _select(hass, unit, "force_discharge")
    [override] = model.overrides
    app.ignore_cancel = True
    app.log.clear()
    with pytest.raises(HomeAssistantError) as err:
        await _press(hass, unit)
    assert err.value.translation_key == "override_not_cancelled"
    assert err.value.translation_placeholders["state"] == "force-discharge"
    assert model.overrides == [override]
    # The entities show what the unit said when read back: the override is still on.
    assert state_value(hass, "sensor", f"{unit}_effective_state") == "force_discharge"
    assert state_value(hass, "select", f"{unit}_battery_mode") == "force_discharge"
    end = datetime.fromisoformat(state_value(hass, "sensor", f"{unit}_override_end"))
    assert end.timestamp() == override["end"]
    assert app.log.count("override|stateOverride", "POST") == 1
    assert app.log.count("override|stateOverride", "GET") == 1

    # The same through the action.
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "cancel_override", {"config_entry_id": entry.entry_id}, blocking=True
        )
    assert err.value.translation_key == "override_not_cancelled"

    # A unit that does cancel: no error, and the read-back shows the schedule again.
    app.ignore_cancel = False
    await _press(hass, unit)
    assert model.overrides == []
    assert state_value(hass, "sensor", f"{unit}_effective_state") == scheduled(app, unit)
    assert state_value(hass, "sensor", f"{unit}_override_end") == "unknown"


async def test_override_end_and_what_decides(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    """With no override its end has no value, and the state says the schedule decides."""
    await setup_entry(hass, cloud_entry)
    effective = entity_id(hass, "sensor", f"{CLOUD_UNIT}_effective_state")
    assert state_value(hass, "sensor", f"{CLOUD_UNIT}_override_end") == "unknown"
    assert hass.states.get(effective).attributes["source"] == "schedule"
    await _select(hass, CLOUD_UNIT, "dormant")
    assert hass.states.get(effective).attributes["source"] == "override"
    await _press(hass, CLOUD_UNIT)
    assert hass.states.get(effective).attributes["source"] == "schedule"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"duration": 1e30}, "invalid_duration"),
        ({"duration": {"days": 1e30}}, "invalid_duration"),
        ({"duration": {"hours": 1e20}}, "invalid_duration"),
        ({"duration": {"seconds": float("inf")}}, "invalid_duration"),
        ({"duration": {"days": float("nan")}}, "invalid_duration"),
        ({"duration": "99999999999:00:00"}, "invalid_duration"),
        ({"start": "9999-12-31T23:59:59-05:00"}, "start_too_far"),
        ({"start": "9999-12-31T23:59:59"}, "start_too_far"),
        ({"start": "0001-01-01T00:00:00+05:00"}, "start_in_past"),
        ({"start": "0001-01-01T00:00:00"}, "start_in_past"),
    ],
)
async def test_set_battery_state_extreme_input(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    cloud_app: PowervaultCloud,
    data: dict,
    key: str,
) -> None:
    """Durations and starts beyond the calendar are refused in words, and nothing is sent."""
    await setup_entry(hass, cloud_entry)
    cloud_app.log.clear()
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_battery_state",
            {"config_entry_id": cloud_entry.entry_id, "state": "normal", **data},
            blocking=True,
        )
    assert err.value.translation_key == key
    assert cloud_app.log.count("stateOverride", "POST") == 0
    assert cloud_app.units[CLOUD_UNIT].overrides == []
