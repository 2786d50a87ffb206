"""What V2C adds to the shared command path: its own errors, and what a command reads back."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from ..energy_bridges_common.client.errors import BridgeApiError, RequestError
from ..energy_bridges_common.hass.command import CommandTarget
from ..energy_bridges_common.hass.errors import translated_error
from .api import InvalidCommandError, WriteRefusedError
from .const import DOMAIN
from .coordinator import V2CChargerCoordinator, V2CConfigEntry


def translate_error(err: BridgeApiError) -> HomeAssistantError | None:
    """Return V2C's error for what the charger or the cloud refused (None: the shared ones)."""
    if isinstance(err, InvalidCommandError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_value",
            translation_placeholders={"setting": str(err.keyword), "value": str(err.value)},
        )
    if isinstance(err, WriteRefusedError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="write_refused",
            translation_placeholders={"setting": str(err.keyword), "value": str(err.value)},
        )
    if isinstance(err, RequestError) and 400 <= err.status < 500:
        return translated_error(DOMAIN, err, "command_rejected")
    return None


def charger_command_target(coordinator: V2CChargerCoordinator) -> CommandTarget:
    """Return where a charger's commands go: its entry, and its coordinator to read back."""
    return CommandTarget(
        hass=coordinator.hass,
        entry=coordinator.config_entry,
        read_back=(coordinator,),
        translate_error=translate_error,
    )


def account_command_target(hass: HomeAssistant, entry: V2CConfigEntry) -> CommandTarget:
    """Return where an account's commands go (nothing to read back)."""
    return CommandTarget(hass=hass, entry=entry, translate_error=translate_error)
