"""Tests for the shared coordinators, driven by Home Assistant's clock."""

from __future__ import annotations

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.energy_bridges_common.client.budget import (
    BudgetConsumer,
    BudgetPeriod,
    CallBudget,
    command_calls,
)
from custom_components.energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    BudgetExhaustedError,
    RateLimitedError,
    UnreachableError,
)
from custom_components.energy_bridges_common.hass.budget import (
    DATA_BUDGETS,
    account_key,
    async_get_account_budget,
    async_release_account_budget,
)
from custom_components.energy_bridges_common.hass.coordinator import (
    BridgeCoordinator,
    BudgetedCoordinator,
)

_LOGGER = logging.getLogger(__name__)


class FakeDevice:
    """Answers with a counter, or with the errors queued."""

    def __init__(self) -> None:
        self.calls = 0
        self.errors: list[BridgeApiError] = []
        self.fail_always: BridgeApiError | None = None

    async def read(self) -> int:
        self.calls += 1
        if self.fail_always is not None:
            raise self.fail_always
        if self.errors:
            raise self.errors.pop(0)
        return self.calls


class LocalCoordinator(BridgeCoordinator[int]):
    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry, device: FakeDevice) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name="local",
            update_interval=timedelta(seconds=10),
            stale_after=timedelta(seconds=35),
            max_backoff=timedelta(seconds=80),
        )
        self.device = device

    async def _async_fetch(self) -> int:
        return await self.device.read()


class CloudCoordinator(BudgetedCoordinator[int]):
    def __init__(
        self,
        hass: HomeAssistant,
        entry: MockConfigEntry,
        budget: CallBudget,
        name: str = "cloud",
        calls: int = 1,
        min_interval: float = 30,
    ) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=name,
            budget=budget,
            calls_per_update=calls,
            min_interval=timedelta(seconds=min_interval),
        )
        self.calls_per_update = calls
        self.updates = 0

    async def _async_fetch(self) -> int:
        for _ in range(self.calls_per_update):
            self.budget.before_request("GET", "https://cloud.test/data")
        self.updates += 1
        return self.updates


@pytest.fixture
def entry(hass: HomeAssistant) -> MockConfigEntry:
    entry = MockConfigEntry(domain="powervault", title="Test", data={})
    entry.add_to_hass(hass)
    return entry


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_local_coordinator_rides_out_short_failures(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    device = FakeDevice()
    coordinator = LocalCoordinator(hass, entry, device)
    await coordinator.async_refresh()
    unsub = coordinator.async_add_listener(lambda: None)
    assert coordinator.data == 1
    assert coordinator.last_update_success

    # The device drops off: the last data is served and the interval backs off.
    device.fail_always = UnreachableError("gone")
    await tick(hass, freezer, 10)
    assert coordinator.last_update_success
    assert coordinator.data == 1
    assert coordinator.consecutive_failures == 1
    assert coordinator.update_interval == timedelta(seconds=10)
    await tick(hass, freezer, 10)
    # The backoff would wait 20 s, but the data goes stale 35 s after the last success:
    # the next try comes when it does (16 s), not later.
    assert coordinator.update_interval == timedelta(seconds=16)
    assert coordinator.last_update_success
    # Past stale_after the entities go unavailable.
    await tick(hass, freezer, 16)
    assert not coordinator.last_update_success
    assert coordinator.update_interval == timedelta(seconds=40)
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.translation_key == "communication_error"
    await tick(hass, freezer, 40)
    assert coordinator.update_interval == timedelta(seconds=80)
    await tick(hass, freezer, 80)
    assert coordinator.update_interval == timedelta(seconds=80)  # capped

    # Back: data again, interval reset.
    device.fail_always = None
    calls = device.calls
    await tick(hass, freezer, 80)
    assert coordinator.last_update_success
    assert coordinator.data == calls + 1
    assert coordinator.update_interval == timedelta(seconds=10)
    assert coordinator.consecutive_failures == 0
    assert coordinator.last_error is None
    unsub()


async def test_local_coordinator_first_failure_has_no_data_to_serve(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    device = FakeDevice()
    device.errors = [UnreachableError("gone")]
    coordinator = LocalCoordinator(hass, entry, device)
    with pytest.raises(UpdateFailed):
        await coordinator._async_update_data()


async def test_auth_error_starts_reauth(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    device = FakeDevice()
    device.errors = [AuthenticationError("bad key")]
    coordinator = LocalCoordinator(hass, entry, device)
    with pytest.raises(ConfigEntryAuthFailed) as err:
        await coordinator._async_update_data()
    assert err.value.translation_key == "authentication_failed"


async def test_rate_limited_waits_for_retry_after(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    device = FakeDevice()
    coordinator = LocalCoordinator(hass, entry, device)
    device.errors = [RateLimitedError("slow down", 300)]
    with pytest.raises(UpdateFailed) as err:
        await coordinator._async_update_data()
    assert err.value.translation_key == "rate_limited"
    assert coordinator.update_interval == timedelta(seconds=300)


async def test_refresh_after_write_and_base_interval(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    device = FakeDevice()
    coordinator = LocalCoordinator(hass, entry, device)
    await coordinator.async_refresh()
    await coordinator.async_refresh_after_write()
    assert device.calls == 2
    coordinator.set_base_interval(timedelta(seconds=5))
    assert coordinator.update_interval == timedelta(seconds=5)
    assert coordinator.base_interval == timedelta(seconds=5)
    await coordinator.async_shutdown()


async def test_budgeted_coordinator_keeps_within_the_quota_for_a_day(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """At a 30 s wish and 2 calls per update, 500 calls a day (50 reserved) must last."""
    freezer.move_to("2026-05-01T00:00:10+00:00")
    budget = CallBudget(quota=500, reserve=50, now=dt_util.utcnow)
    coordinator = CloudCoordinator(hass, entry, budget, calls=2)
    await coordinator.async_refresh()
    unsub = coordinator.async_add_listener(lambda: None)
    # 450 poll calls over a day is 225 updates: one every 384 s, not every 30 s.
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() > 300
    for _ in range(24 * 12):
        await tick(hass, freezer, 300)
        with command_calls():  # a user command an hour, from the reserve
            if coordinator.updates % 12 == 0 and budget.can_spend(1):
                budget.before_request("POST", "https://cloud.test/command")
    assert budget.period_start == dt_util.parse_datetime("2026-05-02T00:00:00+00:00")
    # Yesterday's count rolled over; check what the coordinator did yesterday.
    assert 200 <= coordinator.updates <= 226
    unsub()
    await coordinator.async_shutdown()
    assert budget.consumers == {}


async def test_budgeted_coordinator_skips_when_it_cannot_afford(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-05-01T12:00:00+00:00")
    budget = CallBudget(quota=10, reserve=2, now=dt_util.utcnow)
    coordinator = CloudCoordinator(hass, entry, budget, calls=3)
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    assert coordinator.updates == 2
    assert budget.used == 6
    # 2 poll calls left, 3 needed: the update is skipped and the last data kept.
    await coordinator.async_refresh()
    assert coordinator.updates == 2
    assert coordinator.data == 2
    assert coordinator.last_update_success
    assert budget.used == 6
    assert coordinator.update_interval is not None
    assert coordinator.update_interval >= timedelta(seconds=3600)


async def test_budgeted_coordinator_without_data_fails_translated(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    budget = CallBudget(quota=10, reserve=9, now=dt_util.utcnow)
    coordinator = CloudCoordinator(hass, entry, budget, calls=2)
    with pytest.raises(UpdateFailed) as err:
        await coordinator._async_update_data()
    assert err.value.translation_key == "budget_exhausted"
    assert isinstance(err.value.__cause__, BudgetExhaustedError)


async def test_consumers_share_the_budget(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-05-01T00:00:00+00:00")
    budget = CallBudget(quota=1000, reserve=100, now=dt_util.utcnow)
    live = CloudCoordinator(hass, entry, budget, "live", calls=1, min_interval=30)
    info = CloudCoordinator(hass, entry, budget, "info", calls=1, min_interval=3600)
    assert info.next_interval() == timedelta(seconds=3600)
    # live gets 900 - 24 calls: one every ~98.6 s
    assert 95 < live.next_interval().total_seconds() < 100
    budget.register(BudgetConsumer("other", 1, 30))
    assert live.next_interval().total_seconds() > 190


async def test_account_budget_is_shared_and_persisted(
    hass: HomeAssistant, hass_storage: dict[str, dict[str, object]], freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-05-01T08:00:00+00:00")
    account = account_key("secret-api-key")
    assert "secret" not in account
    first = await async_get_account_budget(
        hass, domain="v2c_cloud", account_id=account, entry_id="a", quota=1000, reserve=50
    )
    second = await async_get_account_budget(
        hass, domain="v2c_cloud", account_id=account, entry_id="b", quota=900, reserve=40
    )
    assert first is second
    assert (first.quota, first.reserve) == (900, 40)
    assert first.period is BudgetPeriod.DAY
    for _ in range(42):
        first.before_request("GET", "x")
    await async_release_account_budget(hass, domain="v2c_cloud", account_id=account, entry_id="a")
    assert (("v2c_cloud", account)) in hass.data[DATA_BUDGETS]
    await async_release_account_budget(hass, domain="v2c_cloud", account_id=account, entry_id="b")
    assert hass.data[DATA_BUDGETS] == {}
    stored = hass_storage[f"v2c_cloud.budget.{account}"]["data"]
    assert isinstance(stored, dict)
    assert stored["used"] == 42

    # "Restart": a new budget object loads the count.
    again = await async_get_account_budget(
        hass, domain="v2c_cloud", account_id=account, entry_id="a", quota=1000, reserve=50
    )
    assert again is not first
    assert again.used == 42
    # Releasing an unknown account is harmless.
    await async_release_account_budget(hass, domain="v2c_cloud", account_id="x", entry_id="a")


async def test_account_budget_saves_while_running(
    hass: HomeAssistant, hass_storage: dict[str, dict[str, object]], freezer: FrozenDateTimeFactory
) -> None:
    budget = await async_get_account_budget(
        hass, domain="tesla_energy", account_id="acct", entry_id="a", quota=100, reserve=5
    )
    budget.before_request("GET", "x")
    await tick(hass, freezer, 20)
    stored = hass_storage["tesla_energy.budget.acct"]["data"]
    assert isinstance(stored, dict)
    assert stored["used"] == 1


async def test_budgeted_coordinator_looks_again_when_data_goes_stale(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """With the budget spent, the next try is not put off past stale_after."""
    freezer.move_to("2026-05-01T06:00:00+00:00")
    budget = CallBudget(quota=10, reserve=2, now=dt_util.utcnow)
    coordinator = CloudCoordinator(hass, entry, budget, calls=4)
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    unsub = coordinator.async_add_listener(lambda: None)
    await coordinator.async_refresh()  # cannot afford: stale data served
    assert coordinator.last_update_success
    assert coordinator.update_interval is not None
    # The budget's pace would be hours away; stale_after (2 h) comes first.
    assert coordinator.update_interval <= timedelta(hours=2, seconds=1)
    await tick(hass, freezer, 2 * 3600 + 1)
    assert not coordinator.last_update_success
    assert coordinator.last_exception is not None
    unsub()


async def test_a_refresh_started_by_a_command_polls(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """A refresh inside command_calls() (read-back after a write) does not use the reserve."""
    budget = CallBudget(quota=10, reserve=5, now=dt_util.utcnow)
    coordinator = CloudCoordinator(hass, entry, budget, calls=1)
    with command_calls():
        await coordinator.async_refresh()
    assert budget.used_by_kind == {"poll": 1, "command": 0}


async def test_server_retry_after_is_obeyed_while_serving_stale_data(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    device = FakeDevice()
    coordinator = LocalCoordinator(hass, entry, device)
    await coordinator.async_refresh()
    device.errors = [RateLimitedError("slow down", 300)]
    assert await coordinator._async_update_data() == 1  # stale data served
    # The data goes stale in 35 s, but the server asked for 300 s: 300 s it is.
    assert coordinator.update_interval == timedelta(seconds=300)


class LanCoordinator(BudgetedCoordinator[int]):
    """The same coordinator class with no budget: the device reached on the LAN."""

    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry, device: FakeDevice) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name="lan",
            budget=None,
            calls_per_update=1,
            min_interval=timedelta(seconds=30),
        )
        self.device = device

    async def _async_fetch(self) -> int:
        return await self.device.read()


async def test_budgeted_coordinator_without_a_budget_polls_at_its_interval(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    device = FakeDevice()
    coordinator = LanCoordinator(hass, entry, device)
    assert coordinator.update_interval == timedelta(seconds=30)
    await coordinator.async_refresh()
    assert coordinator.data == 1
    assert coordinator.update_interval == timedelta(seconds=30)
    # Nothing to afford: a failure backs off like any local poll (no budget floor).
    device.errors = [UnreachableError("gone")]
    await coordinator.async_refresh()
    assert coordinator.data == 1
    assert coordinator.update_interval == timedelta(seconds=30)
    assert coordinator.stale_after == timedelta(seconds=90)
    assert coordinator.max_backoff == timedelta(minutes=5)
    await coordinator.async_shutdown()


class NotRegisteredError(BridgeApiError):
    """An error only the user can fix (as Tesla's 412)."""


class HookedCoordinator(LocalCoordinator):
    """Gives one error class its own key and a 'repair' while it lasts."""

    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry, device: FakeDevice) -> None:
        super().__init__(hass, entry, device)
        self.repair_open = False

    def update_failed(self, err: BridgeApiError) -> UpdateFailed:
        if isinstance(err, NotRegisteredError):
            self.repair_open = True
            return UpdateFailed(translation_domain="powervault", translation_key="not_registered")
        return super().update_failed(err)

    def update_succeeded(self) -> None:
        self.repair_open = False


async def test_integration_hook_names_its_own_errors(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """An integration's hook sees every failure (also while data is served) and every success."""
    device = FakeDevice()
    coordinator = HookedCoordinator(hass, entry, device)
    await coordinator.async_refresh()
    device.fail_always = NotRegisteredError("412")
    # The last data is still served, but the repair opens at the first failure.
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert coordinator.repair_open
    freezer.tick(timedelta(seconds=40))
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.translation_key == "not_registered"
    # Other errors keep the shared keys.
    device.fail_always = UnreachableError("gone")
    await coordinator.async_refresh()
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.translation_key == "communication_error"
    # A read-back that works closes the repair as a poll does.
    coordinator.repair_open = True
    device.fail_always = None
    await coordinator.async_read_back()
    assert not coordinator.repair_open
    assert coordinator.last_update_success
