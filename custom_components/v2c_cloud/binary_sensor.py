"""Binary sensors of a V2C Trydan: car plugged in, charging, and the cloud link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import ChargerSnapshot, V2CConfigEntry
from .entity import V2CEntity, V2CEntityDescription, charger_entities, realtime_value

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class V2CBinarySensorEntityDescription(BinarySensorEntityDescription, V2CEntityDescription):
    """A charger binary sensor."""

    value_fn: Callable[[ChargerSnapshot], bool | None]


BINARY_SENSORS: tuple[V2CBinarySensorEntityDescription, ...] = (
    V2CBinarySensorEntityDescription(
        key="car_connected",
        translation_key="car_connected",
        device_class=BinarySensorDeviceClass.PLUG,
        value_fn=realtime_value(lambda r: r.car_connected),
    ),
    V2CBinarySensorEntityDescription(
        key="charging",
        translation_key="charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        value_fn=realtime_value(lambda r: r.charging),
    ),
    V2CBinarySensorEntityDescription(
        key="cloud_connection",
        translation_key="cloud_connection",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda snapshot: None if snapshot.cloud is None else snapshot.cloud.connected,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: V2CConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add every charger's binary sensors."""
    async_add_entities(
        charger_entities(hass, entry, "binary_sensor", BINARY_SENSORS, V2CBinarySensor)
    )


class V2CBinarySensor(V2CEntity, BinarySensorEntity):
    """A charger binary sensor."""

    entity_description: V2CBinarySensorEntityDescription

    @property
    def available(self) -> bool:
        """Return whether the value is known."""
        return self._available_with(self.entity_description.value_fn)

    @property
    def is_on(self) -> bool | None:
        """Return the state."""
        snapshot = self.current
        return None if snapshot is None else self.entity_description.value_fn(snapshot)
