"""Entity helpers: one base entity, table-driven sensors, optimistic holds, energy totals."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
import sys
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorExtraStoredData,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.typing import StateType
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from ..client.budget import CallBudget
from ..client.energy import MonotonicTotal
from ..client.optimistic import OptimisticValue

type SensorValue = StateType | date | datetime | Decimal


class BridgeEntity[CoordinatorT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """The base of every coordinator entity in the bundle."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: CoordinatorT,
        description: EntityDescription,
        *,
        device_info: DeviceInfo,
        unique_id_prefix: str,
    ) -> None:
        """Set the description, the device and a unique id of ``prefix_key``."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_device_info = device_info
        self._attr_unique_id = f"{unique_id_prefix}_{description.key}"


@dataclass(frozen=True, kw_only=True)
class BridgeSensorEntityDescription[DataT](SensorEntityDescription):
    """A sensor read from a coordinator's data."""

    value_fn: Callable[[DataT], SensorValue]
    exists_fn: Callable[[DataT], bool] = lambda _: True
    available_fn: Callable[[DataT], bool] = lambda _: True


class BridgeSensor[DataT](BridgeEntity[DataUpdateCoordinator[DataT]], SensorEntity):
    """A sensor whose value a description's ``value_fn`` reads from the coordinator."""

    entity_description: BridgeSensorEntityDescription[DataT]

    @property
    def available(self) -> bool:
        """Return whether the coordinator and the description say the value is there."""
        return super().available and self.entity_description.available_fn(self.coordinator.data)

    @property
    def native_value(self) -> SensorValue:
        """Return the value."""
        return self.entity_description.value_fn(self.coordinator.data)


@dataclass(frozen=True, kw_only=True)
class BridgeEnergySensorEntityDescription[DataT](BridgeSensorEntityDescription[DataT]):
    """An energy counter for the Energy dashboard (kept monotonic through glitches)."""

    device_class: SensorDeviceClass | None = SensorDeviceClass.ENERGY
    state_class: SensorStateClass | None = SensorStateClass.TOTAL_INCREASING
    wrap_at: float | None = None
    confirm_readings: int = 3
    day_fn: Callable[[DataT], date | None] | None = None
    """For a total that starts again each day (today's energy): the day a reading counts.

    Within a day the total never goes back, however many lower readings come; a new day
    starts it afresh (the one legitimate drop); a reading of an earlier day is ignored.
    """


@dataclass
class _EnergyExtraData(SensorExtraStoredData):
    offset: float = 0.0
    day: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {**super().as_dict(), "offset": self.offset}
        if self.day is not None:
            data["day"] = self.day
        return data


class EnergyTotalMixin(CoordinatorEntity[DataUpdateCoordinator[Any]], RestoreSensor):
    """Make a coordinator sensor an energy total that never feeds a glitch into statistics.

    The value is a ``MonotonicTotal`` of the sensor's readings (``_raw_value``). It survives
    restarts: the last value (and a wrap offset) is restored, so a device that answers zero
    right after Home Assistant starts cannot make the total go backwards. A daily total
    (``_day_fn``) restores its day too, so a restart does not take yesterday's total for
    today's. Name it first among a sensor's bases (it takes each reading before the
    sensor's own update handling writes the state) and call ``_start_total`` in ``__init__``.
    """

    _wrap_at: float | None = None
    _confirm_readings: int = 3
    _day_fn: Callable[[Any], date | None] | None = None
    _day: date | None = None
    _total: MonotonicTotal

    def _start_total(
        self,
        *,
        wrap_at: float | None = None,
        confirm_readings: int = 3,
        day_fn: Callable[[Any], date | None] | None = None,
    ) -> None:
        """Start from no value: wrapping at ``wrap_at``, a daily total with ``day_fn``."""
        self._wrap_at = wrap_at
        self._confirm_readings = confirm_readings
        self._day_fn = day_fn
        self._total = self._new_total()

    def _raw_value(self) -> SensorValue:
        """Return the device's reading of the counter (the coordinator has data)."""
        raise NotImplementedError

    def _new_total(self) -> MonotonicTotal:
        # A daily total's one legitimate drop, at midnight, is the day's: within a day no
        # run of lower readings, however long, is taken for a reset.
        confirm = sys.maxsize if self._day_fn is not None else self._confirm_readings
        return MonotonicTotal(confirm_readings=confirm, wrap_at=self._wrap_at)

    async def async_added_to_hass(self) -> None:
        """Restore the last total, take the current reading, then follow the coordinator."""
        if (last := await self.async_get_last_extra_data()) is not None:
            data = last.as_dict()
            value = data.get("native_value")
            if isinstance(value, dict):  # a Decimal is stored as {"__type", "decimal_str"}
                value = value.get("decimal_str")
            daily = self._day_fn is not None
            try:
                offset = float(data.get("offset") or 0.0)
                number = None if value is None else float(value)
                day = date.fromisoformat(str(data.get("day"))) if daily else None
            except TypeError, ValueError:
                pass
            else:
                if not daily or number is not None:
                    self._total.restore(number, offset)
                    self._day = day
        self._take_reading()
        await super().async_added_to_hass()

    def _take_reading(self) -> None:
        if self.coordinator.data is None:
            return
        if self._day_fn is not None:
            if (day := self._day_fn(self.coordinator.data)) is None:
                return
            if self._day is not None and day != self._day:
                if day < self._day:
                    return
                self._total = self._new_total()
            self._day = day
        raw = self._raw_value()
        self._total.update(float(raw) if isinstance(raw, int | float | Decimal) else None)

    @callback
    def _handle_coordinator_update(self) -> None:
        self._take_reading()
        super()._handle_coordinator_update()

    @property
    def native_value(self) -> float | None:
        """Return the monotonic total."""
        return self._total.value

    @property
    def extra_restore_state_data(self) -> _EnergyExtraData:
        """Store the wrap offset (and a daily total's day) beside the value."""
        return _EnergyExtraData(
            native_value=self._total.value,
            native_unit_of_measurement=self.native_unit_of_measurement,
            offset=self._total.offset,
            day=self._day.isoformat() if self._day is not None else None,
        )


class BridgeEnergySensor[DataT](EnergyTotalMixin, BridgeSensor[DataT]):
    """A ``total_increasing`` energy sensor of a description's ``value_fn``."""

    entity_description: BridgeEnergySensorEntityDescription[DataT]

    def __init__(
        self,
        coordinator: DataUpdateCoordinator[DataT],
        description: BridgeEnergySensorEntityDescription[DataT],
        *,
        device_info: DeviceInfo,
        unique_id_prefix: str,
    ) -> None:
        """Take the total's wrap point, reset confirmation and day from the description."""
        super().__init__(
            coordinator, description, device_info=device_info, unique_id_prefix=unique_id_prefix
        )
        self._start_total(
            wrap_at=description.wrap_at,
            confirm_readings=description.confirm_readings,
            day_fn=description.day_fn,
        )

    def _raw_value(self) -> SensorValue:
        return self.entity_description.value_fn(self.coordinator.data)


class OptimisticHoldMixin[T](Entity):
    """Show a requested value until the device confirms it or the hold runs out.

    The entity calls ``_async_write_with_hold(value, write)``: the value shows at once, the
    write runs, and on an error the hold is rolled back and the error raised. The entity's
    value property returns ``self._held(reported)``.
    """

    _hold: OptimisticValue[T]
    _hold_timer: CALLBACK_TYPE | None = None

    def _init_hold(self, hold: float, tolerance: float = 0.0) -> None:
        self._hold = OptimisticValue(
            hold, tolerance=tolerance, clock=lambda: dt_util.utcnow().timestamp()
        )

    def _held(self, reported: T | None) -> T | None:
        return self._hold.resolve(reported)

    async def _async_write_with_hold(
        self, value: T, write: Callable[[], Awaitable[Any]], hold: float | None = None
    ) -> None:
        self._hold.request(value, hold)
        self._schedule_hold_expiry()
        self.async_write_ha_state()
        try:
            await write()
        except Exception:
            self._hold.rollback()
            self.async_write_ha_state()
            raise

    def _schedule_hold_expiry(self) -> None:
        if self._hold_timer is not None:
            self._hold_timer()

        @callback
        def _expired(_now: datetime) -> None:
            self._hold_timer = None
            self.async_write_ha_state()

        self._hold_timer = async_call_later(self.hass, self._hold.remaining + 0.1, _expired)

    async def async_will_remove_from_hass(self) -> None:
        """Cancel the expiry timer."""
        if self._hold_timer is not None:
            self._hold_timer()
            self._hold_timer = None
        await super().async_will_remove_from_hass()


class BudgetSensor(SensorEntity):
    """The cloud budget as a diagnostic sensor: calls left in this period."""

    _attr_has_entity_name = True
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_native_unit_of_measurement = "calls"
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_translation_key = "cloud_budget"
    _attr_should_poll = False
    # The counters change with every call: keep them out of the recorder's history.
    _unrecorded_attributes = frozenset(
        {"used", "used_by_polls", "used_by_commands", "blocked_until", "resets_at"}
    )

    def __init__(self, budget: CallBudget, *, device_info: DeviceInfo, unique_id: str) -> None:
        """Show the given budget."""
        self._budget = budget
        self._attr_device_info = device_info
        self._attr_unique_id = unique_id

    async def async_added_to_hass(self) -> None:
        """Follow the budget's changes."""
        self.async_on_remove(self._budget.add_listener(self.async_write_ha_state))

    @property
    def native_value(self) -> int:
        """Return the calls left in this period."""
        return self._budget.remaining

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the quota, what was spent on what, and when it starts afresh."""
        budget = self._budget
        return {
            "quota": budget.quota,
            "period": budget.period.value,
            "used": budget.used,
            "used_by_polls": budget.used_by_kind["poll"],
            "used_by_commands": budget.used_by_kind["command"],
            "reserve_for_commands": budget.reserve,
            "resets_at": budget.period_end.isoformat(),
            "blocked_until": budget.blocked_until.isoformat() if budget.blocked_until else None,
        }
