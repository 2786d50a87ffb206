"""Selects of a V2C Trydan: LAN modes; installation, language and PV charge mode (cloud)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..energy_bridges_common.hass.command import bridge_command
from .api import (
    ChargeMode,
    CodedChoice,
    DynamicPowerMode,
    InstallationType,
    Language,
    MeterType,
    PvChargeMode,
)
from .control import V2CControlDescription, V2CControlEntity
from .coordinator import V2CChargerCoordinator, V2CConfigEntry
from .entity import charger_entities, realtime_value

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class V2CSelectEntityDescription(SelectEntityDescription, V2CControlDescription):
    """A charger select: its options are the api's choices for the setting."""

    choices: type[CodedChoice]


SELECTS: tuple[V2CSelectEntityDescription, ...] = (
    V2CSelectEntityDescription(
        key="dynamic_power_mode",
        translation_key="dynamic_power_mode",
        choices=DynamicPowerMode,
        lan_only=True,
        value_fn=realtime_value(lambda r: r.dynamic_power_mode),
        write_fn=lambda charger, mode: charger.set_dynamic_power_mode(mode),
    ),
    V2CSelectEntityDescription(
        key="charge_mode",
        translation_key="charge_mode",
        choices=ChargeMode,
        lan_only=True,
        needs_value=True,
        entity_category=EntityCategory.CONFIG,
        value_fn=realtime_value(lambda r: r.charge_mode),
        write_fn=lambda charger, mode: charger.set_charge_mode(mode),
    ),
    V2CSelectEntityDescription(
        key="installation_type",
        translation_key="installation_type",
        choices=InstallationType,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda s: None if s.cloud is None else s.cloud.installation_type,
        write_fn=lambda charger, kind: charger.set_installation_type(kind),
    ),
    V2CSelectEntityDescription(
        key="meter_type",
        translation_key="meter_type",
        choices=MeterType,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda s: None if s.cloud is None else s.cloud.slave_type,
        write_fn=lambda charger, kind: charger.set_meter_type(kind),
    ),
    V2CSelectEntityDescription(
        key="language",
        translation_key="language",
        choices=Language,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda s: None if s.cloud is None else s.cloud.language,
        write_fn=lambda charger, language: charger.set_language(language),
    ),
    V2CSelectEntityDescription(
        key="pv_charge_mode",
        translation_key="pv_charge_mode",
        choices=PvChargeMode,
        # The cloud takes it but never reports it: the last choice made here is shown.
        remember_as="pv_charge_mode",
        value_fn=lambda s: None if s.cloud is None else s.cloud.pv_charge_mode,
        write_fn=lambda charger, mode: charger.set_pv_charge_mode(mode),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: V2CConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add every charger's selects."""
    async_add_entities(charger_entities(hass, entry, "select", SELECTS, V2CSelect))


class V2CSelect(V2CControlEntity[CodedChoice], SelectEntity):
    """A charger select; the option names are the choices', translated."""

    entity_description: V2CSelectEntityDescription

    def __init__(
        self, coordinator: V2CChargerCoordinator, description: V2CSelectEntityDescription
    ) -> None:
        """Set the options from the choices."""
        super().__init__(coordinator, description)
        self._attr_options = description.choices.options()

    def _restored_value(self, state: State) -> CodedChoice | None:
        return self.entity_description.choices.from_option(state.state)

    @property
    def current_option(self) -> str | None:
        """Return the option (a held request while the cloud has not confirmed it)."""
        value = self.shown_value
        return None if value is None else value.option

    @bridge_command
    async def async_select_option(self, option: str) -> None:
        """Change the setting."""
        await self._async_apply(self.entity_description.choices[option.upper()])
