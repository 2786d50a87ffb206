"""The history's calls per day are what the budget planned, whatever the time it started.

Counted on the simulator's request log while the clock moves a whole day forward. Before
the fix the first update after the site's midnight read today as well as yesterday (today has
no complete hour then): 25 calls a day where the budget planned one an hour.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.tesla_energy.const import HISTORY_MIN_INTERVAL
from custom_components.tesla_energy.statistics import statistic_id
from simulators.tesla import TeslaFleetSimulator

from .conftest import HOME_SITE

DAY = timedelta(days=1)
# A divisor of the hour: the hourly reads fall on a step, so none comes late and drifts.
STEP = timedelta(minutes=5)


def history_requests(sim: TeslaFleetSimulator, after: int = 0) -> Counter[int]:
    """Return the energy history requests per site id in the log from record ``after`` on."""
    sites: Counter[int] = Counter()
    for record in sim.log.records[after:]:
        parts = urlsplit(record.path).path.strip("/").split("/")
        if parts[-1] == "calendar_history":
            sites[int(parts[parts.index("energy_sites") + 1])] += 1
    return sites


async def travel(hass: HomeAssistant, freezer: FrozenDateTimeFactory, span: timedelta) -> None:
    """Move the clock forward in steps, running every timer that came due."""
    for _ in range(int(span / STEP)):
        freezer.tick(STEP)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


async def hour_starts(hass: HomeAssistant, site_id: int) -> list[float]:
    """Return the starts of a site's hourly home usage statistics, oldest first."""
    await async_wait_recording_done(hass)
    sid = statistic_id(site_id, "home_usage")
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        dt_util.utcnow() - timedelta(days=10),
        None,
        {sid},
        "hour",
        None,
        {"sum"},
    )
    return [row["start"] for row in rows.get(sid, [])]


@pytest.fixture
def start_at(
    recorder_mock: Any,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    credentials: None,
    config_entry: MockConfigEntry,
) -> Callable[[datetime], Awaitable[None]]:
    """Return how to set the entry up at a given time, its history import done."""

    async def start(when: datetime) -> None:
        freezer.move_to(when)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)

    return start


@pytest.mark.parametrize("start", ["10:00:00", "10:20:00", "10:59:00", "23:30:00"])
async def test_history_calls_per_day_as_planned(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    start_at: Callable[[datetime], Awaitable[None]],
    config_entry: MockConfigEntry,
    sim: TeslaFleetSimulator,
    start: str,
) -> None:
    """A day holds as many history reads per site as the planned interval, at any start."""
    zone = dt_util.get_time_zone(sim.site(HOME_SITE).time_zone)
    assert zone is not None
    await start_at(datetime.fromisoformat(f"2026-06-15T{start}").replace(tzinfo=zone))
    runtime = config_entry.runtime_data
    for site in runtime.sites.values():
        assert site.history.update_interval == HISTORY_MIN_INTERVAL
    # The setup's backfill is not a day's spending: count from the next hour on.
    await travel(hass, freezer, timedelta(hours=1))
    counted_from = len(sim.log.records)

    await travel(hass, freezer, DAY)

    # What the budget states (diagnostics) for the day, at its end as at its start: the
    # default budget, in the second half of a month with nothing spent yet, affords the
    # hourly floor to both sites.
    for site in runtime.sites.values():
        assert site.history.update_interval == HISTORY_MIN_INTERVAL
    consumers = runtime.budget.as_dict()["consumers"]
    calls = history_requests(sim, counted_from)
    assert set(calls) == set(runtime.sites)
    for site_id, site in runtime.sites.items():
        interval = consumers[site.history.consumer.name]["interval"]
        assert interval == HISTORY_MIN_INTERVAL.total_seconds()
        assert calls[site_id] == DAY.total_seconds() / interval, (site_id, calls)
    # And nothing was lost by reading less: every hour up to the last complete one is there.
    starts = await hour_starts(hass, HOME_SITE)
    assert all(b - a == 3600 for a, b in pairwise(starts))
    last_complete = dt_util.utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    assert starts[-1] == last_complete.timestamp()


async def test_second_update_within_the_hour_reads_nothing(
    freezer: FrozenDateTimeFactory,
    start_at: Callable[[datetime], Awaitable[None]],
    config_entry: MockConfigEntry,
    sim: TeslaFleetSimulator,
) -> None:
    """An update before another hour completed costs no call and keeps what it had."""
    await start_at(datetime(2026, 6, 15, 18, 20, tzinfo=UTC))
    history = config_entry.runtime_data.sites[HOME_SITE].history
    before = history.data
    assert before is not None
    assert before.today
    counted_from = len(sim.log.records)

    freezer.tick(timedelta(minutes=30))  # 18:50: the 18:00 hour is not complete yet
    await history.async_refresh()

    assert history_requests(sim, counted_from)[HOME_SITE] == 0
    assert history.last_update_success
    assert history.data is not None
    assert history.data.last_hour == before.last_hour
    assert history.data.today == before.today


@pytest.mark.parametrize(
    ("start", "gap", "calls"),
    [
        # Just after the site's midnight only yesterday has a new complete hour: one call.
        ("23:20:00", timedelta(hours=1), 1),
        # Reads further apart than an hour: the hours still needed lie on both days.
        ("22:20:00", timedelta(hours=3), 2),
    ],
)
async def test_history_reads_the_days_of_the_hours_it_needs(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    start_at: Callable[[datetime], Awaitable[None]],
    sim: TeslaFleetSimulator,
    start: str,
    gap: timedelta,
    calls: int,
) -> None:
    """An update reads one call per site day that holds an hour not yet imported."""
    zone = dt_util.get_time_zone(sim.site(HOME_SITE).time_zone)
    assert zone is not None
    await start_at(datetime.fromisoformat(f"2026-06-15T{start}").replace(tzinfo=zone))
    counted_from = len(sim.log.records)

    freezer.tick(gap)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert history_requests(sim, counted_from)[HOME_SITE] == calls
    # The hour before this one is in, whichever day it belongs to.
    starts = await hour_starts(hass, HOME_SITE)
    assert all(b - a == 3600 for a, b in pairwise(starts))
    last_complete = dt_util.utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    assert starts[-1] == last_complete.timestamp()
