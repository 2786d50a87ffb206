"""
V2C Trydan: the V2C Cloud (port 8200) and each charger's LAN API (8201, 8202, ...).

Options (``--set v2c.KEY=VALUE``): ``chargers`` (how many, default 2), ``firmware`` (a comma
list, one per charger, from 1.6.11, 2.1.7, 2.1.17, 2.3.20, 2.4.6), ``cloud_only`` (a comma
list of charger numbers, 1-based, with no LAN: 4G chargers), ``api_key``, ``quota``,
``port`` (the cloud's; chargers follow it), ``house_meter`` (the control API URL of the
simulator that meters the house, e.g. the demo's Powervault ``/_sim/state``: every 10 s the
chargers' house and photovoltaic power follow its first unit's home and solar power) and
``car_window`` (``HH:MM-HH:MM``, British time: every charger's car is plugged in when it
opens and out when it shuts, the demo house's routine; without it the cars stay plugged in).
"""

from __future__ import annotations

from simulators.framework import SimClock
from simulators.framework.house import DailyWindow
from simulators.framework.runner import Served

from .charger import ChargerApp
from .cloud import CloudApp
from .model import FIRMWARES, Charger, Firmware

DESCRIPTION = "V2C Cloud (8200) and V2C Trydan chargers' LAN APIs (8201+)"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8200

__all__ = [
    "DESCRIPTION",
    "FIRMWARES",
    "Charger",
    "ChargerApp",
    "CloudApp",
    "Firmware",
    "build",
    "make_chargers",
]


def make_chargers(
    count: int,
    *,
    firmware: list[str] | None = None,
    cloud_only: set[int] | None = None,
    host: str = DEFAULT_HOST,
    first_port: int = DEFAULT_PORT + 1,
) -> list[Charger]:
    """Return ``count`` chargers; charger ``n`` (1-based) listens on ``first_port + n - 1``."""
    versions = firmware or ["2.1.17"]
    chargers = []
    for index in range(count):
        has_lan = index + 1 not in (cloud_only or set())
        chargers.append(
            Charger(
                charger_id=f"V2C{index + 1:05d}",
                name=f"Trydan {index + 1}",
                firmware=FIRMWARES[versions[min(index, len(versions) - 1)]],
                ip=f"{host}:{first_port + index}" if has_lan else "",
                has_lan=has_lan,
            )
        )
    return chargers


def build(options: dict[str, str], clock: SimClock) -> list[Served]:
    """Build the cloud and one LAN app per charger that has a LAN."""
    port = int(options.get("port", DEFAULT_PORT))
    chargers = make_chargers(
        int(options.get("chargers", 2)),
        firmware=[v.strip() for v in options["firmware"].split(",")]
        if options.get("firmware")
        else None,
        cloud_only={int(n) for n in options["cloud_only"].split(",") if n.strip()}
        if options.get("cloud_only")
        else None,
        first_port=port + 1,
    )
    cloud = CloudApp(
        chargers,
        api_key=options.get("api_key", "sim-api-key"),
        quota=int(options.get("quota", 1000)),
        clock=clock,
    )
    cloud.house_meter = options.get("house_meter") or None
    if options.get("car_window"):
        window = DailyWindow.parse(options["car_window"])
        for charger in chargers:
            charger.follow_window(window, clock.timestamp())
    served = [Served(cloud, DEFAULT_HOST, port)]
    for index, charger in enumerate(chargers):
        if charger.has_lan:
            served.append(Served(ChargerApp(charger, clock=clock), DEFAULT_HOST, port + 1 + index))
    return served
