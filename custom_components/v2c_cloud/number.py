"""Numbers of a V2C Trydan: currents, contracted power, the inverter's maximum power (cloud)."""

from __future__ import annotations

from dataclasses import dataclass
import math

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfElectricCurrent, UnitOfPower
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..energy_bridges_common.hass.command import bridge_command
from .api import ChargerSetting
from .api.const import INVERTER_MAX_POWER_RANGE
from .control import V2CControlDescription, V2CControlEntity
from .coordinator import V2CChargerCoordinator, V2CConfigEntry
from .entity import charger_entities, realtime_value

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class V2CNumberEntityDescription(NumberEntityDescription, V2CControlDescription):
    """A charger number; ``write_fn`` takes the value shown (whole for a whole step)."""


NUMBERS: tuple[V2CNumberEntityDescription, ...] = (
    V2CNumberEntityDescription(
        key="intensity",
        translation_key="intensity",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        native_min_value=6,
        native_max_value=32,
        native_step=1,
        mode=NumberMode.SLIDER,
        value_fn=realtime_value(lambda r: r.intensity),
        write_fn=lambda charger, amps: charger.write(ChargerSetting.INTENSITY, amps),
    ),
    V2CNumberEntityDescription(
        key="min_intensity",
        translation_key="min_intensity",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        native_min_value=6,
        native_max_value=32,
        native_step=1,
        mode=NumberMode.SLIDER,
        entity_category=EntityCategory.CONFIG,
        value_fn=realtime_value(lambda r: r.min_intensity),
        write_fn=lambda charger, amps: charger.write(ChargerSetting.MIN_INTENSITY, amps),
    ),
    V2CNumberEntityDescription(
        key="max_intensity",
        translation_key="max_intensity",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        native_min_value=6,
        native_max_value=32,
        native_step=1,
        mode=NumberMode.SLIDER,
        entity_category=EntityCategory.CONFIG,
        value_fn=realtime_value(lambda r: r.max_intensity),
        write_fn=lambda charger, amps: charger.write(ChargerSetting.MAX_INTENSITY, amps),
    ),
    V2CNumberEntityDescription(
        key="contracted_power",
        translation_key="contracted_power",
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
        write_fn=lambda charger, kw: charger.write(
            ChargerSetting.CONTRACTED_POWER, round(kw * 1000)
        ),
    ),
    V2CNumberEntityDescription(
        key="inverter_max_power",
        translation_key="inverter_max_power",
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
        write_fn=lambda charger, watts: charger.set_inverter_max_power(watts),
    ),
    V2CNumberEntityDescription(
        key="light_led",
        translation_key="light_led",
        native_unit_of_measurement=PERCENTAGE,
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        mode=NumberMode.SLIDER,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=realtime_value(lambda r: r.light_led),
        write_fn=lambda charger, percent: charger.write(ChargerSetting.LIGHT_LED, percent),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: V2CConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add every charger's numbers."""
    async_add_entities(charger_entities(hass, entry, "number", NUMBERS, V2CNumber))


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

    @bridge_command
    async def async_set_native_value(self, value: float) -> None:
        """Change the setting (a whole number where the step is one)."""
        step = self.entity_description.native_step or 1
        await self._async_apply(round(value) if float(step).is_integer() else value)
