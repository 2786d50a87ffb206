"""Constants of the V2C Cloud integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

from ..energy_bridges_common.client.stand_in import stand_in_url
from .api import CLOUD_BASE_URL

DOMAIN: Final = "v2c_cloud"
LOGGER = logging.getLogger(__package__)

CONF_ACCOUNT_ID: Final = "account_id"
CONF_COMMAND_RESERVE: Final = "command_reserve"
CONF_CHARGER_HOSTS: Final = "charger_hosts"
CONF_CHARGER: Final = "charger"

LAN_INTERVAL: Final = timedelta(seconds=5)
"""How often a charger's LAN is read: it costs no quota, and a charge session moves fast."""
DEFAULT_COMMAND_RESERVE: Final = 150
"""Out of the 1000 daily calls: polls get the other 850, the seed's own target."""
MIN_COMMAND_RESERVE: Final = 50
MAX_COMMAND_RESERVE: Final = 500

CLOUD_QUOTA: Final = 1000
CLOUD_MIN_INTERVAL: Final = timedelta(seconds=90)
PAIRINGS_REFRESH: Final = timedelta(hours=6)
PAIRINGS_REFRESH_ON_TROUBLE: Final = timedelta(minutes=30)
"""How often an unreachable charger may make us ask the cloud for its new address."""
LAN_STALE_MIN: Final = timedelta(seconds=30)
LAN_REFUSED_REPAIR_AFTER: Final = timedelta(hours=1)
"""How long a charger may refuse its LAN API (401/403) before a repair says so: long enough
for the cloud's pairing list to show a new address (``PAIRINGS_REFRESH_ON_TROUBLE``)."""
SESSION_LAG: Final = timedelta(minutes=5)
"""How late the cloud may still report an old session after the LAN saw a new one begin (its
poll interval, and what the cloud itself lags behind the charger; assumed)."""
CHARGE_STATE_EVERY: Final = 6
"""Cloud updates of a charger between two ``/device/currentstatecharge`` calls for it."""

FIRMWARE_CHECK_INTERVAL: Final = timedelta(hours=24)
"""How often ``/version`` is asked which firmware the cloud offers (a call per charger)."""

HOLD_SECONDS: Final = 20.0
SLOW_HOLD_SECONDS: Final = 90.0
"""RFID and OCPP changes take the charger longer to report back."""

EVENT_WIFI_SCAN: Final = "v2c_cloud_wifi_scan"
EVENT_POWER_PROFILES: Final = "v2c_cloud_power_profiles"
EVENT_DEVICE_STATISTICS: Final = "v2c_cloud_device_statistics"
EVENT_GLOBAL_STATISTICS: Final = "v2c_cloud_global_statistics"

CLOUD_URL_ENV: Final = "HOME_ENERGY_BRIDGES_V2C_CLOUD_URL"


def cloud_base_url() -> str:
    """Return the cloud's address: production, unless a stand-in (``stand_in_url``) is set.

    A stand-in is honoured only on loopback with the loopback switch: the API key goes to
    V2C or to a simulator on this machine, nowhere else.
    """
    return stand_in_url(CLOUD_URL_ENV) or CLOUD_BASE_URL
