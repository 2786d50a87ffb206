"""What Powervault's commands add to the shared command path: their messages, the cancel."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    BudgetExhaustedError,
    RateLimitedError,
)
from ..energy_bridges_common.hass.command import CommandTarget, async_run_command
from .api import OverrideNotCancelledError, WriteRejectedError
from .const import CONF_OVERRIDE_HOURS, DEFAULT_OVERRIDE_HOURS, DOMAIN
from .coordinator import PowervaultConfigEntry

# A command's messages say what the user can do about it (re-authenticate, wait).
COMMAND_ERROR_KEYS: dict[type[BridgeApiError], str] = {
    AuthenticationError: "command_auth_failed",
    BudgetExhaustedError: "command_budget_exhausted",
    RateLimitedError: "command_rate_limited",
    WriteRejectedError: "command_rejected",
    BridgeApiError: "command_failed",
}


def _override_not_cancelled(err: BridgeApiError) -> HomeAssistantError | None:
    if not isinstance(err, OverrideNotCancelledError):
        return None
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="override_not_cancelled",
        translation_placeholders={
            "state": err.remaining.state.vendor,
            "end": dt_util.as_local(err.remaining.end).strftime("%Y-%m-%d %H:%M"),
        },
    )


def command_target(hass: HomeAssistant, entry: PowervaultConfigEntry) -> CommandTarget:
    """Return where a unit's commands go: a change shows in the schedule and override."""
    return CommandTarget(
        hass=hass,
        entry=entry,
        read_back=(entry.runtime_data.control,),
        error_keys=COMMAND_ERROR_KEYS,
        translate_error=_override_not_cancelled,
    )


async def async_cancel_override(entry: PowervaultConfigEntry) -> None:
    """Cancel the override and show what the unit reports afterwards.

    The cancel reads the overrides back itself (one call, the schedule has not changed),
    so no second read-back follows.
    """
    runtime = entry.runtime_data
    try:
        overrides = await async_run_command(
            runtime.command,
            lambda: runtime.client.cancel_override(runtime.unit_id),
            read_back=False,
        )
    except HomeAssistantError as err:
        if isinstance(err.__cause__, OverrideNotCancelledError):
            # The entities show what the unit says, not what was asked of it.
            runtime.control.async_set_overrides(err.__cause__.overrides)
        raise
    runtime.control.async_set_overrides(overrides)


def override_duration(entry: PowervaultConfigEntry) -> timedelta:
    """Return how long the battery mode select overrides the schedule (an option)."""
    return timedelta(hours=float(entry.options.get(CONF_OVERRIDE_HOURS, DEFAULT_OVERRIDE_HOURS)))
