"""The fault matrix: one table of cells, one way to run a cell, results kept for the doc.

Each integration's module sets up one entry (setting up Home Assistant and a recorder per cell
would take minutes) and runs its cells one after the other, clearing the fault and letting the
entry recover between cells; the cell tests then assert each cell's outcome, so that a cell
that fails on today's code is an ``xfail(strict=True)`` of its own with its reason.

What a cell asserts (``Cell.asserted`` lists the checks that applied):
- ``no-traceback``: no record with ``exc_info`` at WARNING or above from Home Assistant or our
  code, and no "Unexpected error" text;
- ``grace``: the watched entity stays available until the coordinator's documented
  ``stale_after`` has passed since its last good reading;
- ``unavailable``: then it is unavailable (outage faults only);
- ``back``: it is available again at the first poll after the fault is cleared;
- ``log-once``: exactly one error line when it went away and one info line when it came back
  (Home Assistant's coordinator does that); none when it never went away;
- ``reauth``: a reauth flow and Home Assistant's reauth repair issue exist (credential faults);
- ``energy``: energy totals never go down (a daily total may drop only over midnight);
- ``budget``: a cloud budget's count never exceeds its quota.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import itertools
import logging
import os
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from simulators.framework import FaultKind, SimulatorApp
from tests.conftest import time_travel

# Every cell's outcome, by (integration, family, fault): filled by the runner tests, read by
# the cell tests and by the table writer (conftest.py).
RESULTS: dict[tuple[str, str, str], CellResult] = {}

OUTAGE = "outage"
"""The device or cloud is away: served until the grace period ends, then unavailable."""
SOFT = "soft"
"""A reply that is wrong but answered: the entry may blank values or fail; no crash."""
CREDENTIALS = "credentials"
"""The credentials are refused: reauth (and its repair) where there are credentials."""
SPECIAL = "special"
"""Reboot, address change, clock jump: each has its own script."""


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """One fault of the matrix: how it is injected and what class of outcome it expects."""

    name: str
    kind: str
    fault: dict[str, Any] = field(default_factory=dict)
    expect: str = OUTAGE


FAULTS: list[FaultSpec] = [
    FaultSpec("timeout", OUTAGE, {"kind": FaultKind.TIMEOUT, "seconds": 30}),
    FaultSpec("refused", OUTAGE),
    FaultSpec("reset", OUTAGE, {"kind": FaultKind.RESET}),
    *(
        FaultSpec(
            f"{status} html",
            OUTAGE,
            {
                "kind": FaultKind.STATUS,
                "status": status,
                "body": "<html><head><title>Bad Gateway</title></head><body>nginx</body></html>",
            },
        )
        for status in (500, 502, 503)
    ),
    FaultSpec("429 retry-after", OUTAGE, {"kind": FaultKind.RATE_LIMIT, "seconds": 120}),
    FaultSpec("429 bare", OUTAGE, {"kind": FaultKind.RATE_LIMIT, "seconds": None}),
    FaultSpec("401", CREDENTIALS, {"kind": FaultKind.STATUS, "status": 401}, CREDENTIALS),
    FaultSpec("403", CREDENTIALS, {"kind": FaultKind.STATUS, "status": 403}, CREDENTIALS),
    FaultSpec("404", OUTAGE, {"kind": FaultKind.STATUS, "status": 404, "body": "Not Found"}),
    FaultSpec("malformed", OUTAGE, {"kind": FaultKind.MALFORMED}),
    FaultSpec("truncated", OUTAGE, {"kind": FaultKind.TRUNCATED}),
    FaultSpec("wrong types", SOFT, {"kind": FaultKind.WRONG_TYPES}, SOFT),
    FaultSpec("missing keys", SOFT, {"kind": FaultKind.MISSING_KEYS}, SOFT),
    FaultSpec("reboot", SPECIAL, expect=SPECIAL),
    FaultSpec("address change", SPECIAL, expect=SPECIAL),
    FaultSpec("clock jump", SPECIAL, expect=SPECIAL),
]
FAULT_NAMES = [spec.name for spec in FAULTS]


@dataclass(slots=True)
class CellResult:
    """What one cell did."""

    status: str = "pass"
    """``pass``, ``fail`` or ``n/a``."""
    asserted: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    note: str = ""


@dataclass(slots=True)
class Family:
    """One endpoint family of an integration: where its faults go and what shows them."""

    integration: str
    name: str
    app: Callable[[], SimulatorApp]
    route: str
    coordinator: Callable[[], DataUpdateCoordinator[Any]]
    entity: str
    grace: timedelta
    """The documented time stale data is served (the coordinator's ``stale_after``)."""
    energy: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    """Energy entities that count one session (V2C's charge energy): a restart starts a new
    session, and a drop to it is a meter reset by Home Assistant's own rule (below 90 % of the
    reading before), which the statistics count on from; a smaller dip is still a failure."""
    outage_unavailable: bool = True
    """False where another source takes over (V2C: the cloud when the LAN is away)."""
    credentials: bool = False
    """True where the family's requests carry credentials (401/403 mean reauth)."""
    budget: Callable[[], Any] | None = None
    refuse: Callable[[], Awaitable[None]] | None = None
    """Stop the server (connection refused); ``restore`` serves it again on the same port."""
    restore: Callable[[], Awaitable[None]] | None = None
    special: dict[str, Callable[[Runner, CellResult], Awaitable[None]]] = field(
        default_factory=dict
    )
    not_applicable: dict[str, str] = field(default_factory=dict)
    """Faults that cannot happen on this family, with why (shown in the table)."""
    after_credentials: Callable[[], Awaitable[None]] | None = None
    """Put the entry back after a credential cell (the user's reauth)."""
    away_back: tuple[str, str] | None = None
    """The integration's own lines when the device goes and comes back (else the coordinator's)."""


class Runner:
    """Run cells of one set-up entry, watching its log and its entities."""

    def __init__(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        caplog: pytest.LogCaptureFixture,
        entry_id: str,
        domain: str,
    ) -> None:
        self.hass = hass
        self.freezer = freezer
        self.caplog = caplog
        self.entry_id = entry_id
        self.domain = domain
        self.samples: dict[str, list[tuple[datetime, float]]] = {}
        self.family: Family | None = None
        self.result: CellResult | None = None
        self.spin = False
        # Debug lines of every reply body cost more than the cells themselves.
        for name in ("custom_components", "homeassistant", "asyncio", "aiohttp"):
            caplog.set_level(logging.INFO, logger=name)

    # -- watching --------------------------------------------------------------------------

    def watch_energy(self, entity_ids: list[str]) -> None:
        """Record every numeric state of the energy entities from now on."""
        for entity_id in entity_ids:
            if entity_id in self.samples:
                continue
            samples = self.samples.setdefault(entity_id, [])

            @callback
            def _changed(
                event: Event[EventStateChangedData], samples: list[tuple[datetime, float]] = samples
            ) -> None:
                state = event.data["new_state"]
                if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
                    return
                try:
                    samples.append((dt_util.now(), float(state.state)))
                except ValueError:
                    return

            async_track_state_change_event(self.hass, entity_id, _changed)

    def available(self, entity_id: str) -> bool:
        state = self.hass.states.get(entity_id)
        assert state is not None, entity_id
        return state.state != STATE_UNAVAILABLE

    def check(self, ok: bool, what: str) -> None:
        assert self.result is not None
        if not ok and what not in self.result.failures:
            self.result.failures.append(what)

    def check_budget(self) -> None:
        family = self.family
        if family is None or family.budget is None:
            return
        budget = family.budget()
        self.check(budget.used <= budget.quota, f"budget {budget.used} > {budget.quota}")

    async def travel(self, seconds: float) -> None:
        if not self.spin:
            await time_travel(self.hass, self.freezer, seconds)
        else:
            # A request that hangs waits for its timeout, a timer on the frozen loop clock:
            # move the clock on in small steps while the refresh is waiting for it.
            self.freezer.tick(timedelta(seconds=seconds))
            async_fire_time_changed(self.hass)
            waiting = asyncio.ensure_future(
                self.hass.async_block_till_done(wait_background_tasks=True)
            )
            steps = 0
            while not waiting.done() and steps < 2000:
                steps += 1
                for _ in range(20):
                    await asyncio.sleep(0)
                    if waiting.done():
                        break
                else:
                    self.freezer.tick(timedelta(seconds=0.5))
                    async_fire_time_changed(self.hass)
            await waiting
        self.check_budget()

    def interval(self) -> float:
        assert self.family is not None
        interval = self.family.coordinator().update_interval
        assert interval is not None
        return interval.total_seconds()

    # -- the log ---------------------------------------------------------------------------

    def records(self, since: int) -> list[logging.LogRecord]:
        return self.caplog.records[since:]

    def no_traceback(self, since: int) -> None:
        bad = [
            f"{r.name}: {r.getMessage()[:120]}"
            for r in self.records(since)
            if (r.exc_info and r.levelno >= logging.WARNING and not r.name.startswith("aiohttp"))
            or "Unexpected error" in r.getMessage()
        ]
        self.check(not bad, f"traceback: {bad[:2]}")

    def lines(self, since: int, text: str) -> int:
        assert self.family is not None
        name = self.family.coordinator().name
        return sum(
            1
            for r in self.records(since)
            if text in r.getMessage() and f"{name} data" in r.getMessage()
        )

    # -- energy and reauth -----------------------------------------------------------------

    def energy_never_back(self, marks: dict[str, int], sessions: Iterable[str] = ()) -> None:
        for entity_id, samples in self.samples.items():
            window = samples[max(marks.get(entity_id, 0) - 1, 0) :]
            for (t0, v0), (t1, v1) in itertools.pairwise(window):
                if entity_id in sessions and v1 < 0.9 * v0:
                    continue
                if (
                    v1 < v0
                    and t1.date() == t0.date()
                    and t1.astimezone(UTC).date() == t0.astimezone(UTC).date()
                ):
                    self.check(False, f"energy back: {entity_id} {v0} -> {v1}")

    def reauth_started(self) -> bool:
        flows = self.hass.config_entries.flow.async_progress_by_handler(self.domain)
        reauth = [f for f in flows if f["context"].get("source") == "reauth"]
        issue = ir.async_get(self.hass).async_get_issue(
            "homeassistant", f"config_entry_reauth_{self.domain}_{self.entry_id}"
        )
        return bool(reauth) and issue is not None

    # -- a cell ----------------------------------------------------------------------------

    async def run(self, family: Family, spec: FaultSpec) -> CellResult:
        self.family = family
        self.result = result = CellResult()
        key = (family.integration, family.name, spec.name)
        RESULTS[key] = result
        if spec.name in family.not_applicable:
            result.status = "n/a"
            result.note = family.not_applicable[spec.name]
            return result
        self.watch_energy(family.energy)
        marks = {entity_id: len(samples) for entity_id, samples in self.samples.items()}
        since = len(self.caplog.records)
        self.spin = spec.name == "timeout"
        if os.environ.get("RELIABILITY_DEBUG"):
            print("CELL", key, flush=True)  # noqa: T201
        try:
            if spec.expect == SPECIAL:
                await family.special[spec.name](self, result)
            elif spec.expect == CREDENTIALS and family.credentials:
                await self._credentials(family, spec, result)
            else:
                await self._outage(family, spec, result)
        except Exception as err:  # noqa: BLE001 - a cell's crash is its result
            result.failures.append(f"crashed: {type(err).__name__}: {err}")
        finally:
            family.app().faults.clear()
        if self.spin:
            # Let the hung requests' own sleeps end before the next cell.
            await self.travel(60)
            self.spin = False
        # Whatever happened, the next cell starts from a healthy entry.
        await self.heal(family)
        self.no_traceback(since)
        self.energy_never_back(marks, family.sessions if spec.name == "reboot" else ())
        result.asserted += ["no-traceback", "energy"]
        if family.budget is not None:
            result.asserted.append("budget")
        result.status = "fail" if result.failures else "pass"
        return result

    async def heal(self, family: Family) -> None:
        family.app().faults.clear()
        if self.hass.config_entries.flow.async_progress_by_handler(self.domain):
            await self.reauth_done()
        for _ in range(40):
            coordinator = family.coordinator()
            if (
                self.available(family.entity)
                and coordinator.last_update_success
                and getattr(coordinator, "consecutive_failures", 0) == 0
            ):
                return
            await self.travel(max(self.interval(), 1) + 1)

    async def _inject(self, family: Family, spec: FaultSpec) -> None:
        if spec.name == "refused":
            assert family.refuse is not None
            await family.refuse()
        else:
            family.app().faults.inject(route=family.route, **spec.fault)

    async def _clear(self, family: Family, spec: FaultSpec) -> None:
        family.app().faults.clear()
        if spec.name == "refused":
            assert family.restore is not None
            await family.restore()

    async def _outage(self, family: Family, spec: FaultSpec, result: CellResult) -> None:
        coordinator = family.coordinator()
        await self.heal(family)
        since = len(self.caplog.records)
        last_good = getattr(coordinator, "last_success", None) or dt_util.utcnow()
        await self._inject(family, spec)
        grace_end = last_good + family.grace
        went_away: datetime | None = None
        # Until the grace period ends: still shown.
        while True:
            step = self.interval() + 1
            if dt_util.utcnow() + timedelta(seconds=step) >= grace_end - timedelta(seconds=2):
                break
            await self.travel(step)
            if not self.available(family.entity):
                went_away = dt_util.utcnow()
                break
        self.check(
            went_away is None,
            f"unavailable {went_away and went_away - last_good} after the last good reading, "
            f"before the grace period {family.grace}",
        )
        result.asserted.append("grace")
        # After it: unavailable, within one more (backed-off) interval.
        limit = (
            grace_end + timedelta(seconds=coordinator.max_backoff.total_seconds() + 60)
            if hasattr(coordinator, "max_backoff")
            else grace_end + timedelta(minutes=10)
        )
        while went_away is None and dt_util.utcnow() < limit:
            await self.travel(min(self.interval() + 1, 600))
            if not self.available(family.entity):
                went_away = dt_util.utcnow()
        expect_away = spec.expect == OUTAGE and family.outage_unavailable
        if expect_away:
            self.check(went_away is not None, "never unavailable")
            result.asserted.append("unavailable")
        elif spec.expect == OUTAGE:
            self.check(went_away is None, "unavailable although another source takes over")
            result.asserted.append("stays")
        await self._clear(family, spec)
        # Back at the next poll.
        await self.travel(self.interval() + 1)
        self.check(self.available(family.entity), "not back at the next poll")
        result.asserted.append("back")
        if family.away_back is not None and spec.expect == OUTAGE:
            away, back = family.away_back
            errors = sum(1 for r in self.records(since) if away in r.getMessage())
            recovered = sum(1 for r in self.records(since) if back in r.getMessage())
            self.check(
                errors == 1 and recovered == 1,
                f"log lines: {errors} '{away}', {recovered} '{back}' (want 1 each)",
            )
            result.asserted.append("log-once")
        elif went_away is not None or spec.expect == OUTAGE:
            errors = (
                self.lines(since, "Error fetching")
                + self.lines(since, "Timeout fetching")
                + self.lines(since, "Error requesting")
            )
            recovered = self.lines(since, "recovered")
            want = 1 if went_away is not None else 0
            self.check(
                errors == want and recovered == want,
                f"log lines: {errors} away, {recovered} back (want {want} each)",
            )
            result.asserted.append("log-once")

    async def _credentials(self, family: Family, spec: FaultSpec, result: CellResult) -> None:
        await self.heal(family)
        family.app().faults.inject(route=family.route, **spec.fault)
        for _ in range(6):
            await self.travel(self.interval() + 1)
            if self.reauth_started():
                break
        self.check(self.reauth_started(), "no reauth flow and repair")
        result.asserted.append("reauth")
        family.app().faults.clear()
        if family.after_credentials is not None:
            await family.after_credentials()
        else:
            await self.reauth_done()
        await self.travel(self.interval() + 1)
        self.check(self.available(family.entity), "not back after reauth")
        result.asserted.append("back")

    async def reauth_done(self) -> None:
        """Stand for the user's reauth: the flows go, the entry reloads."""
        manager = self.hass.config_entries.flow
        for flow in manager.async_progress_by_handler(self.domain):
            manager.async_abort(flow["flow_id"])
        ir.async_delete_issue(
            self.hass, "homeassistant", f"config_entry_reauth_{self.domain}_{self.entry_id}"
        )
        await self.hass.config_entries.async_reload(self.entry_id)
        await self.hass.async_block_till_done(wait_background_tasks=True)


def cell_params(
    integration: str, families: list[str], xfails: dict[tuple[str, str], str]
) -> list[Any]:
    """Return the cell tests' parameters, the known failures marked ``xfail(strict=True)``."""
    params = []
    for family in families:
        for spec in FAULTS:
            marks = []
            reason = xfails.get((family, spec.name))
            if reason:
                # A cell whose failure depends on when polls fall is marked non-strict.
                strict = not reason.startswith("flaky:")
                marks.append(pytest.mark.xfail(strict=strict, reason=reason))
            params.append(
                pytest.param(
                    integration, family, spec.name, marks=marks, id=f"{family}-{spec.name}"
                )
            )
    return params


def assert_cell(integration: str, family: str, fault: str) -> None:
    """The cell test: the runner's outcome of one cell."""
    result = RESULTS.get((integration, family, fault))
    assert result is not None, f"the {integration} matrix runner did not run this cell"
    assert not result.failures, "; ".join(result.failures)


class Served:
    """A simulator on a loopback port that can stop answering (refused) and come back."""

    def __init__(self, app: SimulatorApp) -> None:
        self.app = app
        self.server: Any = None
        self.port = 0

    async def start(self, port: int = 0) -> Served:
        from aiohttp.test_utils import TestServer

        self.server = TestServer(self.app.make_app(), host="127.0.0.1", port=port)
        await self.server.start_server(access_log=None)
        self.port = self.server.port
        return self

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close()
            self.server = None

    async def refuse(self) -> None:
        await self.stop()

    async def restore(self) -> None:
        await self.start(self.port)

    async def move(self) -> int:
        """Serve the same device on another port (its address changed); return the port."""
        await self.stop()
        return (await self.start()).port


async def reboot_cell(runner: Runner, result: CellResult, seconds: float = 120) -> None:
    """The device restarts: away for ``seconds``, then back from a boot (counters restarted)."""
    family = runner.family
    assert family is not None
    await runner.heal(family)
    since = len(runner.caplog.records)
    app = family.app()
    app.faults.inject(FaultKind.REBOOT, family.route, times=1, seconds=seconds)
    start = dt_util.utcnow()
    went_away = False
    while app.rebooting or dt_util.utcnow() - start < timedelta(seconds=1):
        await runner.travel(runner.interval() + 1)
        went_away |= not runner.available(family.entity)
        if dt_util.utcnow() - start > timedelta(hours=1):
            break
    runner.check(
        not went_away or seconds > family.grace.total_seconds(),
        "unavailable during a reboot shorter than the grace period",
    )
    await runner.travel(runner.interval() + 1)
    runner.check(runner.available(family.entity), "not back at the first poll after the boot")
    errors = runner.lines(since, "fetching") - runner.lines(since, "recovered")
    runner.check(
        runner.lines(since, "recovered") == (1 if went_away else 0) and errors <= 1,
        f"log lines after a reboot: {errors} away, {runner.lines(since, 'recovered')} back",
    )
    result.asserted += ["grace", "back", "log-once"]


async def clock_jump_cell(runner: Runner, result: CellResult) -> None:
    """Home Assistant's clock jumps a day ahead (a suspended host), then the polls go on."""
    family = runner.family
    assert family is not None
    await runner.heal(family)
    await runner.travel(86400)
    await runner.travel(runner.interval() + 1)
    await runner.travel(runner.interval() + 1)
    runner.check(runner.available(family.entity), "not available after a clock jump")
    result.asserted += ["back"]
