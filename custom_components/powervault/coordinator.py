"""Runtime data and the two coordinators of a Powervault unit, on the cloud or the LAN."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
import math

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.budget import CallBudget
from ..energy_bridges_common.hass.command import CommandTarget
from ..energy_bridges_common.hass.coordinator import BudgetedCoordinator
from .api import BatteryControl, PowervaultApi, StateOverride, UnitData
from .api.const import BUCKET_SECONDS
from .const import (
    BUCKET_POLL_DELAY,
    CLOUD_CONTROL_INTERVAL,
    CLOUD_DATA_INTERVAL,
    LOCAL_CONTROL_INTERVAL,
    LOCAL_DATA_INTERVAL,
    LOGGER,
)

type PowervaultConfigEntry = ConfigEntry[PowervaultRuntimeData]


@dataclass(slots=True)
class PowervaultRuntimeData:
    """What a loaded entry holds."""

    client: PowervaultApi
    unit_id: str
    data: PowervaultDataCoordinator
    control: PowervaultControlCoordinator
    device_info: DeviceInfo
    budget: CallBudget | None = None
    command: CommandTarget = field(init=False)
    """Where the unit's commands go (``energy_bridges_common.hass.command``)."""


def seconds_to_next_slot(now: float, budget_seconds: float) -> float:
    """Return the seconds from ``now`` (a timestamp) to the next cloud poll.

    A slot is a bucket boundary plus ``BUCKET_POLL_DELAY``, when the new bucket has values.
    The poll that just ran belongs to the latest slot at or before now (however late it
    ran); the next one goes ``k`` slots on, ``k`` the budget's interval in buckets rounded
    up, so polls never outpace the budget and never read the same bucket twice.
    """
    buckets = max(1, math.ceil(budget_seconds / BUCKET_SECONDS - 0.05))
    delay = BUCKET_POLL_DELAY.total_seconds()
    slot = math.floor((now - delay) / BUCKET_SECONDS) * BUCKET_SECONDS + delay
    return max(slot + buckets * BUCKET_SECONDS - now, 1.0)


class PowervaultDataCoordinator(BudgetedCoordinator[UnitData]):
    """The power now and today's energy, from the cloud's buckets or the unit's telemetry.

    On the cloud (with the account's budget) polls are aligned with the buckets, a little
    after each boundary when the new bucket has values, and never faster than the budget
    affords; on the LAN the unit is read every 30 seconds.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        config_entry: ConfigEntry,
        client: PowervaultApi,
        unit_id: str,
        budget: CallBudget | None,
    ) -> None:
        """One cloud call per update."""
        self.client = client
        self.unit_id = unit_id
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"Powervault {unit_id} {'data' if budget is not None else 'telemetry'}",
            budget=budget,
            calls_per_update=1,
            min_interval=CLOUD_DATA_INTERVAL if budget is not None else LOCAL_DATA_INTERVAL,
            weight=3.0,
        )

    def next_interval(self) -> timedelta:
        """Return the wait until the next bucket slot the budget affords."""
        interval = super().next_interval()
        if self.budget is None:
            return interval
        now = dt_util.utcnow().timestamp()
        return timedelta(seconds=seconds_to_next_slot(now, interval.total_seconds()))

    async def _async_fetch(self) -> UnitData:
        return await self.client.get_unit_data(self.unit_id, dt_util.utcnow(), self.data)


class PowervaultControlCoordinator(BudgetedCoordinator[BatteryControl]):
    """The schedule and the overrides (two calls), read rarely on the cloud."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        config_entry: ConfigEntry,
        client: PowervaultApi,
        unit_id: str,
        budget: CallBudget | None,
    ) -> None:
        """Two cloud calls per update."""
        self.client = client
        self.unit_id = unit_id
        interval = CLOUD_CONTROL_INTERVAL if budget is not None else LOCAL_CONTROL_INTERVAL
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"Powervault {unit_id} schedule",
            budget=budget,
            calls_per_update=2,
            min_interval=interval,
            weight=1.0,
            stale_after=interval * 3,
        )

    async def _async_fetch(self) -> BatteryControl:
        return await self.client.get_battery_control(self.unit_id)

    @callback
    def async_set_overrides(self, overrides: Sequence[StateOverride]) -> None:
        """Take overrides read back after a command (the schedule is unchanged)."""
        self.async_set_updated_data(replace(self.data, overrides=tuple(overrides)))
