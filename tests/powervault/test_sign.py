"""The battery power's sign: the cloud's assumed one made checkable, and no "-0 W"."""

from __future__ import annotations

from datetime import UTC, datetime
import json

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powervault.api import CLOUD_BATTERY_POSITIVE_WHEN_CHARGING
from custom_components.powervault.diagnostics import async_get_config_entry_diagnostics
from simulators.powervault import PowervaultCloud, PowervaultLocal
from simulators.powervault.model import BatteryModel

from .conftest import CLOUD_UNIT, LOCAL_UNIT, entity_id, setup_entry, state_value

# Midday, so that "today" holds more than an hour of 5-minute buckets.
NOON = datetime(2026, 3, 10, 12, 2, 0, tzinfo=UTC)


def _run_for_the_last_hour(model: BatteryModel, state: str, soc: float = 50.0) -> None:
    """Make the simulated unit do ``state`` for the hour before now (and after)."""
    now = NOON.timestamp()
    model.advance_to(now - 3600)
    model.soc = soc
    model.overrides = [{"start": now - 3600, "end": now + 3600, "state": state}]


@pytest.fixture
def cloud_app(freezer: FrozenDateTimeFactory) -> PowervaultCloud:
    """A cloud at midday (the simulator's history starts from its creation time)."""
    freezer.move_to(NOON)
    return PowervaultCloud(units=1)


@pytest.mark.parametrize(
    ("positive_when", "expected"),
    [("charging", "consistent"), ("discharging", "inverted")],
)
async def test_cloud_sign_check(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    cloud_app: PowervaultCloud,
    positive_when: str,
    expected: str,
) -> None:
    """An hour of charging: the charge rises, and the sensor says whether our sign agrees."""
    assert CLOUD_BATTERY_POSITIVE_WHEN_CHARGING  # the assumption these cases are built on
    cloud_app.battery_positive_when = positive_when
    _run_for_the_last_hour(cloud_app.units[CLOUD_UNIT], "force-charge")
    await setup_entry(hass, cloud_entry)
    check = entity_id(hass, "sensor", f"{CLOUD_UNIT}_battery_sign_check")
    registry_entry = er.async_get(hass).async_get(check)
    assert registry_entry is not None
    assert registry_entry.entity_category is er.EntityCategory.DIAGNOSTIC
    assert hass.states.get(check).state == expected
    battery = float(state_value(hass, "sensor", f"{CLOUD_UNIT}_battery_power"))
    # Charging is negative in Home Assistant: shown right only when the sign agrees.
    assert (battery < 0) is (expected == "consistent")
    diagnostics = await async_get_config_entry_diagnostics(hass, cloud_entry)
    assert diagnostics["battery_sign_check"] == expected
    assert diagnostics["battery_sign_assumed"] == "positive_when_charging"
    json.dumps(diagnostics, default=str)


async def test_cloud_sign_check_unknown_when_idle(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    """A battery that did not move tells nothing: no value rather than a guess."""
    _run_for_the_last_hour(cloud_app.units[CLOUD_UNIT], "disable")
    await setup_entry(hass, cloud_entry)
    assert state_value(hass, "sensor", f"{CLOUD_UNIT}_battery_sign_check") == "unknown"


async def test_cloud_idle_battery_is_zero_not_minus_zero(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    _run_for_the_last_hour(cloud_app.units[CLOUD_UNIT], "disable")
    await setup_entry(hass, cloud_entry)
    assert state_value(hass, "sensor", f"{CLOUD_UNIT}_battery_power") == "0.0"


async def test_local_idle_battery_is_zero_not_minus_zero(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    freezer: FrozenDateTimeFactory,
) -> None:
    from homeassistant.util import dt as dt_util

    now = dt_util.utcnow().timestamp()
    local_app.unit.advance_to(now - 120)
    local_app.unit.overrides = [{"start": now - 120, "end": now + 3600, "state": "dormant"}]
    await setup_entry(hass, local_entry)
    assert local_app._measurements(local_app.unit.latest())["batteryPower"][0] == 0
    assert state_value(hass, "sensor", f"{LOCAL_UNIT}_battery_power") == "0.0"
    # A local unit has no sign to check (its sign is confirmed on a real P3X).
    registry = er.async_get(hass)
    assert (
        registry.async_get_entity_id("sensor", "powervault", f"{LOCAL_UNIT}_battery_sign_check")
        is None
    )
