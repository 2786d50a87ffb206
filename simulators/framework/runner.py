"""Serve one or several vendors' simulators on loopback."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
import importlib
import json
from pathlib import Path
import signal
import sys
from typing import Any, Protocol

from aiohttp import web

from .app import SimulatorApp
from .clock import SimClock


def _discover_vendors() -> dict[str, str]:
    """Return vendor name -> module: every package beside ``framework`` is a vendor."""
    root = Path(__file__).resolve().parent.parent
    return {
        path.name: f"simulators.{path.name}"
        for path in sorted(root.iterdir())
        if path.is_dir() and path.name != "framework" and (path / "__init__.py").is_file()
    }


VENDORS: dict[str, str] = _discover_vendors()


@dataclass(slots=True)
class Served:
    """One simulator app and where it listens."""

    app: SimulatorApp
    host: str
    port: int

    @property
    def url(self) -> str:
        """Return the base URL."""
        return f"http://{self.host}:{self.port}"


class VendorPlugin(Protocol):
    """What a vendor's simulator module offers the runner."""

    DESCRIPTION: str

    def build(self, options: dict[str, str], clock: SimClock) -> list[Served]:
        """Return the apps to serve, with their addresses, from ``--set`` options."""


def load_vendor(name: str) -> VendorPlugin:
    """Import a vendor's simulator module."""
    try:
        module: Any = importlib.import_module(VENDORS[name])
    except KeyError:
        raise SystemExit(
            f"unknown vendor {name!r}; known: {', '.join(sorted(VENDORS)) or 'none yet'}"
        ) from None
    return module  # type: ignore[no-any-return]


async def start(served: Sequence[Served]) -> list[web.AppRunner]:
    """Start serving; return the runners (call ``cleanup`` on each to stop)."""
    runners = []
    for item in served:
        runner = web.AppRunner(item.app.make_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, item.host, item.port)
        await site.start()
        runners.append(runner)
    return runners


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m simulators",
        description=(
            "Serve simulated Home Energy Bridges devices and clouds on loopback, with fault "
            "injection, a request log and a controllable clock (control API under /_sim)."
        ),
    )
    parser.add_argument("vendors", nargs="*", help="vendors to serve (see --list)")
    parser.add_argument("--list", action="store_true", help="list the vendors and exit")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="VENDOR.KEY=VALUE",
        help="a vendor option, e.g. enphase.profile=8x (repeatable)",
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="simulated seconds per real second"
    )
    return parser.parse_args(argv)


def vendor_options(settings: Sequence[str], vendor: str) -> dict[str, str]:
    """Return the ``--set`` options addressed to a vendor."""
    options: dict[str, str] = {}
    for setting in settings:
        key, sep, value = setting.partition("=")
        name, dot, option = key.partition(".")
        if not sep or not dot:
            raise SystemExit(f"--set takes VENDOR.KEY=VALUE, not {setting!r}")
        if name == vendor:
            options[option] = value
    return options


async def serve(args: argparse.Namespace) -> None:
    """Serve until interrupted."""
    clock = SimClock(speed=args.speed)
    served: list[Served] = []
    for vendor in args.vendors:
        served.extend(load_vendor(vendor).build(vendor_options(args.set, vendor), clock))
    runners = await start(served)
    print(
        json.dumps({"ready": [{"name": s.app.name, "url": s.url} for s in served]}),
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for runner in runners:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line."""
    args = parse_args(argv)
    if args.list or not args.vendors:
        for name in sorted(VENDORS):
            print(f"{name}: {load_vendor(name).DESCRIPTION}")
        if not VENDORS:
            print("no vendor simulators yet")
        return 0
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
