"""Switches of a V2C Trydan: LAN settings first (the cloud when it can), RFID and OCPP in the cloud."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..energy_bridges_common.hass.command import bridge_command
from .api import ChargerSetting
from .const import SLOW_HOLD_SECONDS
from .control import V2CControlDescription, V2CControlEntity
from .coordinator import V2CConfigEntry
from .entity import charger_entities, realtime_value

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class V2CSwitchEntityDescription(SwitchEntityDescription, V2CControlDescription):
    """A charger switch."""


SWITCHES: tuple[V2CSwitchEntityDescription, ...] = (
    V2CSwitchEntityDescription(
        key="charging_paused",
        translation_key="charging_paused",
        value_fn=realtime_value(lambda r: r.paused),
        write_fn=lambda charger, on: charger.write(ChargerSetting.PAUSED, on),
    ),
    V2CSwitchEntityDescription(
        key="locked",
        translation_key="locked",
        value_fn=realtime_value(lambda r: r.locked),
        write_fn=lambda charger, on: charger.write(ChargerSetting.LOCKED, on),
    ),
    V2CSwitchEntityDescription(
        key="dynamic",
        translation_key="dynamic",
        value_fn=realtime_value(lambda r: r.dynamic),
        write_fn=lambda charger, on: charger.write(ChargerSetting.DYNAMIC, on),
    ),
    V2CSwitchEntityDescription(
        key="pause_dynamic",
        translation_key="pause_dynamic",
        lan_only=True,
        value_fn=realtime_value(lambda r: r.pause_dynamic),
        write_fn=lambda charger, on: charger.write(ChargerSetting.PAUSE_DYNAMIC, on),
    ),
    V2CSwitchEntityDescription(
        key="timer",
        translation_key="timer",
        lan_only=True,
        entity_category=EntityCategory.CONFIG,
        value_fn=realtime_value(lambda r: r.timer),
        write_fn=lambda charger, on: charger.write(ChargerSetting.TIMER, on),
    ),
    V2CSwitchEntityDescription(
        key="logo_led",
        translation_key="logo_led",
        entity_category=EntityCategory.CONFIG,
        # On the LAN a brightness (on = 100 %); through the cloud on/off.
        value_fn=realtime_value(lambda r: r.logo_led_on),
        write_fn=lambda charger, on: charger.write(ChargerSetting.LOGO_LED, 100 if on else 0),
    ),
    V2CSwitchEntityDescription(
        key="rfid_reader",
        translation_key="rfid_reader",
        hold=SLOW_HOLD_SECONDS,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda snapshot: None if snapshot.cloud is None else snapshot.cloud.rfid_reader,
        write_fn=lambda charger, on: charger.set_rfid_reader(on),
    ),
    V2CSwitchEntityDescription(
        key="ocpp",
        translation_key="ocpp",
        hold=SLOW_HOLD_SECONDS,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda snapshot: None if snapshot.cloud is None else snapshot.cloud.ocpp_enabled,
        write_fn=lambda charger, on: charger.set_ocpp_enabled(on),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: V2CConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add every charger's switches."""
    async_add_entities(charger_entities(hass, entry, "switch", SWITCHES, V2CSwitch))


class V2CSwitch(V2CControlEntity[bool], SwitchEntity):
    """A charger switch."""

    entity_description: V2CSwitchEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state (a held request while the cloud has not confirmed it)."""
        return self.shown_value

    @bridge_command
    async def async_turn_on(self, /, **kwargs: Any) -> None:
        """Turn on."""
        await self._async_apply(True)

    @bridge_command
    async def async_turn_off(self, /, **kwargs: Any) -> None:
        """Turn off."""
        await self._async_apply(False)
