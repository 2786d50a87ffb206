"""Tariffs for the tests: a real-world one and a hypothesis strategy of valid ones."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

LABELS = ("ON_PEAK", "OFF_PEAK", "PARTIAL_PEAK", "SUPER_OFF_PEAK")


def pge_tariff() -> dict[str, Any]:
    """Return a PG&E EV2-A-like tariff: two seasons, three periods, a sell tariff."""
    every_day = {"fromDayOfWeek": 0, "toDayOfWeek": 6}

    def periods() -> dict[str, Any]:
        return {
            "ON_PEAK": {"periods": [{**every_day, "fromHour": 16, "toHour": 21}]},
            "PARTIAL_PEAK": {
                "periods": [
                    {**every_day, "fromHour": 15, "toHour": 16},
                    {**every_day, "fromHour": 21, "toHour": 24},
                ]
            },
            # Keys left out are zero, as Tesla sends them.
            "OFF_PEAK": {"periods": [{"toDayOfWeek": 6, "toHour": 15}]},
        }

    return {
        "version": 1,
        "code": "EV2-A",
        "name": "Residential EV",
        "utility": "PG&E",
        "currency": "USD",
        "daily_charges": [{"name": "Charge", "amount": 0}],
        "demand_charges": {"ALL": {"rates": {"ALL": 0}}, "Summer": {}, "Winter": {}},
        "energy_charges": {
            "ALL": {"rates": {"ALL": 0}},
            "Summer": {"rates": {"ON_PEAK": 0.55, "PARTIAL_PEAK": 0.44, "OFF_PEAK": 0.23}},
            "Winter": {"rates": {"ON_PEAK": 0.42, "PARTIAL_PEAK": 0.4, "OFF_PEAK": 0.23}},
        },
        "seasons": {
            "Summer": {
                "fromMonth": 6,
                "fromDay": 1,
                "toMonth": 9,
                "toDay": 30,
                "tou_periods": periods(),
            },
            "Winter": {
                "fromMonth": 10,
                "fromDay": 1,
                "toMonth": 5,
                "toDay": 31,
                "tou_periods": periods(),
            },
        },
        "sell_tariff": {
            "name": "Export",
            "utility": "PG&E",
            "energy_charges": {
                "Summer": {"rates": {"ON_PEAK": 0.1, "PARTIAL_PEAK": 0.08, "OFF_PEAK": 0.05}},
                "Winter": {"rates": {"ON_PEAK": 0.1, "PARTIAL_PEAK": 0.08, "OFF_PEAK": 0.05}},
            },
        },
    }


def _month_day(day_of_year: int) -> tuple[int, int]:
    when = date(2023, 1, 1) + timedelta(days=day_of_year % 365)
    return when.month, when.day


@st.composite
def _day_schedule(draw: st.DrawFn) -> list[tuple[int, int, str]]:
    """Return (start minute, end minute, label) segments that cover a day exactly once."""
    points = sorted(draw(st.sets(st.integers(0, 95).map(lambda q: q * 15), min_size=1, max_size=5)))
    labels = [draw(st.sampled_from(LABELS)) for _ in points]
    segments = []
    for index, start in enumerate(points):
        end = points[(index + 1) % len(points)]
        segments.append((start, end, labels[index]))
    return segments


def _window(draw: st.DrawFn, days: tuple[int, int], start: int, end: int) -> dict[str, int]:
    to_hour, to_minute = divmod(end, 60)
    if end == 0 and draw(st.booleans()):
        to_hour = 24
    window = {
        "fromDayOfWeek": days[0],
        "toDayOfWeek": days[1],
        "fromHour": start // 60,
        "fromMinute": start % 60,
        "toHour": to_hour,
        "toMinute": to_minute,
    }
    if draw(st.booleans()):  # Tesla leaves zero values out
        window = {k: v for k, v in window.items() if v != 0}
    return window


@st.composite
def valid_tariffs(draw: st.DrawFn) -> dict[str, Any]:
    """Return a tariff that breaks no rule."""
    count = draw(st.integers(1, 4))
    starts = sorted(draw(st.sets(st.integers(0, 364), min_size=count, max_size=count)))
    seasons: dict[str, Any] = {}
    buy: dict[str, Any] = {}
    sell: dict[str, Any] = {}
    for index, start in enumerate(starts):
        end = starts[(index + 1) % count] - 1
        name = f"Season {index}"
        from_month, from_day = _month_day(start)
        to_month, to_day = _month_day(end)
        day_groups = draw(st.sampled_from([((0, 6),), ((0, 4), (5, 6)), ((5, 1), (2, 4))]))
        periods: dict[str, list[dict[str, int]]] = {}
        for days in day_groups:
            for seg_start, seg_end, label in draw(_day_schedule()):
                periods.setdefault(label, []).append(_window(draw, days, seg_start, seg_end))
        seasons[name] = {
            "fromMonth": from_month,
            "fromDay": from_day,
            "toMonth": to_month,
            "toDay": to_day,
            "tou_periods": {label: {"periods": windows} for label, windows in periods.items()},
        }
        prices = {label: draw(st.integers(0, 10_000)) / 10_000 for label in periods}
        buy[name] = {"rates": prices}
        sell[name] = {
            "rates": {
                label: round(price * draw(st.integers(0, 100)) / 100, 6)
                for label, price in prices.items()
            }
        }
    tariff: dict[str, Any] = {
        "version": 1,
        "code": "TEST",
        "name": "Generated",
        "utility": "Test utility",
        "currency": draw(st.sampled_from(["USD", "EUR", "GBP"])),
        "daily_charges": [{"name": "Charge", "amount": 0}],
        "energy_charges": buy,
        "seasons": seasons,
    }
    if draw(st.booleans()):
        tariff["sell_tariff"] = {"name": "Export", "energy_charges": sell}
    return tariff
