"""The budget over a simulated month: never exceeded, and spent on what matters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.tesla_energy.budget import budget_settings
from custom_components.tesla_energy.const import (
    BUDGET_MODE_DAILY,
    BUDGET_MODE_MONTHLY,
    CONF_BUDGET_MODE,
    CONF_CALLS_PER_DAY,
    CONF_MONTHLY_AMOUNT,
    DOMAIN,
)
from simulators.tesla import TeslaFleetSimulator

from .conftest import ACCOUNT, HOME_SITE, no_retry_wait


@pytest.fixture
def single_site(sim: TeslaFleetSimulator) -> None:
    """Keep only the home site (one site's numbers, and half the work)."""
    sim.accounts[ACCOUNT].sites = [sim.site(HOME_SITE)]


# Far below what the site could use, so that the budget is what limits the calls.
MONTHLY = {CONF_BUDGET_MODE: BUDGET_MODE_MONTHLY, CONF_MONTHLY_AMOUNT: 0.3}


@pytest.mark.freeze_time("2026-04-01 00:00:00+00:00")
@pytest.mark.parametrize("options", [MONTHLY])
async def test_month_never_exceeds_the_budget(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    options: dict[str, Any],
    single_site: None,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
) -> None:
    """A whole April in three-hour steps: the bill stays within US$0.30 (150 calls)."""
    assert list(setup_integration.runtime_data.sites) == [HOME_SITE]
    no_retry_wait(setup_integration)
    quota = budget_settings(options).quota
    # The calls are what is measured here, not the recorder: skip writing statistics.
    with patch("custom_components.tesla_energy.statistics.async_add_external_statistics"):
        for _ in range(30 * 8 - 1):  # up to 30 April 21:00, still April
            freezer.tick(timedelta(hours=3))
            async_fire_time_changed(hass)
            await hass.async_block_till_done(wait_background_tasks=True)
            assert sim.billing[ACCOUNT].data + sim.billing[ACCOUNT].commands <= quota
    billed = sim.billing[ACCOUNT].data
    # Spent, not hoarded: most of the budget went to the sites...
    assert billed >= quota * 0.85
    # ...live data more often than the settings.
    live = sim.log.count(f"/{HOME_SITE}/live_status")
    assert live > sim.log.count(f"/{HOME_SITE}/site_info")
    # Tokens that expired (eight hours each) were refreshed, never a reauth.
    assert sim.refreshes >= 20
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


@pytest.mark.freeze_time("2026-04-01 00:00:00+00:00")
@pytest.mark.parametrize(
    "options", [{CONF_BUDGET_MODE: BUDGET_MODE_DAILY, CONF_CALLS_PER_DAY: 3200}]
)
async def test_core_freshness_costs_half_of_core(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    options: dict[str, Any],
    single_site: None,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
) -> None:
    """With a budget that affords it, live data every 60 s costs under half of core's calls.

    Two hours are simulated (a twelfth of the day's calls).
    """
    no_retry_wait(setup_integration)
    before = dict(sim.billing[ACCOUNT].by_site)
    for _ in range(2 * 60):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    per_day = 12 * (sim.billing[ACCOUNT].by_site[str(HOME_SITE)] - before.get(str(HOME_SITE), 0))
    live = setup_integration.runtime_data.sites[HOME_SITE].live
    assert live.update_interval == timedelta(seconds=60)
    # Core: 1,440 live + 1,440 site_info + 288 history = 3,168 calls per site per day.
    assert 1440 <= per_day <= 3168 / 2
