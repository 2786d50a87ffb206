"""Constants of the Tesla Energy integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "tesla_energy"
LOGGER = logging.getLogger(__package__)

CONF_REGION: Final = "region"
CONF_API_URL: Final = "api_url"

# Options: the user's Fleet API budget, as a monthly amount or as calls per day.
CONF_BUDGET_MODE: Final = "budget_mode"
CONF_MONTHLY_AMOUNT: Final = "monthly_amount"
CONF_CALLS_PER_DAY: Final = "calls_per_day"
BUDGET_MODE_MONTHLY: Final = "monthly_amount"
BUDGET_MODE_DAILY: Final = "calls_per_day"
# The monthly credit every Fleet API account gets: by default the integration costs nothing.
DEFAULT_MONTHLY_AMOUNT: Final = 10.0
DEFAULT_CALLS_PER_DAY: Final = 160
MIN_MONTHLY_AMOUNT: Final = 1.0
MAX_MONTHLY_AMOUNT: Final = 1000.0
MIN_CALLS_PER_DAY: Final = 30
MAX_CALLS_PER_DAY: Final = 50_000

# The fastest each kind of read runs, and its share of the budget. Live data gets most of
# it; site_info (settings) is read rarely and right after every command; history hourly.
LIVE_MIN_INTERVAL: Final = timedelta(seconds=60)
INFO_MIN_INTERVAL: Final = timedelta(hours=1)
HISTORY_MIN_INTERVAL: Final = timedelta(hours=1)
LIVE_WEIGHT: Final = 6.0
INFO_WEIGHT: Final = 0.5
HISTORY_WEIGHT: Final = 2.0
# A small budget may space settings and history reads out to a day: never more.
MAX_INTERVAL: Final = timedelta(days=1)

# How far back the statistics are filled on first setup and after downtime.
BACKFILL_DAYS: Final = 7
MAX_BACKFILL_DAYS: Final = 31
MAX_HISTORY_DAYS_PER_UPDATE: Final = 8

ATTR_DEVICE_ID: Final = "device_id"
