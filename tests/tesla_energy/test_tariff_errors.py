"""A broken tariff's error: one translation key per form of problem, its values as placeholders.

No words are built in Python: the key picks the message (in ``translations/*.json``), the
problem's values fill it in, and Home Assistant's frontend says it in the user's language.
"""

from __future__ import annotations

from collections.abc import Callable
import copy
import json
from pathlib import Path
from string import Formatter
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.tesla_energy
from custom_components.tesla_energy.api.tariff import TariffCode, TariffProblem, tariff_problems
from custom_components.tesla_energy.const import DOMAIN
from custom_components.tesla_energy.helpers import SELL_TARIFF_PROBLEM_KEYS, TARIFF_PROBLEM_KEYS
from simulators.tesla import TeslaFleetSimulator

from .conftest import ACCOUNT, HOME_SITE
from .tariffs import pge_tariff
from .test_services import call, site_device

TRANSLATIONS = Path(custom_components.tesla_energy.__file__).parent / "translations"
LANGUAGES = ("en", "de", "nl", "fr", "es", "it")
MESSAGES: dict[str, dict[str, str]] = {
    language: {
        key: value["message"]
        for key, value in json.loads(
            (TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8")
        )["exceptions"].items()
    }
    for language in LANGUAGES
}
# Problems of the whole tariff, never of its sell tariff alone (a sell tariff without seasons
# follows the buy tariff's).
WHOLE_TARIFF = {
    TariffCode.NOT_AN_OBJECT,
    TariffCode.INVALID_CURRENCY,
    TariffCode.SELL_ABOVE_BUY,
    TariffCode.NO_SEASONS,
}

# Changes that break one schedule (the buy tariff or a sell tariff with seasons of its own).
SCHEDULE_CHANGES: list[Callable[[dict[str, Any]], Any]] = [
    lambda t: t.update(seasons={}),
    lambda t: t["seasons"].update(Summer="all year"),
    lambda t: t["seasons"]["Summer"].update(fromMonth=13),
    lambda t: t["seasons"]["Summer"].update(toDay=29),
    lambda t: t["seasons"]["Summer"].update(toMonth=10, toDay=3),
    lambda t: t["seasons"]["Summer"]["tou_periods"].update(ON_PEAK={"periods": "evening"}),
    lambda t: t["seasons"]["Summer"]["tou_periods"]["ON_PEAK"]["periods"][0].update(toHour=25),
    lambda t: t["seasons"]["Winter"]["tou_periods"]["ON_PEAK"]["periods"][0].update(toHour=20),
    lambda t: t["seasons"]["Summer"]["tou_periods"]["ON_PEAK"]["periods"][0].update(fromHour=14),
    lambda t: t["energy_charges"]["Summer"]["rates"].update(HOLIDAY=0.01),
    lambda t: t["energy_charges"].update(Spring={"rates": {"ON_PEAK": 0.01}}),
    lambda t: (
        t["energy_charges"].pop("ALL", None),
        t["energy_charges"]["Winter"]["rates"].pop("OFF_PEAK"),
    ),
    lambda t: t["energy_charges"]["Winter"]["rates"].update(OFF_PEAK="cheap"),
    lambda t: t["energy_charges"]["Winter"]["rates"].update(OFF_PEAK=1e30),
    lambda t: t["energy_charges"]["Winter"]["rates"].update(OFF_PEAK=-0.01),
    lambda t: t["demand_charges"].update(Winter={"rates": {"ON_PEAK": "high"}}),
    lambda t: t["demand_charges"].update(Winter={"rates": {"ON_PEAK": 5e9}}),
    lambda t: t["demand_charges"].update(Winter={"rates": {"ON_PEAK": -2}}),
    lambda t: t.update(daily_charges=[{"name": "Charge", "amount": float("inf")}]),
]


def _with_own_sell_seasons() -> dict[str, Any]:
    """Return the tariff with a sell tariff that has its own seasons and charges."""
    tariff = pge_tariff()
    sell = tariff["sell_tariff"]
    sell["seasons"] = copy.deepcopy(tariff["seasons"])
    sell["demand_charges"] = {}
    return tariff


def catalog() -> list[TariffProblem]:
    """Return problems of every form, in the buy tariff and in the sell tariff."""
    problems = tariff_problems(["not", "a", "tariff"])
    whole = pge_tariff()
    whole["currency"] = "JPY"
    whole["sell_tariff"]["energy_charges"]["Summer"]["rates"]["OFF_PEAK"] = 0.3
    problems += tariff_problems(whole)
    for change in SCHEDULE_CHANGES:
        buy = pge_tariff()
        change(buy)
        problems += tariff_problems(buy)
        both = _with_own_sell_seasons()
        change(both["sell_tariff"])
        problems += tariff_problems(both)
    return problems


def placeholders(message: str) -> set[str]:
    """Return the names of a message's placeholders."""
    return {name for _, name, _, _ in Formatter().parse(message) if name}


def test_every_form_of_problem_has_its_key() -> None:
    """Each code has a message; each code a sell tariff can break has one that says so."""
    assert set(TARIFF_PROBLEM_KEYS) == set(TariffCode)
    assert set(SELL_TARIFF_PROBLEM_KEYS) == set(TariffCode) - WHOLE_TARIFF
    problems = catalog()
    assert {p.code for p in problems if not p.sell_tariff} == set(TariffCode)
    assert {p.code for p in problems if p.sell_tariff} == set(TariffCode) - WHOLE_TARIFF


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_problem_fills_its_message(language: str) -> None:
    """A problem's values are exactly the placeholders of its message, in every language."""
    for problem in catalog():
        keys = SELL_TARIFF_PROBLEM_KEYS if problem.sell_tariff else TARIFF_PROBLEM_KEYS
        message = MESSAGES[language][keys[problem.code]]
        assert placeholders(message) == {*problem.values, "problems"}, (language, problem)


def test_no_placeholder_in_quotes() -> None:
    """The frontend formats messages as ICU, where an apostrophe before { quotes it away."""
    quoted = [
        (language, key)
        for language, messages in MESSAGES.items()
        for key, message in messages.items()
        if "'{" in message
    ]
    assert quoted == []


async def test_the_action_tells_the_first_problem(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """The key and values of the first problem, and how many there are; nothing is sent."""
    before = sim.billing[ACCOUNT].commands
    device = site_device(hass, setup_integration)
    gap = pge_tariff()
    gap["seasons"]["Winter"]["tou_periods"]["ON_PEAK"]["periods"][0]["toHour"] = 20
    sell = pge_tariff()
    sell["sell_tariff"]["energy_charges"]["Summer"]["rates"]["OFF_PEAK"] = -0.05
    expected = [
        (
            gap,
            "tariff_period_gap",
            # Winter's ON_PEAK now ends at 20:00 and PARTIAL_PEAK starts at 21:00, every day.
            {
                "season": "Winter",
                "weekday": "0",
                "start": "20:00",
                "end": "21:00",
                "count": "7",
                "problems": "1",
            },
        ),
        (
            sell,
            "tariff_sell_negative_price",
            {"season": "Summer", "period": "OFF_PEAK", "price": "-0.05", "problems": "1"},
        ),
    ]
    for tariff, key, values in expected:
        with pytest.raises(ServiceValidationError) as caught:
            await call(hass, "set_time_of_use", {"device_id": device, "tariff": tariff})
        assert caught.value.translation_domain == DOMAIN
        assert caught.value.translation_key == key
        assert caught.value.translation_placeholders == values
        # Home Assistant's own message (English) is the filled-in translation.
        assert str(caught.value) == MESSAGES["en"][key].format(**values)
    assert HOME_SITE not in sim.tariffs
    assert sim.billing[ACCOUNT].commands == before
