"""The demo's imported past with Home Assistant's real recorder (in-process, SQLite in memory).

``scripts/demo/history.py`` talks to Home Assistant through its websocket API only: here it
talks to a real recorder through the same commands, and the recorder's 5-minute and hourly
compiles are run at chosen times, so what the Energy dashboard reads (the hourly
``change`` of ``recorder/statistics_during_period``) can be checked before the first compile
and after the compiles that follow, with the join made on the same start or on the next.

Run by ``scripts/e2e`` before the browser tests (it needs pytest-homeassistant-custom-
component's plugin, which the browser tests' run leaves out).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
import itertools
import logging
from pathlib import Path
import sys
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "scripts" / "demo"))

from ha_client import HomeAssistantError  # noqa: E402
from history import JoinState, hourly_rows, import_entity_history, join_recorder  # noqa: E402

LONDON = ZoneInfo("Europe/London")
ENTITY = "sensor.house_grid_import_today"
ATTRIBUTES = {
    "state_class": "total_increasing",
    "device_class": "energy",
    "unit_of_measurement": "kWh",
}
# The demo starts at 10:02 today; the house's history began at yesterday's midnight.
TODAY = datetime(2026, 12, 2, tzinfo=LONDON)
ORIGIN = TODAY - timedelta(days=1)
START = TODAY + timedelta(hours=10, minutes=2)
# The simulator's 5-minute buckets: 10 Wh each yesterday, 20 Wh each today until 10:00, then
# the readings below go on (kWh, today's total).
BUCKETS = [
    (ORIGIN.timestamp() + index * 300, 10.0 if index < 288 else 20.0) for index in range(288 + 120)
]
TODAY_UNTIL_10 = 120 * 20.0 / 1000
READINGS = [  # (minutes after 10:00, today's total in kWh)
    (2, TODAY_UNTIL_10 + 0.05),
    (4, TODAY_UNTIL_10 + 0.09),
    *((minute, TODAY_UNTIL_10 + 0.09 + 0.02 * minute) for minute in range(7, 60, 5)),
]


class InProcessClient:
    """What the demo's HomeAssistantClient offers history.py, over the test's websocket."""

    def __init__(self, hass: HomeAssistant, connect: Any, refresh_token: Any) -> None:
        self.hass = hass
        self.connect = connect
        self.refresh_token = refresh_token

    async def ws(self, command: str, **fields: Any) -> Any:
        # A connection (and an access token) per command: the test moves the clock by an
        # hour, longer than an access token lives.
        token = self.hass.auth.async_create_access_token(self.refresh_token)
        websocket = await self.connect(self.hass, token)
        await websocket.send_json_auto_id({"type": command, **fields})
        reply = await websocket.receive_json()
        await websocket.close()
        if not reply["success"]:
            raise HomeAssistantError(f"{command}: {reply['error']}")
        # The recorder's queue works the command off before the demo's next one is read.
        await async_wait_recording_done(self.hass)
        return reply["result"]


@pytest.fixture(autouse=True)
def quiet_sqlalchemy() -> Iterator[None]:
    """The plugin logs every SQL statement; the recorder's thread prints them past the test."""
    engine = logging.getLogger("sqlalchemy.engine")
    level = engine.level
    engine.setLevel(logging.WARNING)
    yield
    engine.setLevel(level)


@pytest.fixture
def clock(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """The demo's start, before Home Assistant starts."""
    freezer.move_to(START)
    return freezer


@pytest.fixture
async def client(
    clock: FrozenDateTimeFactory,
    recorder_mock: Any,
    hass: HomeAssistant,
    hass_ws_client: Any,
    hass_access_token: str,
) -> InProcessClient:
    """A recorder with the sensor and history integrations, in the demo home's time zone."""
    await hass.config.async_set_time_zone("Europe/London")
    assert await async_setup_component(hass, "sensor", {})
    assert await async_setup_component(hass, "history", {})
    refresh_token = hass.auth.async_validate_access_token(hass_access_token)
    return InProcessClient(hass, hass_ws_client, refresh_token)


async def hourly_changes(client: InProcessClient, end: datetime) -> list[float]:
    """What the Energy dashboard reads: each hour's energy since yesterday's midnight."""
    result = await client.ws(
        "recorder/statistics_during_period",
        start_time=ORIGIN.astimezone(UTC).isoformat(),
        end_time=end.astimezone(UTC).isoformat(),
        statistic_ids=[ENTITY],
        period="hour",
        types=["change"],
        units={"energy": "kWh"},
    )
    return [round(row["change"], 4) for row in result.get(ENTITY, [])]


async def compile_until(
    client: InProcessClient, freezer: FrozenDateTimeFactory, minute: int, done: int
) -> int:
    """Record the readings and compile the 5-minute periods up to ``minute`` past 10:00."""
    for period in range(done, minute, 5):
        for at, value in READINGS:
            if period <= at < period + 5:
                freezer.move_to(TODAY + timedelta(hours=10, minutes=at))
                client.hass.states.async_set(ENTITY, f"{value:.4f}", ATTRIBUTES)
        freezer.move_to(TODAY + timedelta(hours=10, minutes=period + 5, seconds=10))
        await async_wait_recording_done(client.hass)
        start = TODAY + timedelta(hours=10, minutes=period)
        do_adhoc_statistics(client.hass, start=start.astimezone(UTC))
        await async_wait_recording_done(client.hass)
    return minute


@pytest.mark.parametrize("joined_after", [5, 60], ids=["first-5-minutes", "next-start"])
async def test_history_shows_at_once_and_the_recorder_continues_it(
    client: InProcessClient,
    clock: FrozenDateTimeFactory,
    tmp_path: Path,
    joined_after: int,
) -> None:
    """Before any compile the past hours are there; after the compiles no hour jumps.

    ``next-start``: the demo was stopped before the recorder's first 5 minutes and the join
    comes on its next start, after the recorder compiled the whole hour.
    """
    client.hass.states.async_set(ENTITY, f"{READINGS[0][1]:.4f}", ATTRIBUTES)
    await async_wait_recording_done(client.hass)
    zero_time, zero_value = START.timestamp(), READINGS[0][1]
    rows, adjustment = hourly_rows(BUCKETS, zero_time, zero_value * 1000, LONDON, 1000.0)
    joins = JoinState(tmp_path / "demo-history.json")

    count = await import_entity_history(
        client,
        joins,
        ENTITY,
        unit="kWh",
        rows=rows,
        adjustment=adjustment,
        zero_time=zero_time,
    )

    # Yesterday's 24 hours and today's ten before 10:00, straight from the buckets, without
    # waiting for the recorder.
    assert count == 34
    yesterday_hour = round(12 * 10.0 / 1000, 4)
    today_hour = round(12 * 20.0 / 1000, 4)
    assert await hourly_changes(client, START) == [yesterday_hour] * 24 + [today_hour] * 10
    # Nothing compiled yet: nothing to join.
    assert await join_recorder(client, joins, timeout=0) == []

    done = await compile_until(client, clock, joined_after, 0)
    assert await join_recorder(client, joins, timeout=0) == [ENTITY]
    await compile_until(client, clock, 60, done)
    # A third start joins nothing again; nor does one that lost the note of the join (a
    # demo stopped while it asked for it): the raised sums show it was made.
    assert await join_recorder(client, joins, timeout=0) == []
    joins.update(ENTITY, joined=False)
    assert await join_recorder(client, joins, timeout=0) == [ENTITY]

    changes = await hourly_changes(client, TODAY + timedelta(hours=11))
    assert changes[:34] == [yesterday_hour] * 24 + [today_hour] * 10
    # The hour the demo started in: everything the sensor counted today since 10:00.
    assert changes[34:] == [round(READINGS[-1][1] - TODAY_UNTIL_10, 4)]
    assert all(change > 0 for change in changes)
    # And the sums run on: the hour's row continues the imported ones.
    sums = [
        row["sum"]
        for row in (
            await client.ws(
                "recorder/statistics_during_period",
                start_time=ORIGIN.astimezone(UTC).isoformat(),
                statistic_ids=[ENTITY],
                period="hour",
                types=["sum"],
            )
        )[ENTITY]
    ]
    assert all(b > a for a, b in itertools.pairwise(sums))
