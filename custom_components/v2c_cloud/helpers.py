"""Errors of device commands, translated once for entities and actions."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from ..energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    BudgetExhaustedError,
    RateLimitedError,
    RequestError,
)
from .api import InvalidCommandError
from .const import DOMAIN
from .entity import V2CEntity


def command_error(
    err: BridgeApiError, hass: HomeAssistant | None = None, entry: ConfigEntry | None = None
) -> HomeAssistantError:
    """Return the translated error a failed command shows the user."""
    placeholders = {"error": str(err)}
    if isinstance(err, InvalidCommandError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_value",
            translation_placeholders={"setting": err.keyword, "value": str(err.value)},
        )
    if isinstance(err, BudgetExhaustedError):
        key = "budget_exhausted"
    elif isinstance(err, RateLimitedError):
        key = "rate_limited"
    elif isinstance(err, AuthenticationError):
        key = "authentication_failed"
        if hass is not None and entry is not None:
            entry.async_start_reauth(hass)
    elif isinstance(err, RequestError) and 400 <= err.status < 500:
        key = "command_rejected"
    else:
        key = "communication_error"
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


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
