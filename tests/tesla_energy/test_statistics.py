"""Hourly history as external statistics: imported, continued, and backfilled after downtime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.tesla_energy.statistics import statistic_id
from simulators.tesla import TeslaFleetSimulator

from .conftest import HOME_SITE, no_retry_wait

START = datetime(2026, 6, 15, 18, 7, tzinfo=UTC)  # 11:07 in Los Angeles


async def hourly(hass: HomeAssistant, flow: str) -> list[dict[str, Any]]:
    """Return a flow's hourly statistics, oldest first."""
    await async_wait_recording_done(hass)
    sid = statistic_id(HOME_SITE, flow)
    from homeassistant.helpers.recorder import get_instance

    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        dt_util.utcnow() - timedelta(days=60),
        None,
        {sid},
        "hour",
        None,
        {"sum", "state"},
    )
    return [dict(row) for row in rows.get(sid, [])]


def expected_hour(sim: TeslaFleetSimulator, hour_start: datetime, fields: tuple[str, ...]) -> float:
    """Return the kWh the simulator's history has for an hour."""
    site = sim.site(HOME_SITE)
    total = 0.0
    for step in range(12):
        values = site.interval_energy(hour_start + timedelta(minutes=5 * step))
        total += sum(values.get(name, 0.0) for name in fields)
    return total / 1000


HOME_USAGE = (
    "consumer_energy_imported_from_grid",
    "consumer_energy_imported_from_solar",
    "consumer_energy_imported_from_battery",
    "consumer_energy_imported_from_generator",
)


async def wait_history(hass: HomeAssistant) -> None:
    """Let the history import that runs in the background finish."""
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)


@pytest.mark.freeze_time(START)
async def test_import_and_backfill(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
) -> None:
    """First setup fills the days before; after two days of downtime the gap is filled."""
    await wait_history(hass)
    rows = await hourly(hass, "home_usage")
    zone = dt_util.get_time_zone("America/Los_Angeles")
    assert zone is not None
    first = datetime(2026, 6, 14, tzinfo=zone).astimezone(UTC)  # one day back (in tests)
    last_complete = START.replace(minute=0) - timedelta(hours=1)
    starts = [dt_util.utc_from_timestamp(row["start"]) for row in rows]
    assert starts[0] == first
    assert starts[-1] == last_complete
    assert len(starts) == int((last_complete - first) / timedelta(hours=1)) + 1
    for row, start in zip(rows, starts, strict=True):
        assert row["state"] == pytest.approx(expected_hour(sim, start, HOME_USAGE), abs=1e-3)
    assert rows[-1]["sum"] == pytest.approx(sum(row["state"] for row in rows), abs=1e-2)

    # Home Assistant is off for two days.
    assert await hass.config_entries.async_unload(setup_integration.entry_id)
    freezer.tick(timedelta(days=2, minutes=30))
    assert await hass.config_entries.async_setup(setup_integration.entry_id)
    await wait_history(hass)
    rows = await hourly(hass, "home_usage")
    starts = [dt_util.utc_from_timestamp(row["start"]) for row in rows]
    assert starts[-1] == dt_util.utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(
        hours=1
    )
    # One row per hour, none missing, none twice.
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(starts))
    assert rows[-1]["sum"] == pytest.approx(sum(row["state"] for row in rows), abs=1e-2)

    # An hour later the next hour follows.
    freezer.tick(timedelta(hours=1, minutes=1))
    async_fire_time_changed(hass)
    await wait_history(hass)
    more = await hourly(hass, "home_usage")
    assert len(more) == len(rows) + 1
    solar = await hourly(hass, "solar_production")
    assert len(solar) == len(more)
    assert max(row["state"] for row in solar) > 1.0


@pytest.mark.freeze_time(START)
async def test_history_failure_keeps_statistics_whole(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
) -> None:
    """A failed history read imports nothing; the next good one fills the hours."""
    await wait_history(hass)
    no_retry_wait(setup_integration)
    before = await hourly(hass, "grid_import")
    sim.faults.inject("status", route="calendar_history", status=503, times=4)
    freezer.tick(timedelta(hours=1, minutes=1))
    async_fire_time_changed(hass)
    await wait_history(hass)
    assert len(await hourly(hass, "grid_import")) == len(before)
    freezer.tick(timedelta(hours=2))
    async_fire_time_changed(hass)
    await wait_history(hass)
    after = await hourly(hass, "grid_import")
    starts = [row["start"] for row in after]
    assert len(after) >= len(before) + 2
    assert all(b - a == 3600 for a, b in pairwise(starts))
