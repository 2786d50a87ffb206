"""The charger's firmware as an update entity: the installed version, install through the cloud.

The installed version is the one the charger (LAN) or the cloud reports; the available one is
what the cloud's ``/version`` offers (asked once a day). Home Assistant offers an install, with
its confirmation, only when that is newer; ``trigger_update`` asks the charger regardless.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.update import (
    UpdateDeviceClass,
    UpdateEntity,
    UpdateEntityDescription,
    UpdateEntityFeature,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import V2CChargerCoordinator, V2CConfigEntry
from .entity import V2CEntity
from .helpers import v2c_command

PARALLEL_UPDATES = 1

FIRMWARE = UpdateEntityDescription(
    key="firmware",
    device_class=UpdateDeviceClass.FIRMWARE,
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: V2CConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add every charger's firmware entity."""
    async_add_entities(
        V2CFirmwareUpdate(coordinator) for coordinator in entry.runtime_data.chargers.values()
    )


class V2CFirmwareUpdate(V2CEntity, UpdateEntity):
    """The charger's firmware."""

    _attr_supported_features = UpdateEntityFeature.INSTALL

    def __init__(self, coordinator: V2CChargerCoordinator) -> None:
        """Set up the firmware entity."""
        super().__init__(coordinator, FIRMWARE)

    @property
    def available(self) -> bool:
        """Return whether the installed version is known."""
        return super().available and self.installed_version is not None

    @property
    def installed_version(self) -> str | None:
        """Return the version the charger runs."""
        snapshot = self.current
        if snapshot is None or snapshot.realtime is None:
            return None
        return snapshot.realtime.firmware_version

    @property
    def latest_version(self) -> str | None:
        """Return the newest version the cloud offers (the installed one while it says none)."""
        snapshot = self.current
        cloud = None if snapshot is None else snapshot.cloud
        if cloud is not None and cloud.latest_firmware is not None:
            return cloud.latest_firmware
        return self.installed_version

    @v2c_command
    async def async_install(self, version: str | None, backup: bool, **kwargs: Any) -> None:
        """Ask the charger, through the cloud, to install the latest firmware."""
        coordinator = self.coordinator
        await coordinator.async_cloud_command(
            lambda: coordinator.cloud_client.trigger_update(coordinator.charger_id)
        )
