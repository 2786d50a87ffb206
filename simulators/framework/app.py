"""The base of every simulated device or cloud: routes plus faults, log, clock and control API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import json
import time
from typing import Any

from aiohttp import web

from .clock import SimClock
from .faults import Fault, FaultInjector, FaultKind, missing_keys, wrong_types
from .log import RequestLog, RequestRecord

CONTROL_PREFIX = "/_sim"

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_response(data: Any, status: int = 200, **kwargs: Any) -> web.Response:
    """Return a JSON reply."""
    return web.json_response(data, status=status, dumps=json.dumps, **kwargs)


class SimulatorApp:
    """A simulated device or cloud served by aiohttp.

    Subclasses add their routes in ``setup_routes`` and may react to a reboot in
    ``on_reboot``. Every request to a vendor route goes through the fault injector and the
    request log; the control API under ``/_sim`` does not.
    """

    name = "simulator"

    def __init__(self, *, clock: SimClock | None = None) -> None:
        """Set up the clock, the faults and the log."""
        self.clock = clock or SimClock()
        self.faults = FaultInjector()
        self.log = RequestLog()
        self.rebooting_until: float | None = None
        self.boot_time = self.clock.timestamp()

    # -- for subclasses ---------------------------------------------------------------------

    def setup_routes(self, app: web.Application) -> None:
        """Add the vendor's routes."""

    def on_reboot(self) -> None:
        """Reset what a real device loses in a restart."""

    def state(self) -> dict[str, Any]:
        """Return the simulated state, for the control API."""
        return {}

    async def update_state(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply changes posted to the control API; return the new state."""
        raise web.HTTPBadRequest(text="this simulator takes no state changes")

    # -- the app ----------------------------------------------------------------------------

    @property
    def rebooting(self) -> bool:
        """Return whether the device is in the middle of a reboot."""
        return self.rebooting_until is not None and self.clock.timestamp() < self.rebooting_until

    def reboot(self, seconds: float = 30.0) -> None:
        """Start a reboot: unreachable for ``seconds``, then back with fresh state."""
        self.rebooting_until = self.clock.timestamp() + seconds
        self.boot_time = self.rebooting_until
        self.on_reboot()

    def make_app(self) -> web.Application:
        """Return the aiohttp application."""
        app = web.Application(middlewares=[self._middleware])
        self._add_control_routes(app)
        self.setup_routes(app)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        started = time.monotonic()
        arrived = self.clock.timestamp()
        fault: Fault | None = None
        status = 0
        try:
            if self.rebooting:
                status = 0
                return self._drop(request)
            fault = self.faults.take(request.method, request.path)
            response = await self._apply(fault, request, handler)
            status = response.status
            return response
        except web.HTTPException as err:
            status = err.status
            raise
        finally:
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else request.path
            self.log.add(
                RequestRecord(
                    time=arrived,
                    method=request.method,
                    path=request.path,
                    route=route,
                    status=status,
                    duration=time.monotonic() - started,
                    fault=fault.kind.value if fault else None,
                )
            )

    def _drop(self, request: web.Request) -> web.StreamResponse:
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=503)

    async def _apply(
        self, fault: Fault | None, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        if fault is None:
            return await handler(request)
        kind = fault.kind
        if kind is FaultKind.DELAY:
            await asyncio.sleep(fault.seconds or 1.0)
            return await handler(request)
        if kind is FaultKind.TIMEOUT:
            await asyncio.sleep(fault.seconds or 120.0)
            return self._drop(request)
        if kind is FaultKind.RESET:
            return self._drop(request)
        if kind is FaultKind.STATUS:
            return web.Response(status=fault.status, text=fault.body or "")
        if kind is FaultKind.RATE_LIMIT:
            headers = {} if fault.seconds is None else {"Retry-After": str(int(fault.seconds))}
            return web.Response(status=429, text=fault.body or "Too Many Requests", headers=headers)
        if kind is FaultKind.MALFORMED:
            return web.Response(
                status=200,
                text=fault.body if fault.body is not None else "<html><body>Error</body></html>",
                content_type="text/html" if fault.body is None else "application/json",
            )
        if kind is FaultKind.REBOOT:
            self.reboot(fault.seconds or 30.0)
            return self._drop(request)
        response = await handler(request)
        if not isinstance(response, web.Response) or response.body is None:
            return response
        body = response.body
        raw = body if isinstance(body, bytes) else str(body).encode()
        if kind is FaultKind.TRUNCATED:
            return _replace_body(response, raw[: len(raw) // 2])
        try:
            data = json.loads(raw)
        except ValueError:
            return response
        if kind is FaultKind.WRONG_TYPES:
            data = wrong_types(data, fault.keys or None)
        else:
            data = missing_keys(data, fault.keys or None)
        return _replace_body(response, json.dumps(data).encode())

    # -- control API ------------------------------------------------------------------------

    def _add_control_routes(self, app: web.Application) -> None:
        p = CONTROL_PREFIX
        app.router.add_get(f"{p}/log", self._get_log)
        app.router.add_delete(f"{p}/log", self._clear_log)
        app.router.add_get(f"{p}/faults", self._get_faults)
        app.router.add_post(f"{p}/faults", self._add_fault)
        app.router.add_delete(f"{p}/faults", self._clear_faults)
        app.router.add_get(f"{p}/clock", self._get_clock)
        app.router.add_post(f"{p}/clock", self._set_clock)
        app.router.add_get(f"{p}/state", self._get_state)
        app.router.add_post(f"{p}/state", self._post_state)
        app.router.add_post(f"{p}/reboot", self._post_reboot)

    async def _get_log(self, request: web.Request) -> web.Response:
        last = request.query.get("last")
        return json_response(
            {**self.log.summary(), "records": self.log.as_list(int(last) if last else 50)}
        )

    async def _clear_log(self, request: web.Request) -> web.Response:
        self.log.clear()
        return json_response({"total": 0})

    async def _get_faults(self, request: web.Request) -> web.Response:
        return json_response([f.as_dict() for f in self.faults.faults])

    async def _add_fault(self, request: web.Request) -> web.Response:
        try:
            fault = self.faults.add(Fault.from_dict(await request.json()))
        except (TypeError, ValueError) as err:
            raise web.HTTPBadRequest(text=str(err)) from err
        return json_response(fault.as_dict(), status=201)

    async def _clear_faults(self, request: web.Request) -> web.Response:
        self.faults.clear()
        return json_response([])

    async def _get_clock(self, request: web.Request) -> web.Response:
        return json_response(self.clock.as_dict())

    async def _set_clock(self, request: web.Request) -> web.Response:
        body = await request.json()
        if "advance" in body:
            self.clock.advance(float(body["advance"]))
        if body.get("freeze"):
            self.clock.freeze()
        if body.get("freeze") is False:
            self.clock.unfreeze()
        return json_response(self.clock.as_dict())

    async def _get_state(self, request: web.Request) -> web.Response:
        return json_response(self.state())

    async def _post_state(self, request: web.Request) -> web.Response:
        return json_response(await self.update_state(await request.json()))

    async def _post_reboot(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        self.reboot(float(body.get("seconds", 30.0)))
        return json_response({"rebooting_until": self.rebooting_until})


def _replace_body(response: web.Response, body: bytes) -> web.Response:
    return web.Response(
        status=response.status,
        body=body,
        headers={k: v for k, v in response.headers.items() if k.lower() != "content-length"},
    )
