"""What every side-by-side pair shares: tagged servers, CPU by client, time travel, results.

One simulated device (one ``SimulatorApp`` instance, one state) is served on one loopback port
per client: the port a request came in on tells whose it was (``ours`` or ``core``). A
middleware inside the simulator's own records every request with the simulated time and, for
the Enphase gateway, the busy-seconds its latency model charged for it.

Event-loop CPU: every event-loop callback (``asyncio.Handle._run``) is timed with
``time.thread_time`` and charged to the ``TAG`` context variable it runs in. The tag is set
when an integration's config entries are set up, and every task, timer and transport callback
that integration creates inherits it (asyncio copies the context), so the simulator, the test
harness and the other integration are never charged to it. Work in executor threads is not
counted (neither side's polling uses any).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import gc
import json
import os
from pathlib import Path
import ssl
import statistics
import time
import tracemalloc
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from simulators.framework import SimulatorApp

TAG: ContextVar[str | None] = ContextVar("bench_tag", default=None)
OURS = "ours"
CORE = "core"
CLIENTS = (OURS, CORE)
OTHER = "other"
"""CPU of callbacks no client started: the simulators, the harness, Home Assistant itself."""

# freezegun patches time.time/monotonic/perf_counter: keep real clocks for wall timings.
_thread_time = time.thread_time


def wall() -> float:
    """Return a real monotonic time (freezegun does not patch ``clock_gettime``)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def out_dir() -> Path:
    """Return where the results go (``BENCH_OUT``, default ``.bench-results``)."""
    path = Path(os.environ.get("BENCH_OUT", ".bench-results"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def hours() -> float:
    """Return the simulated period of the LAN pairs, in hours (``BENCH_HOURS``, default 1)."""
    return float(os.environ.get("BENCH_HOURS", "1"))


# -- CPU by client ----------------------------------------------------------------------------


class CpuMeter:
    """Thread CPU time of event-loop callbacks, summed per tag."""

    def __init__(self) -> None:
        """Start with nothing counted."""
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._original: Callable[[asyncio.Handle], None] | None = None

    def install(self) -> None:
        """Time every callback the event loop runs."""
        original = asyncio.events.Handle._run  # noqa: SLF001
        self._original = original
        seconds = self.seconds

        def _run(handle: asyncio.Handle) -> None:
            context = handle._context  # type: ignore[attr-defined]  # noqa: SLF001
            tag = (context.get(TAG) if context is not None else None) or OTHER
            started = _thread_time()
            try:
                original(handle)
            finally:
                seconds[tag] += _thread_time() - started

        asyncio.events.Handle._run = _run  # type: ignore[method-assign]  # noqa: SLF001

    def uninstall(self) -> None:
        """Put the event loop back as it was."""
        if self._original is not None:
            asyncio.events.Handle._run = self._original  # type: ignore[method-assign]  # noqa: SLF001
            self._original = None

    def snapshot(self) -> dict[str, float]:
        """Return the seconds counted so far per tag."""
        return dict(self.seconds)


@contextmanager
def tagged(tag: str) -> Iterator[None]:
    """Run the block (and every task it starts) as ``tag``."""
    token = TAG.set(tag)
    try:
        yield
    finally:
        TAG.reset(token)


# -- tagged servers ---------------------------------------------------------------------------


@dataclass(slots=True)
class Hit:
    """One request served to a client."""

    client: str
    device: str
    method: str
    route: str
    status: int
    at: float
    busy: float
    path: str


@dataclass
class Traffic:
    """Every request served to every client, by device."""

    hits: list[Hit] = field(default_factory=list)
    servers: list[TestServer] = field(default_factory=list)

    async def serve(
        self,
        sim: SimulatorApp,
        client: str,
        device: str,
        busy_log: Callable[[], list[Any]] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> TestServer:
        """Serve ``sim`` on a new loopback port whose requests count as ``client``'s."""
        app = sim.make_app()
        hits = self.hits

        @web.middleware
        async def _tag(request: web.Request, handler: Any) -> web.StreamResponse:
            if request.path.startswith("/_sim"):
                return await handler(request)  # type: ignore[no-any-return]
            busy_before = len(busy_log()) if busy_log else 0
            status = 0
            at = dt_util.utcnow().timestamp()
            try:
                response: web.StreamResponse = await handler(request)
                status = response.status
                return response
            except web.HTTPException as err:
                status = err.status
                raise
            finally:
                busy = 0.0
                if busy_log:
                    busy = sum(r.seconds for r in busy_log()[busy_before:])
                resource = request.match_info.route.resource
                route = resource.canonical if resource is not None else request.path
                hits.append(
                    Hit(client, device, request.method, route, status, at, busy, request.path)
                )

        app.middlewares.append(_tag)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server(access_log=None, ssl=tls)
        self.servers.append(server)
        return server

    async def close(self) -> None:
        """Stop every server."""
        for server in self.servers:
            await server.close()

    def of(
        self,
        client: str,
        route: str | None = None,
        since: float | None = None,
        ok: bool = False,
    ) -> list[Hit]:
        """Return the client's hits (on a route containing ``route``, after ``since``)."""
        return [
            h
            for h in self.hits
            if h.client == client
            and (route is None or route in h.route)
            and (since is None or h.at >= since)
            and (not ok or 200 <= h.status < 300)
        ]


# -- freshness --------------------------------------------------------------------------------


class AgeSampler:
    """The age of the newest successful reply on a route, sampled every simulated step."""

    def __init__(
        self,
        traffic: Traffic,
        routes: dict[str, str],
        devices: list[str],
        quantum: float = 0.0,
    ) -> None:
        """Follow ``routes[client]`` for each device.

        ``quantum``: the device's data changes only at multiples of it (a cloud's 5-minute
        buckets): a reply's data is as old as the bucket it came from.
        """
        self.quantum = quantum
        self.traffic = traffic
        self.routes = routes
        self.devices = devices
        self.ages: dict[str, list[float]] = {c: [] for c in routes}
        self._seen = 0
        self._last: dict[tuple[str, str], float] = {}

    def sample(self, now: float) -> None:
        """Take one sample per client and device."""
        for hit in self.traffic.hits[self._seen :]:
            route = self.routes.get(hit.client)
            if route and route in hit.route and 200 <= hit.status < 300:
                at = hit.at - hit.at % self.quantum if self.quantum else hit.at
                self._last[hit.client, hit.device] = at
        self._seen = len(self.traffic.hits)
        for client in self.routes:
            for device in self.devices:
                last = self._last.get((client, device))
                if last is not None:
                    self.ages[client].append(now - last)

    def summary(self, client: str) -> dict[str, float | None]:
        """Return the median and max age."""
        ages = self.ages[client]
        if not ages:
            return {"median": None, "max": None}
        return {"median": statistics.median(ages), "max": max(ages)}


# -- time travel ------------------------------------------------------------------------------


async def travel(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    seconds: float,
    step: float,
    on_step: Callable[[float], None] | None = None,
) -> None:
    """Move the clock ``seconds`` forward in ``step``s, running everything that came due."""
    steps = round(seconds / step)
    for _ in range(steps):
        freezer.tick(timedelta(seconds=step))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        if on_step is not None:
            on_step(dt_util.utcnow().timestamp())


# -- memory -----------------------------------------------------------------------------------


@contextmanager
def traced() -> Iterator[Callable[[], int]]:
    """Trace allocations; the callable returns the bytes held now (after a collection)."""
    tracemalloc.start()

    def held() -> int:
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    try:
        yield held
    finally:
        tracemalloc.stop()


# -- results ----------------------------------------------------------------------------------


def ratio(ours: float | None, core: float | None) -> float | None:
    """Return ours/core (None where either is missing or core's is 0)."""
    if ours is None or core is None or core == 0:
        return None
    return ours / core


def write_result(name: str, result: dict[str, Any]) -> None:
    """Write one pair's result as JSON for the report."""
    (out_dir() / f"{name}.json").write_text(json.dumps(result, indent=2, default=str))


# -- TLS --------------------------------------------------------------------------------------


def self_signed_context(directory: Path) -> ssl.SSLContext:
    """Return a server TLS context with a fresh self-signed certificate, as a gateway has."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "envoy.local")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    cert_file = directory / "bench-gateway.crt"
    key_file = directory / "bench-gateway.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context
