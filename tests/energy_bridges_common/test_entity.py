"""Tests for the shared entity helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import NumberEntity, NumberEntityDescription
from homeassistant.components.sensor import SensorStateClass
from homeassistant.const import STATE_UNAVAILABLE, UnitOfEnergy
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockEntityPlatform,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.energy_bridges_common.client.budget import CallBudget
from custom_components.energy_bridges_common.hass.entity import (
    BridgeEnergySensor,
    BridgeEnergySensorEntityDescription,
    BridgeEntity,
    BridgeSensor,
    BridgeSensorEntityDescription,
    BudgetSensor,
    OptimisticHoldMixin,
)

DEVICE = DeviceInfo(identifiers={("test", "dev1")}, name="Device")


@dataclass
class Data:
    power: float | None
    energy: float | None
    online: bool = True


def make_coordinator(hass: HomeAssistant, data: Data) -> DataUpdateCoordinator[Data]:
    entry = MockConfigEntry(domain="test")
    entry.add_to_hass(hass)
    coordinator: DataUpdateCoordinator[Data] = DataUpdateCoordinator(
        hass,
        logging.getLogger(__name__),
        config_entry=entry,
        name="test",
        update_interval=timedelta(seconds=30),
    )
    coordinator.async_set_updated_data(data)
    return coordinator


POWER = BridgeSensorEntityDescription[Data](
    key="power",
    name="Power",
    value_fn=lambda data: data.power,
    available_fn=lambda data: data.online,
)
ENERGY = BridgeEnergySensorEntityDescription[Data](
    key="energy",
    name="Energy",
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    value_fn=lambda data: data.energy,
    confirm_readings=2,
)


async def add(hass: HomeAssistant, *entities: Any) -> None:
    platform = MockEntityPlatform(hass)
    entry = MockConfigEntry(domain="test")
    entry.add_to_hass(hass)
    platform.config_entry = entry
    await platform.async_add_entities(list(entities))
    await hass.async_block_till_done()


async def test_sensor_reads_value_fn_and_availability(hass: HomeAssistant) -> None:
    coordinator = make_coordinator(hass, Data(power=1500.0, energy=None))
    sensor = BridgeSensor(coordinator, POWER, device_info=DEVICE, unique_id_prefix="dev1")
    await add(hass, sensor)
    assert sensor.unique_id == "dev1_power"
    assert sensor.has_entity_name
    assert hass.states.get("test_domain.device_power").state == "1500.0"
    coordinator.async_set_updated_data(Data(power=20.0, energy=None, online=False))
    await hass.async_block_till_done()
    assert hass.states.get("test_domain.device_power").state == STATE_UNAVAILABLE


async def test_energy_sensor_is_monotonic_and_restored(hass: HomeAssistant) -> None:
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("test_domain.device_energy", "120.5"),
                {"native_value": 120.5, "native_unit_of_measurement": "kWh", "offset": 0.0},
            )
        ],
    )
    # Right after a restart the device answers zero: the restored total stands.
    coordinator = make_coordinator(hass, Data(power=None, energy=0.0))
    sensor = BridgeEnergySensor(coordinator, ENERGY, device_info=DEVICE, unique_id_prefix="dev1")
    await add(hass, sensor)
    state = hass.states.get("test_domain.device_energy")
    assert state.state == "120.5"
    assert state.attributes["state_class"] == SensorStateClass.TOTAL_INCREASING
    assert state.attributes["device_class"] == "energy"

    for reading, shown in [(121.0, "121.0"), (0.0, "121.0"), (None, "121.0"), (122.0, "122.0")]:
        coordinator.async_set_updated_data(Data(power=None, energy=reading))
        await hass.async_block_till_done()
        assert hass.states.get("test_domain.device_energy").state == shown
    # A real meter reset, confirmed by two readings.
    for reading, shown in [(1.0, "122.0"), (2.0, "2.0")]:
        coordinator.async_set_updated_data(Data(power=None, energy=reading))
        await hass.async_block_till_done()
        assert hass.states.get("test_domain.device_energy").state == shown
    extra = sensor.extra_restore_state_data.as_dict()
    assert extra["native_value"] == 2.0
    assert extra["offset"] == 0.0


@pytest.mark.parametrize(
    "stored",
    [
        {"native_value": {"__type": "<class 'decimal.Decimal'>", "decimal_str": "50.25"}},
        {"native_value": "garbage", "native_unit_of_measurement": "kWh"},
        {"native_value": None, "native_unit_of_measurement": "kWh", "offset": 12.0},
    ],
)
async def test_energy_sensor_restore_variants(hass: HomeAssistant, stored: dict[str, Any]) -> None:
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("test_domain.device_energy", "x"),
                {"native_unit_of_measurement": "kWh", **stored},
            )
        ],
    )
    coordinator = make_coordinator(hass, Data(power=None, energy=10.0))
    sensor = BridgeEnergySensor(coordinator, ENERGY, device_info=DEVICE, unique_id_prefix="dev1")
    await add(hass, sensor)
    value = float(hass.states.get("test_domain.device_energy").state)
    if stored["native_value"] is not None and not isinstance(stored["native_value"], str):
        assert value == 50.25
    else:
        assert value == 10.0


async def test_energy_sensor_without_data(hass: HomeAssistant) -> None:
    coordinator = make_coordinator(hass, Data(power=None, energy=None))
    coordinator.data = None  # type: ignore[assignment]
    sensor = BridgeEnergySensor(coordinator, ENERGY, device_info=DEVICE, unique_id_prefix="dev1")
    sensor._take_reading()
    assert sensor.native_value is None


class HeldNumber(
    OptimisticHoldMixin[float], BridgeEntity[DataUpdateCoordinator[Data]], NumberEntity
):
    """A number whose writes go through a fake device."""

    def __init__(self, coordinator: DataUpdateCoordinator[Data]) -> None:
        super().__init__(
            coordinator,
            NumberEntityDescription(key="current", name="Current"),
            device_info=DEVICE,
            unique_id_prefix="dev1",
        )
        self._init_hold(20, tolerance=0.5)
        self.fail = False

    @property
    def native_value(self) -> float | None:
        return self._held(self.coordinator.data.power)

    async def async_set_native_value(self, value: float) -> None:
        async def write() -> None:
            if self.fail:
                raise RuntimeError("device said no")

        await self._async_write_with_hold(value, write)


async def test_optimistic_hold_shows_request_until_confirmed_or_expired(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    coordinator = make_coordinator(hass, Data(power=6.0, energy=None))
    number = HeldNumber(coordinator)
    await add(hass, number)
    entity_id = "test_domain.device_current"
    assert hass.states.get(entity_id).state == "6.0"

    await number.async_set_native_value(16.0)
    assert hass.states.get(entity_id).state == "16.0"
    coordinator.async_set_updated_data(Data(power=6.0, energy=None))  # stale poll
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == "16.0"
    # The hold runs out with no confirmation: the device's value shows again.
    freezer.tick(timedelta(seconds=21))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == "6.0"

    # Confirmed within tolerance: the device's value shows.
    await number.async_set_native_value(10.0)
    await number.async_set_native_value(12.0)  # a second write re-arms the timer
    coordinator.async_set_updated_data(Data(power=11.7, energy=None))
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == "11.7"

    # A failed write rolls back at once.
    number.fail = True
    with pytest.raises(RuntimeError):
        await number.async_set_native_value(20.0)
    assert hass.states.get(entity_id).state == "11.7"
    await number.async_remove()


async def test_budget_sensor(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to("2026-05-01T10:00:00+00:00")
    budget = CallBudget(quota=1000, reserve=50, now=dt_util.utcnow)
    sensor = BudgetSensor(budget, device_info=DEVICE, unique_id="acct_budget")
    await add(hass, sensor)
    entity_id = next(iter(hass.states.async_entity_ids("test_domain")))
    assert hass.states.get(entity_id).state == "1000"
    budget.before_request("GET", "x")
    await hass.async_block_till_done()
    state = hass.states.get(entity_id)
    assert state.state == "999"
    assert state.attributes["used"] == 1
    assert state.attributes["used_by_polls"] == 1
    assert state.attributes["reserve_for_commands"] == 50
    assert state.attributes["resets_at"] == "2026-05-02T00:00:00+00:00"
    assert state.attributes["blocked_until"] is None
    assert state.attributes["quota"] == 1000
    assert state.attributes["period"] == "day"


@dataclass
class DailyData:
    day: date | None
    energy: float | None


DAILY = BridgeEnergySensorEntityDescription[DailyData](
    key="energy_today",
    name="Energy today",
    native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
    value_fn=lambda data: data.energy,
    day_fn=lambda data: data.day,
)


async def test_daily_energy_starts_again_each_day_and_never_goes_back_within_one(
    hass: HomeAssistant,
) -> None:
    june_14, june_15 = date(2026, 6, 14), date(2026, 6, 15)
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("test_domain.device_energy_today", "800.0"),
                {"native_value": 800.0, "native_unit_of_measurement": "Wh", "day": "2026-06-14"},
            )
        ],
    )
    # After a restart the unit still reports yesterday's first reading: the total stands.
    coordinator = make_coordinator(hass, Data(power=None, energy=None))
    coordinator.async_set_updated_data(DailyData(day=june_14, energy=100.0))  # type: ignore[arg-type]
    sensor = BridgeEnergySensor(
        coordinator,  # type: ignore[arg-type]
        DAILY,
        device_info=DEVICE,
        unique_id_prefix="dev1",
    )
    await add(hass, sensor)
    entity_id = "test_domain.device_energy_today"
    assert hass.states.get(entity_id).state == "800.0"
    # However many lower readings come within the day, none is taken for a reset.
    for reading, day, shown in [
        (50.0, june_14, "800.0"),
        (50.0, june_14, "800.0"),
        (50.0, june_14, "800.0"),
        (50.0, june_14, "800.0"),
        (None, None, "800.0"),  # no day known: nothing to take
        (900.0, june_14, "900.0"),
        (10.0, june_15, "10.0"),  # midnight: a new day starts afresh
        (950.0, june_14, "10.0"),  # a late reading of yesterday is ignored
        (25.0, june_15, "25.0"),
    ]:
        coordinator.async_set_updated_data(DailyData(day=day, energy=reading))  # type: ignore[arg-type]
        await hass.async_block_till_done()
        assert hass.states.get(entity_id).state == shown, (reading, day)
    extra = sensor.extra_restore_state_data.as_dict()
    assert (extra["native_value"], extra["day"]) == (25.0, "2026-06-15")


@pytest.mark.parametrize(
    "stored",
    [
        {"native_value": 800.0, "native_unit_of_measurement": "Wh", "day": "not a day"},
        {"native_value": 800.0, "native_unit_of_measurement": "Wh"},
        {"native_value": None, "native_unit_of_measurement": "Wh", "day": "2026-06-14"},
    ],
)
async def test_daily_energy_without_a_good_stored_day_starts_from_the_reading(
    hass: HomeAssistant, stored: dict[str, Any]
) -> None:
    mock_restore_cache_with_extra_data(
        hass, [(State("test_domain.device_energy_today", "800.0"), stored)]
    )
    coordinator = make_coordinator(hass, Data(power=None, energy=None))
    coordinator.async_set_updated_data(DailyData(day=date(2026, 6, 15), energy=5.0))  # type: ignore[arg-type]
    sensor = BridgeEnergySensor(
        coordinator,  # type: ignore[arg-type]
        DAILY,
        device_info=DEVICE,
        unique_id_prefix="dev1",
    )
    await add(hass, sensor)
    assert hass.states.get("test_domain.device_energy_today").state == "5.0"
