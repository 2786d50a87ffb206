"""Tesla's HA-side helpers: the command scope the user granted, a broken tariff's error.

The commands themselves go through the shared command path (``hass/command.py``) with each
site's ``CommandTarget`` (``coordinator.site_command_target``).
"""

from __future__ import annotations

from homeassistant.exceptions import ServiceValidationError

from .api import Scope, TariffCode, TariffError
from .const import DOMAIN
from .coordinator import TeslaEnergyConfigEntry

# The message of each form of a broken tariff's problem; those of the sell tariff say so.
TARIFF_PROBLEM_KEYS: dict[TariffCode, str] = {
    TariffCode.NOT_AN_OBJECT: "tariff_not_an_object",
    TariffCode.INVALID_CURRENCY: "tariff_invalid_currency",
    TariffCode.NO_SEASONS: "tariff_no_seasons",
    TariffCode.INVALID_SEASON: "tariff_invalid_season",
    TariffCode.INVALID_SEASON_NOT_OBJECT: "tariff_invalid_season_not_object",
    TariffCode.SEASON_GAP: "tariff_season_gap",
    TariffCode.SEASON_OVERLAP: "tariff_season_overlap",
    TariffCode.INVALID_PERIOD: "tariff_invalid_period",
    TariffCode.INVALID_PERIOD_NOT_LIST: "tariff_invalid_period_not_list",
    TariffCode.PERIOD_GAP: "tariff_period_gap",
    TariffCode.PERIOD_OVERLAP: "tariff_period_overlap",
    TariffCode.PRICE_WITHOUT_TIMES: "tariff_price_without_times",
    TariffCode.PRICE_WITHOUT_TIMES_NO_DATES: "tariff_price_without_times_no_dates",
    TariffCode.TIMES_WITHOUT_PRICE: "tariff_times_without_price",
    TariffCode.INVALID_PRICE: "tariff_invalid_price",
    TariffCode.INVALID_PRICE_OUT_OF_RANGE: "tariff_invalid_price_out_of_range",
    TariffCode.INVALID_PRICE_DEMAND: "tariff_invalid_price_demand",
    TariffCode.INVALID_PRICE_DEMAND_OUT_OF_RANGE: "tariff_invalid_price_demand_out_of_range",
    TariffCode.INVALID_PRICE_DAILY: "tariff_invalid_price_daily",
    TariffCode.NEGATIVE_PRICE: "tariff_negative_price",
    TariffCode.NEGATIVE_PRICE_DEMAND: "tariff_negative_price_demand",
    TariffCode.SELL_ABOVE_BUY: "tariff_sell_above_buy",
}
# The currency and the comparison of sell with buy belong to the whole tariff, and a sell
# tariff without seasons follows the buy tariff's: these have no sell form.
SELL_TARIFF_PROBLEM_KEYS: dict[TariffCode, str] = {
    TariffCode.INVALID_SEASON: "tariff_sell_invalid_season",
    TariffCode.INVALID_SEASON_NOT_OBJECT: "tariff_sell_invalid_season_not_object",
    TariffCode.SEASON_GAP: "tariff_sell_season_gap",
    TariffCode.SEASON_OVERLAP: "tariff_sell_season_overlap",
    TariffCode.INVALID_PERIOD: "tariff_sell_invalid_period",
    TariffCode.INVALID_PERIOD_NOT_LIST: "tariff_sell_invalid_period_not_list",
    TariffCode.PERIOD_GAP: "tariff_sell_period_gap",
    TariffCode.PERIOD_OVERLAP: "tariff_sell_period_overlap",
    TariffCode.PRICE_WITHOUT_TIMES: "tariff_sell_price_without_times",
    TariffCode.PRICE_WITHOUT_TIMES_NO_DATES: "tariff_sell_price_without_times_no_dates",
    TariffCode.TIMES_WITHOUT_PRICE: "tariff_sell_times_without_price",
    TariffCode.INVALID_PRICE: "tariff_sell_invalid_price",
    TariffCode.INVALID_PRICE_OUT_OF_RANGE: "tariff_sell_invalid_price_out_of_range",
    TariffCode.INVALID_PRICE_DEMAND: "tariff_sell_invalid_price_demand",
    TariffCode.INVALID_PRICE_DEMAND_OUT_OF_RANGE: "tariff_sell_invalid_price_demand_out_of_range",
    TariffCode.INVALID_PRICE_DAILY: "tariff_sell_invalid_price_daily",
    TariffCode.NEGATIVE_PRICE: "tariff_sell_negative_price",
    TariffCode.NEGATIVE_PRICE_DEMAND: "tariff_sell_negative_price_demand",
}


def tariff_error(err: TariffError) -> ServiceValidationError:
    """Return the error of a broken tariff: how many problems, and the first one in words.

    One message has one translation, so the others are counted, not told: the next send
    tells the next one. The frontend words it in the user's language from the key.
    """
    problem = err.problems[0]
    keys = SELL_TARIFF_PROBLEM_KEYS if problem.sell_tariff else TARIFF_PROBLEM_KEYS
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=keys[problem.code],
        translation_placeholders={**problem.values, "problems": str(len(err.problems))},
    )


def require_command_scope(entry: TeslaEnergyConfigEntry) -> None:
    """Refuse a command when the user did not grant the commands scope."""
    if Scope.ENERGY_CMDS not in entry.runtime_data.scopes:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="missing_command_scope",
            translation_placeholders={"scope": Scope.ENERGY_CMDS.value},
        )
