"""The demo house's past: hourly statistics for the hours before Home Assistant started.

A fresh Home Assistant has no long-term statistics: its Energy dashboard shows 0 kWh until
the recorder compiles the first hour. The house's simulator has been running since yesterday's
midnight, though (the Powervault cloud serves its 5-minute buckets), so the demo imports
those hours for the house's energy sensors with Home Assistant's documented websocket
command ``recorder/import_statistics``, as a person fixing statistics would. Nothing in the
integrations knows about it.

The V2C chargers charged both cars every evening before the start (``EV_EVENING``, which
the Powervault's simulated history counts in the home load): the demo imports those sessions
as the chargers' statistics, so the house's balance holds for its past too.

The sums must join the recorder's. For a ``total_increasing`` sensor the recorder's first
5-minute statistics start their sum at 0 at the sensor's first recorded state (the *zero
point*), each later one continues from the one before, and each compiled hour takes its sum
from them. The imported hours count from yesterday's midnight (sum 0 there: the Energy
dashboard takes an hour's energy as the difference from the hour before, and from 0 for the
first), and once the recorder has compiled its first 5 minutes, its own sums are raised by
the imported sum at the zero point (the documented ``recorder/adjust_sum_statistics``), so
the hour the demo started in counts from its start, and every hour before it counts what the
simulator says it did. ``state`` is the sensor's own reading at the end of the hour (the
day's total, which starts again at midnight).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
import logging
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from ha_client import HomeAssistantClient
from vendors import EV_EVENING, V2C_CHARGER_WATTS, Urls, Vendor, first

_LOGGER = logging.getLogger("demo")

BUCKET_SECONDS = 300
# The recorder compiles 5-minute statistics 10 s after every fifth minute.
SHORT_TERM_WAIT_SECONDS = 330.0
SHORT_TERM_POLL_SECONDS = 5.0
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


def window_buckets(
    window: str, watts: float, start: float, end: float, time_zone: ZoneInfo
) -> list[tuple[float, float]]:
    """Return one-minute buckets (start, Wh) of a daily ``HH:MM-HH:MM`` window's load."""
    first_text, _, last_text = window.partition("-")
    first, last = time.fromisoformat(first_text), time.fromisoformat(last_text)
    buckets = []
    minute = start - start % 60
    while minute < end:
        moment = datetime.fromtimestamp(minute, time_zone).time()
        buckets.append((minute, watts / 60 if first <= moment < last else 0.0))
        minute += 60
    return buckets


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


async def _has_statistics(
    client: HomeAssistantClient,
    statistic_id: str,
    start: float,
    end: float | None = None,
    period: str = "hour",
) -> bool:
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
    return bool(result.get(statistic_id))


async def _recorder_started(
    client: HomeAssistantClient, statistic_id: str, since: float, timeout: float
) -> bool:
    """Wait until the recorder has compiled the sensor's first 5 minutes (at most 5 min)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await _has_statistics(client, statistic_id, since, period="5minute"):
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(SHORT_TERM_POLL_SECONDS)
    return True


async def _import(
    client: HomeAssistantClient, entity_id: str, unit: str, rows: list[dict[str, Any]]
) -> None:
    await client.ws(
        "recorder/import_statistics",
        metadata={
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


async def import_house_history(
    client: HomeAssistantClient,
    vendor: Vendor,
    urls: Urls,
    entities: Iterable[Mapping[str, Any]],
    started_at: float,
    *,
    wait: float = SHORT_TERM_WAIT_SECONDS,
) -> dict[str, int]:
    """Import the house's hours before the start; return entity id -> rows imported.

    It waits (up to ``wait`` seconds) for the recorder's first 5-minute statistics of each
    sensor, whose sums it then raises to continue the imported ones.

    The Powervault's energy sensors get its cloud's history; the V2C chargers' session
    counters get the evening sessions the Powervault's history counted (``EV_EVENING``).
    Done once: a sensor that has statistics before its zero point's hour is left alone (a
    second start of the demo, or statistics changed by hand).
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
        # The recorder's first 5 minutes: its zero point is recorded (committed) by then.
        since = started_at - 60
        if not await _recorder_started(client, entity_id, since - since % HOUR, wait):
            _LOGGER.warning("%s: the recorder compiled nothing yet: no history", entity_id)
            continue
        zero = await _zero_point(client, entity_id, since)
        if zero is None:
            _LOGGER.warning("%s: no recorded state: no history", entity_id)
            continue
        zero_time, zero_value = zero
        if vendor.domain == "powervault":
            rows, adjustment = hourly_rows(
                buckets[key], zero_time, zero_value * UNIT_WH[unit], time_zone, UNIT_WH[unit]
            )
        else:
            minutes = window_buckets(EV_EVENING, V2C_CHARGER_WATTS, origin, zero_time, time_zone)
            rows, adjustment = hourly_rows(
                minutes, zero_time, None, time_zone, UNIT_WH[unit], bucket_seconds=60
            )
        if not rows:
            continue
        zero_hour = zero_time - zero_time % HOUR
        first_hour = datetime.fromisoformat(rows[0]["start"]).timestamp()
        if await _has_statistics(client, entity_id, first_hour, zero_hour):
            continue  # imported before, or statistics of another kind: leave them
        await _import(client, entity_id, unit, rows)
        await client.ws(
            "recorder/adjust_sum_statistics",
            statistic_id=entity_id,
            start_time=datetime.fromtimestamp(zero_hour, UTC).isoformat(),
            adjustment=adjustment,
            adjustment_unit_of_measurement=unit,
        )
        imported[entity_id] = len(rows)
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
