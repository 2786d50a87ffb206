"""Simulated Tesla cloud: OAuth, region lookup and the Fleet API energy endpoints."""

from __future__ import annotations

from simulators.framework import SimClock
from simulators.framework.runner import Served

from .app import TeslaFleetSimulator, default_accounts, make_jwt
from .physics import SiteModel, WallConnector

DESCRIPTION = (
    "Tesla Fleet API for energy sites on :8400 (OAuth authorize auto-approves, token, region "
    "lookup, /na, /eu and /cn regional prefixes, China's token endpoint at /cn/oauth2/v3/token); "
    "options: port, login_as, rate_limit_per_minute, "
    "time_zone (of the first account's sites, America/Los_Angeles by default)"
)

__all__ = [
    "DESCRIPTION",
    "SiteModel",
    "TeslaFleetSimulator",
    "WallConnector",
    "build",
    "default_accounts",
    "make_jwt",
]


def build(options: dict[str, str], clock: SimClock) -> list[Served]:
    """Return the simulated Tesla cloud (one server for auth and every region)."""
    app = TeslaFleetSimulator(
        clock=clock,
        accounts=default_accounts(options.get("time_zone", "America/Los_Angeles")),
        rate_limit_per_minute=int(options.get("rate_limit_per_minute", "120")),
    )
    if "login_as" in options:
        app.login_as = options["login_as"]
    return [Served(app, options.get("host", "127.0.0.1"), int(options.get("port", "8400")))]
