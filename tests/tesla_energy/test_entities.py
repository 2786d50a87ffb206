"""Entities read the simulator's site; controls change it through the Fleet API."""

from __future__ import annotations

from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulators.tesla import TeslaFleetSimulator

from .conftest import ACCOUNT, HOME_SITE


def state(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state."""
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def test_live_values_match_the_site(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """Power flows, battery and states are the simulator's, in the user's units."""
    live = setup_integration.runtime_data.sites[HOME_SITE].live.data
    assert live is not None
    assert float(state(hass, "sensor.home_solar_power")) == pytest.approx(live.solar_power / 1000)
    assert float(state(hass, "sensor.home_battery_power")) == pytest.approx(
        live.battery_power / 1000
    )
    assert float(state(hass, "sensor.home_load_power")) == pytest.approx(live.load_power / 1000)
    home = sim.site(HOME_SITE)
    assert float(state(hass, "sensor.home_battery")) == pytest.approx(
        home.energy_left / home.capacity * 100, abs=0.01
    )
    assert float(state(hass, "sensor.home_energy_left")) == pytest.approx(
        home.energy_left / 1000, abs=0.01
    )
    assert state(hass, "sensor.home_island_status") == "on_grid"
    assert state(hass, "binary_sensor.home_grid_status") == "on"
    assert state(hass, "binary_sensor.home_backup_capable") == "on"
    assert state(hass, "sensor.home_battery_count") == "2"
    assert state(hass, "sensor.home_version") == "24.44.1 4a8a1c83"
    # The simulator's Wall Connectors are idle, plugged in or charging: named states.
    assert state(hass, "sensor.home_wall_connector_0001_status") in (
        "connected",
        "ready",
        "charging",
    )
    # A solar-only site without grid meter: no grid or battery entities at all.
    assert hass.states.get("sensor.barn_solar_power") is not None
    assert hass.states.get("sensor.barn_battery_power") is None
    assert hass.states.get("binary_sensor.barn_grid_status") is None
    assert hass.states.get("number.barn_backup_reserve") is None


async def test_disabled_by_default(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """Rarely used flows are there, disabled."""
    registry = er.async_get(hass)
    generator = registry.async_get("sensor.home_generator_power")
    assert generator is not None
    assert generator.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_grid_outage_shows(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """An outage turns the grid sensor off and the island status to off grid."""
    sim.start_outage(HOME_SITE, 3600)
    await setup_integration.runtime_data.sites[HOME_SITE].live.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, "binary_sensor.home_grid_status") == "off"
    assert state(hass, "sensor.home_island_status") == "off_grid_unintentional"


@pytest.mark.parametrize(
    ("domain", "service", "entity_id", "data", "check"),
    [
        (
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            "number.home_backup_reserve",
            {ATTR_VALUE: 35},
            lambda site: site.backup_reserve == 35,
        ),
        (
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            "number.home_off_grid_vehicle_charging_reserve",
            {ATTR_VALUE: 70},
            lambda site: site.off_grid_vehicle_charging_reserve == 70,
        ),
        (
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            "select.home_operation_mode",
            {ATTR_OPTION: "autonomous"},
            lambda site: site.operation_mode == "autonomous",
        ),
        (
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            "select.home_export_rule",
            {ATTR_OPTION: "pv_only"},
            lambda site: site.export_rule == "pv_only",
        ),
        (
            SWITCH_DOMAIN,
            SERVICE_TURN_ON,
            "switch.home_storm_watch",
            {},
            lambda site: site.storm_watch,
        ),
        (
            SWITCH_DOMAIN,
            SERVICE_TURN_OFF,
            "switch.home_allow_charging_from_grid",
            {},
            lambda site: not site.allow_charge_from_grid,
        ),
    ],
)
async def test_controls_change_the_site(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
    domain: str,
    service: str,
    entity_id: str,
    data: dict[str, object],
    check: object,
) -> None:
    """Each control sends its command, counts as a command, and shows the new value."""
    before = sim.billing[ACCOUNT].commands
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )
    assert check(sim.site(HOME_SITE))  # type: ignore[operator]
    assert sim.billing[ACCOUNT].commands == before + 1
    shown = state(hass, entity_id)
    expected = {
        SERVICE_SET_VALUE: str(float(data.get(ATTR_VALUE, 0))),
        SERVICE_SELECT_OPTION: data.get(ATTR_OPTION),
        SERVICE_TURN_ON: "on",
        SERVICE_TURN_OFF: "off",
    }[service]
    assert shown == expected
    budget = setup_integration.runtime_data.budget
    # The command and its read-back may use the commands' reserve.
    assert budget.used_by_kind["command"] == 2


async def test_rejected_command_keeps_the_value(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """A command the site refuses raises a translated error and changes nothing."""
    sim.faults.inject("status", route="/backup$", status=400, body='{"response": null}')
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: "number.home_backup_reserve", ATTR_VALUE: 80},
            blocking=True,
        )
    assert caught.value.translation_key == "communication_error"
    assert state(hass, "number.home_backup_reserve") == "20.0"
    assert sim.site(HOME_SITE).backup_reserve == 20


@pytest.mark.parametrize("scopes", [("openid", "offline_access", "energy_device_data")])
async def test_missing_command_scope(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """Read-only entities stay; controls are refused before any call, with a repair issue."""
    assert state(hass, "sensor.home_solar_power") != STATE_UNAVAILABLE
    before = sim.billing[ACCOUNT].commands
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            SWITCH_DOMAIN,
            SERVICE_TURN_ON,
            {ATTR_ENTITY_ID: "switch.home_storm_watch"},
            blocking=True,
        )
    assert caught.value.translation_key == "missing_command_scope"
    assert sim.billing[ACCOUNT].commands == before
    assert not sim.site(HOME_SITE).storm_watch
    from homeassistant.helpers import issue_registry as ir

    assert ir.async_get(hass).async_get_issue(
        "tesla_energy", f"missing_command_scope_{setup_integration.entry_id}"
    )


async def test_scope_revoked_server_side(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """A 403 from the server becomes the same translated missing-scope error."""
    for grant in sim.access_tokens.values():
        grant.scopes = ("openid", "energy_device_data")
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            {ATTR_ENTITY_ID: "select.home_operation_mode", ATTR_OPTION: "backup"},
            blocking=True,
        )
    assert caught.value.translation_key == "missing_command_scope"
    assert sim.site(HOME_SITE).operation_mode == "self_consumption"
