"""
Simulated Powervault: the cloud REST API (P4/P5) and a legacy unit's local API (P3/P3X).

Options (``--set powervault.KEY=VALUE``): ``host``, ``cloud_port`` (8100), ``local_port``
(8101), ``api_key`` (``sim-powervault-key``), ``units`` (cloud units, 1), ``chart_format``
(``records`` or ``flat``), ``linked_load`` (comma-separated URLs of other simulated devices in
the same house, e.g. the demo's V2C chargers' ``/RealTimeData``: their ``ChargePower`` is
added to the first unit's home load, polled every 10 s) and ``linked_history``
(``HH:MM-HH:MM@W``: what they drew every day before the first reading, British time).
"""

from __future__ import annotations

from ..framework import SimClock
from ..framework.runner import Served
from .cloud import PowervaultCloud
from .local import PowervaultLocal
from .model import daily_window

DESCRIPTION = (
    "Powervault cloud API v4 on :8100/v4 (key sim-powervault-key) and a P3X unit's local "
    "API on :8101/api"
)

__all__ = ["DESCRIPTION", "PowervaultCloud", "PowervaultLocal", "build"]


def build(options: dict[str, str], clock: SimClock) -> list[Served]:
    """Return the cloud and the local unit, each on its own port."""
    host = options.get("host", "127.0.0.1")
    cloud = PowervaultCloud(
        clock=clock,
        api_key=options.get("api_key", "sim-powervault-key"),
        units=int(options.get("units", "1")),
    )
    if options.get("linked_load"):
        cloud.link(
            [url.strip() for url in options["linked_load"].split(",") if url.strip()],
            history=daily_window(options["linked_history"])
            if options.get("linked_history")
            else None,
        )
    local = PowervaultLocal(clock=clock, chart_format=options.get("chart_format", "records"))
    return [
        Served(cloud, host, int(options.get("cloud_port", "8100"))),
        Served(local, host, int(options.get("local_port", "8101"))),
    ]
