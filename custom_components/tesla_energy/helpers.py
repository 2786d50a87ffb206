"""One path for every user command: scope check, budget reserve, errors, read-back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from ..energy_bridges_common.client.budget import command_calls
from .api import (
    AuthenticationError,
    BridgeApiError,
    BudgetExhaustedError,
    CommandRejectedError,
    MissingScopeError,
    RateLimitedError,
    Scope,
    SiteInfo,
    TariffError,
)
from .const import DOMAIN, LOGGER
from .coordinator import TeslaEnergyConfigEntry, TeslaEnergySiteData
from .tariff_messages import async_tariff_error


def require_command_scope(entry: TeslaEnergyConfigEntry) -> None:
    """Refuse a command when the user did not grant the commands scope."""
    if Scope.ENERGY_CMDS not in entry.runtime_data.scopes:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="missing_command_scope",
            translation_placeholders={"scope": Scope.ENERGY_CMDS.value},
        )


async def async_translate_error(
    hass: HomeAssistant, entry: TeslaEnergyConfigEntry, err: Exception
) -> HomeAssistantError:
    """Return the translated error a user sees for a failed command or read."""
    if isinstance(err, TariffError):
        return await async_tariff_error(hass, err)
    if isinstance(err, MissingScopeError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="missing_command_scope",
            translation_placeholders={"scope": err.scope or Scope.ENERGY_CMDS.value},
        )
    if isinstance(err, AuthenticationError):
        entry.async_start_reauth(hass)
    key = "communication_error"
    if isinstance(err, CommandRejectedError):
        key = "command_rejected"
    elif isinstance(err, BudgetExhaustedError):
        key = "budget_exhausted"
    elif isinstance(err, RateLimitedError):
        key = "rate_limited"
    elif isinstance(err, AuthenticationError):
        key = "authentication_failed"
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"error": str(err)},
    )


async def async_run_command(
    hass: HomeAssistant,
    entry: TeslaEnergyConfigEntry,
    site: TeslaEnergySiteData,
    command: Callable[[], Awaitable[Any]],
    *,
    expected: Callable[[SiteInfo], SiteInfo] | None = None,
) -> None:
    """Send a command on the commands' reserve, then read the settings back.

    ``expected`` returns the settings as the command leaves them: they show at once, and
    stay when the read-back cannot be afforded.
    """
    require_command_scope(entry)
    with command_calls():
        try:
            await command()
        except (BridgeApiError, TariffError) as err:
            raise await async_translate_error(hass, entry, err) from err
        if expected is not None and site.info.data is not None:
            site.info.async_set_updated_data(expected(site.info.data))
        try:
            info = await entry.runtime_data.client.async_site_info(site.site_id)
        except BridgeApiError as err:
            # The command went through; the settings show as the command left them.
            LOGGER.debug("Reading the settings back failed: %s", err)
        else:
            site.info.async_set_updated_data(info)


async def async_run_read[T](
    hass: HomeAssistant, entry: TeslaEnergyConfigEntry, read: Callable[[], Awaitable[T]]
) -> T:
    """Run a read the user asked for (an action): it may use the commands' reserve."""
    with command_calls():
        try:
            return await read()
        except BridgeApiError as err:
            raise await async_translate_error(hass, entry, err) from err
