"""One charger as the integration sees it: its LAN first, the cloud where the LAN cannot help.

A setting the charger takes on its LAN is written there (the charger reads back at once);
when the LAN is away, the cloud takes the settings it knows (``CLOUD_WRITABLE_SETTINGS``).
The cloud-only settings and commands always go to the cloud. Every write returns where it
went: the LAN's value can be read back now, the cloud's shows on its next poll.
"""

from __future__ import annotations

import logging
from typing import Any

from ...energy_bridges_common.client.errors import BridgeApiError, UnreachableError
from .cloud import CLOUD_WRITABLE_SETTINGS, V2CCloudClient
from .const import (
    ChargeMode,
    ChargerSetting,
    DynamicPowerMode,
    InstallationType,
    Language,
    MeterType,
    PvChargeMode,
)
from .lan import V2CLocalClient, validate_write
from .models import Source

_LOGGER = logging.getLogger(__name__)


class Charger:
    """Write to one charger through its LAN or through the account's cloud."""

    def __init__(
        self, charger_id: str, cloud: V2CCloudClient, lan: V2CLocalClient | None = None
    ) -> None:
        """Use the charger's LAN client (None for a 4G-only charger) and the cloud's."""
        self.charger_id = charger_id
        self.cloud = cloud
        self.lan = lan
        self.lan_away = False
        """Whether the last write found the LAN away (nothing to read back there now)."""

    async def write(self, setting: ChargerSetting, value: Any) -> Source:
        """Write a setting on the LAN, else through the cloud; return where it went.

        Raises ``InvalidCommandError`` for a value the charger does not take (nothing is
        sent), and the LAN's error for a setting only the LAN can change while it is away.
        """
        checked = validate_write(setting, value)
        lan_error: BridgeApiError | None = None
        if self.lan is not None:
            try:
                await self.lan.write(setting, checked)
            except UnreachableError as err:
                lan_error = err
                self.lan_away = True
            else:
                self.lan_away = False
                _LOGGER.debug("%s: wrote %s=%s over the LAN", self.charger_id, setting, checked)
                return Source.LAN
        if setting not in CLOUD_WRITABLE_SETTINGS:
            raise lan_error or UnreachableError(f"{setting} can only be set over the LAN")
        await self.cloud.write_setting(self.charger_id, setting, checked)
        _LOGGER.debug("%s: wrote %s=%s through the cloud", self.charger_id, setting, checked)
        return Source.CLOUD

    async def set_dynamic_power_mode(self, mode: DynamicPowerMode) -> Source:
        """Set what the dynamic power control follows (only the LAN takes it)."""
        return await self.write(ChargerSetting.DYNAMIC_POWER_MODE, mode.value)

    async def set_charge_mode(self, mode: ChargeMode) -> Source:
        """Set the phases the charger charges on (only the LAN takes it)."""
        return await self.write(ChargerSetting.CHARGE_MODE, mode.value)

    # -- the cloud-only settings (the cloud reports them on its next poll) ---------------------

    async def set_rfid_reader(self, enabled: bool) -> Source:
        """Turn the RFID reader on or off."""
        await self.cloud.set_rfid_reader(self.charger_id, enabled)
        return Source.CLOUD

    async def set_ocpp_enabled(self, enabled: bool) -> Source:
        """Turn OCPP on or off."""
        await self.cloud.set_ocpp_enabled(self.charger_id, enabled)
        return Source.CLOUD

    async def set_installation_type(self, value: InstallationType) -> Source:
        """Set the installation type."""
        await self.cloud.set_installation_type(self.charger_id, value)
        return Source.CLOUD

    async def set_meter_type(self, value: MeterType) -> Source:
        """Set the meter (slave device) type."""
        await self.cloud.set_slave_type(self.charger_id, value)
        return Source.CLOUD

    async def set_language(self, value: Language) -> Source:
        """Set the display language."""
        await self.cloud.set_language(self.charger_id, value)
        return Source.CLOUD

    async def set_pv_charge_mode(self, value: PvChargeMode) -> Source:
        """Set how the charger follows the sun (4G-only chargers too)."""
        await self.cloud.set_pv_charge_mode(self.charger_id, value)
        return Source.CLOUD

    async def set_inverter_max_power(self, watts: float) -> Source:
        """Set the inverter's maximum power, in W."""
        await self.cloud.set_inverter_max_power(self.charger_id, watts)
        return Source.CLOUD

    async def reboot(self) -> None:
        """Restart the charger."""
        await self.cloud.reboot(self.charger_id)

    async def trigger_update(self) -> None:
        """Ask the charger to install the latest firmware."""
        await self.cloud.trigger_update(self.charger_id)
