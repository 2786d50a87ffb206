"""Run the Home Energy Bridges demo: simulators + a real Home Assistant, set up and onboarded.

Started by ``scripts/develop`` (see ``docs/demo.md``). It:

1. starts each available vendor's simulator (``python -m simulators <vendor>``) and waits for
   its ``ready`` line;
2. starts ``hass -c <config>`` with this repository's ``custom_components`` linked into the
   config directory and ``HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK=1`` (the simulators listen on
   loopback, which the integrations refuse otherwise);
3. finishes onboarding through Home Assistant's onboarding API with the demo user (or logs
   in as that user when the config was onboarded before);
4. adds one config entry per vendor that has none, through the config flows, against the
   simulators; then points the Energy dashboard at the energy sensors and (re)builds the
   demo dashboard;
5. waits for Ctrl-C (SIGINT) or SIGTERM and stops everything it started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import logging
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import IO, Any

from bootstrap import (
    DASHBOARD_URL,
    build_dashboard,
    configure_energy,
    ensure_entries,
    reauthenticate,
    remove_failed_onboarding_entries,
    wait_energy_statistics,
    wait_entries_loaded,
)
from ha_client import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    HomeAssistantClient,
    HomeAssistantError,
    wait_for,
)
from ha_version import ensure_venv, installed_versions
from history import STATE_FILE, JoinState, import_house_history, join_recorder
from vendors import REPO, Urls, Vendor, available_vendors

_LOGGER = logging.getLogger("demo")

DEFAULT_CONFIG = REPO / "config"
HASS_MAIN = Path(__file__).with_name("hass_main.py")
PORT = 8123
# Files of the config directory that are part of the repository; --reset keeps them.
TRACKED = {"configuration.yaml", "dashboards", "README.md"}
HASS_START_TIMEOUT = 240.0
SIMULATOR_START_TIMEOUT = 60.0
HASS_STOP_TIMEOUT = 60.0
HASS = "Home Assistant"
RESTART_EXIT_CODE = 100  # homeassistant.const.RESTART_EXIT_CODE


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Ask Linux to SIGTERM the child when the demo itself dies (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class Child:
    """A process the demo started, in its own process group, output to a log file."""

    def __init__(self, name: str, args: list[str], log: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log = log
        self._log_file: IO[bytes] = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            args,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )

    @property
    def running(self) -> bool:
        """Return whether the process is still running."""
        return self.process.poll() is None

    async def stop(self, timeout: float) -> None:
        """SIGTERM the process group, wait, then SIGKILL what is left."""
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(self.process.wait, timeout)
            if self.running:
                _LOGGER.warning("%s did not stop in %.0f s: killing it", self.name, timeout)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            # Whatever the process left in its group (it should be nothing).
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._log_file.close()


def prepare_config(config: Path, *, reset: bool) -> None:
    """Create (or clean) the config directory and link this repository's integrations."""
    if reset and config.exists():
        for item in config.iterdir():
            if config == DEFAULT_CONFIG and (item.name in TRACKED or item.name.startswith("ha-")):
                # The repository's files, and the configs of other releases (--ha-version).
                continue
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()
    config.mkdir(parents=True, exist_ok=True)
    if config != DEFAULT_CONFIG:
        # A throw-away config (the browser tests) runs the demo's configuration. It stays on
        # port 8123: Home Assistant asks to confirm a changed HTTP port in the UI, and reverts
        # it after five minutes otherwise.
        shutil.copyfile(DEFAULT_CONFIG / "configuration.yaml", config / "configuration.yaml")
    link = config / "custom_components"
    target = REPO / "custom_components"
    if link.is_symlink() and link.resolve() != target:
        link.unlink()
    if not link.exists():
        link.symlink_to(target, target_is_directory=True)
    (config / "logs").mkdir(exist_ok=True)


async def start_simulator(vendor: Vendor, config: Path) -> tuple[Child, Urls] | None:
    """Start one vendor's simulator and wait for its ready line; None if it failed."""
    log = config / "logs" / f"simulator-{vendor.simulator}.log"
    log.write_bytes(b"")
    child = Child(
        f"simulator {vendor.simulator}",
        [sys.executable, "-m", "simulators", vendor.simulator, *vendor.simulator_args],
        log,
        {**os.environ, "PYTHONUNBUFFERED": "1"},
    )

    async def ready() -> Urls | None:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith('{"ready"'):
                return {item["name"]: item["url"] for item in json.loads(line)["ready"]}
        if not child.running:
            raise HomeAssistantError(f"exited with code {child.process.returncode}")
        return None

    try:
        urls: Urls = await wait_for(
            ready, timeout=SIMULATOR_START_TIMEOUT, interval=0.1, what=f"{vendor.simulator}"
        )
    except HomeAssistantError as err:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        _LOGGER.error(
            "The %s simulator did not start (%s); skipping %s. Its log ends with:\n%s",
            vendor.simulator,
            err,
            vendor.domain,
            "\n".join(tail),
        )
        await child.stop(5)
        return None
    return child, urls


def hass_env(vendors: list[Vendor], urls: dict[str, Urls]) -> dict[str, str]:
    """Return Home Assistant's environment: loopback allowed, vendor overrides."""
    env = {**os.environ, "HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK": "1", "PYTHONUNBUFFERED": "1"}
    for vendor in vendors:
        if vendor.hass_env is not None and vendor.domain in urls:
            env.update(vendor.hass_env(urls[vendor.domain]))
    return env


class Demo:
    """The running demo: its children, its client, its timings."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.config: Path = args.config.resolve()
        self.url = f"http://localhost:{PORT}"
        self.children: list[Child] = []
        self.started = time.monotonic()
        self.started_at = time.time()
        self.timings: dict[str, float] = {}
        self._hass_env: dict[str, str] = {}
        # The Python that runs Home Assistant: this one, or a release's own (--ha-version).
        self.hass_python = Path(sys.executable)
        self.history_task: asyncio.Task[dict[str, int]] | None = None

    def _start_hass(self) -> Child:
        """Start Home Assistant (again, after a restart asked for in the UI)."""
        hass = Child(
            HASS,
            [str(self.hass_python), str(HASS_MAIN), "-c", str(self.config), "--skip-pip"],
            self.config / "logs" / "hass-console.log",
            self._hass_env,
        )
        self.children.append(hass)
        return hass

    def mark(self, what: str) -> None:
        """Record the seconds since the start for a milestone."""
        self.timings[what] = round(time.monotonic() - self.started, 1)

    async def start(self) -> dict[str, Any]:
        """Start everything and set Home Assistant up; return the ready summary."""
        if _port_in_use(PORT):
            raise HomeAssistantError(
                f"port {PORT} is in use: is the demo (or another Home Assistant) running?"
            )
        if self.args.ha_version:
            self.hass_python = await asyncio.to_thread(ensure_venv, self.args.ha_version)
            self.mark("venv")
        versions = await asyncio.to_thread(installed_versions, self.hass_python)
        _LOGGER.info(
            "Home Assistant %s, frontend %s (%s)",
            versions["homeassistant"],
            versions["home-assistant-frontend"],
            self.hass_python,
        )
        prepare_config(self.config, reset=self.args.reset)
        only = set(self.args.vendors.split(",")) if self.args.vendors else None
        vendors = available_vendors(only)
        urls: dict[str, Urls] = {}
        started = await asyncio.gather(*(start_simulator(v, self.config) for v in vendors))
        running: list[Vendor] = []
        for vendor, item in zip(vendors, started, strict=True):
            if item is not None:
                self.children.append(item[0])
                urls[vendor.domain] = item[1]
                running.append(vendor)
        self.mark("simulators")
        _LOGGER.info(
            "Simulators: %s",
            ", ".join(f"{d} {list(u.values())}" for d, u in urls.items()) or "none available yet",
        )

        self._hass_env = hass_env(running, urls)
        hass = self._start_hass()
        _LOGGER.info("Home Assistant is starting (log: %s)", self.config / "home-assistant.log")
        async with HomeAssistantClient(self.url) as client:

            async def up() -> bool:
                if not hass.running:
                    raise SystemExit(
                        f"Home Assistant exited (code {hass.process.returncode}); see "
                        f"{hass.log} and {self.config / 'home-assistant.log'}"
                    )
                return await client.is_up()

            await wait_for(up, timeout=HASS_START_TIMEOUT, what="Home Assistant's HTTP server")
            self.mark("http")
            onboarded = await client.onboard_or_login()
            await wait_for(
                lambda: _is_running(client), timeout=HASS_START_TIMEOUT, what="Home Assistant"
            )
            self.mark("hass_running")
            if onboarded:
                await remove_failed_onboarding_entries(client)
            entries: dict[str, str] = {}
            if not self.args.no_entries:
                entries = await ensure_entries(client, running, urls)
                await wait_entries_loaded(client, [v.domain for v in running])
                for domain, result in (await reauthenticate(client, running, urls)).items():
                    entries[domain] = f"re-authenticated ({result})"
                states = await wait_entries_loaded(client, [v.domain for v in running])
                entries = {
                    domain: f"{outcome}, {states.get(domain, 'no entry')}"
                    for domain, outcome in entries.items()
                }
                self.mark("entries")
                if any([await client.entries(v.domain) for v in running]):
                    await wait_energy_statistics(client, running)
                    await configure_energy(client, running)
                    # Rebuilt when an entry was added; kept (maybe edited) otherwise.
                    await build_dashboard(
                        client,
                        running,
                        refresh=any(o.startswith("created") for o in entries.values()),
                    )
            self.mark("ready")
        created = [
            v for v in running if v.house and entries.get(v.domain, "").startswith("created")
        ]
        joins = JoinState(self.config / STATE_FILE)
        if created or any(not join.get("joined") for join in joins.load().values()):
            # The house's past, within a minute; its join with the recorder's own sums once
            # the recorder has compiled its first 5 minutes (on this start or the next).
            self.history_task = asyncio.create_task(self._history(created, urls, joins))
            self.history_task.add_done_callback(_log_history)
        return {
            "url": self.url,
            "config": str(self.config),
            "log": str(self.config / "home-assistant.log"),
            "onboarded_now": onboarded,
            "username": DEMO_USERNAME,
            "password": DEMO_PASSWORD,
            "vendors": {domain: dict(u) for domain, u in urls.items()},
            "skipped": [v.domain for v in available_vendors(only) if v not in running],
            "entries": entries,
            "dashboard": f"{self.url}/{DASHBOARD_URL}",
            "seconds": self.timings,
            "started_at": self.started_at,
            "home_assistant": versions,
            "history": (
                "none" if self.history_task is None else "importing" if created else "joining"
            ),
        }

    async def _history(
        self, vendors: list[Vendor], urls: dict[str, Urls], joins: JoinState
    ) -> dict[str, int]:
        """Give the house's Energy dashboard the hours before its first start."""
        imported: dict[str, int] = {}
        async with HomeAssistantClient(self.url) as client:
            await client.login()
            entities = await client.ws("config/entity_registry/list")
            for vendor in vendors:
                try:
                    imported |= await import_house_history(
                        client,
                        vendor,
                        urls[vendor.domain],
                        entities,
                        self.started_at,
                        joins=joins,
                    )
                except Exception as err:  # noqa: BLE001 - a demo nicety: say why, go on
                    _LOGGER.warning(
                        "%s: no history for the Energy dashboard: %r", vendor.title, err
                    )
            await join_recorder(client, joins)
        return imported

    async def watch(self, stop: asyncio.Event) -> int:
        """Wait for a stop request or a child's death; return the exit code."""
        while not stop.is_set():
            for child in list(self.children):
                if child.name == HASS and child.process.poll() == RESTART_EXIT_CODE:
                    # Settings -> Restart: Home Assistant exits for its supervisor to restart it.
                    _LOGGER.info("Home Assistant asked for a restart: starting it again")
                    await child.stop(HASS_STOP_TIMEOUT)
                    self.children.remove(child)
                    self._start_hass()
                elif not child.running:
                    _LOGGER.error(
                        "%s exited with code %s (log: %s)",
                        child.name,
                        child.process.returncode,
                        child.log,
                    )
                    return 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1)
        return 0

    async def stop(self) -> None:
        """Stop Home Assistant first (it saves its state), then the simulators."""
        if self.history_task is not None and not self.history_task.done():
            self.history_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.history_task
        for child in reversed(self.children):
            timeout = HASS_STOP_TIMEOUT if child.name == HASS else 10
            if child.running:
                _LOGGER.info("Stopping %s", child.name)
            await child.stop(timeout)
        self.children.clear()


def _log_history(task: asyncio.Task[dict[str, int]]) -> None:
    if not task.cancelled() and (err := task.exception()) is not None:
        _LOGGER.warning("No history for the Energy dashboard: %r", err)


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


async def _is_running(client: HomeAssistantClient) -> bool:
    return await client.core_state() == "RUNNING"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/develop",
        description="Run Home Assistant with this repository's integrations on the simulators.",
    )
    parser.add_argument("--reset", action="store_true", help="start from a clean config")
    parser.add_argument(
        "--config",
        type=Path,
        help="config directory (default: config/, or config/ha-X/ with --ha-version X)",
    )
    parser.add_argument(
        "--ha-version",
        metavar="X",
        help=(
            "run Home Assistant release X (e.g. 2026.11.0) from its own venv .venv-ha-X, "
            "installed on the first run with the versions X pins (default: .venv's, the "
            "version the tests use)"
        ),
    )
    parser.add_argument("--vendors", help="only these integrations (comma-separated domains)")
    parser.add_argument(
        "--no-entries",
        action="store_true",
        help="do not add the demo's config entries (the browser tests add them in the UI)",
    )
    parser.add_argument("--ready-file", type=Path, help="write the ready summary (JSON) here")
    parser.add_argument(
        "--check", action="store_true", help="stop as soon as the demo is ready (smoke test)"
    )
    args = parser.parse_args(argv)
    if args.config is None:
        # A release's config stays apart: Home Assistant migrates its storage and database
        # forward, and an older release cannot open them again.
        args.config = (
            DEFAULT_CONFIG / f"ha-{args.ha_version}" if args.ha_version else DEFAULT_CONFIG
        )
    return args


async def main(argv: list[str] | None = None) -> int:
    """Run the demo until interrupted."""
    args = parse_args(argv)
    demo = Demo(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    code = 0
    try:
        start = asyncio.ensure_future(demo.start())
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait({start, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not start.done():
            start.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await start
            return 130
        summary = start.result()
        if args.ready_file:
            args.ready_file.write_text(json.dumps(summary, indent=2), encoding="utf-8")
        print_summary(summary)
        if not args.check:
            code = await demo.watch(stop)
    except (HomeAssistantError, SystemExit, ValueError, subprocess.CalledProcessError) as err:
        _LOGGER.error("The demo could not start: %s", err)
        code = 1
    finally:
        await demo.stop()
    return code


def print_summary(summary: dict[str, Any]) -> None:
    """Tell the person at the terminal where to go."""
    seconds = summary["seconds"]
    lines = [
        "",
        (
            f"  Home Energy Bridges demo ready in {seconds['ready']:.0f} s "
            f"(Home Assistant answered after {seconds['http']:.0f} s)"
        ),
        f"  Open {summary['url']} and log in as {summary['username']} / {summary['password']}",
        f"  Demo dashboard: {summary['dashboard']}",
        f"  Integrations on simulators: {', '.join(summary['vendors']) or 'none yet'}",
        (
            f"  Home Assistant {summary['home_assistant']['homeassistant']}, frontend "
            f"{summary['home_assistant']['home-assistant-frontend']}"
        ),
    ]
    lines.extend(f"    {domain}: {outcome}" for domain, outcome in summary["entries"].items())
    if summary["history"] == "importing":
        lines.append(
            "  The Energy dashboard gets the hours since yesterday's midnight within a minute"
        )
    if summary["skipped"]:
        lines.append(f"  Simulators that did not start: {', '.join(summary['skipped'])}")
    lines.append(f"  Home Assistant's log: {summary['log']}")
    lines.append("  Ctrl-C stops everything.")
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="[demo] %(message)s")
    sys.exit(asyncio.run(main()))
