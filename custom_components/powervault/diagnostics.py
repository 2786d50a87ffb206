"""Diagnostics of a Powervault unit (secrets and identifiers redacted)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.hass.diagnostics import entry_diagnostics, redact
from .api import CLOUD_BATTERY_POSITIVE_WHEN_CHARGING
from .const import CONF_ACCOUNT_ID, CONF_UNIT_ID
from .coordinator import PowervaultConfigEntry

TO_REDACT = {CONF_UNIT_ID, CONF_ACCOUNT_ID, "host", "x-api-key"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PowervaultConfigEntry
) -> dict[str, Any]:
    """Return what a support request needs: data, schedule, pacing, call counts."""
    runtime = entry.runtime_data
    data = runtime.data.data
    control = runtime.control.data
    now = dt_util.utcnow()
    effective = control.effective_state(now) if control is not None else None
    result: dict[str, Any] = {
        "entry": entry_diagnostics(entry, keys=TO_REDACT),
        "connection": "local" if runtime.client.is_local else "cloud",
        "power": None if data is None else _fields(data.power),
        "energy_today_wh": (
            None
            if data is None or data.energy is None
            else {"day": data.energy.day.isoformat(), **data.energy.energy.as_dict()}
        ),
        "telemetry": (
            None
            if data is None or data.telemetry is None
            else {
                "values": dict(data.telemetry.values),
                "cells": len(data.telemetry.cells),
                "actual_state": data.telemetry.actual_state,
                "requested_state": data.telemetry.requested_state,
            }
        ),
        # Compares the cloud's battery power with how the charge moved over the last hour:
        # "inverted" means the sign assumption (api/const.py) is wrong for this unit.
        "battery_sign_check": None if data is None else data.battery_sign,
        "battery_sign_assumed": (
            None
            if runtime.client.is_local
            else (
                "positive_when_charging"
                if CLOUD_BATTERY_POSITIVE_WHEN_CHARGING
                else "positive_when_discharging"
            )
        ),
        "control": (
            None
            if control is None
            else {
                "schedule": control.schedule.as_dict(),
                "overrides": [item.as_dict() for item in control.overrides],
                "effective_state": effective.state if effective else None,
                "source": effective.source if effective else None,
            }
        ),
        "coordinators": {
            name: {
                "update_interval": str(coordinator.update_interval),
                "last_update_success": coordinator.last_update_success,
                "consecutive_failures": coordinator.consecutive_failures,
                "last_error": coordinator.last_error,
            }
            for name, coordinator in (("data", runtime.data), ("control", runtime.control))
        },
        "requests": {
            "sent": runtime.client.http.stats.requests,
            "failures": runtime.client.http.stats.failures,
            "retries": runtime.client.http.stats.retries,
        },
        "budget": _budget(runtime),
    }
    secrets = [str(value) for value in entry.data.values() if isinstance(value, str)]
    return dict(redact(result, keys=TO_REDACT, secrets=[s for s in secrets if len(s) > 6]))


def _fields(value: Any) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__dataclass_fields__}


def _budget(runtime: Any) -> dict[str, Any] | None:
    """Return the account budget, its consumers named by role (their names hold unit ids)."""
    if runtime.budget is None:
        return None
    budget: dict[str, Any] = runtime.budget.as_dict()
    budget["consumers"] = {
        f"consumer_{index}_{name.rsplit(' ', 1)[-1]}": consumer
        for index, (name, consumer) in enumerate(budget["consumers"].items(), start=1)
    }
    return budget
