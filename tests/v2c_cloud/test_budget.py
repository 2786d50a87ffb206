"""A simulated day: the cloud calls stay under the budget and leave a reserve for commands."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from .conftest import V2CSim

DAY_START = "2026-05-01T00:00:05+00:00"


@pytest.fixture
def only_buttons(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the day fast: the budget is about calls, not about the entities' states."""
    monkeypatch.setattr("custom_components.v2c_cloud.PLATFORMS", [Platform.BUTTON])


async def _run_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, config_entry: MockConfigEntry
) -> None:
    freezer.move_to(DAY_START)
    # asyncio's debug mode records a stack for every handle: too slow for a whole day.
    hass.loop.set_debug(False)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    cloud = config_entry.runtime_data.cloud
    end = dt_util.parse_datetime("2026-05-01T23:59:30+00:00")
    assert end is not None
    # Jump from one cloud poll to the next (the interval is what the budget affords).
    while dt_util.utcnow() < end:
        assert cloud.update_interval is not None
        freezer.tick(min(cloud.update_interval + timedelta(seconds=1), end - dt_util.utcnow()))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize(
    ("charger_count", "cloud_only", "min_polls_per_charger"),
    [
        # 4G chargers: every 6th update of each also asks /currentstatecharge (the mains
        # voltage is not in /reported), so about 6/7 of the polling calls are /reported.
        (1, {1}, 700),
        (3, {1, 2, 3}, 235),
        (10, set(range(1, 11)), 70),
    ],
    ids=["1-charger", "3-chargers", "10-chargers"],
)
async def test_a_day_of_cloud_polling(
    hass: HomeAssistant,
    only_buttons: None,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    config_entry: MockConfigEntry,
    charger_count: int,
    cloud_only: set[int],
    min_polls_per_charger: int,
) -> None:
    await _run_day(hass, freezer, config_entry)
    budget = config_entry.runtime_data.budget
    total = v2c_sim.cloud_calls()
    reported = v2c_sim.cloud_calls("/device/reported")
    # Polls never touch the reserve: at most quota - reserve calls in the whole day.
    assert total <= budget.quota - budget.reserve
    assert budget.used == total
    assert budget.remaining >= budget.reserve
    # ... and they use it: every charger is polled about as often as the budget allows.
    assert reported >= min_polls_per_charger * charger_count
    # The charge state (mains voltage) is asked for every 6th update of a charger, no more.
    charge_state = v2c_sim.cloud_calls("/device/currentstatecharge")
    assert reported / 6 - charger_count <= charge_state <= reported / 6 + charger_count
    # A command at the end of the day still goes through.
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: "button.trydan_1_restart"}, blocking=True
    )
    assert v2c_sim.charger().reboots == 1


@pytest.mark.parametrize("charger_count", [1])
@pytest.mark.parametrize("cloud_only", [{1}])
async def test_429_blocks_polls_until_retry_after(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    v2c_sim: V2CSim,
    config_entry: MockConfigEntry,
) -> None:
    freezer.move_to(DAY_START)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    v2c_sim.cloud.faults.inject("rate_limit", seconds=1800, times=1)
    before = v2c_sim.cloud_calls()
    for _ in range(60):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    # One call met the 429; nothing went out for the next 30 minutes.
    assert v2c_sim.cloud.log.count() - before <= 1 + 30 // 1.5
    records = [r for r in v2c_sim.cloud.log.records if r.time > 0]
    limited = next(r for r in records if r.status == 429)
    after = [r for r in records if r.time > limited.time]
    assert after and min(r.time for r in after) - limited.time >= 1800
    # The cloud values stayed (the charger's entities kept their values).
    assert hass.states.get("sensor.trydan_1_charge_power").state == str(16 * 230.0)
