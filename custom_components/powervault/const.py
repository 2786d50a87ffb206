"""Constants of the Powervault integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

from ..energy_bridges_common.client.stand_in import stand_in_url
from .api import CLOUD_BASE_URL

DOMAIN: Final = "powervault"
LOGGER = logging.getLogger(__package__)

CONF_CONNECTION: Final = "connection"
CONNECTION_CLOUD: Final = "cloud"
CONNECTION_LOCAL: Final = "local"
CONF_UNIT_ID: Final = "unit_id"
CONF_ACCOUNT_ID: Final = "account_id"
CONF_MODEL: Final = "model"
CONF_UNITS: Final = "units"

# How often each part is read: ours to choose (the cloud's buckets are five minutes long,
# its schedule changes only when someone edits it; the LAN costs nothing but the unit's CPU).
LOCAL_DATA_INTERVAL: Final = timedelta(seconds=30)
LOCAL_CONTROL_INTERVAL: Final = timedelta(minutes=5)
CLOUD_DATA_INTERVAL: Final = timedelta(minutes=5)
"""The fastest; the account's budget may make it slower."""
CLOUD_CONTROL_INTERVAL: Final = timedelta(minutes=60)

OLD_INTERVAL_OPTIONS: Final = ("scan_interval", "data_interval", "control_interval")
"""Options of entries before version 1.2, when users set the intervals: dropped."""

# Options, with their defaults and bounds.
CONF_DAILY_BUDGET: Final = "daily_budget"
"""Cloud calls per day for the whole account."""
DEFAULT_DAILY_BUDGET: Final = 500
MIN_DAILY_BUDGET: Final = 100
MAX_DAILY_BUDGET: Final = 5000
COMMAND_RESERVE: Final = 40
"""Calls of the daily budget that polls leave to user commands."""

CONF_OVERRIDE_HOURS: Final = "override_hours"
"""How long the battery mode select overrides the portal schedule."""
DEFAULT_OVERRIDE_HOURS: Final = 24
MIN_OVERRIDE_HOURS: Final = 1
MAX_OVERRIDE_HOURS: Final = 168

# The cloud fills a bucket for a while after it starts: poll this long after a boundary.
BUCKET_POLL_DELAY: Final = timedelta(seconds=100)

MAX_OVERRIDE_DURATION: Final = timedelta(days=7)
MAX_START_AHEAD: Final = timedelta(days=7)
START_GRACE: Final = timedelta(minutes=5)

# The demo and the tests point the cloud at the simulator. Only honoured with the loopback
# switch and a loopback URL (never in a normal installation), so a key cannot go elsewhere.
CLOUD_URL_ENV: Final = "POWERVAULT_CLOUD_BASE_URL"


def cloud_base_url() -> str:
    """Return the cloud's base URL: production, unless a stand-in (``stand_in_url``) is set."""
    return stand_in_url(CLOUD_URL_ENV) or CLOUD_BASE_URL
