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
from .models import GENERATOR_MODES, StorageMode
from .poller import LIFETIME_WRAP_WH, GatewayData, GatewayPoller, MeterData

__all__ = [
    "GENERATOR_MODES",
    "LIFETIME_WRAP_WH",
    "Capabilities",
    "EndpointUnavailableError",
    "EnphaseGateway",
    "GatewayData",
    "GatewayNotReadyError",
    "GatewayPoller",
    "MeterData",
    "MfaRequiredError",
    "StorageMode",
    "StorageScheduleLockedError",
    "TokenInfo",
    "UnsupportedFirmwareError",
    "WriteNotAppliedError",
    "decode_token",
    "installer_password",
]
