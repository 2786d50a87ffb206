"""Number: the battery reserve."""

from __future__ import annotations

from homeassistant.components.number import NumberEntity, NumberEntityDescription, NumberMode
from homeassistant.const import PERCENTAGE
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..energy_bridges_common.hass.command import bridge_command
from .coordinator import EnphaseConfigEntry
from .entity import EnphaseEntity, gateway_device
from .helpers import write_storage

PARALLEL_UPDATES = 1

BATTERY_RESERVE = NumberEntityDescription(
    key="battery_reserve",
    translation_key="battery_reserve",
    native_min_value=0,
    native_max_value=100,
    native_step=1,
    native_unit_of_measurement=PERCENTAGE,
    mode=NumberMode.SLIDER,
)


class BatteryReserveNumber(EnphaseEntity, NumberEntity):
    """The share of the batteries kept for a grid outage."""

    @property
    def native_value(self) -> float | None:
        """Return the reserve the gateway reports."""
        storage = self.coordinator.data.storage
        return None if storage is None else storage.reserve

    @bridge_command
    async def async_set_native_value(self, value: float) -> None:
        """Write the reserve (verified by reading back)."""
        await write_storage(self.coordinator.config_entry.runtime_data, reserve=value)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnphaseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the reserve when the gateway has storage settings."""
    runtime = entry.runtime_data
    data = runtime.gateway.data
    if data.storage is not None and data.storage.reserve is not None:
        async_add_entities(
            [
                BatteryReserveNumber(
                    runtime.gateway,
                    BATTERY_RESERVE,
                    device_info=gateway_device(data, runtime.client.base_url),
                    unique_id_prefix=data.info.serial,
                )
            ]
        )
