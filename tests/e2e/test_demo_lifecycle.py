"""The demo's life cycle, as ``scripts/develop`` users live it.

A first run creates the four entries; Ctrl-C stops everything it started; a second run on the
same config keeps them (same entries, no new onboarding); ``--reset`` starts clean.

These tests start the demo themselves, so they need its ports free: ``scripts/e2e`` runs them
with ``E2E_LIFECYCLE_DIR`` set before it starts the demo for the browser tests (skipped
otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
from typing import Any

import pytest

from .browser import REPO, call_api, wait_until
from .house import balance_problems, past_hours

from vendors import available_vendors  # isort: skip

START_TIMEOUT = 180  # a busy 2-core machine
STOP_TIMEOUT = 60
# Home Assistant and one port of each simulator.
PORTS = (8123, 8100, 8200, 8300, 8400)
HA_VERSION = "E2E_HA_VERSION"

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def workdir() -> Path:
    """Where the runs keep their config, ready files and logs."""
    path = os.environ.get("E2E_LIFECYCLE_DIR")
    if not path:
        pytest.skip("the demo's life cycle is tested through scripts/e2e")
    Path(path).mkdir(parents=True, exist_ok=True)
    return Path(path)


class DemoRun:
    """One ``scripts/develop`` run in its own process group, as a terminal starts it."""

    def __init__(self, workdir: Path, name: str, *args: str) -> None:
        """Start the demo on ``workdir/config``; its output goes to ``workdir/<name>.log``."""
        self.ready_file = workdir / f"{name}.json"
        self.log = workdir / f"{name}.log"
        with self.log.open("w", encoding="utf-8") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [
                    str(REPO / "scripts" / "develop"),
                    "--config",
                    str(workdir / "config"),
                    "--ready-file",
                    str(self.ready_file),
                    *args,
                    # The release the browser tests run on (scripts/e2e's E2E_HA_VERSION).
                    *(["--ha-version", version] if (version := os.environ.get(HA_VERSION)) else []),
                ],
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def ready(self) -> dict[str, Any]:
        """Wait for the ready summary."""

        def written() -> bool:
            if self.process.poll() is not None and not self.ready_file.exists():
                raise AssertionError(f"the demo exited early:\n{self.log.read_text()}")
            return self.ready_file.exists() and bool(self.ready_file.read_text())

        wait_until(written, what="the demo to be ready", timeout=START_TIMEOUT)
        return json.loads(self.ready_file.read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    def ctrl_c(self) -> int:
        """Press Ctrl-C: SIGINT to the terminal's process group; return the exit code."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.wait()

    def wait(self) -> int:
        """Wait for the run to end; return its exit code."""
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        """Stop whatever is left (a failed test)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def listening(port: int) -> bool:
    """Return whether something accepts connections on the loopback port."""
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def hass_processes(config: Path) -> list[int]:
    """Return the processes whose command line names the config directory."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(config).encode() in cmdline and int(proc.name) != os.getpid():
            found.append(int(proc.name))
    return found


def entry_ids(config: Path) -> dict[str, str]:
    """Return each demo integration's config entry id, from Home Assistant's storage."""
    stored = json.loads((config / ".storage" / "core.config_entries").read_text(encoding="utf-8"))
    domains = {vendor.domain for vendor in available_vendors()}
    return {e["domain"]: e["entry_id"] for e in stored["data"]["entries"] if e["domain"] in domains}


@pytest.fixture
def runs() -> Iterator[list[DemoRun]]:
    """Runs started by a test; any left running is killed."""
    started: list[DemoRun] = []
    yield started
    for run in started:
        run.kill()


def test_first_run_ctrl_c_second_run_and_reset(workdir: Path, runs: list[DemoRun]) -> None:
    """Create, stop with Ctrl-C, start again on the same config, then start clean."""
    config = workdir / "config"
    if any(listening(port) for port in PORTS):
        pytest.fail(f"one of the demo's ports {PORTS} is taken: stop the running demo first")
    domains = {vendor.domain for vendor in available_vendors()}

    first = DemoRun(workdir, "first")
    runs.append(first)
    summary = first.ready()
    assert summary["onboarded_now"]
    assert {d: o.split(",")[0] for d, o in summary["entries"].items()} == dict.fromkeys(
        domains, "created"
    )
    assert all(outcome.endswith("loaded") for outcome in summary["entries"].values())
    assert all(listening(port) for port in PORTS)
    created = entry_ids(config)
    assert set(created) == domains
    # The house's past is on the Energy dashboard within a minute, and balances: the
    # recorder has compiled nothing of the new sensors yet, most likely.
    assert summary["history"] == "importing"
    problems: list[str] = []

    def balanced() -> bool:
        problems[:] = balance_problems(
            call_api(summary["url"], lambda client: past_hours(client, summary["started_at"]))
        )
        return not problems

    try:
        wait_until(balanced, what="the past hours on the Energy dashboard", timeout=60)
    except AssertionError as err:
        raise AssertionError("\n".join(problems)) from err

    # Ctrl-C stops everything the demo started: Home Assistant and every simulator.
    assert first.ctrl_c() == 0
    assert not [port for port in PORTS if listening(port)]
    assert not hass_processes(config)

    # A second run keeps the user, the entries and the dashboards.
    second = DemoRun(workdir, "second")
    runs.append(second)
    summary = second.ready()
    assert not summary["onboarded_now"]
    # Stopped before the recorder's first 5 minutes, the first run left the join of the
    # recorder's sums to this one (or it made it, when they came in time).
    assert summary["history"] in ("joining", "none")
    for domain, outcome in summary["entries"].items():
        # Tesla's fresh simulator forgot the refresh token: the demo re-authenticates.
        assert outcome.startswith(("kept", "re-authenticated")), (domain, outcome)
        assert outcome.endswith("loaded"), (domain, outcome)
    assert second.ctrl_c() == 0
    assert entry_ids(config) == created

    # --reset starts clean: onboarding again, new entries.
    reset = DemoRun(workdir, "reset", "--reset", "--check")
    runs.append(reset)
    summary = reset.ready()
    assert summary["onboarded_now"]
    assert reset.wait() == 0  # --check stops by itself once ready
    renewed = entry_ids(config)
    assert set(renewed) == domains
    assert not set(renewed.values()) & set(created.values())
    assert not [port for port in PORTS if listening(port)]
