"""Vendor facts in one place: the cloud address, the LAN keywords and the enum tables.

Sources disagree on some enum values (see the API notes); they are data here, in one table
each, so a correction is a one-line change and never a new code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final

CLOUD_BASE_URL: Final = "https://v2c.cloud/kong/v2c_service"
"""The production V2C Cloud API (overridable for the simulator, never by users)."""

CLOUD_DAILY_QUOTA: Final = 1000


@dataclass(frozen=True, slots=True)
class Writable:
    """A keyword the charger accepts on ``/write/`` and the values it takes."""

    minimum: int
    maximum: int


WRITABLE_KEYWORDS: Final[dict[str, Writable]] = {
    "Paused": Writable(0, 1),
    "Locked": Writable(0, 1),
    "Timer": Writable(0, 1),
    "Dynamic": Writable(0, 1),
    "PauseDynamic": Writable(0, 1),
    "Intensity": Writable(6, 32),
    "MinIntensity": Writable(6, 32),
    "MaxIntensity": Writable(6, 32),
    "LightLED": Writable(0, 100),
    "LogoLED": Writable(0, 100),
    "ChargeMode": Writable(0, 2),
    "DynamicPowerMode": Writable(0, 5),
    "ContractedPower": Writable(0, 100_000),
    "VoltageInstallation": Writable(100, 450),
}

READ_FALLBACK_KEYWORDS: Final = ("LightLED", "LogoLED", "ChargeMode")
"""Keys some firmware (2.4.6) leaves out of RealTimeData; read them with ``/read/``."""

# ChargeState: 0-2 are the normal states; higher numbers are faults whose numbering differs
# by firmware, so they are reported by their number beyond this table.
CHARGE_STATES: Final[dict[int, str]] = {
    0: "disconnected",
    1: "connected",
    2: "charging",
    3: "ventilation_required",
    4: "control_pilot_short",
    5: "general_fault",
}

# DynamicPowerMode: sources swap 2 and 3; change the two rows here if your charger disagrees.
DYNAMIC_POWER_MODES: Final[dict[int, str]] = {
    0: "timed_power_enabled",
    1: "timed_power_disabled",
    2: "pv_exclusive",
    3: "pv_with_minimum_power",
    4: "grid_and_pv",
    5: "stop",
}

CHARGE_MODES: Final[dict[int, str]] = {0: "single_phase", 1: "three_phase", 2: "mixed"}

SLAVE_ERRORS: Final[dict[int, str]] = {
    0: "no_error",
    1: "communication",
    2: "reading",
    3: "slave",
    4: "waiting_wifi",
    5: "waiting_communication",
    6: "wrong_ip",
    7: "slave_not_found",
    8: "wrong_slave",
    9: "no_response",
    10: "clamp_not_connected",
}

INSTALLATION_TYPES: Final[dict[int, str]] = {
    0: "single_phase",
    1: "three_phase",
    2: "photovoltaic",
}

SLAVE_TYPES: Final[dict[int, str]] = {
    0: "shelly",
    1: "v2c_v2",
    2: "v2c_legacy",
    3: "huawei",
    4: "solax",
    5: "carlo_gavazzi",
    6: "growatt",
    11: "mqtt",
}


class Language(IntEnum):
    """``/device/language`` values, as the real cloud takes them (checked on live chargers)."""

    ENGLISH = 0
    SPANISH = 1
    PORTUGUESE = 2
    FRENCH = 3
    ITALIAN = 4
    GERMAN = 5
    ROMANIAN = 6
    DUTCH = 7
    DANISH = 8
    CATALAN = 9


LANGUAGES: Final[dict[int, str]] = {member.value: member.name.lower() for member in Language}


class PvChargeMode(IntEnum):
    """``/device/chargefvmode`` values: how a charger follows the sun (also a 4G-only one)."""

    PV_WITH_MINIMUM_POWER = 0
    PV_ONLY = 1
    MAXIMUM_POWER = 2


PV_CHARGE_MODES: Final[dict[int, str]] = {
    member.value: member.name.lower() for member in PvChargeMode
}

INVERTER_MAX_POWER_RANGE: Final = (1000, 22000)
"""W the inverter (Denka) maximum power takes on ``/device/denka/max_power``."""

TIMER_IDS: Final = range(1, 11)
"""Timer slots ``/device/timer`` takes."""

SIGNAL_QUALITY: Final[dict[int, str]] = {0: "none", 1: "weak", 2: "good", 3: "excellent"}
