"""The tariff validator: the rules Tesla enforces, checked before any call."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.tesla_energy.api.tariff import (
    TariffCode,
    TariffError,
    TariffRule,
    tariff_problems,
    validate_tariff,
)
from simulators.tesla.tariff_server import schedule_errors

from .tariffs import pge_tariff, valid_tariffs

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rules_of(tariff: Any) -> set[TariffRule]:
    """Return the broken rules."""
    return {problem.rule for problem in tariff_problems(tariff)}


def test_real_world_tariff_is_valid() -> None:
    """A PG&E-like tariff with seasons across new year and a sell tariff passes."""
    validate_tariff(pge_tariff())
    assert schedule_errors(pge_tariff()) == []


def test_flat_tariff_with_all_fallbacks_is_valid() -> None:
    """One season, one whole-day period (from == to), priced by the ALL rate."""
    tariff = {
        "currency": "EUR",
        "energy_charges": {"ALL": {"rates": {"ALL": 0.3}}},
        "seasons": {
            "Year": {
                "fromMonth": 1,
                "fromDay": 1,
                "toMonth": 12,
                "toDay": 31,
                "tou_periods": {"OFF_PEAK": {"periods": [{"toDayOfWeek": 6}]}},
            }
        },
    }
    assert tariff_problems(tariff) == []


@pytest.mark.parametrize(
    ("change", "code", "values"),
    [
        (
            lambda t: t.update(currency="JPY"),
            TariffCode.INVALID_CURRENCY,
            {"currency": "JPY", "currencies": "EUR, GBP, USD"},
        ),
        (lambda t: t.update(seasons={}), TariffCode.NO_SEASONS, {}),
        (
            lambda t: t["seasons"]["Summer"].update(toDay=29),
            TariffCode.SEASON_GAP,
            {"from_month": "9", "from_day": "30", "to_month": "9", "to_day": "30", "count": "1"},
        ),
        (
            lambda t: t["seasons"]["Summer"].update(toMonth=10, toDay=3),
            TariffCode.SEASON_OVERLAP,
            {"from_month": "10", "from_day": "1", "to_month": "10", "to_day": "3", "count": "1"},
        ),
        (
            lambda t: t["seasons"]["Summer"].update(fromMonth=13),
            TariffCode.INVALID_SEASON,
            {"season": "Summer"},
        ),
        (
            lambda t: t["seasons"]["Winter"]["tou_periods"]["ON_PEAK"]["periods"][0].update(
                toHour=20
            ),
            TariffCode.PERIOD_GAP,
            # Every day of the week from 20:00 to 21:00: seven places, Monday (0) the first.
            {"season": "Winter", "weekday": "0", "start": "20:00", "end": "21:00", "count": "7"},
        ),
        (
            lambda t: t["seasons"]["Summer"]["tou_periods"]["ON_PEAK"]["periods"][0].update(
                fromHour=14
            ),
            TariffCode.PERIOD_OVERLAP,
            {
                "season": "Summer",
                "periods": "OFF_PEAK, ON_PEAK, PARTIAL_PEAK",
                "weekday": "0",
                "start": "14:00",
                "end": "16:00",
                "count": "7",
            },
        ),
        (
            lambda t: t["seasons"]["Summer"]["tou_periods"]["ON_PEAK"]["periods"][0].update(
                toHour=25
            ),
            TariffCode.INVALID_PERIOD,
            {"season": "Summer", "period": "ON_PEAK"},
        ),
        (
            lambda t: t["energy_charges"]["Summer"]["rates"].update(HOLIDAY=0.1),
            TariffCode.PRICE_WITHOUT_TIMES,
            {"season": "Summer", "periods": "HOLIDAY"},
        ),
        (
            lambda t: t["energy_charges"].update(Spring={"rates": {"ON_PEAK": 0.3}}),
            TariffCode.PRICE_WITHOUT_TIMES_NO_DATES,
            {"season": "Spring"},
        ),
        (
            lambda t: (
                t["energy_charges"].pop("ALL"),
                t["energy_charges"]["Winter"]["rates"].pop("OFF_PEAK"),
            ),
            TariffCode.TIMES_WITHOUT_PRICE,
            {"season": "Winter", "periods": "OFF_PEAK"},
        ),
        (
            lambda t: t["energy_charges"]["Winter"]["rates"].update(OFF_PEAK=-0.01),
            TariffCode.NEGATIVE_PRICE,
            {"season": "Winter", "period": "OFF_PEAK", "price": "-0.01"},
        ),
        (
            lambda t: t["energy_charges"]["Winter"]["rates"].update(OFF_PEAK="cheap"),
            TariffCode.INVALID_PRICE,
            {"season": "Winter", "period": "OFF_PEAK", "price": "'cheap'"},
        ),
        (
            lambda t: t["sell_tariff"]["energy_charges"]["Summer"]["rates"].update(OFF_PEAK=0.3),
            TariffCode.SELL_ABOVE_BUY,
            {"weekday": "0", "time": "00:00", "season": "Summer", "sell": "0.3", "buy": "0.23"},
        ),
    ],
)
def test_each_broken_rule_is_told_as_data(
    change: Any, code: TariffCode, values: dict[str, str]
) -> None:
    """Each kind of broken tariff is caught, with the values that say where (no words)."""
    tariff = pge_tariff()
    change(tariff)
    with pytest.raises(TariffError) as caught:
        validate_tariff(tariff)
    told = [p.values for p in caught.value.problems if p.code is code]
    assert told, caught.value.problems
    assert values.items() <= told[0].items()
    assert code.value in str(caught.value)


def test_not_an_object() -> None:
    """A tariff that is not an object is refused at once."""
    assert rules_of(["not", "a", "tariff"]) == {TariffRule.NOT_AN_OBJECT}


def test_one_problem_per_rule_and_season() -> None:
    """Many broken minutes make one message per rule and season, not thousands."""
    tariff = pge_tariff()
    tariff["seasons"]["Summer"]["tou_periods"] = {"ON_PEAK": {"periods": []}}
    problems = [p for p in tariff_problems(tariff) if p.rule is TariffRule.PERIOD_GAP]
    assert len(problems) == 1
    # A whole day uncovered on each of the 7 weekdays: three listed, four counted.
    assert (len(problems[0].items), problems[0].more, problems[0].values["count"]) == (3, 4, "7")


def test_problems_carry_their_details_as_data() -> None:
    """Each problem has the values its message uses, untranslated, for every language."""
    tariff = pge_tariff()
    tariff["seasons"]["Summer"]["toDay"] = 29
    tariff["seasons"]["Winter"]["tou_periods"]["ON_PEAK"]["periods"][0]["toHour"] = 20
    tariff["demand_charges"]["Winter"] = {"rates": {"ON_PEAK": -2.5}}
    tariff["sell_tariff"]["energy_charges"]["Summer"]["rates"]["OFF_PEAK"] = -0.05
    gap, season_gap, demand, sell = tariff_problems(tariff)

    assert (gap.code, gap.details, gap.more, gap.sell_tariff) == (
        "period_gap",
        {"season": "Winter"},
        4,
        False,
    )
    assert gap.items == tuple(
        {"weekday": str(day), "start": "20:00", "end": "21:00"} for day in range(3)
    )
    assert season_gap.code == "season_gap"
    assert season_gap.items == (
        {"from_month": "9", "from_day": "30", "to_month": "9", "to_day": "30"},
    )
    assert (demand.rule, demand.code, demand.details) == (
        TariffRule.NEGATIVE_PRICE,
        "negative_price_demand",
        {"season": "Winter", "period": "ON_PEAK", "price": "-2.5"},
    )
    assert (sell.code, sell.details, sell.sell_tariff) == (
        "negative_price",
        {"season": "Summer", "period": "OFF_PEAK", "price": "-0.05"},
        True,
    )


# --- property-based ---------------------------------------------------------------------------


@SETTINGS
@given(valid_tariffs())
def test_valid_tariffs_pass(tariff: dict[str, Any]) -> None:
    """Every generated valid tariff passes, and the simulated server agrees."""
    assert tariff_problems(tariff) == []
    assert schedule_errors(tariff) == []


@SETTINGS
@given(valid_tariffs(), st.sampled_from(["CHF", "usd", "", None, 840]))
def test_bad_currency_is_caught(tariff: dict[str, Any], currency: Any) -> None:
    """Only USD, EUR and GBP are accepted."""
    tariff["currency"] = currency
    assert rules_of(tariff) == {TariffRule.INVALID_CURRENCY}


@SETTINGS
@given(valid_tariffs(), st.data())
def test_season_gap_is_caught(tariff: dict[str, Any], data: st.DataObject) -> None:
    """A season ending a day early leaves a gap (or, alone, a missing day of the year)."""
    name = data.draw(st.sampled_from(sorted(tariff["seasons"])))
    season = tariff["seasons"][name]
    if (season["fromMonth"], season["fromDay"]) == (season["toMonth"], season["toDay"]):
        tariff["seasons"].pop(name)
        tariff["energy_charges"].pop(name)
        tariff.pop("sell_tariff", None)
        if not tariff["seasons"]:
            assert TariffRule.NO_SEASONS in rules_of(tariff)
            return
    elif season["toDay"] > 1:
        season["toDay"] -= 1
    else:
        # The last day of the month before, so the end never moves before the start.
        season["toMonth"] = season["toMonth"] - 1 or 12
        season["toDay"] = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[season["toMonth"] - 1]
    assert TariffRule.SEASON_GAP in rules_of(tariff)


@SETTINGS
@given(valid_tariffs(), st.data())
def test_season_overlap_is_caught(tariff: dict[str, Any], data: st.DataObject) -> None:
    """A second season over the same dates overlaps."""
    name = data.draw(st.sampled_from(sorted(tariff["seasons"])))
    tariff["seasons"]["Copy"] = copy.deepcopy(tariff["seasons"][name])
    tariff["energy_charges"]["Copy"] = copy.deepcopy(tariff["energy_charges"][name])
    assert TariffRule.SEASON_OVERLAP in rules_of(tariff)


@SETTINGS
@given(valid_tariffs(), st.data())
def test_period_gap_is_caught(tariff: dict[str, Any], data: st.DataObject) -> None:
    """Dropping one time window leaves hours of some day uncovered."""
    name = data.draw(st.sampled_from(sorted(tariff["seasons"])))
    periods = tariff["seasons"][name]["tou_periods"]
    label = data.draw(st.sampled_from(sorted(periods)))
    windows = periods[label]["periods"]
    windows.pop(data.draw(st.integers(0, len(windows) - 1)))
    assert TariffRule.PERIOD_GAP in rules_of(tariff)


@SETTINGS
@given(valid_tariffs(), st.data())
def test_period_overlap_is_caught(tariff: dict[str, Any], data: st.DataObject) -> None:
    """A window repeated under another label overlaps."""
    name = data.draw(st.sampled_from(sorted(tariff["seasons"])))
    periods = tariff["seasons"][name]["tou_periods"]
    label = data.draw(st.sampled_from(sorted(periods)))
    window = data.draw(st.sampled_from(periods[label]["periods"]))
    periods.setdefault("EXTRA", {"periods": []})["periods"].append(dict(window))
    tariff["energy_charges"][name]["rates"]["EXTRA"] = 0.0
    assert TariffRule.PERIOD_OVERLAP in rules_of(tariff)


@SETTINGS
@given(valid_tariffs(), st.data())
def test_price_without_times_is_caught(tariff: dict[str, Any], data: st.DataObject) -> None:
    """A priced period that has no times is caught."""
    name = data.draw(st.sampled_from(sorted(tariff["seasons"])))
    tariff["energy_charges"][name]["rates"]["HOLIDAY"] = 0.1
    assert rules_of(tariff) == {TariffRule.PRICE_WITHOUT_TIMES}


@SETTINGS
@given(valid_tariffs(), st.data())
def test_times_without_price_is_caught(tariff: dict[str, Any], data: st.DataObject) -> None:
    """A timed period that has no price is caught."""
    name = data.draw(st.sampled_from(sorted(tariff["seasons"])))
    rates = tariff["energy_charges"][name]["rates"]
    rates.pop(data.draw(st.sampled_from(sorted(rates))))
    assert TariffRule.TIMES_WITHOUT_PRICE in rules_of(tariff)


@SETTINGS
@given(valid_tariffs(), st.data(), st.integers(1, 10_000))
def test_negative_price_is_caught(tariff: dict[str, Any], data: st.DataObject, cents: int) -> None:
    """A negative buy price is caught."""
    name = data.draw(st.sampled_from(sorted(tariff["seasons"])))
    rates = tariff["energy_charges"][name]["rates"]
    rates[data.draw(st.sampled_from(sorted(rates)))] = -cents / 10_000
    assert TariffRule.NEGATIVE_PRICE in rules_of(tariff)


@SETTINGS
@given(valid_tariffs(), st.data(), st.integers(1, 10_000))
def test_sell_above_buy_is_caught(tariff: dict[str, Any], data: st.DataObject, cents: int) -> None:
    """A sell price above the buy price at the same moment is caught."""
    name = data.draw(st.sampled_from(sorted(tariff["seasons"])))
    rates = tariff["energy_charges"][name]["rates"]
    label = data.draw(st.sampled_from(sorted(rates)))
    sell = {
        season: {"rates": dict.fromkeys(r["rates"], 0.0)}
        for season, r in tariff["energy_charges"].items()
    }
    sell[name]["rates"][label] = rates[label] + cents / 10_000
    tariff["sell_tariff"] = {"name": "Export", "energy_charges": sell}
    assert rules_of(tariff) == {TariffRule.SELL_ABOVE_BUY}
