"""A 412 after the setup: the application's registration was withdrawn (issue 13)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.const import DOMAIN
from custom_components.tesla_energy.registration import PARTNER_REGISTRATION_DOCS
from simulators.tesla import TeslaFleetSimulator

from .conftest import HOME_SITE, base_url, no_retry_wait


async def test_412_after_setup_opens_the_repair_until_data_reads_again(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
    server: TestServer,
) -> None:
    """The coordinators say "not registered" (not a communication error) and open the repair."""
    entry = setup_integration
    no_retry_wait(entry)
    issue_id = f"app_not_registered_{entry.entry_id}"
    issues = ir.async_get(hass)
    live = entry.runtime_data.sites[HOME_SITE].live
    assert issues.async_get_issue(DOMAIN, issue_id) is None

    # The account's region (na) is no longer registered: every Fleet API call answers 412.
    regions = set(sim.registered_regions)
    sim.registered_regions = regions - {"na"}
    await live.async_refresh()
    # The last data is still served for a while, but the repair is there at once.
    assert live.last_update_success
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "app_not_registered"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["region"] == "NA"
    assert issue.learn_more_url == PARTNER_REGISTRATION_DOCS

    # Once the data is stale the entities go unavailable with the registration's message.
    freezer.tick(live.stale_after + timedelta(seconds=1))
    await live.async_refresh()
    await hass.async_block_till_done()
    assert not live.last_update_success
    error = live.last_exception
    assert isinstance(error, UpdateFailed)
    assert error.translation_domain == DOMAIN
    assert error.translation_key == "app_not_registered"
    assert error.translation_placeholders == {
        "region": "NA",
        "server": f"{base_url(server)}/na",
        "docs_url": PARTNER_REGISTRATION_DOCS,
    }
    assert "partner-account registration" in str(error)
    assert hass.states.get("sensor.home_solar_power").state == STATE_UNAVAILABLE

    # Registered again: the next read works and the repair goes away.
    sim.registered_regions = regions
    await live.async_refresh()
    await hass.async_block_till_done()
    assert live.last_update_success
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert hass.states.get("sensor.home_solar_power").state != STATE_UNAVAILABLE
