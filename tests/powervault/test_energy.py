"""Energy totals: accepted by the Energy dashboard, monotonic through glitches and restarts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
import itertools
import json
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)

from custom_components.powervault.const import DOMAIN
from simulators.framework import FaultKind
from simulators.powervault import PowervaultCloud

from .conftest import CLOUD_UNIT, setup_entry, tick


def energy_day(now: datetime) -> date:
    """The unit's day: British local time, as its schedule (computed here, not by our code)."""
    return now.astimezone(ZoneInfo("Europe/London")).date()


def _register(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    return (
        er.async_get(hass)
        .async_get_or_create(
            "sensor", DOMAIN, f"{CLOUD_UNIT}_{key}", config_entry=entry, suggested_object_id=key
        )
        .entity_id
    )


def _value(hass: HomeAssistant, entity: str) -> float:
    """Return the value in kWh (pre-registered entities keep the native Wh)."""
    state = hass.states.get(entity)
    assert state is not None
    value = float(state.state)
    return value / 1000 if state.attributes.get("unit_of_measurement") == "Wh" else value


async def test_missing_bucket_values_never_lower_the_total(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    cloud_app: PowervaultCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    home = _register(hass, cloud_entry, "home_energy")
    solar = _register(hass, cloud_entry, "solar_energy")
    await setup_entry(hass, cloud_entry)
    values = [_value(hass, home)]
    before_solar = _value(hass, solar)
    # The cloud drops a field from every bucket for a while: its sum would fall to zero.
    cloud_app.faults.inject(FaultKind.MISSING_KEYS, "/data", keys=["homeConsumed"], times=3)
    for _ in range(3):
        await tick(hass, freezer, timedelta(minutes=5))
        values.append(_value(hass, home))
    assert values[1:] == [values[0]] * 3
    for _ in range(3):
        await tick(hass, freezer, timedelta(minutes=5))
        values.append(_value(hass, home))
    if energy_day(dt_util.utcnow()) == energy_day(dt_util.utcnow() - timedelta(minutes=30)):
        assert all(b >= a for a, b in itertools.pairwise(values))
        assert values[-1] > values[0]
        assert _value(hass, solar) >= before_solar


async def test_restored_total_of_today_holds_through_a_low_first_reading(
    hass: HomeAssistant, cloud_entry: MockConfigEntry
) -> None:
    home = _register(hass, cloud_entry, "home_energy")
    today = energy_day(dt_util.utcnow()).isoformat()
    mock_restore_cache_with_extra_data(
        hass,
        (
            (
                State(home, "999.0"),
                {"native_value": 999_000.0, "native_unit_of_measurement": "Wh", "day": today},
            ),
        ),
    )
    await setup_entry(hass, cloud_entry)
    assert _value(hass, home) == pytest.approx(999.0)


async def test_restored_total_of_yesterday_starts_today_afresh(
    hass: HomeAssistant, cloud_entry: MockConfigEntry
) -> None:
    home = _register(hass, cloud_entry, "home_energy")
    yesterday = (energy_day(dt_util.utcnow()) - timedelta(days=1)).isoformat()
    mock_restore_cache_with_extra_data(
        hass,
        (
            (
                State(home, "999.0"),
                {"native_value": 999_000.0, "native_unit_of_measurement": "Wh", "day": yesterday},
            ),
        ),
    )
    await setup_entry(hass, cloud_entry)
    assert 0 < _value(hass, home) < 100


async def test_restored_state_without_day_is_ignored(
    hass: HomeAssistant, cloud_entry: MockConfigEntry
) -> None:
    home = _register(hass, cloud_entry, "home_energy")
    mock_restore_cache_with_extra_data(
        hass, ((State(home, "999.0"), {"native_value": "junk", "day": None}),)
    )
    await setup_entry(hass, cloud_entry)
    assert 0 < _value(hass, home) < 100


async def test_totals_start_again_at_midnight(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    home = _register(hass, cloud_entry, "home_energy")
    await setup_entry(hass, cloud_entry)
    values = [_value(hass, home)]
    start_day = energy_day(dt_util.utcnow())
    while energy_day(dt_util.utcnow()) == start_day:
        await tick(hass, freezer, timedelta(minutes=30))
        values.append(_value(hass, home))
    for _ in range(4):
        await tick(hass, freezer, timedelta(minutes=30))
        values.append(_value(hass, home))
    drops = [(a, b) for a, b in itertools.pairwise(values) if b < a]
    # One drop, at midnight, to the first buckets of the new day; rising again after it.
    assert len(drops) == 1
    assert drops[0][1] < 1.0
    assert values[-1] > drops[0][1]


async def test_a_long_run_of_lower_totals_is_not_a_reset(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    cloud_app: PowervaultCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    home = _register(hass, cloud_entry, "home_energy")
    await setup_entry(hass, cloud_entry)
    first = _value(hass, home)
    # For half an hour the cloud answers with a single bucket: a far lower (non-zero) sum.
    hour = dt_util.utcnow().strftime("%Y-%m-%d %H:00:00")
    one_bucket = json.dumps(
        {
            "data": [
                {
                    "time": hour,
                    "instant_soc": 50,
                    "instant_battery": 0,
                    "instant_demand": 500_000,
                    "instant_grid": 500_000,
                    "instant_solar": 0,
                    "homeConsumed": 500_000,
                }
            ]
        }
    )
    cloud_app.faults.inject(FaultKind.MALFORMED, "/data", body=one_bucket, times=6)
    values = []
    for _ in range(6):
        await tick(hass, freezer, timedelta(minutes=5))
        values.append(_value(hass, home))
    if energy_day(dt_util.utcnow()) == energy_day(dt_util.utcnow() - timedelta(minutes=30)):
        assert values == [first] * 6


async def test_nulls_at_start_are_filled_from_the_past_hour(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    cloud_app.faults.inject(FaultKind.MISSING_KEYS, "/data", keys=["instant_grid"], times=1)
    await setup_entry(hass, cloud_entry)
    assert cloud_app.log.count("/data") == 2
    grid = hass.states.get("sensor.powervault_pvsim_1001_grid_power")
    assert grid is not None
    float(grid.state)
