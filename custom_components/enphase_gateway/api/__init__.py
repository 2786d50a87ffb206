"""A client for the Enphase Envoy / IQ Gateway local API (no Home Assistant imports)."""

from .auth import MfaRequiredError, TokenInfo, decode_token, installer_password
from .client import (
    Capabilities,
    EndpointUnavailableError,
    EnphaseGateway,
    GatewayNotReadyError,
    StorageScheduleLockedError,
    UnsupportedFirmwareError,
    WriteNotAppliedError,
)
from .models import (
    CtKind,
    CtStatus,
    DryContactMode,
    DryContactSettings,
    GeneratorMode,
    RelayState,
    StorageMode,
)
from .poller import LIFETIME_WRAP_WH, GatewayData, GatewayPoller, MeterData

__all__ = [
    "LIFETIME_WRAP_WH",
    "Capabilities",
    "CtKind",
    "CtStatus",
    "DryContactMode",
    "DryContactSettings",
    "EndpointUnavailableError",
    "EnphaseGateway",
    "GatewayData",
    "GatewayNotReadyError",
    "GatewayPoller",
    "GeneratorMode",
    "MeterData",
    "MfaRequiredError",
    "RelayState",
    "StorageMode",
    "StorageScheduleLockedError",
    "TokenInfo",
    "UnsupportedFirmwareError",
    "WriteNotAppliedError",
    "decode_token",
    "installer_password",
]
