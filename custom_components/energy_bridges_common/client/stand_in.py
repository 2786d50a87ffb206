"""The one guarded switch that points a client at a stand-in server (a simulator).

Tests and the demo run every vendor's cloud as a simulator on this machine. The address of a
stand-in comes from an environment variable; this module is the only place that reads one, so
an API key, a password or a token can never be sent anywhere but the vendor or loopback:

- nothing is honoured unless ``HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK=1`` is set in the Home
  Assistant process (never in a normal installation);
- the URL must be ``http``/``https`` with a loopback host (``127.0.0.0/8``, ``::1`` or
  ``localhost``), no user name or password, and no query or fragment;
- anything else is ignored with one warning, and the production address is used.

Callers must never store the result: it is read again at every start, so nothing outlives the
variable.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from urllib.parse import urlsplit

_LOGGER = logging.getLogger(__name__)

ALLOW_LOOPBACK_ENV = "HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK"


def loopback_allowed() -> bool:
    """Return whether loopback addresses are allowed (simulators, the demo, tests).

    Only the environment of the Home Assistant process can allow it, never a user's input.
    """
    return os.environ.get(ALLOW_LOOPBACK_ENV) == "1"


def is_loopback_url(url: str) -> bool:
    """Return whether ``url`` is a plain http(s) URL on a loopback host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    if parts.username or parts.password or parts.query or parts.fragment:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def stand_in_url(env_var: str) -> str | None:
    """Return the stand-in server's URL that ``env_var`` names, or None to use production.

    The URL comes back without a trailing slash. It is returned only with the loopback switch
    on and a loopback URL; a set variable that fails either check is logged and ignored.
    """
    value = os.environ.get(env_var)
    if not value:
        return None
    if not loopback_allowed():
        _LOGGER.warning(
            "Ignoring %s: stand-in servers are only used with %s=1", env_var, ALLOW_LOOPBACK_ENV
        )
        return None
    if not is_loopback_url(value):
        _LOGGER.warning("Ignoring %s: a stand-in server must be on loopback", env_var)
        return None
    return value.rstrip("/")


def url_is_below(url: str, base: str) -> bool:
    """Return whether ``url`` is ``base`` or a path below it (same scheme, host and port).

    A bare prefix test would trust ``https://x.evil.com`` below ``https://x``.
    """
    try:
        target, root = urlsplit(url), urlsplit(base)
        same_origin = (
            target.scheme == root.scheme
            and target.hostname == root.hostname
            and target.port == root.port
        )
    except ValueError:
        return False
    if not same_origin or target.username or target.password:
        return False
    root_path = root.path.rstrip("/")
    path = target.path.rstrip("/")
    return path == root_path or path.startswith(f"{root_path}/")
