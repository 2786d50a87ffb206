"""Selects of a V2C Trydan: LAN modes; installation, language and PV charge mode (cloud)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Language, PvChargeMode, V2CCloudClient
from .api.const import (
    CHARGE_MODES,
    DYNAMIC_POWER_MODES,
    INSTALLATION_TYPES,
    LANGUAGES,
    PV_CHARGE_MODES,
    SLAVE_TYPES,
)
from .control import V2CControlDescription, V2CControlEntity
from .coordinator import V2CChargerCoordinator, V2CConfigEntry
from .entity import creates, current, realtime_value
from .helpers import v2c_command

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class V2CSelectEntityDescription(SelectEntityDescription, V2CControlDescription):
    """A charger select: its options are a table of device values."""

    table: Mapping[int, str]
    needs_value: bool = False
    """Only created when the charger reports the value (not every firmware has it)."""


async def _installation_type(client: V2CCloudClient, charger_id: str, value: Any) -> None:
    await client.set_installation_type(charger_id, int(value))


async def _slave_type(client: V2CCloudClient, charger_id: str, value: Any) -> None:
    await client.set_slave_type(charger_id, int(value))


async def _language(client: V2CCloudClient, charger_id: str, value: Any) -> None:
    await client.set_language(charger_id, Language(value))


async def _pv_charge_mode(client: V2CCloudClient, charger_id: str, value: Any) -> None:
    await client.set_pv_charge_mode(charger_id, PvChargeMode(value))


SELECTS: tuple[V2CSelectEntityDescription, ...] = (
    V2CSelectEntityDescription(
        key="dynamic_power_mode",
        translation_key="dynamic_power_mode",
        keyword="DynamicPowerMode",
        table=DYNAMIC_POWER_MODES,
        value_fn=realtime_value(lambda r: r.dynamic_power_mode),
    ),
    V2CSelectEntityDescription(
        key="charge_mode",
        translation_key="charge_mode",
        keyword="ChargeMode",
        table=CHARGE_MODES,
        needs_value=True,
        entity_category=EntityCategory.CONFIG,
        value_fn=realtime_value(lambda r: r.charge_mode),
    ),
    V2CSelectEntityDescription(
        key="installation_type",
        translation_key="installation_type",
        cloud_fn=_installation_type,
        table=INSTALLATION_TYPES,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda s: None if s.cloud is None else s.cloud.installation_type,
    ),
    V2CSelectEntityDescription(
        key="meter_type",
        translation_key="meter_type",
        cloud_fn=_slave_type,
        table=SLAVE_TYPES,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda s: None if s.cloud is None else s.cloud.slave_type,
    ),
    V2CSelectEntityDescription(
        key="language",
        translation_key="language",
        cloud_fn=_language,
        table=LANGUAGES,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda s: None if s.cloud is None else s.cloud.language,
    ),
    V2CSelectEntityDescription(
        key="pv_charge_mode",
        translation_key="pv_charge_mode",
        cloud_fn=_pv_charge_mode,
        table=PV_CHARGE_MODES,
        # The cloud takes it but never reports it: the last choice made here is shown.
        remember_as="pv_charge_mode",
        value_fn=lambda s: None if s.cloud is None else s.cloud.pv_charge_mode,
    ),
)


def _exists(coordinator: V2CChargerCoordinator, description: V2CSelectEntityDescription) -> bool:
    if not creates(coordinator, "select", description.key):
        return False
    if not description.needs_value:
        return True
    snapshot = current(coordinator)
    return snapshot is not None and description.value_fn(snapshot) is not None


async def async_setup_entry(
    hass: HomeAssistant,
    entry: V2CConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add every charger's selects."""
    async_add_entities(
        V2CSelect(coordinator, description)
        for coordinator in entry.runtime_data.chargers.values()
        for description in SELECTS
        if _exists(coordinator, description)
    )


class V2CSelect(V2CControlEntity[int], SelectEntity):
    """A charger select; the option names are the table's, translated."""

    entity_description: V2CSelectEntityDescription

    def __init__(
        self, coordinator: V2CChargerCoordinator, description: V2CSelectEntityDescription
    ) -> None:
        """Set the options from the table."""
        super().__init__(coordinator, description)
        self._attr_options = list(description.table.values())
        self._values = {name: value for value, name in description.table.items()}

    def _restored_value(self, state: State) -> int | None:
        return self._values.get(state.state)

    @property
    def current_option(self) -> str | None:
        """Return the option (a held request while the cloud has not confirmed it)."""
        value = self.shown_value
        return None if value is None else self.entity_description.table.get(value)

    @v2c_command
    async def async_select_option(self, option: str) -> None:
        """Change the setting."""
        value = self._values[option]
        await self._async_apply(value, value)
