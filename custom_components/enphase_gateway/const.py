"""Constants of the Enphase IQ Gateway integration."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from homeassistant.const import Platform

from ..energy_bridges_common.client.stand_in import stand_in_url

DOMAIN: Final = "enphase_gateway"

PLATFORMS: Final = [
    Platform.BINARY_SENSOR,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONF_SERIAL: Final = "serial"
CONF_MANUAL_TOKEN: Final = "manual_token"  # noqa: S105 - a key name

OPTION_DISABLE_KEEP_ALIVE: Final = "disable_keep_alive"
OPTION_DIAGNOSTICS_RAW: Final = "diagnostics_include_raw"

# Faster than about a minute, some gateways stop communicating; microinverters report every
# 5 minutes anyway. The CT readings are cheap for the gateway.
SCAN_INTERVAL: Final = timedelta(seconds=60)
METER_INTERVAL: Final = timedelta(seconds=10)

# The heavy data rides out the gateway's nightly maintenance (device_data hangs for a
# minute or more around 23:00) and short reboots without going unavailable.
SLOW_STALE_AFTER: Final = timedelta(minutes=30)
FAST_STALE_AFTER: Final = timedelta(minutes=5)
MAX_BACKOFF: Final = timedelta(minutes=10)
TOKEN_CHECK_INTERVAL: Final = timedelta(hours=1)
MANUAL_TOKEN_WARN_DAYS: Final = 30
# Firmware from 8.2.42xx lets the cloud put storage settings back within 1-2 minutes.
STORAGE_RECHECK_DELAY: Final = 150

ENV_ENLIGHTEN_BASE_URL: Final = "ENPHASE_GATEWAY_ENLIGHTEN_BASE_URL"
ENV_TOKEN_BASE_URL: Final = "ENPHASE_GATEWAY_TOKEN_BASE_URL"  # noqa: S105 - a name
ENLIGHTEN_BASE_URL: Final = "https://enlighten.enphaseenergy.com"
TOKEN_BASE_URL: Final = "https://entrez.enphaseenergy.com"  # noqa: S105 - a URL
MANUAL_TOKEN_URL: Final = "https://entrez.enphaseenergy.com/entrez_tokens"  # noqa: S105 - a URL


def cloud_urls() -> tuple[str, str]:
    """Return the Enlighten login URL and the token URL.

    A stand-in (simulator) is used only through ``stand_in_url``: loopback, with the switch.
    """
    enlighten = stand_in_url(ENV_ENLIGHTEN_BASE_URL) or ENLIGHTEN_BASE_URL
    token = stand_in_url(ENV_TOKEN_BASE_URL) or TOKEN_BASE_URL
    return f"{enlighten.rstrip('/')}/login/login.json", f"{token.rstrip('/')}/tokens"
