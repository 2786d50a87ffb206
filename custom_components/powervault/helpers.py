"""Every command to a unit goes through here: budget reserve, errors, read-back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.budget import command_calls
from ..energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    BudgetExhaustedError,
    RateLimitedError,
)
from .api import OverrideNotCancelledError, WriteRejectedError
from .const import CONF_OVERRIDE_HOURS, DEFAULT_OVERRIDE_HOURS, DOMAIN
from .coordinator import PowervaultConfigEntry


async def async_run_command[T](
    entry: PowervaultConfigEntry, command: Callable[[], Awaitable[T]], *, refresh: bool = True
) -> T:
    """Run a command, then read the schedule and override back.

    The calls count as user commands, so on the cloud they may use the reserve that polls
    leave. Errors come out translated; a rejected key also starts re-authentication.
    """
    with command_calls():
        try:
            result = await command()
        except AuthenticationError as err:
            entry.async_start_reauth(entry.runtime_data.data.hass)
            raise _error("command_auth_failed", err) from err
        except BudgetExhaustedError as err:
            raise _error("command_budget_exhausted", err) from err
        except RateLimitedError as err:
            raise _error("command_rate_limited", err) from err
        except WriteRejectedError as err:
            raise _error("command_rejected", err) from err
        except OverrideNotCancelledError:
            raise  # said by the caller, outside the command's context
        except BridgeApiError as err:
            raise _error("command_failed", err) from err
    if refresh:
        await entry.runtime_data.control.async_refresh_after_write()
    return result


async def async_cancel_override(entry: PowervaultConfigEntry) -> None:
    """Cancel the override and show what the unit reports afterwards.

    The cancel reads the overrides back itself (one call, the schedule has not changed),
    so no second read-back follows.
    """
    runtime = entry.runtime_data
    # Handed to the coordinator outside ``command_calls()``: its next poll, scheduled
    # there, must not inherit the command's context (and spend the reserve).
    try:
        overrides = await async_run_command(
            entry, lambda: runtime.client.cancel_override(runtime.unit_id), refresh=False
        )
    except OverrideNotCancelledError as err:
        # The entities show what the unit says, not what was asked of it.
        runtime.control.async_set_overrides(err.overrides)
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="override_not_cancelled",
            translation_placeholders={
                "state": err.remaining.state,
                "end": dt_util.as_local(err.remaining.end).strftime("%Y-%m-%d %H:%M"),
            },
        ) from err
    runtime.control.async_set_overrides(overrides)


def _error(key: str, err: Exception) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"error": str(err)},
    )


def override_duration(entry: PowervaultConfigEntry) -> timedelta:
    """Return how long the battery mode select overrides the schedule (an option)."""
    return timedelta(hours=float(entry.options.get(CONF_OVERRIDE_HOURS, DEFAULT_OVERRIDE_HOURS)))
