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

CLOUD_BATTERY_POSITIVE_WHEN_CHARGING: Final = True
"""The sign of the cloud's ``instant_battery``: an assumption, not a fact.

A real P3X's local API sends battery power positive when charging (+846 W with
``actualState`` C); we assume the cloud does the same and turn it to Home Assistant's sign.
The public integration passes the cloud value through unchanged, which would mean the
opposite; no real cloud record settles it. ``BatterySignCheck`` (the diagnostic sensor
"Battery power sign check") shows a user, from their own records, which one is right.
"""


class BatterySignCheck(StrEnum):
    """Whether the battery power's sign agrees with how the state of charge moves."""

    CONSISTENT = "consistent"
    """Charging (negative in Home Assistant) while the charge rises, and the other way."""
    INVERTED = "inverted"
    """The other way round: ``CLOUD_BATTERY_POSITIVE_WHEN_CHARGING`` is wrong."""
    UNKNOWN = "unknown"
    """Not enough movement in the recent records to tell."""


class BatteryActivity(StrEnum):
    """What a legacy unit says its battery is doing (its ``actualState``)."""

    CHARGING = "charging"
    DISCHARGING = "discharging"
    IDLE = "idle"


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
