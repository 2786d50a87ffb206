"""Tests for the one command path (``hass.command``)."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_bridges_common.client.budget import (
    BudgetPeriod,
    CallBudget,
    CallKind,
    current_call_kind,
)
from custom_components.energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    BudgetExhaustedError,
    PermissionDeniedError,
    RateLimitedError,
    RequestError,
    UnreachableError,
)
from custom_components.energy_bridges_common.hass.command import (
    CommandTarget,
    async_run_command,
    bridge_command,
)
from custom_components.energy_bridges_common.hass.coordinator import BridgeCoordinator

_LOGGER = logging.getLogger(__name__)


class RejectedError(RequestError):
    """An integration's own error."""


class Device:
    """Counts what it is asked, in which call kind, on an account budget."""

    def __init__(self, budget: CallBudget | None = None) -> None:
        self.budget = budget
        self.kinds: list[CallKind] = []
        self.value = 0
        self.fail: BridgeApiError | None = None

    async def call(self) -> int:
        self.kinds.append(current_call_kind())
        if self.budget is not None:
            self.budget.before_request("POST", "https://cloud.test/command")
        if self.fail is not None:
            raise self.fail
        self.value += 1
        return self.value


class Coordinator(BridgeCoordinator[int]):
    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry, device: Device) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name="device",
            update_interval=timedelta(seconds=10),
        )
        self.device = device

    async def _async_fetch(self) -> int:
        return await self.device.call()


@pytest.fixture
def entry(hass: HomeAssistant) -> MockConfigEntry:
    entry = MockConfigEntry(domain="powervault", title="Test", data={})
    entry.add_to_hass(hass)
    return entry


def _budget(quota: int, reserve: int) -> CallBudget:
    return CallBudget(
        quota=quota,
        reserve=reserve,
        period=BudgetPeriod.DAY,
        time_zone=dt_util.UTC,
        now=dt_util.utcnow,
    )


async def test_command_spends_the_reserve_polls_may_not(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    budget = _budget(quota=4, reserve=2)
    device = Device(budget)
    for _ in range(2):
        await device.call()  # polls, up to the reserve
    with pytest.raises(BudgetExhaustedError):
        await device.call()
    target = CommandTarget(hass=hass, entry=entry)
    assert await async_run_command(target, device.call) == 3
    assert budget.used_by_kind["command"] == 1
    assert device.kinds[-1] is CallKind.COMMAND
    # The command's context ends with it.
    assert current_call_kind() is CallKind.POLL


@pytest.mark.parametrize(
    ("err", "key"),
    [
        (BudgetExhaustedError("spent", 10), "budget_exhausted"),
        (RateLimitedError("429", 10), "rate_limited"),
        (PermissionDeniedError("403"), "authentication_failed"),
        (UnreachableError("down"), "communication_error"),
        (RequestError("500", 500), "communication_error"),
    ],
)
async def test_errors_get_the_shared_keys(
    hass: HomeAssistant, entry: MockConfigEntry, err: BridgeApiError, key: str
) -> None:
    device = Device()
    device.fail = err
    with pytest.raises(HomeAssistantError) as raised:
        await async_run_command(CommandTarget(hass=hass, entry=entry), device.call)
    assert raised.value.translation_domain == "powervault"
    assert raised.value.translation_key == key
    assert raised.value.translation_placeholders == {"error": str(err)}
    assert raised.value.__cause__ is err
    await hass.async_block_till_done()
    reauth = list(entry.async_get_active_flows(hass, {"reauth"}))
    assert bool(reauth) is isinstance(err, AuthenticationError)


async def test_integration_keys_win_most_specific_first(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    target = CommandTarget(
        hass=hass,
        entry=entry,
        error_keys={
            BridgeApiError: "command_failed",
            RequestError: "request_failed",
            RejectedError: "command_rejected",
            AuthenticationError: "command_auth_failed",
        },
    )
    assert target.error(RejectedError("no", 400)).translation_key == "command_rejected"
    assert target.error(RequestError("no", 400)).translation_key == "request_failed"
    assert target.error(UnreachableError("down")).translation_key == "command_failed"
    device = Device()
    device.fail = AuthenticationError("bad key")
    with pytest.raises(HomeAssistantError) as raised:
        await async_run_command(target, device.call)
    assert raised.value.translation_key == "command_auth_failed"
    await hass.async_block_till_done()
    assert list(entry.async_get_active_flows(hass, {"reauth"}))


async def test_translate_error_hook_comes_first_and_may_pass(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    def translate(err: BridgeApiError) -> HomeAssistantError | None:
        if isinstance(err, RejectedError):
            return ServiceValidationError(
                translation_domain="powervault",
                translation_key="invalid_value",
                translation_placeholders={"status": str(err.status)},
            )
        return None

    target = CommandTarget(
        hass=hass,
        entry=entry,
        error_keys={RequestError: "request_failed"},
        translate_error=translate,
    )
    error = target.error(RejectedError("no", 422))
    assert isinstance(error, ServiceValidationError)
    assert error.translation_placeholders == {"status": "422"}
    assert target.error(RequestError("no", 400)).translation_key == "request_failed"


async def test_other_exceptions_pass_unchanged(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    async def broken() -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        await async_run_command(CommandTarget(hass=hass, entry=entry), broken)


async def test_verify_runs_on_the_reserve_and_its_error_is_translated(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    device = Device()
    seen: list[tuple[int, CallKind]] = []

    async def verify(result: int) -> None:
        seen.append((result, current_call_kind()))
        if result > 1:
            raise RejectedError("not applied", 409)

    target = CommandTarget(hass=hass, entry=entry, error_keys={RejectedError: "not_applied"})
    assert await async_run_command(target, device.call, verify=verify) == 1
    with pytest.raises(HomeAssistantError) as raised:
        await async_run_command(target, device.call, verify=verify)
    assert raised.value.translation_key == "not_applied"
    assert seen == [(1, CallKind.COMMAND), (2, CallKind.COMMAND)]


async def test_read_back_on_the_reserve_then_polls_again(
    hass: HomeAssistant, entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    device = Device()
    coordinator = Coordinator(hass, entry, device)
    await coordinator.async_refresh()
    coordinator.consecutive_failures = 2
    target = CommandTarget(hass=hass, entry=entry, read_back=(coordinator,))

    async def command() -> str:
        return "done"

    assert await async_run_command(target, command) == "done"
    # The read-back's fetch is part of the command; the data is handed to the entities.
    assert device.kinds == [CallKind.POLL, CallKind.COMMAND]
    assert coordinator.data == 2
    assert coordinator.consecutive_failures == 0
    # The next update (scheduled by the hand-over) is a poll again.
    await coordinator.async_refresh()
    assert device.kinds[-1] is CallKind.POLL

    assert await async_run_command(target, command, read_back=False) == "done"
    assert len(device.kinds) == 3

    # A failed read-back is logged; the command went through.
    device.fail = UnreachableError("gone")
    caplog.set_level(logging.DEBUG)
    assert await async_run_command(target, command) == "done"
    assert "read-back after a command failed: gone" in caplog.text
    assert coordinator.data == 3
    await coordinator.async_shutdown()


async def test_bridge_command_decorates_entity_methods(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    device = Device()

    class Entity:
        def __init__(self) -> None:
            self.command_target = CommandTarget(hass=hass, entry=entry)

        @bridge_command
        async def async_set(self, value: int, *, twice: bool = False) -> int:
            result = await device.call()
            return value + result * (2 if twice else 1)

    entity = Entity()
    assert await entity.async_set(10, twice=True) == 12
    assert device.kinds == [CallKind.COMMAND]
    assert Entity.async_set.__name__ == "async_set"
    device.fail = UnreachableError("down")
    with pytest.raises(HomeAssistantError) as raised:
        await entity.async_set(1)
    assert raised.value.translation_key == "communication_error"


async def test_bridge_command_takes_keyword_only_methods(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """``async_turn_on(self, **kwargs)`` as Home Assistant declares it (mypy checks the types)."""
    device = Device()

    class Switch:
        def __init__(self) -> None:
            self.command_target = CommandTarget(hass=hass, entry=entry)
            self.seen: dict[str, Any] = {}

        @bridge_command
        async def async_turn_on(self, **kwargs: Any) -> None:
            self.seen = kwargs
            await device.call()

    switch = Switch()
    await switch.async_turn_on(brightness=3)
    assert switch.seen == {"brightness": 3}
    assert device.kinds == [CallKind.COMMAND]


class ScopeError(PermissionDeniedError):
    """A permission the user chose not to grant."""


async def test_no_reauth_for_refusals_signing_in_does_not_fix(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    target = CommandTarget(hass=hass, entry=entry, no_reauth_for=(ScopeError,))
    device = Device()
    device.fail = ScopeError("missing scope")
    with pytest.raises(HomeAssistantError) as raised:
        await async_run_command(target, device.call)
    assert raised.value.translation_key == "authentication_failed"
    await hass.async_block_till_done()
    assert not list(entry.async_get_active_flows(hass, {"reauth"}))
    # Any other refusal of the key still asks to sign in again.
    device.fail = PermissionDeniedError("403")
    with pytest.raises(HomeAssistantError):
        await async_run_command(target, device.call)
    await hass.async_block_till_done()
    assert list(entry.async_get_active_flows(hass, {"reauth"}))
