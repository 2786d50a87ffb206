"""The demo house's past: hourly statistics for the hours before Home Assistant started.

A fresh Home Assistant has no long-term statistics: its Energy dashboard shows 0 kWh until
the recorder compiles the first hour. The house's simulator has been running since yesterday's
midnight, though (the Powervault cloud serves its 5-minute buckets), so the demo imports
those hours for the house's energy sensors with Home Assistant's documented websocket
command ``recorder/import_statistics``, as a person fixing statistics would. Nothing in the
integrations knows about it.

The V2C chargers charge both cars every evening (``EV_EVENING``: the V2C simulator plugs the
cars in and out by it, and the Powervault's simulated history counts it in the home load):
the demo imports those sessions as the chargers' statistics, computed with the simulators'
own window (``simulators/framework/house.py``), so the house's balance holds for its past
too and the chargers go on at the start as their history left off.

The sums must join the recorder's. For a ``total_increasing`` sensor the recorder's first
5-minute statistics start their sum at 0 at the sensor's first recorded state (the *zero
point*), each later one continues from the latest 5-minute row before it, and each compiled
hour takes its sum from them. Imported hours go to the hourly table only, which the recorder
never reads back when it compiles: so the hours before the zero point's hour can be imported
as soon as the zero point is recorded (a few seconds after the sensor appears), and the
Energy dashboard, which reads the hourly table, shows them at once. They count from
yesterday's midnight (sum 0 there: the dashboard takes an hour's energy as the difference
from the hour before, and from 0 for the first). ``state`` is the sensor's own reading at the
end of the hour (the day's total, which starts again at midnight).

The recorder's own sums (0 at the zero point) are then raised by the imported sum at the
zero point (the documented ``recorder/adjust_sum_statistics``) once it has compiled its first
5 minutes, so the hour the demo started in counts from its start and every later hour
follows on. That join is remembered in the config directory (``demo-history.json``: what to
add, and whether it was added): a demo stopped before the recorder's first 5 minutes joins
them on its next start (the recorder compiles the missed 5 minutes itself on that start),
and a second join is refused by the data itself (a raised first sum already holds the
imported day).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
import contextlib
from datetime import UTC, datetime, time, timedelta
import json
import logging
from pathlib import Path
import sys
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from ha_client import HomeAssistantClient, HomeAssistantError, wait_for
from vendors import EV_EVENING, REPO, V2C_CHARGER_WATTS, Urls, Vendor, first

# The house's routine is the simulators' (one source): the demo runs from scripts/demo.
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

from simulators.framework.house import DailyWindow

_LOGGER = logging.getLogger("demo")

BUCKET_SECONDS = 300
# The recorder commits what it recorded every few seconds (5 by default): the zero point is
# in its database well within this.
ZERO_POINT_WAIT_SECONDS = 60.0
ZERO_POINT_POLL_SECONDS = 1.0
# The recorder compiles 5-minute statistics 10 s after every fifth minute (on a busy machine
# later): the join waits for two of them before it gives up until the next start.
JOIN_WAIT_SECONDS = 660.0
JOIN_POLL_SECONDS = 5.0
STATE_FILE = "demo-history.json"
HOUR = 3600
UNIT_WH = {"Wh": 1.0, "kWh": 1000.0, "MWh": 1_000_000.0}

# Powervault's 5-minute flows (milliwatts averaged over the bucket) that make up each of the
# house's energy sensors, by the sensor's translation key.
POWERVAULT_FLOWS: Mapping[str, tuple[str, ...]] = {
    "grid_import_energy": ("gridConsumedByHome", "batteryInputFromGrid"),
    "grid_export_energy": ("solarExported", "batteryOutputExported"),
    "solar_energy": ("solarGenerated",),
    "battery_charge_energy": ("batteryInputFromGrid", "batteryInputFromSolar"),
    "battery_discharge_energy": ("batteryOutputConsumedByHome", "batteryOutputExported"),
}

type Buckets = dict[str, list[tuple[float, float]]]
"""Translation key -> (bucket start, Wh) of every 5-minute bucket since the history began."""


async def powervault_buckets(urls: Urls, api_key: str) -> Buckets:
    """Return the Powervault house's buckets of yesterday and today, from its cloud."""
    base = first(urls, "cloud") + "/v4"
    headers = {"x-api-key": api_key}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(f"{base}/customerAccount") as response:
            account = (await response.json())["customerAccount"]["id"]
        async with session.get(f"{base}/unit", params={"customerAccountId": str(account)}) as resp:
            unit = (await resp.json())["units"][0]["id"]
        records: list[dict[str, Any]] = []
        for period in ("yesterday", "today"):
            async with session.get(f"{base}/unit/{unit}/data", params={"period": period}) as resp:
                records.extend((await resp.json())["data"])
    hours = BUCKET_SECONDS / HOUR
    buckets: Buckets = {key: [] for key in POWERVAULT_FLOWS}
    for record in records:
        start = datetime.fromisoformat(record["time"]).replace(tzinfo=UTC).timestamp()
        for key, flows in POWERVAULT_FLOWS.items():
            milliwatts = sum(max(record.get(flow) or 0, 0) for flow in flows)
            buckets[key].append((start, milliwatts / 1000 * hours))
    return buckets


def hourly_rows(
    buckets: Iterable[tuple[float, float]],
    zero_time: float,
    zero_value_wh: float | None,
    time_zone: ZoneInfo,
    factor: float,
    *,
    bucket_seconds: float = BUCKET_SECONDS,
) -> tuple[list[dict[str, Any]], float]:
    """Return the rows of the whole hours before the zero point's hour, and the adjustment.

    The sums count from the history's beginning (yesterday's midnight). The adjustment is
    that sum at the zero point: what the recorder's own sums (0 there) must be raised by.
    ``zero_value_wh`` is the sensor's first recorded reading when it is the day's total (its
    ``state`` is then the day's total at the end of each hour); ``None`` for another counter
    (the rows then carry only the sum, and the zero point's comes from the buckets).
    """
    items = sorted(buckets)
    if not items:
        return [], 0.0

    def day_start(ts: float) -> float:
        local = datetime.fromtimestamp(ts, time_zone)
        return datetime.combine(local.date(), time(), time_zone).timestamp()

    def energy_until(ts: float, since: float) -> float:
        """Wh of the buckets that ended by ``ts`` and started at or after ``since``."""
        return sum(wh for start, wh in items if since <= start and start + bucket_seconds <= ts)

    origin = day_start(items[0][0])
    if zero_value_wh is None:
        zero_cumulative = energy_until(zero_time, origin)
    else:
        zero_cumulative = energy_until(day_start(zero_time), origin) + zero_value_wh
    rows: list[dict[str, Any]] = []
    hour = origin
    last_hour = zero_time - zero_time % HOUR
    while hour < last_hour:
        end = hour + HOUR
        row: dict[str, Any] = {
            "start": datetime.fromtimestamp(hour, UTC).isoformat(),
            "sum": round(energy_until(end, origin) / factor, 4),
        }
        if zero_value_wh is not None:
            row["state"] = round(energy_until(end, day_start(hour)) / factor, 4)
        rows.append(row)
        hour = end
    return rows, round(zero_cumulative / factor, 4)


def charger_minutes(start: float, end: float) -> list[tuple[float, float]]:
    """Return one charger's one-minute buckets (start, Wh) from ``start`` to ``end``.

    The simulated chargers' own routine (``v2c.car_window``, the same ``EV_EVENING``): what
    they did before the demo started is what they do live, and the session running at the
    start is the one imported.
    """
    return DailyWindow.parse(EV_EVENING).minutes(start, end, V2C_CHARGER_WATTS)


async def _zero_point(
    client: HomeAssistantClient, entity_id: str, since: float
) -> tuple[float, float] | None:
    """Return (time, value) of the sensor's first numeric state since ``since``."""
    history = await client.ws(
        "history/history_during_period",
        start_time=datetime.fromtimestamp(since, UTC).isoformat(),
        entity_ids=[entity_id],
        minimal_response=True,
        no_attributes=True,
        significant_changes_only=False,
    )
    for item in history.get(entity_id, []):
        try:
            value = float(item["s"])
        except TypeError, ValueError:
            continue
        return max(float(item.get("lu", since)), since), value
    return None


async def _recorded_zero_point(
    client: HomeAssistantClient, entity_id: str, since: float, timeout: float
) -> tuple[float, float] | None:
    """Wait until the recorder has committed the sensor's first numeric state."""
    with contextlib.suppress(HomeAssistantError):
        zero: tuple[float, float] = await wait_for(
            lambda: _zero_point(client, entity_id, since),
            timeout=timeout,
            interval=ZERO_POINT_POLL_SECONDS,
            what=f"the first recorded state of {entity_id}",
        )
        return zero
    return None


async def _sums(
    client: HomeAssistantClient,
    statistic_id: str,
    start: float,
    end: float | None = None,
    period: str = "hour",
) -> list[float]:
    """Return the statistic's sums of the period's rows from ``start`` (to ``end``)."""
    fields: dict[str, Any] = {}
    if end is not None:
        fields["end_time"] = datetime.fromtimestamp(end, UTC).isoformat()
    result = await client.ws(
        "recorder/statistics_during_period",
        start_time=datetime.fromtimestamp(start, UTC).isoformat(),
        statistic_ids=[statistic_id],
        period=period,
        types=["sum"],
        **fields,
    )
    return [row["sum"] for row in result.get(statistic_id, []) if row.get("sum") is not None]


class JoinState:
    """The imported sensors' joins, kept in the config directory across demo runs."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, dict[str, Any]]:
        """Return entity id -> its join (unit, zero hour, adjustment, joined)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError, ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def update(self, entity_id: str, **values: Any) -> None:
        """Record (part of) a sensor's join."""
        data = self.load()
        data[entity_id] = {**data.get(entity_id, {}), **values}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.path)


async def import_entity_history(
    client: HomeAssistantClient,
    joins: JoinState,
    entity_id: str,
    *,
    unit: str,
    rows: list[dict[str, Any]],
    adjustment: float,
    zero_time: float,
) -> int:
    """Import a sensor's hours before its zero point's hour; return how many.

    Nothing is imported when the sensor has statistics before that hour (imported before,
    or statistics of another kind: left alone). The join it then needs is recorded.
    """
    if not rows:
        return 0
    zero_hour = zero_time - zero_time % HOUR
    first_hour = datetime.fromisoformat(rows[0]["start"]).timestamp()
    if await _sums(client, entity_id, first_hour, zero_hour):
        return 0
    await client.ws(
        "recorder/import_statistics",
        metadata={
            # What the recorder's sensor statistics have: a unit of its own (another than
            # the sensor's) would stop it compiling the sensor.
            "has_sum": True,
            "mean_type": 0,
            "name": None,
            "source": "recorder",
            "statistic_id": entity_id,
            "unit_class": "energy",
            "unit_of_measurement": unit,
        },
        stats=rows,
    )
    joins.update(entity_id, unit=unit, zero_hour=zero_hour, adjustment=adjustment, joined=False)
    return len(rows)


async def join_recorder(
    client: HomeAssistantClient,
    joins: JoinState,
    *,
    timeout: float = JOIN_WAIT_SECONDS,
    poll: float = JOIN_POLL_SECONDS,
) -> list[str]:
    """Raise the recorder's sums of the imported sensors to continue the imported ones.

    Waits (up to ``timeout`` s) for the recorder's first 5 minutes of each sensor that is
    not joined yet; returns the sensors joined now.
    """
    joined: list[str] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for entity_id, join in joins.load().items():
            if join.get("joined"):
                continue
            sums = await _sums(client, entity_id, join["zero_hour"], period="5minute")
            if not sums:
                continue  # not compiled yet
            # Unraised, the first sum is the energy of the sensor's first 5 minutes at most;
            # raised, it holds the whole imported history on top. Half of it tells them
            # apart and keeps a join asked for twice (a demo stopped in between) single.
            if sums[0] < join["adjustment"] / 2:
                await client.ws(
                    "recorder/adjust_sum_statistics",
                    statistic_id=entity_id,
                    start_time=datetime.fromtimestamp(join["zero_hour"], UTC).isoformat(),
                    adjustment=join["adjustment"],
                    adjustment_unit_of_measurement=join["unit"],
                )
            joins.update(entity_id, joined=True)
            joined.append(entity_id)
        if all(join.get("joined") for join in joins.load().values()):
            return joined
        if asyncio.get_running_loop().time() >= deadline:
            _LOGGER.warning(
                "The recorder compiled nothing yet for %s: joined on the next start",
                ", ".join(e for e, j in joins.load().items() if not j.get("joined")),
            )
            return joined
        await asyncio.sleep(poll)


async def import_house_history(
    client: HomeAssistantClient,
    vendor: Vendor,
    urls: Urls,
    entities: Iterable[Mapping[str, Any]],
    started_at: float,
    *,
    joins: JoinState,
    wait: float = ZERO_POINT_WAIT_SECONDS,
) -> dict[str, int]:
    """Import the house's hours before the start; return entity id -> rows imported.

    It waits (up to ``wait`` seconds) for each sensor's first recorded state, its zero
    point; the join with the recorder's sums is left to ``join_recorder``.

    The Powervault's energy sensors get its cloud's history; the V2C chargers' session
    counters get the evening sessions the Powervault's history counted (``EV_EVENING``).
    """
    if vendor.domain not in ("powervault", "v2c_cloud"):
        return {}
    config = await client.ws("get_config")
    time_zone = ZoneInfo(config["time_zone"])
    states = await client.states()
    if vendor.domain == "powervault":
        keys = set(POWERVAULT_FLOWS)
        buckets = await powervault_buckets(urls, "sim-powervault-key")
    else:
        keys = {"charge_energy"}
        buckets = {}
    origin = history_start(started_at, time_zone)
    imported: dict[str, int] = {}
    for entity in entities:
        key = entity.get("translation_key")
        if entity["platform"] != vendor.domain or key not in keys or entity.get("disabled_by"):
            continue
        entity_id = entity["entity_id"]
        unit = states.get(entity_id, {}).get("attributes", {}).get("unit_of_measurement")
        if unit not in UNIT_WH:
            continue
        zero = await _recorded_zero_point(client, entity_id, started_at - 60, wait)
        if zero is None:
            _LOGGER.warning("%s: no recorded state: no history", entity_id)
            continue
        zero_time, zero_value = zero
        if vendor.domain == "powervault":
            rows, adjustment = hourly_rows(
                buckets[key], zero_time, zero_value * UNIT_WH[unit], time_zone, UNIT_WH[unit]
            )
        else:
            minutes = charger_minutes(origin, zero_time)
            rows, adjustment = hourly_rows(
                minutes, zero_time, None, time_zone, UNIT_WH[unit], bucket_seconds=60
            )
        if count := await import_entity_history(
            client,
            joins,
            entity_id,
            unit=unit,
            rows=rows,
            adjustment=adjustment,
            zero_time=zero_time,
        ):
            imported[entity_id] = count
    if imported:
        _LOGGER.info(
            "%s: imported the last %s hours into the Energy dashboard's statistics",
            vendor.title,
            max(imported.values()),
        )
    return imported


def history_start(ts: float, time_zone: ZoneInfo) -> float:
    """Return yesterday's local midnight: where the simulated house's history begins."""
    today = datetime.fromtimestamp(ts, time_zone).date()
    yesterday = datetime.combine(today, time(), time_zone) - timedelta(hours=12)
    return datetime.combine(yesterday.date(), time(), time_zone).timestamp()
