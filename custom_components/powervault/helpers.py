"""Every command to a unit goes through here: budget reserve, errors, read-back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from homeassistant.exceptions import HomeAssistantError

from ..energy_bridges_common.client.budget import command_calls
from ..energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    BudgetExhaustedError,
    RateLimitedError,
)
from .api import WriteRejectedError
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
        except BridgeApiError as err:
            raise _error("command_failed", err) from err
    if refresh:
        await entry.runtime_data.control.async_refresh_after_write()
    return result


def _error(key: str, err: Exception) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"error": str(err)},
    )


def override_duration(entry: PowervaultConfigEntry) -> timedelta:
    """Return how long the battery mode select overrides the schedule (an option)."""
    return timedelta(hours=float(entry.options.get(CONF_OVERRIDE_HOURS, DEFAULT_OVERRIDE_HOURS)))
