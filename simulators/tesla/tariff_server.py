"""What Tesla's servers do with a pushed tariff: accept it, fix prices, flag bad schedules.

Written apart from the integration's validator on purpose: the simulator is the referee.
The server answers 200 whatever it gets; negative prices become zero, a sell price above
the buy price lifts the buy price, and a schedule with gaps or overlaps is stored but shown
as "Invalid schedule" (``invalid_schedule`` in the simulator's state).
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

_CURRENCIES = ("USD", "EUR", "GBP")


def _week_cover(tou_periods: dict[str, Any]) -> list[int] | None:
    """Return how often each minute of the week is covered, or None when a field is bad."""
    cover = [0] * (7 * 1440)
    for entry in tou_periods.values():
        for p in entry.get("periods", []) if isinstance(entry, dict) else []:
            try:
                d0, d1 = int(p.get("fromDayOfWeek", 0)), int(p.get("toDayOfWeek", 0))
                a = int(p.get("fromHour", 0)) * 60 + int(p.get("fromMinute", 0))
                b = int(p.get("toHour", 0)) * 60 + int(p.get("toMinute", 0))
            except TypeError, ValueError, OverflowError:
                return None
            # Like Tesla's own check, values out of range make the schedule invalid (and a
            # day of 1e30 would otherwise loop for ever).
            if not (0 <= d0 <= 6 and 0 <= d1 <= 6 and 0 <= a <= 1440 and 0 <= b <= 1440):
                return None
            days = [d % 7 for d in range(d0, d1 + 1 if d1 >= d0 else d1 + 8)]
            b = b % 1440
            for d in days:
                minutes = range(a, b) if a < b else [*range(a, 1440), *range(b)]
                for m in minutes:
                    cover[d * 1440 + m] += 1
    return cover


def _year_cover(seasons: dict[str, Any]) -> list[int] | None:
    cover = [0] * 365
    for s in seasons.values():
        try:
            start = (date(2023, int(s["fromMonth"]), int(s["fromDay"])) - date(2023, 1, 1)).days
            end_day = min(int(s["toDay"]), 28 if int(s["toMonth"]) == 2 else 31)
            end = (date(2023, int(s["toMonth"]), end_day) - date(2023, 1, 1)).days
        except KeyError, TypeError, ValueError, OverflowError:
            return None
        days = range(start, end + 1) if start <= end else [*range(start, 365), *range(end + 1)]
        for d in days:
            cover[d] += 1
    return cover


def schedule_errors(tariff: dict[str, Any]) -> list[str]:
    """Return why the app would show "Invalid schedule" for this tariff (empty if it is fine)."""
    errors: list[str] = []
    if tariff.get("currency") not in _CURRENCIES:
        errors.append("currency")
    seasons = tariff.get("seasons")
    if not isinstance(seasons, dict) or not seasons:
        return [*errors, "no seasons"]
    year = _year_cover(seasons)
    if year is None or any(c != 1 for c in year):
        errors.append("seasons")
    charges = tariff.get("energy_charges") or {}
    for name, season in seasons.items():
        periods = season.get("tou_periods") or {}
        week = _week_cover(periods)
        if week is None or any(c != 1 for c in week):
            errors.append(f"periods of {name}")
        rates = (charges.get(name) or {}).get("rates") or {}
        fallback = (charges.get("ALL") or {}).get("rates") or {}
        errors.extend(
            f"price of {name}/{period}"
            for period in periods
            if period not in rates and "ALL" not in rates and "ALL" not in fallback
        )
        errors.extend(
            f"times of {name}/{period}"
            for period in rates
            if period != "ALL" and period not in periods
        )
    errors.extend(f"dates of {name}" for name in charges if name != "ALL" and name not in seasons)
    return errors


def accept(tariff: dict[str, Any]) -> dict[str, Any]:
    """Return the tariff as the server stores it (negative prices zero, buy >= sell)."""
    stored = copy.deepcopy(tariff)

    def clamp(charges: Any) -> None:
        for season in (charges or {}).values():
            rates: dict[str, Any] = (
                season.get("rates") if isinstance(season, dict) else None
            ) or {}
            for period, price in rates.items():
                if isinstance(price, int | float) and price < 0:
                    rates[period] = 0

    clamp(stored.get("energy_charges"))
    sell = stored.get("sell_tariff") or {}
    clamp(sell.get("energy_charges"))
    buy_rates = stored.get("energy_charges") or {}
    for season, entry in (sell.get("energy_charges") or {}).items():
        for period, price in (entry.get("rates") or {}).items():
            buy = (buy_rates.get(season) or {}).get("rates") or {}
            if isinstance(buy.get(period), int | float) and price > buy[period]:
                buy[period] = price
    return stored
