"""Every number of a tariff is bounded: extreme or non-finite values are told, never raised."""

from __future__ import annotations

from collections.abc import Callable
import math
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.api.tariff import MAX_PRICE, TariffRule, tariff_problems
from custom_components.tesla_energy.const import DOMAIN
from simulators.tesla import TeslaFleetSimulator

from .conftest import ACCOUNT, HOME_SITE
from .tariffs import pge_tariff
from .test_services import call, site_device

EXTREMES = [1e30, -1e30, 10**30, math.inf, -math.inf, math.nan, 1e308]

type Change = Callable[[dict[str, Any], Any], None]


def _season(key: str) -> Change:
    return lambda t, v: t["seasons"]["Summer"].update({key: v})


def _window(key: str) -> Change:
    return lambda t, v: t["seasons"]["Summer"]["tou_periods"]["ON_PEAK"]["periods"][0].update(
        {key: v}
    )


SEASON_FIELDS = [_season(k) for k in ("fromMonth", "fromDay", "toMonth", "toDay")]
WINDOW_FIELDS = [
    _window(k)
    for k in ("fromDayOfWeek", "toDayOfWeek", "fromHour", "fromMinute", "toHour", "toMinute")
]


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("change", SEASON_FIELDS)
def test_season_dates_out_of_range(change: Change, value: Any) -> None:
    """A season date of 1e30 (it overflowed the date arithmetic) is an invalid season."""
    tariff = pge_tariff()
    change(tariff, value)
    problems = tariff_problems(tariff)
    assert [p.code for p in problems if p.rule is TariffRule.INVALID_SEASON] == ["invalid_season"]
    assert next(p for p in problems if p.rule is TariffRule.INVALID_SEASON).details == {
        "season": "Summer"
    }


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("change", WINDOW_FIELDS)
def test_time_window_fields_out_of_range(change: Change, value: Any) -> None:
    """A day, hour or minute out of range is an invalid time window."""
    tariff = pge_tariff()
    change(tariff, value)
    problems = [p for p in tariff_problems(tariff) if p.rule is TariffRule.INVALID_PERIOD]
    assert [p.details["period"] for p in problems] == ["ON_PEAK"]


@pytest.mark.parametrize("value", [1e30, -1e30, 10**30, 1e308, MAX_PRICE * 1.01])
def test_energy_price_out_of_range(value: float) -> None:
    """A price beyond the bound is told as out of range, with the bound."""
    tariff = pge_tariff()
    tariff["energy_charges"]["Summer"]["rates"]["ON_PEAK"] = value
    # (A buy price of -1e30 also puts the sell price above it: that is told too.)
    problems = [p for p in tariff_problems(tariff) if p.rule is TariffRule.INVALID_PRICE]
    assert [p.code for p in problems] == ["invalid_price_out_of_range"]
    assert problems[0].details == {
        "season": "Summer",
        "period": "ON_PEAK",
        "price": f"{float(value):g}",
        "max": f"{MAX_PRICE:g}",
    }


def test_price_at_the_bound_is_accepted() -> None:
    """The bound itself is a price (the sell tariff stays below it)."""
    tariff = pge_tariff()
    tariff["energy_charges"]["Summer"]["rates"]["ON_PEAK"] = MAX_PRICE
    assert tariff_problems(tariff) == []


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_energy_price_not_finite(value: float) -> None:
    """inf and nan are not numbers."""
    tariff = pge_tariff()
    tariff["energy_charges"]["Summer"]["rates"]["ON_PEAK"] = value
    assert "invalid_price" in {p.code for p in tariff_problems(tariff)}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (math.nan, "invalid_price_demand"),
        (math.inf, "invalid_price_demand"),
        ("high", "invalid_price_demand"),
        (1e30, "invalid_price_demand_out_of_range"),
    ],
)
def test_demand_charge_bounds(value: Any, code: str) -> None:
    """Demand charges are checked like energy prices (they were not checked at all)."""
    tariff = pge_tariff()
    tariff["demand_charges"]["Summer"] = {"rates": {"ON_PEAK": value}}
    assert [p.code for p in tariff_problems(tariff)] == [code]


@pytest.mark.parametrize("value", [math.inf, math.nan, 1e30, -1e30, "ten"])
def test_daily_charge_bounds(value: Any) -> None:
    """A daily charge that is no amount, or beyond the bound, is told."""
    tariff = pge_tariff()
    tariff["daily_charges"] = [{"name": "Charge", "amount": value}]
    problems = tariff_problems(tariff)
    assert [p.code for p in problems] == ["invalid_price_daily"]
    assert problems[0].details["charge"] == "Charge"


async def test_extreme_tariff_through_the_action(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """The action says what is wrong; nothing is sent and nothing is billed."""
    before = sim.billing[ACCOUNT].commands
    tariff = pge_tariff()
    tariff["seasons"]["Summer"]["fromDay"] = 1e30
    tariff["energy_charges"]["Winter"]["rates"]["OFF_PEAK"] = 1e30
    with pytest.raises(ServiceValidationError) as caught:
        await call(
            hass,
            "set_time_of_use",
            {"device_id": site_device(hass, setup_integration), "tariff": tariff},
        )
    assert caught.value.translation_domain == DOMAIN
    # The season first; the price out of range is the second problem.
    assert caught.value.translation_key == "tariff_invalid_season"
    assert caught.value.translation_placeholders == {"season": "Summer", "problems": "2"}
    price = tariff_problems(tariff)[1]
    assert (price.code, price.values) == (
        "invalid_price_out_of_range",
        {"season": "Winter", "period": "OFF_PEAK", "price": "1e+30", "max": "1000"},
    )
    assert HOME_SITE not in sim.tariffs
    assert sim.billing[ACCOUNT].commands == before
