"""The Fleet API bill: budget settings from the options and the projected cost.

The calls of the day are the account budget's own ``today`` (one ledger, persisted with it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..energy_bridges_common.client.budget import (
    BudgetConsumer,
    BudgetPeriod,
    CallBudget,
    allocate_intervals,
)
from .api.const import DATA_CALLS_PER_USD, FREE_MONTHLY_CREDIT_USD
from .const import (
    BUDGET_MODE_DAILY,
    CONF_BUDGET_MODE,
    CONF_CALLS_PER_DAY,
    CONF_MONTHLY_AMOUNT,
    DEFAULT_CALLS_PER_DAY,
    DEFAULT_MONTHLY_AMOUNT,
    HISTORY_MIN_INTERVAL,
    HISTORY_WEIGHT,
    INFO_MIN_INTERVAL,
    INFO_WEIGHT,
    LIVE_MIN_INTERVAL,
    LIVE_WEIGHT,
    MAX_INTERVAL,
)

DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True, slots=True)
class BudgetSettings:
    """The quota the options stand for."""

    quota: int
    reserve: int
    period: BudgetPeriod


def budget_settings(options: Mapping[str, Any]) -> BudgetSettings:
    """Return the quota, the commands' reserve and the period the options ask for.

    A monthly amount is counted at the data-call price (commands cost half as much, so the
    bill can only come out lower); calls per day are a daily quota.
    """
    if options.get(CONF_BUDGET_MODE) == BUDGET_MODE_DAILY:
        quota = int(options.get(CONF_CALLS_PER_DAY, DEFAULT_CALLS_PER_DAY))
        period = BudgetPeriod.DAY
    else:
        amount = float(options.get(CONF_MONTHLY_AMOUNT, DEFAULT_MONTHLY_AMOUNT))
        quota = int(amount * DATA_CALLS_PER_USD)
        period = BudgetPeriod.MONTH
    # Keep a few calls for the user's own commands: a setting change must not wait for
    # the next period because polling spent everything.
    reserve = max(2, min(quota // 20, 100))
    return BudgetSettings(quota=quota, reserve=reserve, period=period)


@dataclass(frozen=True, slots=True)
class PlannedIntervals:
    """How often each site's data is read at a budget (seconds)."""

    live: float
    site_info: float
    history: float


def planned_intervals(settings: BudgetSettings, sites: int) -> PlannedIntervals:
    """Return the intervals a budget gives each of ``sites`` sites over a whole period.

    The same allocation the running budget makes (its consumers are the coordinators, with
    the same fastest intervals and weights), for a period that starts now with nothing
    spent: what a user should expect on an ordinary day.
    """
    consumers = {
        f"{kind} {site}": BudgetConsumer(
            name=f"{kind} {site}",
            calls_per_update=1,
            min_interval=interval.total_seconds(),
            weight=weight,
        )
        for site in range(max(sites, 1))
        for kind, interval, weight in (
            ("live", LIVE_MIN_INTERVAL, LIVE_WEIGHT),
            ("info", INFO_MIN_INTERVAL, INFO_WEIGHT),
            ("history", HISTORY_MIN_INTERVAL, HISTORY_WEIGHT),
        )
    }
    days = 1.0 if settings.period is BudgetPeriod.DAY else DAYS_PER_MONTH
    intervals = allocate_intervals(
        consumers,
        settings.quota - settings.reserve,
        days * 86400.0,
        max_interval=MAX_INTERVAL.total_seconds(),
    )
    return PlannedIntervals(
        live=intervals["live 0"], site_info=intervals["info 0"], history=intervals["history 0"]
    )


def projected_monthly_calls(budget: CallBudget) -> float:
    """Return the calls a whole month at today's pace comes to.

    What was spent in this period plus what the consumers will spend at their current
    intervals until it ends (never more than the quota), scaled to a month for a daily
    budget.
    """
    intervals = budget.intervals()
    seconds_left = budget.seconds_left
    ahead = sum(
        seconds_left
        / max(intervals.get(name, budget.max_interval), 1.0)
        * consumer.calls_per_update
        for name, consumer in budget.consumers.items()
    )
    calls = min(budget.used + ahead, float(budget.quota))
    if budget.period is BudgetPeriod.DAY:
        return calls * DAYS_PER_MONTH
    return calls


def projected_monthly_cost(budget: CallBudget) -> float:
    """Return the projected bill of the month before the free credit (USD).

    Every call is priced as a data request; commands cost half that, so the real bill can
    only come out lower.
    """
    return round(projected_monthly_calls(budget) / DATA_CALLS_PER_USD, 2)


def cost_after_credit(cost: float) -> float:
    """Return what is left to pay once the monthly credit is used."""
    return round(max(cost - FREE_MONTHLY_CREDIT_USD, 0.0), 2)
