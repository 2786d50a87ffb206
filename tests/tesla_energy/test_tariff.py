"""The tariff validator: the rules Tesla enforces, checked before any call."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.tesla_energy.api.tariff import (
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
    ("change", "rule", "words"),
    [
        (lambda t: t.update(currency="JPY"), TariffRule.INVALID_CURRENCY, "'JPY'"),
        (lambda t: t.update(seasons={}), TariffRule.NO_SEASONS, "At least one season"),
        (
            lambda t: t["seasons"]["Summer"].update(toDay=29),
            TariffRule.SEASON_GAP,
            "No season covers Sep 30",
        ),
        (
            lambda t: t["seasons"]["Summer"].update(toMonth=10, toDay=3),
            TariffRule.SEASON_OVERLAP,
            "Seasons overlap on Oct 1-Oct 3",
        ),
        (
            lambda t: t["seasons"]["Summer"].update(fromMonth=13),
            TariffRule.INVALID_SEASON,
            "Season 'Summer'",
        ),
        (
            lambda t: t["seasons"]["Winter"]["tou_periods"]["ON_PEAK"]["periods"][0].update(
                toHour=20
            ),
            TariffRule.PERIOD_GAP,
            "Season 'Winter': no period covers Monday 20:00-21:00",
        ),
        (
            lambda t: t["seasons"]["Summer"]["tou_periods"]["ON_PEAK"]["periods"][0].update(
                fromHour=14
            ),
            TariffRule.PERIOD_OVERLAP,
            "OFF_PEAK, ON_PEAK, PARTIAL_PEAK overlap at Monday 14:00-16:00",
        ),
        (
            lambda t: t["seasons"]["Summer"]["tou_periods"]["ON_PEAK"]["periods"][0].update(
                toHour=25
            ),
            TariffRule.INVALID_PERIOD,
            "invalid time window",
        ),
        (
            lambda t: t["energy_charges"]["Summer"]["rates"].update(HOLIDAY=0.1),
            TariffRule.PRICE_WITHOUT_TIMES,
            "Season 'Summer': HOLIDAY has a price but no times",
        ),
        (
            lambda t: t["energy_charges"].update(Spring={"rates": {"ON_PEAK": 0.3}}),
            TariffRule.PRICE_WITHOUT_TIMES,
            "Season 'Spring' has prices but no dates",
        ),
        (
            lambda t: (
                t["energy_charges"].pop("ALL"),
                t["energy_charges"]["Winter"]["rates"].pop("OFF_PEAK"),
            ),
            TariffRule.TIMES_WITHOUT_PRICE,
            "Season 'Winter': OFF_PEAK has times but no price",
        ),
        (
            lambda t: t["energy_charges"]["Winter"]["rates"].update(OFF_PEAK=-0.01),
            TariffRule.NEGATIVE_PRICE,
            "Price of 'OFF_PEAK' in season 'Winter' is negative (-0.01)",
        ),
        (
            lambda t: t["energy_charges"]["Winter"]["rates"].update(OFF_PEAK="cheap"),
            TariffRule.INVALID_PRICE,
            "is not a number",
        ),
        (
            lambda t: t["sell_tariff"]["energy_charges"]["Summer"]["rates"].update(OFF_PEAK=0.3),
            TariffRule.SELL_ABOVE_BUY,
            "Monday 00:00 in season 'Summer' (sell 0.3 > buy 0.23)",
        ),
    ],
)
def test_each_broken_rule_has_its_message(change: Any, rule: TariffRule, words: str) -> None:
    """Each kind of broken tariff is caught, with a message that says where."""
    tariff = pge_tariff()
    change(tariff)
    with pytest.raises(TariffError) as caught:
        validate_tariff(tariff)
    messages = [p.message for p in caught.value.problems if p.rule is rule]
    assert messages, caught.value.problems
    assert any(words in message for message in messages), messages
    assert words in str(caught.value)


def test_not_an_object() -> None:
    """A tariff that is not an object is refused at once."""
    assert rules_of(["not", "a", "tariff"]) == {TariffRule.NOT_AN_OBJECT}


def test_one_problem_per_rule_and_season() -> None:
    """Many broken minutes make one message per rule and season, not thousands."""
    tariff = pge_tariff()
    tariff["seasons"]["Summer"]["tou_periods"] = {"ON_PEAK": {"periods": []}}
    problems = [p for p in tariff_problems(tariff) if p.rule is TariffRule.PERIOD_GAP]
    assert len(problems) == 1
    assert "and 4 more" in problems[0].message


def test_problems_carry_their_details_as_data() -> None:
    """Each problem has the values its message uses, untranslated, for other languages."""
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
    assert sell.message == "Sell tariff: Price of 'OFF_PEAK' in season 'Summer' is negative (-0.05)"


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
