"""Every profile set up: the right entities with the right values."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest

from custom_components.enphase_gateway.const import DOMAIN

from .conftest import SimFactory, setup_entry


def _state(hass: HomeAssistant, unique_id: str, platform: str = "sensor") -> str | None:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    state = hass.states.get(entity_id)
    return None if state is None else state.state


def _unique_ids(hass: HomeAssistant, entry_id: str) -> set[str]:
    return {e.unique_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry_id)}


async def test_envoy_r_3x(hass: HomeAssistant, gateway_factory: SimFactory) -> None:
    sim, server = await gateway_factory("3x")
    entry = await setup_entry(hass, "3x", server.port)
    assert entry.state is ConfigEntryState.LOADED
    serial = sim.profile.serial
    lifetime = float(_state(hass, f"{serial}_production_lifetime") or 0)
    # The register wraps at 2^32 J on this firmware; here it is still below that (the wrap
    # itself is test_coordinator's test_lifetime_wrap_keeps_rising).
    assert sim.house.production_wh < 2**32 / 3600
    assert lifetime == pytest.approx(sim.house.production_wh / 1000, abs=0.01)  # kWh
    assert _state(hass, f"{serial}_production_today") is not None
    ids = _unique_ids(hass, entry.entry_id)
    assert not any(uid.startswith(f"{serial}_ct_") for uid in ids)
    assert f"{serial}_consumption_power" not in ids
    # Ten microinverters, each a device with power but no device_data detail.
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert sum(1 for d in devices if d.model == "Microinverter") == 10
    assert not any(uid.endswith("_dc_voltage") for uid in ids)
    gateway = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, serial), entry.entry_id)
    assert gateway is not None
    assert gateway.model == "Envoy-R"
    assert gateway.sw_version == "R3.9.36"


async def test_metered_3_phase_7x(hass: HomeAssistant, gateway_factory: SimFactory) -> None:
    sim, server = await gateway_factory("7x")
    entry = await setup_entry(hass, "7x", server.port)
    assert entry.state is ConfigEntryState.LOADED
    serial = sim.profile.serial
    ids = _unique_ids(hass, entry.entry_id)
    for phase in ("l1", "l2", "l3"):
        assert f"{serial}_production_power_{phase}" in ids
        assert f"{serial}_ct_net_consumption_power_{phase}" in ids
    # Per-phase sensors exist but are disabled by default.
    registry = er.async_get(hass)
    phase_entity = registry.async_get_entity_id("sensor", DOMAIN, f"{serial}_production_power_l1")
    assert phase_entity is not None
    assert registry.async_get(phase_entity).disabled_by is not None  # type: ignore[union-attr]
    imported = float(_state(hass, f"{serial}_ct_net_consumption_delivered") or 0)
    assert imported == pytest.approx(sim.house.import_wh / 1000, rel=1e-3)  # kWh
    assert float(_state(hass, f"{serial}_production_lifetime") or 0) > 0
    # One sensor per value: the production CT's energy is the lifetime production.
    assert f"{serial}_ct_production_delivered" not in ids
    assert f"{serial}_ct_net_consumption_power" not in ids
    # Inverters covered by device_data get their DC and temperature sensors, disabled by
    # default (only the power is on, as core does).
    inverter = next(iter(entry.runtime_data.gateway.data.inverters))
    assert f"{inverter}_dc_voltage" in ids
    assert f"{inverter}_temperature" in ids
    for key, enabled in (
        ("power", True),
        ("dc_voltage", False),
        ("temperature", False),
        ("energy_today", False),
        ("max_power", False),
        ("last_report", False),
    ):
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{inverter}_{key}")
        assert entity_id is not None
        entity = registry.async_get(entity_id)
        assert entity is not None
        assert (entity.disabled_by is None) is enabled, key
    assert _state(hass, f"{serial}_ct_production_status") == "normal"


async def test_full_8x(hass: HomeAssistant, gateway_factory: SimFactory) -> None:
    sim, server = await gateway_factory("8x")
    entry = await setup_entry(hass, "8x", server.port)
    assert entry.state is ConfigEntryState.LOADED
    serial = sim.profile.serial
    assert float(_state(hass, f"{serial}_battery_level") or 0) == pytest.approx(
        sum(sim.house.soc) / 3, abs=1
    )
    assert _state(hass, f"{serial}_storage_mode", "select") == "self_consumption"
    assert float(_state(hass, f"{serial}_battery_reserve", "number") or 0) == 20
    assert _state(hass, f"{serial}_charge_from_grid", "switch") == "off"
    controller = "122300000901"
    assert _state(hass, f"{controller}_grid_enabled", "switch") == "on"
    assert _state(hass, f"{controller}_grid_status", "binary_sensor") == "on"
    assert _state(hass, f"{controller}_dry_contact_nc1", "switch") == "off"
    assert _state(hass, f"{controller}_generator_mode", "select") == "auto"
    assert float(_state(hass, f"{serial}_power_export_limit") or 0) == 5000
    battery = "122550000000"
    assert float(_state(hass, f"{battery}_soc") or 0) == round(sim.house.soc[0])
    assert _state(hass, f"{battery}_problem", "binary_sensor") == "off"
    assert _state(hass, f"{battery}_dc_switch", "binary_sensor") == "on"
    assert _state(hass, f"{battery}_communicating", "binary_sensor") == "on"
    assert _state(hass, f"{battery}_power") is not None
    # Energy dashboard: grid import/export and battery in/out from the CTs.
    for key in (
        "net_consumption_delivered",
        "net_consumption_received",
        "storage_delivered",
        "storage_received",
    ):
        assert _state(hass, f"{serial}_ct_{key}") not in (None, "unavailable", "unknown")
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    models = sorted({d.model or "" for d in devices})
    assert models == ["IQ Battery", "IQ Gateway Metered", "IQ System Controller", "Microinverter"]
    gateway = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, serial), entry.entry_id)
    battery_device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, battery), entry.entry_id
    )
    assert gateway is not None
    assert battery_device is not None
    assert battery_device.via_device_id == gateway.id
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_more_than_50_inverters(hass: HomeAssistant, gateway_factory: SimFactory) -> None:
    sim, server = await gateway_factory("8x-large")
    entry = await setup_entry(hass, "8x-large", server.port)
    data = entry.runtime_data.gateway.data
    # device_data stops at 50; the v1 list brings all 64, detail merged where it exists.
    assert len(data.inverters) == 64
    assert sum(1 for i in data.inverters.values() if i.detail is not None) == 50
    ids = _unique_ids(hass, entry.entry_id)
    assert (
        sum(
            1
            for uid in ids
            if uid.endswith("_power")
            and "max" not in uid
            and not uid.startswith(sim.profile.serial)
        )
        == 64
    )
    # Metered without CTs: v1 production is all zeros here, so the inverters' section is used.
    assert data.production is not None
    assert data.production.energy_lifetime == pytest.approx(sim.house.production_wh, abs=2)
    assert entry.runtime_data.meters is None


async def test_5x_split_phase_digest(hass: HomeAssistant, gateway_factory: SimFactory) -> None:
    sim, server = await gateway_factory("5x")
    entry = await setup_entry(hass, "5x", server.port)
    assert entry.state is ConfigEntryState.LOADED
    ids = _unique_ids(hass, entry.entry_id)
    serial = sim.profile.serial
    assert f"{serial}_ct_net_consumption_power_l2" in ids
    assert f"{serial}_ct_net_consumption_power_l3" not in ids
    assert f"{serial}_consumption_lifetime" in ids


async def test_net_reported_as_total_8_3_5433(
    hass: HomeAssistant, gateway_factory: SimFactory
) -> None:
    from simulators.enphase.profiles import NET_AS_TOTAL

    sim, server = await gateway_factory(
        "7x", firmware="D8.3.5433", quirks=frozenset({NET_AS_TOTAL})
    )
    entry = await setup_entry(hass, "7x", server.port)
    data = entry.runtime_data.gateway.data
    powers = sim.house.powers(sim.clock.timestamp())
    assert data.consumption is not None
    assert data.production is not None
    assert data.net_consumption is not None
    # Total = net + production, though the gateway put net in the total section.
    assert data.consumption.power == pytest.approx(
        data.net_consumption.power + data.production.power, abs=0.01
    )
    assert data.consumption.power == pytest.approx(powers.house, rel=0.05, abs=5)
