"""Check device addresses: the ones users type into config flows, and the stored ones."""

from __future__ import annotations

import ipaddress

from homeassistant.exceptions import ConfigEntryError

from ..client.lan import LanAddressError, async_check_lan_host, check_lan_ip, normalize_host
from ..client.stand_in import ALLOW_LOOPBACK_ENV, loopback_allowed

__all__ = [
    "ALLOW_LOOPBACK_ENV",
    "async_validate_device_host",
    "check_stored_host",
    "format_host",
    "loopback_allowed",
]


async def async_validate_device_host(value: str) -> tuple[str, int | None]:
    """Return (host, port) of a device address, or raise ``LanAddressError``.

    The host comes back in its one canonical spelling (see ``client.lan.canonical_host``):
    store that (``format_host``), never what was typed.
    """
    return await async_check_lan_host(value, allow_loopback=loopback_allowed())


def format_host(host: str, port: int | None = None) -> str:
    """Return ``host`` or ``host:port`` as stored (an IPv6 address in brackets with a port)."""
    if port is None:
        return host
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def check_stored_host(domain: str, value: str) -> tuple[str, int | None]:
    """Check a stored device address again at setup; return its (host, port).

    An address that no longer passes the guard (stored by an older version, or moved by
    discovery) fails the setup with a translated ``address_not_allowed`` error and nothing
    is sent there: only the user can fix it, so retrying would not help. A name is not
    resolved here (name services may not be up yet at boot): the LAN client checks the
    address each connection really goes to (``HttpClient(lan_only=True)``).
    """
    try:
        host, port = normalize_host(value)
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return host, port
        check_lan_ip(host, allow_loopback=loopback_allowed())
    except LanAddressError as err:
        raise ConfigEntryError(
            translation_domain=domain,
            translation_key="address_not_allowed",
            translation_placeholders={"address": value, "reason": str(err.reason)},
        ) from err
    return host, port
