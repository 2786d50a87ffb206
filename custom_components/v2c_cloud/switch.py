"""Switches of a V2C Trydan: LAN keywords first (the cloud when it can), RFID and OCPP in the cloud."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import V2CCloudClient
from .const import SLOW_HOLD_SECONDS
from .control import V2CControlDescription, V2CControlEntity
from .coordinator import V2CConfigEntry
from .entity import creates, realtime_value
from .helpers import v2c_command

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class V2CSwitchEntityDescription(SwitchEntityDescription, V2CControlDescription):
    """A charger switch; ``on_value`` is what the LAN keyword takes for on."""

    on_value: int = 1


async def _rfid(client: V2CCloudClient, charger_id: str, value: Any) -> None:
    await client.set_rfid_reader(charger_id, bool(value))


async def _ocpp(client: V2CCloudClient, charger_id: str, value: Any) -> None:
    await client.set_ocpp_enabled(charger_id, bool(value))


SWITCHES: tuple[V2CSwitchEntityDescription, ...] = (
    V2CSwitchEntityDescription(
        key="charging_paused",
        translation_key="charging_paused",
        keyword="Paused",
        value_fn=realtime_value(lambda r: r.paused),
    ),
    V2CSwitchEntityDescription(
        key="locked",
        translation_key="locked",
        keyword="Locked",
        value_fn=realtime_value(lambda r: r.locked),
    ),
    V2CSwitchEntityDescription(
        key="dynamic",
        translation_key="dynamic",
        keyword="Dynamic",
        value_fn=realtime_value(lambda r: r.dynamic),
    ),
    V2CSwitchEntityDescription(
        key="pause_dynamic",
        translation_key="pause_dynamic",
        keyword="PauseDynamic",
        value_fn=realtime_value(lambda r: r.pause_dynamic),
    ),
    V2CSwitchEntityDescription(
        key="timer",
        translation_key="timer",
        keyword="Timer",
        entity_category=EntityCategory.CONFIG,
        value_fn=realtime_value(lambda r: r.timer),
    ),
    V2CSwitchEntityDescription(
        key="logo_led",
        translation_key="logo_led",
        keyword="LogoLED",
        on_value=100,
        entity_category=EntityCategory.CONFIG,
        # On the LAN a brightness (on = 100 %); through the cloud on/off.
        value_fn=realtime_value(lambda r: r.logo_led_on),
    ),
    V2CSwitchEntityDescription(
        key="rfid_reader",
        translation_key="rfid_reader",
        cloud_fn=_rfid,
        hold=SLOW_HOLD_SECONDS,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda snapshot: None if snapshot.cloud is None else snapshot.cloud.rfid_reader,
    ),
    V2CSwitchEntityDescription(
        key="ocpp",
        translation_key="ocpp",
        cloud_fn=_ocpp,
        hold=SLOW_HOLD_SECONDS,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda snapshot: None if snapshot.cloud is None else snapshot.cloud.ocpp_enabled,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: V2CConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add every charger's switches."""
    async_add_entities(
        V2CSwitch(coordinator, description)
        for coordinator in entry.runtime_data.chargers.values()
        for description in SWITCHES
        if creates(coordinator, "switch", description.key)
    )


class V2CSwitch(V2CControlEntity[bool], SwitchEntity):
    """A charger switch."""

    entity_description: V2CSwitchEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state (a held request while the cloud has not confirmed it)."""
        return self.shown_value

    @v2c_command
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on."""
        await self._async_apply(True, self.entity_description.on_value)

    @v2c_command
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off."""
        await self._async_apply(False, 0)
