"""One call ledger per account: the budget counts the day's calls and keeps them over a restart."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.restore_state import DATA_RESTORE_STATE
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulators.tesla import TeslaFleetSimulator

from .conftest import ACCOUNT, HOME_SITE, no_retry_wait

CALLS_TODAY = "sensor.tesla_fleet_api_api_calls_today"


def billed(sim: TeslaFleetSimulator) -> dict[str, int]:
    """Return what the simulated server billed, in the sensor's words.

    Its injected faults answer before its billing: the 5xx come from its request log.
    """
    bill = sim.billing[ACCOUNT]
    server_errors = sum(1 for record in sim.log.records if record.status >= 500)
    return {
        "data_calls": bill.data,
        "command_calls": bill.commands,
        "unbilled_calls": bill.unbilled + server_errors,
    }


def shown(hass: HomeAssistant) -> tuple[int, dict[str, int]]:
    """Return the calls-today sensor's value and its split."""
    state = hass.states.get(CALLS_TODAY)
    assert state is not None
    split = {
        key: state.attributes[key] for key in ("data_calls", "command_calls", "unbilled_calls")
    }
    return int(state.state), split


# Noon in Home Assistant's time zone (US/Pacific): the day does not change during the test.
@pytest.mark.freeze_time("2026-04-15 19:00:00+00:00")
async def test_calls_today_is_the_budgets_ledger_and_survives_a_restart(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """The sensor shows what the server billed (reads, commands, unbilled 5xx), after a restart too."""
    entry = setup_integration
    no_retry_wait(entry)
    # A command (billed apart), a reply the server does not bill, and reads.
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.home_backup_reserve", "value": 40},
        blocking=True,
    )
    sim.faults.inject("status", route="live_status", status=500, times=1)
    await entry.runtime_data.sites[HOME_SITE].live.async_refresh()
    await hass.async_block_till_done()
    value, split = shown(hass)
    expected = billed(sim)
    assert split == expected
    assert expected["command_calls"] == 1
    assert expected["unbilled_calls"] >= 1
    assert value == expected["data_calls"] + expected["command_calls"]
    today = entry.runtime_data.budget.today
    assert (today.data, today.commands, today.unbilled) == tuple(expected.values())

    # A restart: nothing but the budget's store remembers the day (no restored states).
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    hass.data[DATA_RESTORE_STATE].last_states.clear()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    value, split = shown(hass)
    # The day's calls before the restart plus those of the new setup: all the server billed.
    expected = billed(sim)
    assert split == expected
    assert value == expected["data_calls"] + expected["command_calls"]
