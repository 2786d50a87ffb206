"""What switches, selects and numbers share: LAN-first writes and held cloud values."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.core import State
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.restore_state import RestoreEntity

from ..energy_bridges_common.hass.entity import OptimisticHoldMixin
from .api import Source, V2CCloudClient
from .const import HOLD_SECONDS
from .coordinator import ChargerSnapshot, V2CChargerCoordinator, V2CCloudCoordinator
from .entity import V2CEntity

type CloudWrite = Callable[[V2CCloudClient, str, Any], Awaitable[Any]]


@dataclass(frozen=True, kw_only=True)
class V2CControlDescription(EntityDescription):
    """Where a control reads its value and where it writes it."""

    value_fn: Callable[[ChargerSnapshot], Any]
    keyword: str | None = None
    """The LAN keyword (the cloud takes over when the LAN is away, where it can)."""
    cloud_fn: CloudWrite | None = None
    """The cloud-only command, for settings the LAN cannot change."""
    hold: float = HOLD_SECONDS
    remember_as: str | None = None
    """For a setting the cloud never reports: the ``CloudState`` field that keeps the last
    value set from here (an assumed state, restored after a restart)."""


class V2CControlEntity[T](V2CEntity, OptimisticHoldMixin[T], RestoreEntity):
    """A control: a LAN write shows the value read back, a cloud write holds it."""

    entity_description: V2CControlDescription

    def __init__(
        self,
        coordinator: V2CChargerCoordinator,
        description: V2CControlDescription,
        tolerance: float = 0.0,
    ) -> None:
        """Set up the control and its hold."""
        super().__init__(coordinator, description)
        self._init_hold(description.hold, tolerance)
        if description.remember_as is not None:
            self._attr_assumed_state = True

    def _restored_value(self, state: State) -> T | None:
        """Return the device value a restored state stands for (None: nothing usable)."""
        return None

    async def async_added_to_hass(self) -> None:
        """Restore the last value of a setting the cloud never reports."""
        await super().async_added_to_hass()
        field = self.entity_description.remember_as
        if field is None or self.reported_value is not None:
            return
        if (last := await self.async_get_last_state()) is None:
            return
        if (value := self._restored_value(last)) is not None:
            self.coordinator.async_remember(**{field: value})

    @property
    def reported_value(self) -> T | None:
        """Return the value the charger or the cloud reports."""
        snapshot = self.current
        if snapshot is None:
            return None
        value: T | None = self.entity_description.value_fn(snapshot)
        return value

    @property
    def shown_value(self) -> T | None:
        """Return what to show: a held request, or the reported value."""
        return self._held(self.reported_value)

    @property
    def available(self) -> bool:
        """Return whether the value is known (an assumed one may be unknown until set)."""
        if self.entity_description.remember_as is not None:
            return super().available and self.current is not None
        return super().available and self.current is not None and self.shown_value is not None

    def _hold_seconds(self) -> float:
        # Until the cloud has polled after the command, and at least the usual hold: a poll
        # in the first seconds may still carry the old value.
        cloud: V2CCloudCoordinator = self.coordinator.config_entry.runtime_data.cloud
        next_poll = cloud.seconds_to_next_poll()
        return max(self.entity_description.hold, next_poll + 1.0)

    async def _async_apply(self, value: T, device_value: Any) -> None:
        description = self.entity_description
        coordinator = self.coordinator
        if description.keyword is not None:
            source = await coordinator.async_write(description.keyword, device_value)
            if source is Source.CLOUD:
                # The cloud confirms only on a later poll: show the request meanwhile.
                self._hold.request(value, self._hold_seconds())
                self._schedule_hold_expiry()
            else:
                self._hold.rollback()
            self.async_write_ha_state()
            return
        assert description.cloud_fn is not None
        cloud_fn = description.cloud_fn
        remember = None if description.remember_as is None else {description.remember_as: value}
        await self._async_write_with_hold(
            value,
            lambda: coordinator.async_cloud_command(
                lambda: cloud_fn(coordinator.cloud_client, coordinator.charger_id, device_value),
                remember=remember,
            ),
            self._hold_seconds(),
        )
