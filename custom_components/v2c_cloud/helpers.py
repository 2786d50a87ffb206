"""Errors of device commands, translated once for entities and actions."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from ..energy_bridges_common.client.errors import AuthenticationError, BridgeApiError, RequestError
from ..energy_bridges_common.hass.errors import translated_error
from .api import InvalidCommandError, WriteRefusedError
from .const import DOMAIN
from .entity import V2CEntity


def command_error(
    err: BridgeApiError, hass: HomeAssistant | None = None, entry: ConfigEntry | None = None
) -> HomeAssistantError:
    """Return the translated error a failed command shows the user."""
    if isinstance(err, InvalidCommandError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_value",
            translation_placeholders={"setting": err.keyword, "value": str(err.value)},
        )
    if isinstance(err, WriteRefusedError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="write_refused",
            translation_placeholders={"setting": err.keyword, "value": str(err.value)},
        )
    if isinstance(err, AuthenticationError) and hass is not None and entry is not None:
        entry.async_start_reauth(hass)
    if isinstance(err, RequestError) and 400 <= err.status < 500:
        return translated_error(DOMAIN, err, "command_rejected")
    return translated_error(DOMAIN, err)


def v2c_command[**P](
    func: Callable[P, Coroutine[Any, Any, None]],
) -> Callable[P, Coroutine[Any, Any, None]]:
    """Run an entity's command (its first argument); raise a failure as a translated error."""

    @wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(*args, **kwargs)
        except BridgeApiError as err:
            entity = args[0]
            assert isinstance(entity, V2CEntity)
            raise command_error(err, entity.hass, entity.coordinator.config_entry) from err

    return wrapper
