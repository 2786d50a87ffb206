"""The cloud call budget over a simulated day (time travel), at the defaults and tighter."""

from __future__ import annotations

from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powervault.const import (
    CLOUD_URL_ENV,
    CONF_ACCOUNT_ID,
    CONF_CONNECTION,
    CONF_DAILY_BUDGET,
    CONF_MODEL,
    CONF_UNIT_ID,
    DOMAIN,
)
from simulators.powervault import PowervaultCloud
from tests.conftest import serve_simulator

from .conftest import API_KEY, setup_entry, state_value, tick

# What docs/powervault.md promises per unit and day at the default options.
PROMISED_CALLS_PER_DAY = 336
SETUP_CALLS = 4  # a fourth when the newest bucket has nulls at start
START = datetime.fromisoformat("2026-11-23T00:00:30+00:00")


def _entry(hass: HomeAssistant, unit_id: str, options: dict[str, int]) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=unit_id,
        title=f"Powervault {unit_id}",
        data={
            CONF_CONNECTION: "cloud",
            CONF_API_KEY: API_KEY,
            CONF_ACCOUNT_ID: "4242",
            CONF_UNIT_ID: unit_id,
            CONF_MODEL: "P4",
        },
        options=options,
    )
    entry.add_to_hass(hass)
    return entry


async def test_default_day_stays_within_the_promise(
    hass: HomeAssistant,
    socket_enabled: None,
    allow_loopback: None,
    monkeypatch: pytest.MonkeyPatch,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(START)
    app = PowervaultCloud(units=1)
    async for server in serve_simulator(app):
        monkeypatch.setenv(CLOUD_URL_ENV, f"http://127.0.0.1:{server.port}/v4")
        entry = _entry(hass, "pvsim-1001", {})
        await setup_entry(hass, entry)
        soc = []
        for _ in range(24 * 12):
            await tick(hass, freezer, timedelta(minutes=5))
            soc.append(state_value(hass, "sensor", "pvsim-1001_state_of_charge"))
        calls = app.log.count(r"/v4/")
        data_calls = app.log.count(r"/data$")
        control_calls = app.log.count(r"/(schedule|stateOverride)$")
        assert calls <= PROMISED_CALLS_PER_DAY + SETUP_CALLS
        # ...and the freshness it buys: one data read per 5-minute bucket, hourly schedule.
        assert data_calls >= 24 * 12
        assert control_calls >= 2 * 24
        # The entities followed the unit all day long.
        assert "unavailable" not in soc
        assert len(set(soc)) > 20
        budget = entry.runtime_data.budget
        assert budget is not None
        assert budget.refused == 0
        await hass.config_entries.async_unload(entry.entry_id)


async def test_tight_budget_is_shared_and_respected(
    hass: HomeAssistant,
    socket_enabled: None,
    allow_loopback: None,
    monkeypatch: pytest.MonkeyPatch,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(START)
    app = PowervaultCloud(units=2)
    async for server in serve_simulator(app):
        monkeypatch.setenv(CLOUD_URL_ENV, f"http://127.0.0.1:{server.port}/v4")
        options = {CONF_DAILY_BUDGET: 300}
        first = _entry(hass, "pvsim-1001", options)
        second = _entry(hass, "pvsim-1002", options)
        await setup_entry(hass, first)  # sets up every entry of the integration
        assert first.runtime_data.budget is second.runtime_data.budget
        budget = first.runtime_data.budget
        assert budget is not None
        # Until just before midnight UTC, when the quota starts afresh.
        for _ in range(24 * 12 - 1):
            await tick(hass, freezer, timedelta(minutes=5))
        assert budget.used == app.log.count(r"/v4/")
        # Polls never eat the reserve kept for commands.
        assert budget.used <= 300 - 40
        # Both units were still polled in the evening.
        late = START.timestamp() + 20 * 3600
        for unit in ("pvsim-1001", "pvsim-1002"):
            assert any(r.time > late for r in app.log.matching(f"{unit}/data"))
        for entry in (first, second):
            await hass.config_entries.async_unload(entry.entry_id)


async def test_spent_budget_stops_polls_not_commands(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    cloud_app: PowervaultCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(hass, cloud_entry)
    budget = cloud_entry.runtime_data.budget
    assert budget is not None
    budget.used = budget.quota - budget.reserve  # only the commands' reserve is left
    cloud_app.log.clear()
    await tick(hass, freezer, timedelta(minutes=10))
    assert cloud_app.log.count("/v4/") == 0
    # The last data is still shown for a while...
    assert state_value(hass, "sensor", "pvsim-1001_battery_power") != "unavailable"
    # ...and commands still go through, on the reserve.
    await hass.services.async_call(
        DOMAIN, "cancel_override", {"config_entry_id": cloud_entry.entry_id}, blocking=True
    )
    assert cloud_app.log.count("stateOverride", "POST") == 1
    used = budget.used
    for _ in range(5):
        await tick(hass, freezer, timedelta(minutes=30))
    if budget.used >= used:  # the UTC day did not roll over
        # No poll may spend the reserve (the command's read-back did not leak its kind).
        assert budget.used == used
        # The cancel's own read-back only (one call: the schedule did not change).
        assert cloud_app.log.count("/v4/", "GET") == 1


@pytest.mark.parametrize(
    ("action", "data", "calls"),
    [
        ("set_battery_state", {"state": "normal"}, 3),  # the write and its two read-backs
        ("cancel_override", {}, 2),  # the cancel and its own read-back of the overrides
    ],
)
async def test_polls_after_a_command_count_as_polls(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    action: str,
    data: dict,
    calls: int,
) -> None:
    # Early in the (UTC) budget day, so that the three hours below stay within it.
    freezer.move_to(dt_util.now().replace(hour=6, minute=0, second=0))
    await setup_entry(hass, cloud_entry)
    budget = cloud_entry.runtime_data.budget
    assert budget is not None
    await hass.services.async_call(
        DOMAIN, action, {"config_entry_id": cloud_entry.entry_id, **data}, blocking=True
    )
    assert budget.used_by_kind["command"] == calls
    polls = budget.used_by_kind["poll"]
    for _ in range(36):
        await tick(hass, freezer, timedelta(minutes=5))
    assert budget.used_by_kind["command"] == calls
    assert budget.used_by_kind["poll"] >= polls + 36
