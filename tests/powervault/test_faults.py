"""The framework's faults: entities ride out short trouble, go unavailable, and recover."""

from __future__ import annotations

from datetime import timedelta
import itertools
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powervault.const import DOMAIN
from simulators.framework import Fault, FaultKind
from simulators.powervault import PowervaultCloud, PowervaultLocal

from .conftest import CLOUD_UNIT, LOCAL_UNIT, entity_id, setup_entry, state_value, tick

LOCAL_FAULTS = [
    pytest.param({"kind": FaultKind.RESET}, id="reset"),
    pytest.param({"kind": FaultKind.STATUS, "status": 500}, id="5xx"),
    # The local API has no credentials: a refusal is the unit's fault, never a reauth.
    pytest.param({"kind": FaultKind.STATUS, "status": 401}, id="401"),
    pytest.param({"kind": FaultKind.STATUS, "status": 403}, id="403"),
    pytest.param({"kind": FaultKind.MALFORMED}, id="malformed"),
    pytest.param({"kind": FaultKind.TRUNCATED}, id="truncated"),
    pytest.param({"kind": FaultKind.MISSING_KEYS}, id="missing_keys"),
    pytest.param({"kind": FaultKind.WRONG_TYPES}, id="wrong_types"),
]


def _no_unhandled_errors(caplog: pytest.LogCaptureFixture) -> None:
    """No traceback from the integration or Home Assistant (the test server's own aside)."""
    unhandled = [
        record
        for record in caplog.records
        if record.exc_info
        and record.levelno >= logging.WARNING
        and not record.name.startswith("aiohttp")
    ]
    assert unhandled == []
    assert "Unexpected error" not in caplog.text


def _watch(hass: HomeAssistant, entity: str) -> list[float]:
    """Collect every numeric state an entity takes from now on."""
    values: list[float] = []

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        state = event.data["new_state"]
        if state is not None and state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            values.append(float(state.state))

    async_track_state_change_event(hass, entity, _changed)
    return values


def _assert_daily_total(values: list[float]) -> None:
    """Never back, except once to a new day's small total at midnight."""
    drops = [(a, b) for a, b in itertools.pairwise(values) if b < a]
    assert len(drops) <= 1, drops
    for _before, after in drops:
        assert after < 1.0


def _available(hass: HomeAssistant, unit: str, key: str = "battery_power") -> bool:
    return state_value(hass, "sensor", f"{unit}_{key}") != STATE_UNAVAILABLE


@pytest.mark.parametrize("fault", LOCAL_FAULTS)
async def test_local_unit_faults(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: dict,
) -> None:
    await setup_entry(hass, local_entry)
    energy_before = float(state_value(hass, "sensor", f"{LOCAL_UNIT}_home_energy"))
    energy = _watch(hass, entity_id(hass, "sensor", f"{LOCAL_UNIT}_home_energy"))
    local_app.faults.add(Fault(route="latest-telemetry|chart-data", **fault))

    # A short run of failures: the last values stay.
    await tick(hass, freezer, timedelta(seconds=31))
    assert _available(hass, LOCAL_UNIT)
    # A longer one: the entities say the unit is away.
    for _ in range(6):
        await tick(hass, freezer, timedelta(seconds=61))
    assert not _available(hass, LOCAL_UNIT)
    assert not _available(hass, LOCAL_UNIT, "inverter_voltage")
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []

    local_app.faults.clear()
    for _ in range(4):
        await tick(hass, freezer, timedelta(minutes=2))
    assert _available(hass, LOCAL_UNIT)
    said = local_app._measurements(local_app.unit.latest())
    assert (
        float(state_value(hass, "sensor", f"{LOCAL_UNIT}_state_of_charge")) == said["socUsable"][0]
    )
    # The energy total kept counting over the gap (from the unit's history), never back.
    energy_after = float(state_value(hass, "sensor", f"{LOCAL_UNIT}_home_energy"))
    assert energy_after > energy_before or energy_after < 1.0
    _assert_daily_total(energy)
    _no_unhandled_errors(caplog)


async def test_local_unit_reboot(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, local_entry)
    local_app.faults.inject(FaultKind.REBOOT, "latest-telemetry", times=1, seconds=240)
    await tick(hass, freezer, timedelta(seconds=31))
    assert local_app.rebooting
    assert _available(hass, LOCAL_UNIT)
    for _ in range(3):
        await tick(hass, freezer, timedelta(seconds=61))
    assert not _available(hass, LOCAL_UNIT)
    for _ in range(4):
        await tick(hass, freezer, timedelta(minutes=2))
    assert not local_app.rebooting
    assert _available(hass, LOCAL_UNIT)


async def test_history_glitch_keeps_energy(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, local_entry)
    before = float(state_value(hass, "sensor", f"{LOCAL_UNIT}_home_energy"))
    # The history breaks while the telemetry works: power stays live, energy waits.
    local_app.faults.inject(FaultKind.STATUS, "chart-data", status=500)
    await tick(hass, freezer, timedelta(minutes=6))
    assert _available(hass, LOCAL_UNIT)
    held = float(state_value(hass, "sensor", f"{LOCAL_UNIT}_home_energy"))
    assert held == before
    local_app.faults.clear()
    await tick(hass, freezer, timedelta(minutes=6))
    assert float(state_value(hass, "sensor", f"{LOCAL_UNIT}_home_energy")) > held


CLOUD_FAULTS = [
    pytest.param({"kind": FaultKind.RESET}, id="reset"),
    pytest.param({"kind": FaultKind.STATUS, "status": 503}, id="5xx"),
    pytest.param({"kind": FaultKind.MALFORMED}, id="malformed"),
    pytest.param({"kind": FaultKind.MISSING_KEYS, "keys": ["time"]}, id="missing_keys"),
    pytest.param({"kind": FaultKind.RATE_LIMIT, "seconds": 600}, id="429"),
]


@pytest.mark.parametrize("fault", CLOUD_FAULTS)
async def test_cloud_faults(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    cloud_app: PowervaultCloud,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: dict,
) -> None:
    await setup_entry(hass, cloud_entry)
    energy = _watch(hass, entity_id(hass, "sensor", f"{CLOUD_UNIT}_home_energy"))
    cloud_app.faults.add(Fault(route="/data", **fault))
    # The cloud data is served for two hours through failures.
    await tick(hass, freezer, timedelta(minutes=30))
    assert _available(hass, CLOUD_UNIT)
    for _ in range(6):
        await tick(hass, freezer, timedelta(minutes=30))
    assert not _available(hass, CLOUD_UNIT)
    cloud_app.faults.clear()
    for _ in range(4):
        await tick(hass, freezer, timedelta(minutes=20))
    assert _available(hass, CLOUD_UNIT)
    _assert_daily_total(energy)
    _no_unhandled_errors(caplog)


async def test_cloud_key_revoked_starts_reauth(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    cloud_app: PowervaultCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, cloud_entry)
    cloud_app.api_key = "revoked"
    await tick(hass, freezer, timedelta(minutes=10))
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_timeouts_are_unreachable_errors(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A unit that stops answering: served from the last data, then unavailable (real time)."""
    await setup_entry(hass, local_entry)
    coordinator = local_entry.runtime_data.data
    client = local_entry.runtime_data.client
    client.http.timeout = 0.2
    local_app.faults.inject(FaultKind.TIMEOUT, "latest-telemetry", seconds=1.0)
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert coordinator.consecutive_failures == 1
    assert coordinator.last_error is not None
    assert "timed out" in coordinator.last_error
    assert _available(hass, LOCAL_UNIT)
