"""Every sensor's value, from the simulator's own state, with Home Assistant's signs."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import ATTR_STATE_CLASS, SensorStateClass
from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powervault.const import DOMAIN
from simulators.powervault import PowervaultCloud, PowervaultLocal, cloud as cloud_sim
from simulators.powervault.model import local_midnight

from .conftest import CLOUD_UNIT, LOCAL_UNIT, entity_id, scheduled, setup_entry, state_value, tick

ENERGY_KEYS = (
    "grid_import_energy",
    "grid_export_energy",
    "solar_energy",
    "battery_charge_energy",
    "battery_discharge_energy",
    "home_energy",
)


def _cloud_expected_energy(app: PowervaultCloud) -> dict[str, float]:
    unit = app.units[CLOUD_UNIT]
    now = app.clock.timestamp()
    totals = dict.fromkeys(ENERGY_KEYS, 0.0)
    for bucket in unit.buckets_between(local_midnight(now), now + 1):
        a = bucket.averages()
        kwh = 5 / 60 / 1000
        totals["grid_import_energy"] += (a["gridConsumedByHome"] + a["batteryInputFromGrid"]) * kwh
        totals["grid_export_energy"] += (a["solarExported"] + a["batteryOutputExported"]) * kwh
        totals["solar_energy"] += a["solarGenerated"] * kwh
        totals["battery_charge_energy"] += (
            a["batteryInputFromGrid"] + a["batteryInputFromSolar"]
        ) * kwh
        totals["battery_discharge_energy"] += (
            a["batteryOutputConsumedByHome"] + a["batteryOutputExported"]
        ) * kwh
        totals["home_energy"] += a["homeConsumed"] * kwh
    return totals


async def test_cloud_sensors(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    cloud_app: PowervaultCloud,
    monkeypatch: pytest.MonkeyPatch,
    freezer: FrozenDateTimeFactory,
) -> None:
    monkeypatch.setattr(cloud_sim, "NULL_SECONDS", 0)
    await setup_entry(hass, cloud_entry)
    unit = cloud_app.units[CLOUD_UNIT]
    last = unit.buckets[max(unit.buckets)].last
    assert last is not None
    assert float(state_value(hass, "sensor", f"{CLOUD_UNIT}_state_of_charge")) == last.soc
    # The cloud has one state of charge (instant_soc): no second, average one, no activity.
    registry = er.async_get(hass)
    for key in ("average_state_of_charge", "battery_activity"):
        assert registry.async_get_entity_id("sensor", DOMAIN, f"{CLOUD_UNIT}_{key}") is None
    # Home Assistant's signs: battery positive when discharging, grid positive importing.
    assert float(state_value(hass, "sensor", f"{CLOUD_UNIT}_battery_power")) == pytest.approx(
        last.battery
    )
    assert float(state_value(hass, "sensor", f"{CLOUD_UNIT}_grid_power")) == pytest.approx(
        last.grid
    )
    solar = last.solar if last.solar > 10 else 0.0
    assert float(state_value(hass, "sensor", f"{CLOUD_UNIT}_solar_power")) == pytest.approx(solar)
    assert float(state_value(hass, "sensor", f"{CLOUD_UNIT}_home_power")) == pytest.approx(
        last.home
    )
    expected = _cloud_expected_energy(cloud_app)
    for key in ENERGY_KEYS:
        state = hass.states.get(entity_id(hass, "sensor", f"{CLOUD_UNIT}_{key}"))
        assert state is not None
        assert float(state.state) == pytest.approx(expected[key], abs=1e-3), key
        assert state.attributes[ATTR_STATE_CLASS] is SensorStateClass.TOTAL_INCREASING
        assert state.attributes[ATTR_DEVICE_CLASS] == "energy"
        assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "kWh"
    assert state_value(hass, "sensor", f"{CLOUD_UNIT}_effective_state") == scheduled(cloud_app)
    assert state_value(hass, "sensor", f"{CLOUD_UNIT}_override_end") == "unknown"
    budget = hass.states.get(entity_id(hass, "sensor", f"{CLOUD_UNIT}_cloud_budget"))
    assert budget is not None
    assert budget.state == "497"  # one data call and two schedule/override calls at setup
    assert budget.attributes["quota"] == 500


async def test_cloud_null_values_filled_from_earlier_bucket(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    cloud_app: PowervaultCloud,
    monkeypatch: pytest.MonkeyPatch,
    freezer: FrozenDateTimeFactory,
) -> None:
    # The newest bucket always says null for grid, solar and home: the earlier one stands in.
    monkeypatch.setattr(cloud_sim, "NULL_SECONDS", 301)
    await setup_entry(hass, cloud_entry)
    unit = cloud_app.units[CLOUD_UNIT]
    *_, previous, newest = sorted(unit.buckets)
    assert unit.buckets[previous].last is not None
    assert unit.buckets[newest].last is not None
    assert float(state_value(hass, "sensor", f"{CLOUD_UNIT}_grid_power")) == pytest.approx(
        unit.buckets[previous].last.grid
    )
    assert float(state_value(hass, "sensor", f"{CLOUD_UNIT}_home_power")) == pytest.approx(
        unit.buckets[previous].last.home
    )
    # The battery had a value in the newest bucket: that one shows.
    assert float(state_value(hass, "sensor", f"{CLOUD_UNIT}_battery_power")) == pytest.approx(
        unit.buckets[newest].last.battery
    )


async def test_local_sensors(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Time stands still (freezer), so the unit's values are the ones the entities read."""
    await setup_entry(hass, local_entry)
    latest = local_app.unit.latest()
    values = local_app._measurements(latest)
    # The battery level is the usable charge, as Powervault's app shows it.
    assert (
        float(state_value(hass, "sensor", f"{LOCAL_UNIT}_state_of_charge"))
        == (values["socUsable"][0])
    )
    assert float(state_value(hass, "sensor", f"{LOCAL_UNIT}_battery_power")) == pytest.approx(
        round(latest.battery), abs=1
    )
    assert float(state_value(hass, "sensor", f"{LOCAL_UNIT}_grid_power")) == pytest.approx(
        round(latest.grid), abs=1
    )
    home = float(state_value(hass, "sensor", f"{LOCAL_UNIT}_home_power"))
    assert home == pytest.approx(latest.home, abs=15)
    for key, name in (
        ("inverter_voltage", "inverterVoltage"),
        ("inverter_frequency", "inverterFrequency"),
        ("temperature", "temperature"),
        ("cpu_temperature", "cpuTemperature"),
        ("battery_current", "batteryCurrent"),
        ("grid_current", "gridCurrent"),
        ("average_state_of_charge", "socAverage"),
        ("max_charge_power", "maxChargePower"),
        ("max_discharge_power", "maxDischargePower"),
        ("min_cell_voltage", "pylontechMinCellVoltage"),
        ("max_cell_voltage", "pylontechMaxCellVoltage"),
        ("min_cell_temperature", "pylontechMinCellTemperature"),
        ("max_cell_temperature", "pylontechMaxCellTemperature"),
    ):
        assert float(state_value(hass, "sensor", f"{LOCAL_UNIT}_{key}")) == pytest.approx(
            values[name][0]
        ), key
    # The energy totals come from the history since midnight: rising through the day.
    for key in ENERGY_KEYS:
        assert float(state_value(hass, "sensor", f"{LOCAL_UNIT}_{key}")) >= 0
    assert float(state_value(hass, "sensor", f"{LOCAL_UNIT}_home_energy")) > 0

    registry = er.async_get(hass)
    cells = [
        e for e in registry.entities.values() if e.platform == DOMAIN and "_module_" in e.unique_id
    ]
    assert len(cells) == 2
    assert all(e.disabled_by is er.RegistryEntryDisabler.INTEGRATION for e in cells)
    for key in ("air_co2", "average_cell_temperature", "module_2_cell_1_voltage"):
        entry = registry.async_get(entity_id(hass, "sensor", f"{LOCAL_UNIT}_{key}"))
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_local_cell_sensor_when_enabled(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
) -> None:
    registry = er.async_get(hass)
    for key in ("air_co2", "air_humidity", "max_mosfet_temperature"):
        registry.async_get_or_create(
            "sensor",
            DOMAIN,
            f"{LOCAL_UNIT}_{key}",
            config_entry=local_entry,
            suggested_object_id=key,
        )
    registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{LOCAL_UNIT}_module_2_cell_1_voltage",
        config_entry=local_entry,
        suggested_object_id="cell_1",
    )
    await setup_entry(hass, local_entry)
    said = local_app._measurements(local_app.unit.latest())
    state = hass.states.get("sensor.cell_1")
    assert float(state.state) == said["pylontechModule2cell1Voltage"][0]
    assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "V"
    # A real P3X has no air sensor: null, so the enabled entities have no value.
    assert hass.states.get("sensor.air_co2").state == "unknown"
    assert hass.states.get("sensor.air_humidity").state == "unknown"
    assert (
        float(hass.states.get("sensor.max_mosfet_temperature").state)
        == (said["pylontechMaxMOSFETTemperature"][0])
    )
    # Device classes and units agree (Home Assistant warns otherwise).
    assert "unit of measurement" not in caplog.text.lower()


async def test_local_sensors_follow_the_unit(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, local_entry)
    before = float(state_value(hass, "sensor", f"{LOCAL_UNIT}_home_energy"))
    await tick(hass, freezer, timedelta(minutes=6))
    said = local_app._measurements(local_app.unit.latest())
    assert (
        float(state_value(hass, "sensor", f"{LOCAL_UNIT}_state_of_charge"))
        == (said["socUsable"][0])
    )
    after = float(state_value(hass, "sensor", f"{LOCAL_UNIT}_home_energy"))
    # About six minutes of a house drawing at least a few hundred watts.
    assert 0.01 < after - before < 0.5


async def test_disabled_sensor_enabled_by_the_user(
    hass: HomeAssistant, local_entry: MockConfigEntry, local_app: PowervaultLocal
) -> None:
    local_app.voc_sensor = True  # a unit with the air-quality sensor fitted
    await setup_entry(hass, local_entry)
    registry = er.async_get(hass)
    voc = entity_id(hass, "sensor", f"{LOCAL_UNIT}_air_voc")
    registry.async_update_entity(voc, disabled_by=None)
    await hass.config_entries.async_reload(local_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(voc)
    assert state is not None
    # A VOC index ("index" on the unit) has no unit.
    assert state.state == "102.0"
    assert ATTR_UNIT_OF_MEASUREMENT not in state.attributes


def test_every_energy_flow_has_a_sensor() -> None:
    from custom_components.powervault.api import EnergyFlows
    from custom_components.powervault.sensor import ENERGY_KEYS

    assert {name for _key, name in ENERGY_KEYS} == set(EnergyFlows.__dataclass_fields__)
