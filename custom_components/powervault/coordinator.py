"""Runtime data and coordinators of the Powervault integration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
import math

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.budget import CallBudget, command_calls
from ..energy_bridges_common.client.errors import BridgeApiError
from ..energy_bridges_common.hass.coordinator import BridgeCoordinator, BudgetedCoordinator
from .api import (
    BatteryControl,
    BatterySignCheck,
    DailyEnergy,
    EnergyFlows,
    HistorySample,
    LocalTelemetry,
    PowerFlow,
    PowervaultClient,
    StateOverride,
    check_battery_sign,
    integrate_energy,
    latest_power,
    sum_energy,
)
from .api.const import BUCKET_SECONDS
from .api.models import SCHEDULE_ZONE
from .const import BUCKET_POLL_DELAY, LOCAL_HISTORY_INTERVAL, LOGGER

type PowervaultConfigEntry = ConfigEntry[PowervaultRuntimeData]


@dataclass(frozen=True, slots=True)
class UnitData:
    """What a unit is doing now, and today's energy."""

    power: PowerFlow
    energy: DailyEnergy | None
    telemetry: LocalTelemetry | None = None
    """The local API's extra values (temperatures, voltages, cells); None on the cloud."""
    battery_sign: BatterySignCheck | None = None
    """Whether the cloud's battery power sign agrees with its state of charge; None locally."""


@dataclass(slots=True)
class PowervaultRuntimeData:
    """What a loaded entry holds."""

    client: PowervaultClient
    unit_id: str
    data: PowervaultDataCoordinator
    control: PowervaultControlCoordinator
    device_info: DeviceInfo
    budget: CallBudget | None = None


def energy_day(now: datetime) -> date:
    """Return the day the totals belong to (British local time, as the unit's schedule)."""
    return now.astimezone(SCHEDULE_ZONE).date()


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


class PowervaultDataCoordinator(BridgeCoordinator[UnitData]):
    """The coordinator entities read power and energy from (cloud or local)."""


class PowervaultControlCoordinator(BridgeCoordinator[BatteryControl]):
    """The coordinator of the schedule and the overrides (cloud or local)."""

    @callback
    def async_set_overrides(self, overrides: Sequence[StateOverride]) -> None:
        """Take overrides read back after a command (the schedule is unchanged)."""
        self.async_set_updated_data(replace(self.data, overrides=tuple(overrides)))

    async def async_refresh_after_write(self) -> None:
        """Read the schedule and override back at once, as part of the user's command.

        The read counts as a command (it may use the cloud reserve), but the next poll
        must not: a refresh scheduled inside ``command_calls()`` would inherit its context
        and spend the reserve forever after. So the read runs in the command's context and
        the data is handed over (and the next poll scheduled) outside it.
        """
        try:
            with command_calls():
                data = await self._async_fetch()
        except BridgeApiError as err:
            LOGGER.debug("%s: read-back after a write failed: %s", self.name, err)
            return
        self.consecutive_failures = 0
        self.last_success = dt_util.utcnow()
        self.last_error = None
        self.async_set_updated_data(data)


class CloudDataCoordinator(BudgetedCoordinator[UnitData], PowervaultDataCoordinator):
    """Today's 5-minute buckets from the cloud: one call gives the newest power and the totals.

    Polls are aligned with the cloud's buckets (a little after each boundary, when the new
    bucket has values) and never faster than the account's budget affords.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        config_entry: ConfigEntry,
        client: PowervaultClient,
        unit_id: str,
        budget: CallBudget,
        interval: timedelta,
    ) -> None:
        """Register one call per update with the budget."""
        self.client = client
        self.unit_id = unit_id
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"Powervault {unit_id} data",
            budget=budget,
            calls_per_update=1,
            min_interval=interval,
            weight=3.0,
        )

    def next_interval(self) -> timedelta:
        """Return the wait until the next bucket slot the budget affords."""
        budget_seconds = super().next_interval().total_seconds()
        now = dt_util.utcnow().timestamp()
        return timedelta(seconds=seconds_to_next_slot(now, budget_seconds))

    async def _async_fetch(self) -> UnitData:
        records = await self.client.get_data(self.unit_id, "today")
        now = dt_util.utcnow()
        power = latest_power(records) or PowerFlow()
        if not power.complete:
            # Just after midnight today has no earlier bucket to fill the newest one's nulls
            # from: the last values seen stand in, or (right after a start) the past hour's.
            if self.last_success is not None:
                power = power.filled_from(self.data.power)
            else:
                earlier = latest_power(await self.client.get_data(self.unit_id, "past-hour"))
                if earlier is not None:
                    power = power.filled_from(earlier)
        return UnitData(
            power=power,
            energy=DailyEnergy(energy_day(now), sum_energy(records)),
            battery_sign=check_battery_sign(records),
        )


class CloudControlCoordinator(BudgetedCoordinator[BatteryControl], PowervaultControlCoordinator):
    """The schedule and the overrides from the cloud (two calls), polled rarely."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        config_entry: ConfigEntry,
        client: PowervaultClient,
        unit_id: str,
        budget: CallBudget,
        interval: timedelta,
    ) -> None:
        """Register two calls per update with the budget."""
        self.client = client
        self.unit_id = unit_id
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


class LocalDataCoordinator(PowervaultDataCoordinator):
    """A legacy unit's telemetry, fast; its history every few minutes for the energy totals.

    The unit has no energy counters: the totals integrate its ~30 s history (chart data)
    since local midnight. Only the new part of the history is read each time; a restart
    reads the day again, so no energy is lost while Home Assistant was down.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        config_entry: ConfigEntry,
        client: PowervaultClient,
        unit_id: str,
        interval: timedelta,
    ) -> None:
        """Set the telemetry interval."""
        self.client = client
        self.unit_id = unit_id
        self._energy: DailyEnergy | None = None
        self._last_sample: HistorySample | None = None
        self._history_read: datetime | None = None
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"Powervault {unit_id} telemetry",
            update_interval=interval,
        )

    async def _async_fetch(self) -> UnitData:
        telemetry = await self.client.get_latest_telemetry()
        now = dt_util.utcnow()
        if self._history_read is None or now - self._history_read >= LOCAL_HISTORY_INTERVAL:
            try:
                await self._async_read_history(now)
            except BridgeApiError as err:
                # The totals wait for the next read; the power values need not.
                LOGGER.debug("%s: history not read: %s", self.name, err)
        return UnitData(power=telemetry.power, energy=self._energy, telemetry=telemetry)

    async def _async_read_history(self, now: datetime) -> None:
        day = energy_day(now)
        if self._energy is None or self._energy.day != day or self._last_sample is None:
            start = datetime.combine(day, datetime.min.time(), SCHEDULE_ZONE)
            energy = EnergyFlows()
            previous = None
        else:
            start = self._last_sample.time
            energy = self._energy.energy
            previous = self._last_sample
        samples = [
            sample
            for sample in await self.client.get_chart_data(start, now)
            if previous is None or sample.time > previous.time
        ]
        energy += integrate_energy(samples, previous)
        self._energy = DailyEnergy(day, energy)
        if samples:
            self._last_sample = samples[-1]
        self._history_read = now


class LocalControlCoordinator(PowervaultControlCoordinator):
    """A legacy unit's schedule and override (cheap on the LAN)."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        config_entry: ConfigEntry,
        client: PowervaultClient,
        unit_id: str,
        interval: timedelta,
    ) -> None:
        """Set the interval."""
        self.client = client
        self.unit_id = unit_id
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"Powervault {unit_id} schedule",
            update_interval=interval,
        )

    async def _async_fetch(self) -> BatteryControl:
        return await self.client.get_battery_control(self.unit_id)
