"""The house's past hours as the Energy dashboard reads them, and whether they balance.

The Energy dashboard asks the recorder for each hour's ``change`` of the statistics its
preferences name (``recorder/statistics_during_period``, period ``hour``): so does this.
The one house balances when, every hour, what came in (grid import, solar, battery
discharge) minus what went out (grid export, battery charge) is the home's consumption, and
that covers the chargers, whose cars charge in the home.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
import math
from typing import Any
from zoneinfo import ZoneInfo

from ha_client import HomeAssistantClient
from history import history_start

HOUR = 3600
ROLES = ("import", "export", "solar", "charge", "discharge", "chargers")
# Hourly statistics are rounded to 0.1 Wh when imported: a little slack for the sums.
SLACK_KWH = 0.01


def statistic_roles(prefs: dict[str, Any]) -> dict[str, list[str]]:
    """Return role -> statistic ids of the Energy dashboard's preferences."""
    roles: dict[str, list[str]] = defaultdict(list)
    for source in prefs.get("energy_sources", []):
        pairs: tuple[tuple[str, str], ...] = ()
        if source["type"] == "grid":
            pairs = (("import", "stat_energy_from"), ("export", "stat_energy_to"))
        elif source["type"] == "solar":
            pairs = (("solar", "stat_energy_from"),)
        elif source["type"] == "battery":
            pairs = (("discharge", "stat_energy_from"), ("charge", "stat_energy_to"))
        for role, key in pairs:
            if source.get(key):
                roles[role].append(source[key])
    for device in prefs.get("device_consumption", []):
        roles["chargers"].append(device["stat_consumption"])
    return roles


async def past_hours(client: HomeAssistantClient, started_at: float) -> dict[str, list[float]]:
    """Return role -> kWh of each hour from yesterday's midnight to the start's hour."""
    config = await client.ws("get_config")
    since = history_start(started_at, ZoneInfo(config["time_zone"]))
    until = started_at - started_at % HOUR
    roles = statistic_roles(await client.ws("energy/get_prefs"))
    ids = sorted({statistic_id for ids in roles.values() for statistic_id in ids})
    result = await client.ws(
        "recorder/statistics_during_period",
        start_time=datetime.fromtimestamp(since, UTC).isoformat(),
        end_time=datetime.fromtimestamp(until, UTC).isoformat(),
        statistic_ids=ids,
        period="hour",
        types=["change"],
        units={"energy": "kWh"},
    )
    hours = [since + index * HOUR for index in range(round((until - since) / HOUR))]
    by_start = {
        statistic_id: {row["start"] / 1000: row.get("change") for row in rows}
        for statistic_id, rows in result.items()
    }
    table: dict[str, list[float]] = {}
    for role in ROLES:
        values = []
        for hour in hours:
            changes = [by_start.get(statistic_id, {}).get(hour) for statistic_id in roles[role]]
            # An hour without a row (or a role without a statistic) is not there: NaN.
            values.append(
                sum(c for c in changes if c is not None)
                if changes and None not in changes
                else float("nan")
            )
        table[role] = values
    return table


def balance_problems(table: dict[str, list[float]]) -> list[str]:
    """Return what is missing or does not add up in the house's past hours (none: fine)."""
    problems = [
        f"{role}: hour {index} has no statistics"
        for role, values in table.items()
        for index, value in enumerate(values)
        if math.isnan(value)
    ]
    if problems or not table["import"]:
        return problems or ["no past hours"]
    for index in range(len(table["import"])):
        hour = {role: values[index] for role, values in table.items()}
        home = hour["import"] + hour["solar"] + hour["discharge"] - hour["export"] - hour["charge"]
        if min(hour.values()) < 0:
            problems.append(f"hour {index}: a negative bar {hour}")
        if home <= 0:
            problems.append(f"hour {index}: the home consumed nothing {hour}")
        elif home + SLACK_KWH < hour["chargers"]:
            problems.append(f"hour {index}: the chargers used more than the home {hour}")
    problems.extend(
        f"{role}: nothing in the past hours"
        for role in ("import", "solar", "chargers")
        if sum(table[role]) <= 0
    )
    if sum(table["charge"]) + sum(table["discharge"]) <= 0:
        problems.append("the battery did nothing in the past hours")
    return problems
