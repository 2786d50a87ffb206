"""Vendor facts in one place: the cloud address, the LAN keywords and the enum tables.

Sources disagree on some enum values (see the API notes); they are data here, in one table
each, so a correction is a one-line change and never a new code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, Final, Self

from ...energy_bridges_common.client.parse import as_int

CLOUD_BASE_URL: Final = "https://v2c.cloud/kong/v2c_service"
"""The production V2C Cloud API (overridable for the simulator, never by users)."""


class ChargerSetting(StrEnum):
    """A setting the charger takes on its LAN ``/write/``; the value is the LAN keyword."""

    PAUSED = "Paused"
    LOCKED = "Locked"
    TIMER = "Timer"
    DYNAMIC = "Dynamic"
    PAUSE_DYNAMIC = "PauseDynamic"
    INTENSITY = "Intensity"
    MIN_INTENSITY = "MinIntensity"
    MAX_INTENSITY = "MaxIntensity"
    LIGHT_LED = "LightLED"
    LOGO_LED = "LogoLED"
    CHARGE_MODE = "ChargeMode"
    DYNAMIC_POWER_MODE = "DynamicPowerMode"
    CONTRACTED_POWER = "ContractedPower"
    INSTALLATION_VOLTAGE = "VoltageInstallation"


@dataclass(frozen=True, slots=True)
class Writable:
    """The values a setting takes."""

    minimum: int
    maximum: int


WRITABLE_SETTINGS: Final[dict[ChargerSetting, Writable]] = {
    ChargerSetting.PAUSED: Writable(0, 1),
    ChargerSetting.LOCKED: Writable(0, 1),
    ChargerSetting.TIMER: Writable(0, 1),
    ChargerSetting.DYNAMIC: Writable(0, 1),
    ChargerSetting.PAUSE_DYNAMIC: Writable(0, 1),
    ChargerSetting.INTENSITY: Writable(6, 32),
    ChargerSetting.MIN_INTENSITY: Writable(6, 32),
    ChargerSetting.MAX_INTENSITY: Writable(6, 32),
    ChargerSetting.LIGHT_LED: Writable(0, 100),
    ChargerSetting.LOGO_LED: Writable(0, 100),
    ChargerSetting.CHARGE_MODE: Writable(0, 2),
    ChargerSetting.DYNAMIC_POWER_MODE: Writable(0, 5),
    ChargerSetting.CONTRACTED_POWER: Writable(0, 100_000),
    ChargerSetting.INSTALLATION_VOLTAGE: Writable(100, 450),
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

FAULT: Final = "fault"
"""The charge state of a fault numbered beyond ``CHARGE_STATES``."""
CHARGE_STATE_NAMES: Final = (*CHARGE_STATES.values(), FAULT)

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

OTHER_ERROR: Final = "other_error"
"""The meter error of a code beyond ``SLAVE_ERRORS``."""
SLAVE_ERROR_NAMES: Final = (*SLAVE_ERRORS.values(), OTHER_ERROR)


class CodedChoice(IntEnum):
    """A setting's choices: the charger's codes, named as Home Assistant shows them.

    A member's lower-case name is the option (and its translation key); its value is the
    code the charger and the cloud use. A code the charger reports that we cannot name is
    kept as a nameless member (``option`` None): a select shows it as unknown, not as
    unavailable, and diagnostics keep the number.
    """

    @property
    def option(self) -> str | None:
        """Return the option, or None for a code we cannot name."""
        return self.name.lower() if self._value_ in type(self)._value2member_map_ else None

    @classmethod
    def options(cls) -> list[str]:
        """Return every option, in the order of the codes."""
        return [member.name.lower() for member in cls]

    @classmethod
    def from_option(cls, option: str) -> Self | None:
        """Return the choice an option names (None: no such option)."""
        member = cls.__members__.get(option.upper())
        return member if member is not None and member.name.lower() == option else None

    @classmethod
    def parse(cls, raw: Any) -> Self | None:
        """Return the choice of a reported code (a nameless one for an unknown code)."""
        code = as_int(raw)
        return None if code is None else cls(code)

    @classmethod
    def is_known(cls, value: Any) -> bool:
        """Return whether ``value`` is a code we can name (the only ones we write)."""
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and value in cls._value2member_map_
        )

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"CODE_{value}"
        member._value_ = value
        return member


# DynamicPowerMode: sources swap 2 and 3; change the two codes here if your charger disagrees.
class DynamicPowerMode(CodedChoice):
    """``DynamicPowerMode`` (LAN only): what the dynamic power control follows."""

    TIMED_POWER_ENABLED = 0
    TIMED_POWER_DISABLED = 1
    PV_EXCLUSIVE = 2
    PV_WITH_MINIMUM_POWER = 3
    GRID_AND_PV = 4
    STOP = 5


class ChargeMode(CodedChoice):
    """``ChargeMode`` (LAN only): the phases the charger charges on."""

    SINGLE_PHASE = 0
    THREE_PHASE = 1
    MIXED = 2


class InstallationType(CodedChoice):
    """``/device/inst_type`` values."""

    SINGLE_PHASE = 0
    THREE_PHASE = 1
    PHOTOVOLTAIC = 2


class MeterType(CodedChoice):
    """``/device/slave_type`` values: the meter (the vendor's "slave") the charger reads."""

    SHELLY = 0
    V2C_V2 = 1
    V2C_LEGACY = 2
    HUAWEI = 3
    SOLAX = 4
    CARLO_GAVAZZI = 5
    GROWATT = 6
    MQTT = 11


class Language(CodedChoice):
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


class PvChargeMode(CodedChoice):
    """``/device/chargefvmode`` values: how a charger follows the sun (also a 4G-only one)."""

    PV_WITH_MINIMUM_POWER = 0
    PV_ONLY = 1
    MAXIMUM_POWER = 2


INVERTER_MAX_POWER_RANGE: Final = (1000, 22000)
"""W the inverter (Denka) maximum power takes on ``/device/denka/max_power``."""

TIMER_IDS: Final = range(1, 11)
"""Timer slots ``/device/timer`` takes."""

SIGNAL_QUALITY: Final[dict[int, str]] = {0: "none", 1: "weak", 2: "good", 3: "excellent"}
