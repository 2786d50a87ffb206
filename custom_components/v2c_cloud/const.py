"""Constants of the V2C Cloud integration."""

from __future__ import annotations

from datetime import timedelta
import logging
import os
from typing import Final

from .api import CLOUD_BASE_URL

DOMAIN: Final = "v2c_cloud"
LOGGER = logging.getLogger(__package__)

CONF_ACCOUNT_ID: Final = "account_id"
CONF_LAN_INTERVAL: Final = "lan_scan_interval"
CONF_COMMAND_RESERVE: Final = "command_reserve"
CONF_CHARGER_HOSTS: Final = "charger_hosts"
CONF_CHARGER: Final = "charger"

DEFAULT_LAN_INTERVAL: Final = 5
MIN_LAN_INTERVAL: Final = 2
MAX_LAN_INTERVAL: Final = 300
DEFAULT_COMMAND_RESERVE: Final = 150
"""Out of the 1000 daily calls: polls get the other 850, the seed's own target."""
MIN_COMMAND_RESERVE: Final = 50
MAX_COMMAND_RESERVE: Final = 500

CLOUD_QUOTA: Final = 1000
CLOUD_MIN_INTERVAL: Final = timedelta(seconds=90)
PAIRINGS_REFRESH: Final = timedelta(hours=6)
PAIRINGS_REFRESH_ON_TROUBLE: Final = timedelta(minutes=30)
"""How often an unreachable charger may make us ask the cloud for its new address."""
WRITE_FAILED_REFRESH: Final = 5.0
"""Seconds after a failed LAN write before the charger is read again."""
LAN_STALE_MIN: Final = timedelta(seconds=30)
CHARGE_STATE_EVERY: Final = 6
"""Cloud updates of a charger between two ``/device/currentstatecharge`` calls for it."""

FIRMWARE_CHECK_INTERVAL: Final = timedelta(hours=24)
"""How often ``/version`` is asked which firmware the cloud offers (a call per charger)."""

LAN_ONLY_ENTITIES: Final = (
    ("sensor", "ready_state"),
    ("sensor", "wifi_signal"),
    ("switch", "timer"),
    ("switch", "pause_dynamic"),
    ("select", "dynamic_power_mode"),
    ("select", "charge_mode"),
)
"""Entities whose value only a charger's LAN gives (the cloud never reports it):
unavailable while the LAN is away, not created for a charger without a LAN."""

HOLD_SECONDS: Final = 20.0
SLOW_HOLD_SECONDS: Final = 90.0
"""RFID and OCPP changes take the charger longer to report back."""

EVENT_WIFI_SCAN: Final = "v2c_cloud_wifi_scan"
EVENT_POWER_PROFILES: Final = "v2c_cloud_power_profiles"
EVENT_DEVICE_STATISTICS: Final = "v2c_cloud_device_statistics"
EVENT_GLOBAL_STATISTICS: Final = "v2c_cloud_global_statistics"

CLOUD_URL_ENV: Final = "HOME_ENERGY_BRIDGES_V2C_CLOUD_URL"


def cloud_base_url() -> str:
    """Return the cloud's address: the production one unless the demo or tests point elsewhere."""
    return os.environ.get(CLOUD_URL_ENV) or CLOUD_BASE_URL
