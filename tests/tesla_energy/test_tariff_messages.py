"""A broken tariff's problems are said in the language of Home Assistant."""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.tesla_energy
from custom_components.tesla_energy.api.tariff import TariffProblem, TariffRule, tariff_problems
from custom_components.tesla_energy.const import DOMAIN
from custom_components.tesla_energy.tariff_messages import problem_text
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
# The forms a problem takes: one per rule, and the variants of five rules.
CODES = {rule.value for rule in TariffRule} | {
    "invalid_season_not_object",
    "invalid_period_not_list",
    "price_without_times_no_dates",
    "negative_price_demand",
    "invalid_price_out_of_range",
    "invalid_price_demand",
    "invalid_price_demand_out_of_range",
    "invalid_price_daily",
}
# English words that differ from the validator's message: no has/have in other languages.
REPHRASED = {"price_without_times", "times_without_price"}


def flat(language: str, **changes: str | None) -> dict[str, str]:
    """Return a language's messages as Home Assistant's translation helper gives them."""
    messages = {**MESSAGES[language], **changes}
    return {
        f"component.{DOMAIN}.exceptions.{key}.message": text
        for key, text in messages.items()
        if text is not None
    }


def say(language: str) -> Callable[..., str]:
    """Return a function that fills in one of the language's ``tariff_*`` messages."""

    def text(key: str, **placeholders: str) -> str:
        return MESSAGES[language][f"tariff_{key}"].format(**placeholders)

    return text


def names(language: str, key: str) -> list[str]:
    """Return the weekday or month names of a language."""
    return [name.strip() for name in MESSAGES[language][f"tariff_{key}"].split(",")]


def broken_tariff() -> dict[str, Any]:
    """Return a tariff that breaks five rules, one of them in the sell tariff."""
    tariff = pge_tariff()
    tariff["currency"] = "JPY"
    tariff["seasons"]["Summer"]["toDay"] = 29
    tariff["seasons"]["Winter"]["tou_periods"]["ON_PEAK"]["periods"][0]["toHour"] = 20
    tariff["energy_charges"]["Winter"]["rates"]["OFF_PEAK"] = -0.1
    tariff["sell_tariff"]["energy_charges"]["Summer"]["rates"]["OFF_PEAK"] = -0.05
    return tariff


def catalog() -> list[TariffProblem]:
    """Return one problem of every form, and one of the sell tariff."""
    changes: list[Callable[[dict[str, Any]], Any]] = [
        lambda t: t.update(currency="CHF"),
        lambda t: t.update(seasons={}),
        lambda t: t["seasons"].update(Summer="all year"),
        lambda t: t["seasons"]["Summer"].update(fromMonth=13),
        lambda t: t["seasons"]["Summer"].update(toMonth=10, toDay=3),
        lambda t: t["seasons"]["Summer"]["tou_periods"].update(ON_PEAK={"periods": "evening"}),
        lambda t: t["seasons"]["Summer"]["tou_periods"]["ON_PEAK"]["periods"][0].update(toHour=25),
        lambda t: t["seasons"]["Summer"]["tou_periods"]["ON_PEAK"]["periods"][0].update(
            fromHour=14
        ),
        lambda t: t["energy_charges"]["Summer"]["rates"].update(HOLIDAY=0.1),
        lambda t: t["energy_charges"].update(ALL={}, Winter={"rates": {"ON_PEAK": 0.42}}),
        lambda t: t["energy_charges"]["Winter"]["rates"].update(OFF_PEAK="cheap"),
        lambda t: t["demand_charges"].update(Winter={"rates": {"ON_PEAK": -2}}),
        lambda t: t["energy_charges"]["Winter"]["rates"].update(OFF_PEAK=1e30),
        lambda t: t["demand_charges"].update(Winter={"rates": {"ON_PEAK": "high"}}),
        lambda t: t["demand_charges"].update(Winter={"rates": {"ON_PEAK": 5e9}}),
        lambda t: t.update(daily_charges=[{"name": "Charge", "amount": float("inf")}]),
        lambda t: t["sell_tariff"].update(
            seasons={"Year": {"fromMonth": 1, "fromDay": 1, "toMonth": 12, "toDay": 31}}
        ),
    ]
    problems = [*tariff_problems(["not", "a", "tariff"]), *tariff_problems(broken_tariff())]
    for change in changes:
        tariff = pge_tariff()
        change(tariff)
        problems.extend(tariff_problems(tariff))
    return problems


async def broken_tariff_error(
    hass: HomeAssistant, entry: MockConfigEntry, tariff: dict[str, Any]
) -> ServiceValidationError:
    """Push the tariff with the action; return the error it gives."""
    with pytest.raises(ServiceValidationError) as caught:
        await call(
            hass, "set_time_of_use", {"device_id": site_device(hass, entry), "tariff": tariff}
        )
    assert caught.value.translation_domain == DOMAIN
    assert caught.value.translation_key == "invalid_tariff"
    return caught.value


async def test_problems_in_german(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """A German user reads every problem in German; nothing is sent, nothing is billed."""
    hass.config.language = "de"
    before = sim.billing[ACCOUNT].commands
    de = say("de")
    weekdays, months = names("de", "weekdays"), names("de", "months")
    gap = ", ".join(f"{weekdays[day]} 20:00-21:00" for day in range(3))
    moments = "; ".join(
        de(
            "sell_above_buy_moment",
            weekday=weekdays[day],
            time="00:00",
            season="Winter",
            sell="0.05",
            buy="-0.1",
        )
        for day in range(3)
    )
    expected = [
        de("invalid_currency", currency="JPY", currencies="EUR, GBP, USD"),
        de("period_gap", season="Winter", times=de("more", items=gap, count="4")),
        de("season_gap", days=de("date", day="30", month=months[8])),
        de("negative_price", period="OFF_PEAK", season="Winter", price="-0.1"),
        de(
            "sell_tariff",
            problem=de("negative_price", period="OFF_PEAK", season="Summer", price="-0.05"),
        ),
        de("sell_above_buy", moments=de("more", items=moments, count="4")),
    ]

    err = await broken_tariff_error(hass, setup_integration, broken_tariff())

    assert err.translation_placeholders == {"problems": "\n".join(f"- {x}" for x in expected)}
    assert "Montag 20:00-21:00" in err.translation_placeholders["problems"]
    for problem in tariff_problems(broken_tariff()):
        assert problem.message not in err.translation_placeholders["problems"]
    assert HOME_SITE not in sim.tariffs
    assert sim.billing[ACCOUNT].commands == before


async def test_problems_in_english_are_unchanged(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """In English the problems read word for word as they always did."""
    assert hass.config.language == "en"
    err = await broken_tariff_error(hass, setup_integration, broken_tariff())

    assert err.translation_placeholders == {
        "problems": "- Currency 'JPY' is not one of EUR, GBP, USD\n"
        "- Season 'Winter': no period covers Monday 20:00-21:00, Tuesday 20:00-21:00, "
        "Wednesday 20:00-21:00 and 4 more (every day needs 24 hours)\n"
        "- No season covers Sep 30\n"
        "- Price of 'OFF_PEAK' in season 'Winter' is negative (-0.1)\n"
        "- Sell tariff: Price of 'OFF_PEAK' in season 'Summer' is negative (-0.05)\n"
        "- The sell price is above the buy price on "
        "Monday 00:00 in season 'Winter' (sell 0.05 > buy -0.1); "
        "Tuesday 00:00 in season 'Winter' (sell 0.05 > buy -0.1); "
        "Wednesday 00:00 in season 'Winter' (sell 0.05 > buy -0.1) and 4 more"
    }
    assert HOME_SITE not in sim.tariffs


async def test_problems_follow_a_change_of_language(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """The language is the one Home Assistant has when the action runs."""
    tariff = pge_tariff()
    tariff["currency"] = "JPY"
    expected = {
        language: "- "
        + say(language)("invalid_currency", currency="JPY", currencies="EUR, GBP, USD")
        for language in ("fr", "it")
    }
    assert expected["fr"] != expected["it"]
    for language, problems in expected.items():
        hass.config.language = language
        err = await broken_tariff_error(hass, setup_integration, tariff)
        assert err.translation_placeholders == {"problems": problems}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_problem_has_words_in_every_language(
    hass: HomeAssistant, language: str
) -> None:
    """Every form of problem is said in each language (none falls back to English)."""
    translations = await async_get_translations(hass, language, "exceptions", [DOMAIN])
    problems = catalog()
    assert {problem.code for problem in problems} == CODES
    assert any(problem.sell_tariff for problem in problems)
    for problem in problems:
        text = problem_text(translations, problem)
        if language == "en" and problem.code not in REPHRASED:
            assert text == problem.message
        else:
            assert text != problem.message, problem


def test_missing_words_fall_back_to_the_english_message() -> None:
    """A missing key, a placeholder without a value or a short list of names: English."""
    [currency, gap, _, negative, *_] = tariff_problems(broken_tariff())
    assert (currency.rule, gap.rule, negative.rule) == (
        TariffRule.INVALID_CURRENCY,
        TariffRule.PERIOD_GAP,
        TariffRule.NEGATIVE_PRICE,
    )
    de = say("de")
    german = de("negative_price", period="OFF_PEAK", season="Winter", price="-0.1")
    assert problem_text(flat("de"), negative) == german

    assert problem_text(flat("de", tariff_negative_price=None), negative) == negative.message
    assert problem_text(flat("de", tariff_negative_price="Preis {betrag}"), negative) == (
        negative.message
    )
    assert problem_text(flat("de", tariff_weekdays="Montag, Dienstag"), gap) == gap.message
    assert problem_text(flat("de", tariff_more=None), gap) == gap.message
    # The other problems keep their words.
    assert problem_text(flat("de", tariff_negative_price=None), currency) == de(
        "invalid_currency", currency="JPY", currencies="EUR, GBP, USD"
    )
