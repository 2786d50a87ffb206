"""Simulated Tesla Powerwall gateways' local (LAN) API.

Profiles: ``full`` (Powerwall 2/2+ on a Gateway 2, every endpoint, port 8410), ``reduced``
(Powerwall 3: login and the three live endpoints, port 8411), ``tedapi`` (no ``/api`` login,
only the TEDAPI, port 8412). Served on plain http on loopback by the command line (the tests
serve HTTPS with a self-signed certificate, see ``tls.py``). The default customer password is
the last 5 characters of the profile's gateway password (``full``: ``PASSA``).

Options: ``profile`` (a name, several comma-separated, or ``all``), ``host``, ``password``,
``gzip`` (1: gzip bodies without a header), ``refuse_default_password`` (1),
``rate_limit`` (requests per 10 s before 429s), ``session_lifetime`` (seconds),
``time_zone``.
"""

from __future__ import annotations

from dataclasses import replace

from simulators.framework import SimClock
from simulators.framework.runner import Served

from .app import PROFILES, Limits, PowerwallGatewaySimulator, Profile
from .model import SiteModel

DESCRIPTION = (
    "Tesla Powerwall gateways' local API: full (Powerwall 2/2+) on :8410, reduced "
    "(Powerwall 3) on :8411, TEDAPI-only on :8412; password lockout, 429s when polled too "
    "fast, expiring sessions; options: profile, password, gzip, refuse_default_password, "
    "rate_limit, session_lifetime, time_zone"
)

__all__ = [
    "DESCRIPTION",
    "PROFILES",
    "Limits",
    "PowerwallGatewaySimulator",
    "Profile",
    "SiteModel",
    "build",
]


def build(options: dict[str, str], clock: SimClock) -> list[Served]:
    """Return the chosen gateway profiles."""
    host = options.get("host", "127.0.0.1")
    chosen = options.get("profile", "all")
    names = list(PROFILES) if chosen == "all" else chosen.split(",")
    limits = Limits()
    if "rate_limit" in options:
        limits.rate_limit = int(options["rate_limit"])
    if "session_lifetime" in options:
        limits.session_lifetime = float(options["session_lifetime"])
    served = []
    for name in names:
        if name not in PROFILES:
            raise SystemExit(f"unknown gateway profile {name!r}; known: {', '.join(PROFILES)}")
        profile = PROFILES[name]
        if "time_zone" in options:
            profile = replace(profile, time_zone=options["time_zone"])
        app = PowerwallGatewaySimulator(
            profile,
            clock=clock,
            password=options.get("password"),
            refuse_default_password=options.get("refuse_default_password") == "1",
            gzip_replies=options.get("gzip") == "1",
            limits=replace(limits),
        )
        served.append(Served(app, host, profile.port))
    return served
