"""Tesla's commands go through the shared command path, with Tesla's own messages."""

from __future__ import annotations

from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.const import DOMAIN
from simulators.tesla import TeslaFleetSimulator

from .conftest import HOME_SITE

RESERVE = "number.home_backup_reserve"


async def set_reserve(hass: HomeAssistant, value: float) -> None:
    """Set the home site's backup reserve as a user does."""
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: RESERVE, ATTR_VALUE: value},
        blocking=True,
    )


async def test_a_command_refused_with_412_says_the_app_is_not_registered(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """Not a "communication error": the user learns what to do, and nothing changes."""
    before = sim.site(HOME_SITE).backup_reserve
    shown = hass.states.get(RESERVE)
    assert shown is not None
    sim.registered_regions = set()
    with pytest.raises(HomeAssistantError) as caught:
        await set_reserve(hass, 55)
    assert caught.value.translation_domain == DOMAIN
    assert caught.value.translation_key == "app_not_registered"
    assert caught.value.translation_placeholders is not None
    assert caught.value.translation_placeholders["region"] == "NA"
    assert sim.site(HOME_SITE).backup_reserve == before
    after = hass.states.get(RESERVE)
    assert after is not None
    assert after.state == shown.state


async def test_a_command_read_back_clears_the_registration_repair(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """The read-back is the settings coordinator's fetch: data read again closes the repair."""
    from homeassistant.helpers import issue_registry as ir

    issue_id = f"app_not_registered_{setup_integration.entry_id}"
    regions = set(sim.registered_regions)
    sim.registered_regions = set()
    info = setup_integration.runtime_data.sites[HOME_SITE].info
    await info.async_refresh()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    sim.registered_regions = regions
    await set_reserve(hass, 35)
    assert sim.site(HOME_SITE).backup_reserve == 35
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    state = hass.states.get(RESERVE)
    assert state is not None
    assert float(state.state) == 35


async def test_scope_refused_by_the_server_asks_no_sign_in(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """A 403 for the commands scope is the scope's message; no re-authentication starts."""
    for grant in sim.access_tokens.values():
        grant.scopes = ("openid", "energy_device_data")
    with pytest.raises(HomeAssistantError) as caught:
        await set_reserve(hass, 70)
    assert caught.value.translation_key == "missing_command_scope"
    await hass.async_block_till_done()
    assert not list(setup_integration.async_get_active_flows(hass, {"reauth"}))
