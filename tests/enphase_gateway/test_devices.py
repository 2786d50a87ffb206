"""Devices: inverters that join later get entities; devices that left can be removed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.enphase_gateway.const import DOMAIN
from simulators.enphase.physics import House

from .conftest import SimFactory, setup_entry


async def test_new_inverter_and_stale_device(
    hass: HomeAssistant,
    gateway_factory: SimFactory,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    sim, server = await gateway_factory("3x")
    entry = await setup_entry(hass, "3x", server.port)
    registry = er.async_get(hass)
    assert len(entry.runtime_data.gateway.data.inverters) == 10
    # An eleventh microinverter is commissioned.
    sim.profile = replace(sim.profile, inverters=11)
    sim.house = House(sim.profile, sim.clock.timestamp())
    freezer.tick(timedelta(seconds=301))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    new_serial = "121590000010"
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{new_serial}_power") is not None
    # Then one is replaced: the old one's device may be removed, the gateway's may not.
    sim.profile = replace(sim.profile, inverters=10)
    sim.house = House(sim.profile, sim.clock.timestamp())
    freezer.tick(timedelta(seconds=301))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    devices = dr.async_get(hass)
    gone = devices.async_get_device_by_identifier((DOMAIN, new_serial), entry.entry_id)
    gateway = devices.async_get_device_by_identifier((DOMAIN, sim.profile.serial), entry.entry_id)
    assert gone is not None
    assert gateway is not None
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove",
            "device_id": gone.id,
        }
    )
    assert (await client.receive_json())["success"]
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove",
            "device_id": gateway.id,
        }
    )
    assert not (await client.receive_json())["success"]
