"""Constants of the Powervault APIs."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

CLOUD_BASE_URL: Final = "https://rest-api.powervault.co.uk/v4"
"""The cloud REST API. Powervault moved it twice (v3, rest-api-v2): change it only here."""

LOCAL_PORT: Final = 5000
"""The port of the local API of legacy P3/P3X units."""

SCHEDULE_TIME_ZONE: Final = "Europe/London"
"""Schedules are in British local time; overrides are in UTC."""

BUCKET_SECONDS: Final = 300
"""The cloud keeps its data in 5-minute buckets."""

DEFAULT_OVERRIDE_SECONDS: Final = 24 * 3600
"""How long ``set_battery_state`` overrides the portal schedule unless told otherwise."""


class BatteryState(StrEnum):
    """What the battery may be told to do."""

    NORMAL = "normal"
    ONLY_CHARGE = "only-charge"
    ONLY_DISCHARGE = "only-discharge"
    FORCE_CHARGE = "force-charge"
    FORCE_DISCHARGE = "force-discharge"
    DISABLE = "disable"
    DORMANT = "dormant"


VALID_STATES: Final[tuple[str, ...]] = tuple(state.value for state in BatteryState)
"""The seven states the unit accepts, in the order the vendor documents them."""


class DataPeriod(StrEnum):
    """The history periods the cloud serves."""

    TODAY = "today"
    YESTERDAY = "yesterday"
    PAST_HOUR = "past-hour"
    LAST_HOUR = "last-hour"
    PAST_DAY = "past-day"
    LAST_DAY = "last-day"
    PAST_WEEK = "past-week"
    LAST_WEEK = "last-week"
    PAST_MONTH = "past-month"
    LAST_MONTH = "last-month"


VALID_PERIODS: Final[tuple[str, ...]] = tuple(period.value for period in DataPeriod)
