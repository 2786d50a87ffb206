"""Guard for user-supplied device addresses (a server-side request forgery guard).

A device address typed into a config flow must be a private LAN address: not public, loopback,
link-local, multicast or unspecified. Host names are resolved and every address they resolve
to must pass. Loopback is allowed only where a caller explicitly enables it (simulators and
tests), never by default.

Every address has one spelling (``canonical_host``): an IPv4 address is the dotted quad, and
other ways to write a number (``3232235781``, ``0xc0a80105``, ``192.168.257``, ``10.1``,
leading zeros) are refused, because resolvers and URL parsers read them differently from the
guard. Control characters and anything but letters, digits, ``-``, ``_`` and dots in a name
are refused; names are lower case, IDNA-encoded, without a trailing dot. What is stored is
this spelling, so what was checked is what is connected to.

A name checked here can resolve elsewhere later: LAN clients also check the address each
connection really went to (``HttpClient(lan_only=True)``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from enum import StrEnum
import ipaddress
import re
import socket
import unicodedata
from urllib.parse import urlsplit

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

PRIVATE_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
    ipaddress.ip_network("fc00::/7"),
)


_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*")
# A last label like this makes URL parsers and resolvers read the host as an IPv4 number.
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
_MAX_NAME = 253


class LanAddressReason(StrEnum):
    """Why an address was refused; also the translation key suffix."""

    INVALID = "invalid"
    UNRESOLVABLE = "unresolvable"
    LOOPBACK = "loopback"
    LINK_LOCAL = "link_local"
    MULTICAST = "multicast"
    UNSPECIFIED = "unspecified"
    PUBLIC = "public"


class LanAddressError(ValueError):
    """A device address that is not a private LAN address."""

    def __init__(self, host: str, reason: LanAddressReason) -> None:
        """Keep the address and the reason."""
        super().__init__(f"{host!r} is not a private LAN address ({reason})")
        self.host = host
        self.reason = reason


def normalize_host(value: str) -> tuple[str, int | None]:
    """Split what a user typed into host and port.

    Accepts ``192.168.1.5``, ``192.168.1.5:8080``, ``[fd00::5]:80``, ``charger.lan`` and a
    pasted URL such as ``http://192.168.1.5/``.
    """
    text = value.strip()
    if not text or any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in text):
        raise LanAddressError(value, LanAddressReason.INVALID)
    if "://" not in text:
        text = f"//{text}"
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError as err:
        raise LanAddressError(value, LanAddressReason.INVALID) from err
    if not host or parts.username or parts.password:
        raise LanAddressError(value, LanAddressReason.INVALID)
    if parts.scheme not in ("", "http", "https"):
        raise LanAddressError(value, LanAddressReason.INVALID)
    try:
        return canonical_host(host), port
    except LanAddressError:
        raise LanAddressError(value, LanAddressReason.INVALID) from None


def canonical_host(host: str) -> str:
    """Return the one spelling of a host (no port): see the module's docstring."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    name = host.lower()
    if name.endswith("."):
        name = name[:-1]
        try:
            return str(ipaddress.ip_address(name))
        except ValueError:
            pass
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise LanAddressError(host, LanAddressReason.INVALID) from None
    if (
        len(name) > _MAX_NAME
        or not _NAME.fullmatch(name)
        or _NUMERIC_LABEL.fullmatch(name.rsplit(".", 1)[-1])
    ):
        raise LanAddressError(host, LanAddressReason.INVALID)
    return name


def check_lan_ip(address: str | IPAddress, *, allow_loopback: bool = False) -> IPAddress:
    """Return the address if it is a private LAN address, else raise ``LanAddressError``."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError as err:
        raise LanAddressError(str(address), LanAddressReason.INVALID) from err
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        raise LanAddressError(str(address), LanAddressReason.UNSPECIFIED)
    if ip.is_loopback:
        if allow_loopback:
            return ip
        raise LanAddressError(str(address), LanAddressReason.LOOPBACK)
    if ip.is_link_local:
        raise LanAddressError(str(address), LanAddressReason.LINK_LOCAL)
    if ip.is_multicast:
        raise LanAddressError(str(address), LanAddressReason.MULTICAST)
    if not any(ip in network for network in PRIVATE_NETWORKS):
        raise LanAddressError(str(address), LanAddressReason.PUBLIC)
    return ip


type Resolver = Callable[[str], Awaitable[list[str]]]


async def _resolve(host: str) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def async_check_lan_host(
    value: str,
    *,
    allow_loopback: bool = False,
    resolver: Resolver | None = None,
) -> tuple[str, int | None]:
    """Check what a user typed as a device address; return its host and port.

    A name is resolved; it passes only when every address it resolves to passes, so a name
    cannot smuggle a public or loopback address in beside a private one.
    """
    host, port = normalize_host(value)
    try:
        check_lan_ip(host, allow_loopback=allow_loopback)
    except LanAddressError as err:
        if err.reason is not LanAddressReason.INVALID:
            raise LanAddressError(value, err.reason) from None
    else:
        return host, port
    try:
        addresses = await (resolver or _resolve)(host)
    except (OSError, UnicodeError) as err:
        raise LanAddressError(value, LanAddressReason.UNRESOLVABLE) from err
    if not addresses:
        raise LanAddressError(value, LanAddressReason.UNRESOLVABLE)
    for address in addresses:
        try:
            check_lan_ip(address.split("%", 1)[0], allow_loopback=allow_loopback)
        except LanAddressError as err:
            raise LanAddressError(value, err.reason) from None
    return host, port
