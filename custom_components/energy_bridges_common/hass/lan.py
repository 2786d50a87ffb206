"""Check device addresses that users type into config flows."""

from __future__ import annotations

from ..client.lan import async_check_lan_host
from ..client.stand_in import ALLOW_LOOPBACK_ENV, loopback_allowed

__all__ = ["ALLOW_LOOPBACK_ENV", "async_validate_device_host", "loopback_allowed"]


async def async_validate_device_host(value: str) -> tuple[str, int | None]:
    """Return (host, port) of a device address, or raise ``LanAddressError``."""
    return await async_check_lan_host(value, allow_loopback=loopback_allowed())
