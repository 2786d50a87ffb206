"""Setting up, unloading and recovering an entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.const import DOMAIN
from simulators.tesla import TeslaFleetSimulator

from .conftest import BARN_SITE, EMPTY_SITE, HOME_SITE


async def test_setup_creates_sites_and_skips_empty_ones(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """Sites with a battery, solar or chargers become devices; the bare gateway does not."""
    entry = setup_integration
    assert entry.state is ConfigEntryState.LOADED
    devices = dr.async_get(hass)

    def device(identifier: str) -> dr.DeviceEntry | None:
        return devices.async_get_device_by_identifier((DOMAIN, identifier), entry.entry_id)

    assert device(str(BARN_SITE)) is not None
    assert device(str(EMPTY_SITE)) is None
    wall_connector = device("1457768-02-G--PGT00000000001")
    assert wall_connector is not None
    home = device(str(HOME_SITE))
    assert home is not None
    assert wall_connector.via_device_id == home.id
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert len(entities) > 30
    assert hass.states.get("sensor.home_solar_power") is not None


async def test_unload(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """Unloading releases everything."""
    assert await hass.config_entries.async_unload(setup_integration.entry_id)
    await hass.async_block_till_done()
    assert setup_integration.state is ConfigEntryState.NOT_LOADED
