"""The V2C Trydan protocol: the cloud API and the charger's LAN API (no Home Assistant)."""

from .charger import Charger
from .cloud import V2CCloudClient
from .const import (
    CLOUD_BASE_URL,
    ChargeMode,
    ChargerSetting,
    CodedChoice,
    DynamicPowerMode,
    InstallationType,
    Language,
    MeterType,
    PvChargeMode,
)
from .lan import (
    InvalidCommandError,
    LocalAccessRefusedError,
    V2CLocalClient,
    WriteRefusedError,
    lan_base_url,
    validate_write,
)
from .models import CloudState, Pairing, Realtime, Source

__all__ = [
    "CLOUD_BASE_URL",
    "ChargeMode",
    "Charger",
    "ChargerSetting",
    "CloudState",
    "CodedChoice",
    "DynamicPowerMode",
    "InstallationType",
    "InvalidCommandError",
    "Language",
    "LocalAccessRefusedError",
    "MeterType",
    "Pairing",
    "PvChargeMode",
    "Realtime",
    "Source",
    "V2CCloudClient",
    "V2CLocalClient",
    "WriteRefusedError",
    "lan_base_url",
    "validate_write",
]
