"""A broken tariff's problems, said in the language of Home Assistant.

The validator (``api/tariff.py``) gives each problem as data; the words come from the
``tariff_*`` keys under ``exceptions`` in the translations. A problem whose words are missing
(or do not fit its data) is said with the validator's English message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.translation import async_get_translations

from .api import TariffError, TariffProblem, TariffRule
from .const import DOMAIN

_PREFIX = f"component.{DOMAIN}.exceptions."


async def async_tariff_error(hass: HomeAssistant, err: TariffError) -> ServiceValidationError:
    """Return the error for a broken tariff, its problems in the user's language."""
    translations = await async_get_translations(hass, hass.config.language, "exceptions", [DOMAIN])
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="invalid_tariff",
        translation_placeholders={
            "problems": "\n".join(f"- {problem_text(translations, p)}" for p in err.problems)
        },
    )


def problem_text(translations: Mapping[str, str], problem: TariffProblem) -> str:
    """Return one problem in the translations' language (or its English message)."""
    try:
        return _Phrasebook(translations).problem(problem)
    except KeyError, IndexError, ValueError, AttributeError:
        # A missing key, a placeholder the problem has no value for, a bad list of names.
        return problem.message


class _Phrasebook:
    """The ``tariff_*`` messages of one language (loaded translations, no I/O)."""

    def __init__(self, translations: Mapping[str, str]) -> None:
        self._translations = translations

    def text(self, key: str, **placeholders: str) -> str:
        """Return the message of ``tariff_<key>`` with its placeholders filled in."""
        return self._translations[f"{_PREFIX}tariff_{key}.message"].format(**placeholders)

    def names(self, key: str, count: int) -> list[str]:
        """Return the comma-separated names of ``tariff_<key>`` (weekdays, months)."""
        names = [name.strip() for name in self.text(key).split(",")]
        if len(names) != count or not all(names):
            raise ValueError(key)
        return names

    def problem(self, problem: TariffProblem) -> str:
        placeholders = dict(problem.details)
        if (listed := _LISTS.get(problem.rule)) is not None:
            placeholder, say_item, separator = listed
            shown = separator.join(say_item(self, item) for item in problem.items)
            if problem.more:
                shown = self.text("more", items=shown, count=str(problem.more))
            placeholders[placeholder] = shown
        text = self.text(problem.code, **placeholders)
        return self.text("sell_tariff", problem=text) if problem.sell_tariff else text

    def date(self, month: str, day: str) -> str:
        return self.text("date", month=self.names("months", 12)[int(month) - 1], day=day)

    def days(self, item: Mapping[str, str]) -> str:
        start = self.date(item["from_month"], item["from_day"])
        end = self.date(item["to_month"], item["to_day"])
        return start if start == end else f"{start}-{end}"

    def times(self, item: Mapping[str, str]) -> str:
        weekday = self.names("weekdays", 7)[int(item["weekday"])]
        return f"{weekday} {item['start']}-{item['end']}"

    def moment(self, item: Mapping[str, str]) -> str:
        weekday = self.names("weekdays", 7)[int(item["weekday"])]
        return self.text(
            "sell_above_buy_moment",
            weekday=weekday,
            time=item["time"],
            season=item["season"],
            sell=item["sell"],
            buy=item["buy"],
        )


# The rules that list places: the placeholder that holds the list, how to say one place,
# and what goes between two.
_LISTS: dict[TariffRule, tuple[str, Callable[[_Phrasebook, Mapping[str, str]], str], str]] = {
    TariffRule.SEASON_GAP: ("days", _Phrasebook.days, ", "),
    TariffRule.SEASON_OVERLAP: ("days", _Phrasebook.days, ", "),
    TariffRule.PERIOD_GAP: ("times", _Phrasebook.times, ", "),
    TariffRule.PERIOD_OVERLAP: ("times", _Phrasebook.times, ", "),
    TariffRule.SELL_ABOVE_BUY: ("moments", _Phrasebook.moment, "; "),
}
