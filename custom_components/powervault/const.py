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

# Options, with their defaults and bounds.
CONF_SCAN_INTERVAL: Final = "scan_interval"
"""Local telemetry, seconds."""
DEFAULT_SCAN_INTERVAL: Final = 30
MIN_SCAN_INTERVAL: Final = 10
MAX_SCAN_INTERVAL: Final = 300

CONF_DATA_INTERVAL: Final = "data_interval"
"""Cloud data, minutes (the cloud's buckets are five minutes long)."""
DEFAULT_DATA_INTERVAL: Final = 5
MIN_DATA_INTERVAL: Final = 5
MAX_DATA_INTERVAL: Final = 60

CONF_CONTROL_INTERVAL: Final = "control_interval"
"""Schedule and override, minutes."""
DEFAULT_CLOUD_CONTROL_INTERVAL: Final = 60
MIN_CLOUD_CONTROL_INTERVAL: Final = 15
DEFAULT_LOCAL_CONTROL_INTERVAL: Final = 5
MIN_LOCAL_CONTROL_INTERVAL: Final = 1
MAX_CONTROL_INTERVAL: Final = 360

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

LOCAL_HISTORY_INTERVAL: Final = timedelta(minutes=5)
"""How often a local unit's history is read for the energy totals."""

MAX_OVERRIDE_DURATION: Final = timedelta(days=7)
MAX_START_AHEAD: Final = timedelta(days=7)
START_GRACE: Final = timedelta(minutes=5)

# The demo and the tests point the cloud at the simulator. Only honoured with the loopback
# switch and a loopback URL (never in a normal installation), so a key cannot go elsewhere.
CLOUD_URL_ENV: Final = "POWERVAULT_CLOUD_BASE_URL"


def cloud_base_url() -> str:
    """Return the cloud's base URL: production, unless a stand-in (``stand_in_url``) is set."""
    return stand_in_url(CLOUD_URL_ENV) or CLOUD_BASE_URL
