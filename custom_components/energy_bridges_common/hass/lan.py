"""Check device addresses that users type into config flows."""

from __future__ import annotations

import os

from ..client.lan import async_check_lan_host

ALLOW_LOOPBACK_ENV = "HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK"


def loopback_allowed() -> bool:
    """Return whether loopback device addresses are allowed (simulators, the demo, tests).

    Only the environment of the Home Assistant process can allow it, never a user's input.
    """
    return os.environ.get(ALLOW_LOOPBACK_ENV) == "1"


async def async_validate_device_host(value: str) -> tuple[str, int | None]:
    """Return (host, port) of a device address, or raise ``LanAddressError``."""
    return await async_check_lan_host(value, allow_loopback=loopback_allowed())
