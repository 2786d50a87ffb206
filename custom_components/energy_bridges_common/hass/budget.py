"""One persisted call budget per cloud account, shared by all its entries and coordinators."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
import hashlib
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from ..client.budget import BudgetPeriod, CallBudget

STORAGE_VERSION = 1
SAVE_DELAY = 15


@dataclass
class _SharedBudget:
    budget: CallBudget
    store: Store[dict[str, Any]]
    users: set[str] = field(default_factory=set)


DATA_BUDGETS: HassKey[dict[tuple[str, str], _SharedBudget]] = HassKey(
    "energy_bridges_common_budgets"
)


def account_key(secret_or_id: str) -> str:
    """Return a stable, non-secret key for an account (never the API key itself)."""
    return hashlib.sha256(secret_or_id.encode()).hexdigest()[:16]


async def async_get_account_budget(
    hass: HomeAssistant,
    *,
    domain: str,
    account_id: str,
    entry_id: str,
    quota: int,
    reserve: int,
    period: BudgetPeriod = BudgetPeriod.DAY,
    time_zone: tzinfo | None = None,
    max_interval: float = 3600.0,
) -> CallBudget:
    """Return the account's budget, loading its persisted count on first use.

    Every config entry of the same account gets the same object, so their coordinators and
    commands spend one quota. ``account_id`` must not be a secret: use ``account_key``.
    Its ``today`` is Home Assistant's day, whatever the period's ``time_zone``.
    """
    shared_budgets = hass.data.setdefault(DATA_BUDGETS, {})
    key = (domain, account_id)
    if (shared := shared_budgets.get(key)) is None:
        store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, f"{domain}.budget.{account_id}")
        budget = CallBudget(
            quota=quota,
            reserve=reserve,
            period=period,
            time_zone=time_zone or dt_util.UTC,
            day_time_zone=dt_util.get_default_time_zone(),
            now=dt_util.utcnow,
            max_interval=max_interval,
        )
        if (stored := await store.async_load()) is not None:
            budget.restore(stored)
        shared = _SharedBudget(budget=budget, store=store)

        @callback
        def _schedule_save() -> None:
            store.async_delay_save(budget.as_dict, SAVE_DELAY)

        budget.add_listener(_schedule_save)
        # Another entry may have created it while we awaited the store.
        shared = shared_budgets.setdefault(key, shared)
    else:
        shared.budget.configure(quota=quota, reserve=reserve, period=period)
    shared.users.add(entry_id)
    return shared.budget


async def async_release_account_budget(
    hass: HomeAssistant, *, domain: str, account_id: str, entry_id: str
) -> None:
    """Let go of the account's budget; the last entry to let go saves and drops it."""
    shared_budgets = hass.data.get(DATA_BUDGETS, {})
    key = (domain, account_id)
    if (shared := shared_budgets.get(key)) is None:
        return
    shared.users.discard(entry_id)
    if not shared.users:
        del shared_budgets[key]
        await shared.store.async_save(shared.budget.as_dict())
