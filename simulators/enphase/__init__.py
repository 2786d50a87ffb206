"""
Simulated Enphase Envoy / IQ Gateways of several firmware generations, and Enphase's cloud.

Profiles: ``3x`` (Envoy-R, firmware 3.9, not metered, digest auth), ``5x`` (metered, digest,
split phase), ``7x`` (metered, three phases, token auth), ``8x`` (CTs with a storage CT, IQ
Batteries, an IQ System Controller, dry contacts and a generator), ``8x-large`` (64
microinverters, metered without CTs), ``8x-acb`` (an IQ Battery and three AC Batteries). The
cloud's login and token endpoints are served on port 8300, the gateways on 8301-8306 (plain
http: the client falls back from https). Replies have the shapes of real gateways of the same
firmware family (``tests/enphase_gateway/test_simulator_shapes.py`` checks them against the
real captures); the generator's settings and ``/ivp/ss/gen_mode`` are from notes only.

Options: ``profile`` (one name or ``all``), ``latency`` (factor on realistic endpoint
latencies, default 1; 0 for instant answers), ``host``, ``replay`` (a capture folder in the
real-data naming, or a diagnostics JSON file taken with the raw capture option: served instead
of the profiles, on the first gateway port or ``port``), ``cloud_override`` (``0`` turns off
the 8x profile's cloud that puts storage settings back after a write, as the demo does).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from simulators.framework import SimClock
from simulators.framework.runner import Served

from .cloud import EnlightenSimulator
from .gateway import GatewaySimulator
from .profiles import CLOUD_OVERRIDE, CLOUD_PORT, PROFILES, Profile
from .replay import ReplaySimulator, build_replay

DESCRIPTION = (
    "Enphase IQ Gateways (profiles 3x, 5x, 7x, 8x, 8x-large, 8x-acb on 8301-8306, or a replayed "
    "capture with replay=<folder or diagnostics file>) and the Enlighten login/token service on "
    "8300"
)

__all__ = [
    "PROFILES",
    "EnlightenSimulator",
    "GatewaySimulator",
    "Profile",
    "ReplaySimulator",
    "build",
    "build_replay",
]


def build(options: dict[str, str], clock: SimClock) -> list[Served]:
    """Serve the cloud and the chosen gateway profiles."""
    host = options.get("host", "127.0.0.1")
    latency = float(options.get("latency", "1"))
    chosen = options.get("profile", "all")
    names = list(PROFILES) if chosen == "all" else chosen.split(",")
    served = [Served(EnlightenSimulator(clock=clock), host, CLOUD_PORT)]
    if replay := options.get("replay"):
        port = int(options.get("port", min(p.port for p in PROFILES.values())))
        try:
            app = build_replay(Path(replay).expanduser(), clock)
        except (OSError, ValueError) as err:
            raise SystemExit(f"cannot replay {replay!r}: {err}") from err
        return [*served, Served(app, host, port)]
    for name in names:
        if name not in PROFILES:
            raise SystemExit(f"unknown Enphase profile {name!r}; known: {', '.join(PROFILES)}")
        profile = PROFILES[name]
        if options.get("cloud_override") == "0":
            profile = replace(profile, quirks=profile.quirks - {CLOUD_OVERRIDE})
        served.append(
            Served(GatewaySimulator(profile, clock=clock, latency=latency), host, profile.port)
        )
    return served
