"""Faults: 5xx, 429, expired and revoked tokens, a region move, replies without a response."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.const import CONF_API_URL, CONF_REGION, DOMAIN
from simulators.tesla import TeslaFleetSimulator

from .conftest import ACCOUNT, HOME_SITE, no_retry_wait


async def refresh_live(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Run the home site's live update now."""
    await entry.runtime_data.sites[HOME_SITE].live.async_refresh()
    await hass.async_block_till_done()


async def test_server_errors_are_not_billed_and_data_stays(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """A 5xx with ``response: null`` keeps the last data, is not billed, nor counted."""
    no_retry_wait(setup_integration)
    budget = setup_integration.runtime_data.budget
    used = budget.used
    billed = sim.billing[ACCOUNT].data
    sim.faults.inject(
        "status", route="live_status", status=500, body='{"response": null, "error": "upstream"}'
    )
    await refresh_live(hass, setup_integration)
    assert hass.states.get("sensor.home_solar_power").state != STATE_UNAVAILABLE
    assert budget.used == used
    assert sim.billing[ACCOUNT].data == billed
    # The try and its retry answered 500: the server bills neither.
    assert sum(1 for record in sim.log.records if record.status == 500) == 2
    sim.faults.clear()
    await refresh_live(hass, setup_integration)
    assert setup_integration.runtime_data.sites[HOME_SITE].live.last_error is None


async def test_null_response_with_200(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """A 200 without a response object is a failed update, not a crash."""
    sim.faults.inject("malformed", route="live_status", body='{"response": null}')
    await refresh_live(hass, setup_integration)
    live = setup_integration.runtime_data.sites[HOME_SITE].live
    assert live.last_error is not None
    assert "no response object" in live.last_error


async def test_wrong_types_make_values_unknown(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """Odd types (a string for a power, wall_connectors as a string) blank those values."""
    sim.faults.inject("wrong_types", route="live_status", keys=["solar_power"], times=1)
    await refresh_live(hass, setup_integration)
    assert hass.states.get("sensor.home_solar_power").state == "unknown"
    assert hass.states.get("sensor.home_load_power").state not in ("unknown", STATE_UNAVAILABLE)
    sim.faults.inject(
        "malformed",
        route="live_status",
        body='{"response": {"solar_power": 100, "wall_connectors": "none"}}',
    )
    await refresh_live(hass, setup_integration)
    assert hass.states.get("sensor.home_solar_power").state == "0.1"
    assert hass.states.get("sensor.home_wall_connector_0001_power").state == STATE_UNAVAILABLE


async def test_rate_limit_is_honoured(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """A 429 blocks every call until its Retry-After has passed."""
    sim.faults.inject("rate_limit", route="live_status", seconds=600, times=1)
    await refresh_live(hass, setup_integration)
    budget = setup_integration.runtime_data.budget
    assert budget.retry_after() == pytest.approx(600, abs=5)
    served = sim.log.count("live_status")
    await refresh_live(hass, setup_integration)
    assert sim.log.count("live_status") == served
    live = setup_integration.runtime_data.sites[HOME_SITE].live
    assert live.update_interval is not None
    assert live.update_interval >= timedelta(seconds=590)


async def test_expired_token_is_refreshed(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """A token the server stopped accepting is refreshed once (single-use refresh tokens)."""
    old = setup_integration.data["token"]["refresh_token"]
    sim.expire_access_tokens()
    await refresh_live(hass, setup_integration)
    assert setup_integration.runtime_data.sites[HOME_SITE].live.last_error is None
    assert sim.refreshes == 1
    assert setup_integration.data["token"]["refresh_token"] != old


async def test_revoked_refresh_token_starts_reauth(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """When the refresh token is refused too, the user is asked to sign in again."""
    sim.expire_access_tokens()
    sim.revoke_refresh_tokens()
    await refresh_live(hass, setup_integration)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert any(flow["context"]["source"] == SOURCE_REAUTH for flow in flows)


async def test_region_move_follows_421(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """When the account answers 421 on its server, the region is looked up and stored."""
    sim.accounts[ACCOUNT].region = "eu"
    await refresh_live(hass, setup_integration)
    assert setup_integration.runtime_data.sites[HOME_SITE].live.last_error is None
    assert setup_integration.data[CONF_REGION] == "eu"
    assert CONF_API_URL not in setup_integration.data


async def test_setup_retries_when_cloud_is_down(
    recorder_mock: object,
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    sim: TeslaFleetSimulator,
) -> None:
    """A product list that fails makes the setup retry later."""
    sim.faults.inject("status", route="products", status=503)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.parametrize("scopes", [("openid", "offline_access")])
async def test_setup_without_data_scope_asks_to_sign_in(
    recorder_mock: object,
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
) -> None:
    """An entry whose token lacks energy_device_data goes to reauth."""
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert any(flow["context"]["source"] == SOURCE_REAUTH for flow in flows)


async def test_recovers_after_outage(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """Entities ride out a short outage, go unavailable after a long one, then come back."""
    no_retry_wait(setup_integration)
    live = setup_integration.runtime_data.sites[HOME_SITE].live
    sim.faults.inject("status", route="live_status", status=503)
    await refresh_live(hass, setup_integration)
    assert hass.states.get("sensor.home_solar_power").state != STATE_UNAVAILABLE
    # Half an hour of failures: the last data is too old to show.
    assert live.last_success is not None
    live.last_success -= timedelta(minutes=31)
    await refresh_live(hass, setup_integration)
    assert hass.states.get("sensor.home_solar_power").state == STATE_UNAVAILABLE
    sim.faults.clear()
    await refresh_live(hass, setup_integration)
    assert hass.states.get("sensor.home_solar_power").state != STATE_UNAVAILABLE
    assert live.consecutive_failures == 0
