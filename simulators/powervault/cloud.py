"""The simulated Powervault cloud (REST API v4)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
import json
from typing import Any

import aiohttp
from aiohttp import web

from ..framework import SimClock, SimulatorApp, json_response
from .model import (
    BUCKET,
    STATES,
    BatteryModel,
    Bucket,
    LinkedLoad,
    history_start,
    parse_time,
    period_range,
    utc_text,
)

# At a bucket boundary the cloud's newest bucket says null for these for a while.
NULL_AT_BOUNDARY = (
    "instant_grid",
    "instant_solar",
    "instant_demand",
    "solarGenerated",
    "homeConsumed",
)
NULL_SECONDS = 90
LINK_POLL_SECONDS = 10.0


class PowervaultCloud(SimulatorApp):
    """Account, units, 5-minute data, schedules and overrides, behind an API key."""

    name = "powervault-cloud"

    def __init__(
        self,
        *,
        clock: SimClock | None = None,
        api_key: str = "sim-powervault-key",
        units: int = 1,
    ) -> None:
        super().__init__(clock=clock)
        self.api_key = api_key
        self.account_id = 4242
        start = history_start(self.clock.timestamp())
        self.units: dict[str, BatteryModel] = {
            f"pvsim-{1001 + index}": BatteryModel(start, soc=55.0 + 10 * index)
            for index in range(units)
        }
        self.null_at_boundary = True
        self.battery_positive_when = "charging"
        """The sign of ``instant_battery``: unconfirmed on a real cloud, so tests try both."""
        self.ignore_cancel = False
        """Answer "success" to a cancel but keep the overrides (a cancel is unconfirmed)."""
        self.linked_load = LinkedLoad()
        self.linked_urls: list[str] = []
        """JSON endpoints of other simulated devices in the house (the demo's chargers)."""
        self.linked_key = "ChargePower"
        """The key of their power (W) in those replies."""

    def link(
        self,
        urls: list[str],
        key: str = "ChargePower",
        history: Callable[[float], float] | None = None,
    ) -> None:
        """Add other simulated devices' power to the house's load (the first unit's).

        ``history`` is what they drew before the first reading (the house's past).
        """
        self.linked_urls = urls
        self.linked_key = key
        self.linked_load.history = history
        first = next(iter(self.units.values()), None)
        if urls and first is not None:
            first.linked_load = self.linked_load

    async def poll_linked(self, session: aiohttp.ClientSession) -> float:
        """Read the linked devices' power once and record it; a silent one counts 0 W."""
        total = 0.0
        for url in self.linked_urls:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError, TypeError):
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as resp:
                    # V2C firmware may end its JSON with a stray "%".
                    body = json.loads((await resp.text()).strip().rstrip("%"))
                    total += float(body.get(self.linked_key) or 0.0)
        self.linked_load.add(self.clock.timestamp(), total)
        return total

    async def _linked_poller(self, _app: web.Application) -> AsyncIterator[None]:
        async def poll() -> None:
            async with aiohttp.ClientSession() as session:
                while True:
                    await self.poll_linked(session)
                    await asyncio.sleep(LINK_POLL_SECONDS)

        task = asyncio.create_task(poll())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def setup_routes(self, app: web.Application) -> None:
        if self.linked_urls:
            app.cleanup_ctx.append(self._linked_poller)
        app.router.add_get("/v4/customerAccount", self._account)
        app.router.add_get("/v4/unit", self._units)
        app.router.add_get("/v4/unit/{unit_id}", self._unit)
        app.router.add_get("/v4/unit/{unit_id}/data", self._data)
        app.router.add_get("/v4/unit/{unit_id}/schedule", self._schedule)
        app.router.add_get("/v4/unit/{unit_id}/stateOverride", self._get_override)
        app.router.add_post("/v4/unit/{unit_id}/stateOverride", self._post_override)

    def state(self) -> dict[str, Any]:
        now = self.clock.timestamp()
        for unit in self.units.values():
            unit.advance_to(now)
        return {unit_id: unit.state() for unit_id, unit in self.units.items()}

    async def update_state(self, changes: dict[str, Any]) -> dict[str, Any]:
        if "null_at_boundary" in changes:
            self.null_at_boundary = bool(changes.pop("null_at_boundary"))
        if "battery_positive_when" in changes:
            self.battery_positive_when = str(changes.pop("battery_positive_when"))
        if "ignore_cancel" in changes:
            self.ignore_cancel = bool(changes.pop("ignore_cancel"))
        for unit_id, unit_changes in changes.items():
            if unit_id in self.units and isinstance(unit_changes, dict):
                self.units[unit_id].update(unit_changes)
        return self.state()

    # -- helpers --------------------------------------------------------------------------

    def _check_key(self, request: web.Request) -> None:
        if request.headers.get("x-api-key") != self.api_key:
            raise web.HTTPUnauthorized(
                text='{"message": "Unauthorized"}', content_type="application/json"
            )

    def _unit_for(self, request: web.Request) -> BatteryModel:
        self._check_key(request)
        unit = self.units.get(request.match_info["unit_id"])
        if unit is None:
            raise web.HTTPNotFound(
                text='{"message": "Unit not found"}', content_type="application/json"
            )
        unit.advance_to(self.clock.timestamp())
        return unit

    def _record(self, bucket: Bucket, now: float) -> dict[str, Any]:
        last = bucket.last
        assert last is not None
        averages = bucket.averages()
        # The model's battery is positive when discharging.
        sign = -1 if self.battery_positive_when == "charging" else 1
        record: dict[str, Any] = {
            "time": utc_text(bucket.start),
            "instant_soc": last.soc,
            "instant_battery": round(sign * last.battery * 1000),
            "instant_demand": round(last.home * 1000),
            "instant_grid": round(last.grid * 1000),
            "instant_solar": round(last.solar * 1000),
            **{key: round(value * 1000) for key, value in averages.items()},
        }
        if self.null_at_boundary and now - bucket.start < NULL_SECONDS:
            for key in NULL_AT_BOUNDARY:
                record[key] = None
        return record

    # -- routes ---------------------------------------------------------------------------

    async def _account(self, request: web.Request) -> web.Response:
        self._check_key(request)
        return json_response(
            {"customerAccount": {"id": self.account_id, "accountName": "Simulated household"}}
        )

    async def _units(self, request: web.Request) -> web.Response:
        self._check_key(request)
        if request.query.get("customerAccountId") != str(self.account_id):
            return json_response({"units": []})
        return json_response(
            {
                "units": [
                    {"id": unit_id, "model": "P4", "epromId": f"E{unit_id[-4:]}"}
                    for unit_id in self.units
                ]
            }
        )

    async def _unit(self, request: web.Request) -> web.Response:
        self._unit_for(request)
        unit_id = request.match_info["unit_id"]
        return json_response(
            {"unit": {"id": unit_id, "model": "P4", "epromId": f"E{unit_id[-4:]}"}}
        )

    async def _data(self, request: web.Request) -> web.Response:
        unit = self._unit_for(request)
        now = self.clock.timestamp()
        period = request.query.get("period")
        if period is None:
            latest = now - now % BUCKET
            window: tuple[float, float] | None = (latest, now + 1)
        else:
            window = period_range(period, now)
        if window is None:
            return json_response({"message": f"Unknown period {period}"}, status=400)
        buckets = unit.buckets_between(*window)
        return json_response({"data": [self._record(bucket, now) for bucket in buckets]})

    async def _schedule(self, request: web.Request) -> web.Response:
        unit = self._unit_for(request)
        return json_response({"schedule": unit.schedule})

    async def _get_override(self, request: web.Request) -> web.Response:
        unit = self._unit_for(request)
        return json_response(
            {
                "stateOverrides": [
                    {"start": utc_text(o["start"]), "end": utc_text(o["end"]), "state": o["state"]}
                    for o in unit.overrides
                ]
            }
        )

    async def _post_override(self, request: web.Request) -> web.Response:
        unit = self._unit_for(request)
        try:
            body = await request.json()
        except ValueError:
            return json_response({"message": "Invalid JSON"}, status=400)
        items = body.get("stateOverrides") if isinstance(body, dict) else None
        if not isinstance(items, list):
            return json_response({"message": "stateOverrides required"}, status=400)
        overrides = []
        for item in items:
            start = parse_time(item.get("start")) if isinstance(item, dict) else None
            end = parse_time(item.get("end")) if isinstance(item, dict) else None
            state = item.get("state") if isinstance(item, dict) else None
            if start is None or end is None or end <= start or state not in STATES:
                return json_response({"message": "Invalid state override"}, status=400)
            overrides.append({"start": start, "end": end, "state": state})
        if not overrides and self.ignore_cancel:
            return json_response({"message": "success", "stateOverrides": items})
        unit.set_overrides(overrides, self.clock.timestamp())
        return json_response({"message": "success", "stateOverrides": items})
