"""Numbers of a V2C Trydan: currents, contracted power, the inverter's maximum power (cloud)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import math
from typing import Any

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfElectricCurrent, UnitOfPower
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import V2CCloudClient
from .api.const import INVERTER_MAX_POWER_RANGE
from .control import V2CControlDescription, V2CControlEntity
from .coordinator import V2CChargerCoordinator, V2CConfigEntry
from .entity import realtime_value
from .helpers import v2c_command

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class V2CNumberEntityDescription(NumberEntityDescription, V2CControlDescription):
    """A charger number; ``to_device`` turns the shown value into the keyword's."""

    to_device: Callable[[float], int] = round


def _amps(
    key: str, keyword: str, read: Callable[..., int | None], **kwargs: object
) -> V2CNumberEntityDescription:
    return V2CNumberEntityDescription(
        key=key,
        translation_key=key,
        keyword=keyword,
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        native_min_value=6,
        native_max_value=32,
        native_step=1,
        mode=NumberMode.SLIDER,
        value_fn=realtime_value(read),
        **kwargs,  # type: ignore[arg-type]
    )


async def _inverter_max_power(client: V2CCloudClient, charger_id: str, value: Any) -> None:
    await client.set_inverter_max_power(charger_id, value)


NUMBERS: tuple[V2CNumberEntityDescription, ...] = (
    _amps("intensity", "Intensity", lambda r: r.intensity),
    _amps(
        "min_intensity",
        "MinIntensity",
        lambda r: r.min_intensity,
        entity_category=EntityCategory.CONFIG,
    ),
    _amps(
        "max_intensity",
        "MaxIntensity",
        lambda r: r.max_intensity,
        entity_category=EntityCategory.CONFIG,
    ),
    V2CNumberEntityDescription(
        key="contracted_power",
        translation_key="contracted_power",
        keyword="ContractedPower",
        device_class=NumberDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        native_min_value=1.0,
        native_max_value=100.0,
        native_step=0.1,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        # The charger counts watts; people think of their contract in kW.
        value_fn=realtime_value(
            lambda r: None if r.contracted_power is None else r.contracted_power / 1000
        ),
        to_device=lambda kw: round(kw * 1000),
    ),
    V2CNumberEntityDescription(
        key="inverter_max_power",
        translation_key="inverter_max_power",
        cloud_fn=_inverter_max_power,
        device_class=NumberDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        native_min_value=INVERTER_MAX_POWER_RANGE[0],
        native_max_value=INVERTER_MAX_POWER_RANGE[1],
        native_step=100,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        # The cloud takes it but never reports it: the last value set here is shown.
        remember_as="inverter_max_power",
        value_fn=lambda s: None if s.cloud is None else s.cloud.inverter_max_power,
    ),
    V2CNumberEntityDescription(
        key="light_led",
        translation_key="light_led",
        keyword="LightLED",
        native_unit_of_measurement=PERCENTAGE,
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        mode=NumberMode.SLIDER,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=realtime_value(lambda r: r.light_led),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: V2CConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add every charger's numbers."""
    async_add_entities(
        V2CNumber(coordinator, description)
        for coordinator in entry.runtime_data.chargers.values()
        for description in NUMBERS
    )


class V2CNumber(V2CControlEntity[float], NumberEntity):
    """A charger number."""

    entity_description: V2CNumberEntityDescription

    def __init__(
        self, coordinator: V2CChargerCoordinator, description: V2CNumberEntityDescription
    ) -> None:
        """Set up the number; a value within half a step confirms a held request."""
        super().__init__(coordinator, description, (description.native_step or 1) / 2)

    def _restored_value(self, state: State) -> float | None:
        try:
            value = float(state.state)
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    @property
    def native_value(self) -> float | None:
        """Return the value (a held request while the cloud has not confirmed it)."""
        return self.shown_value

    @v2c_command
    async def async_set_native_value(self, value: float) -> None:
        """Change the setting."""
        step = self.entity_description.native_step or 1
        shown = round(value) if float(step).is_integer() else value
        await self._async_apply(shown, self.entity_description.to_device(value))
