"""A month with local access: no live_status, the budget kept, no login loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.tesla_energy.budget import budget_settings
from custom_components.tesla_energy.const import (
    BUDGET_MODE_MONTHLY,
    CONF_BUDGET_MODE,
    CONF_MONTHLY_AMOUNT,
)
from custom_components.tesla_energy.local_coordinator import (
    CONF_LOCAL_ACCESS,
    CONF_LOCAL_HOST,
    CONF_LOCAL_PASSWORD,
)
from custom_components.tesla_energy.local_source import LiveSource
from simulators.tesla import TeslaFleetSimulator
from simulators.tesla_local import PROFILES, PowerwallGatewaySimulator

from .conftest import ACCOUNT, HOME_SITE, HomeAssistantClock, no_retry_wait

MONTHLY = {CONF_BUDGET_MODE: BUDGET_MODE_MONTHLY, CONF_MONTHLY_AMOUNT: 0.3}


@pytest.fixture
def single_site(sim: TeslaFleetSimulator) -> None:
    """Keep only the home site."""
    sim.accounts[ACCOUNT].sites = [sim.site(HOME_SITE)]


@pytest.fixture
async def gateway(socket_enabled: None) -> AsyncIterator[tuple[PowerwallGatewaySimulator, str]]:
    """Serve the Home site's gateway (sessions last a week on Home Assistant's clock)."""
    sim = PowerwallGatewaySimulator(PROFILES["full"], clock=HomeAssistantClock())
    server = TestServer(sim.make_app(), host="127.0.0.1")
    await server.start_server(access_log=None)
    try:
        yield sim, f"http://127.0.0.1:{server.port}"
    finally:
        await server.close()


@pytest.fixture
def options(gateway: tuple[PowerwallGatewaySimulator, str]) -> dict[str, Any]:
    """A small budget, and local access for the Home site."""
    local_sim, url = gateway
    return {
        **MONTHLY,
        CONF_LOCAL_ACCESS: {
            str(HOME_SITE): {CONF_LOCAL_HOST: url, CONF_LOCAL_PASSWORD: local_sim.password}
        },
    }


@pytest.mark.freeze_time("2026-04-01 00:00:00+00:00")
async def test_month_with_local_access(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    options: dict[str, Any],
    single_site: None,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
    gateway: tuple[PowerwallGatewaySimulator, str],
) -> None:
    """April in three-hour steps: within US$0.30, no live_status, a login per session."""
    local_sim, _url = gateway
    no_retry_wait(setup_integration)
    quota = budget_settings(options).quota
    site = setup_integration.runtime_data.sites[HOME_SITE]
    with patch("custom_components.tesla_energy.statistics.async_add_external_statistics"):
        for _ in range(30 * 8 - 1):
            freezer.tick(timedelta(hours=3))
            async_fire_time_changed(hass)
            await hass.async_block_till_done(wait_background_tasks=True)
            assert sim.billing[ACCOUNT].data + sim.billing[ACCOUNT].commands <= quota
    assert sim.log.count(f"/{HOME_SITE}/live_status") == 0
    assert site.local is not None
    assert site.local.selector.source is LiveSource.LOCAL
    assert site.local.selector.switches == 0
    # The gateway's sessions last a week: one login each, never a loop.
    lifetime_days = local_sim.limits.session_lifetime / 86400
    assert local_sim.log.count("/api/login/Basic") <= 30 / lifetime_days + 1
    # The budget that live data no longer needs went to history and settings.
    assert (
        sim.log.count(f"/{HOME_SITE}/site_info") + sim.log.count(f"/{HOME_SITE}/calendar_history")
        > 0
    )
