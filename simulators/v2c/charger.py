"""A charger's LAN API: ``/RealTimeData``, ``/read/<Keyword>``, ``/write/<Keyword>=<value>``."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from simulators.framework import SimClock, SimulatorApp

from .model import FIRMWARES, WRITABLE, Charger


class ChargerApp(SimulatorApp):
    """One V2C Trydan on the LAN."""

    name = "v2c-charger"

    def __init__(self, charger: Charger, *, clock: SimClock | None = None) -> None:
        """Serve the given charger."""
        super().__init__(clock=clock)
        self.charger = charger
        self.name = f"v2c-charger-{charger.charger_id}"
        charger.tick(self.clock.timestamp())

    def setup_routes(self, app: web.Application) -> None:
        """Add the charger's routes."""
        app.router.add_get("/RealTimeData", self._realtime)
        app.router.add_get("/read/{keyword}", self._read)
        app.router.add_get("/write/{assignment}", self._write)

    def on_reboot(self) -> None:
        """A restart ends the session."""
        self.charger.reset_session()
        self.charger.reboots += 1

    def state(self) -> dict[str, Any]:
        """Return the charger's state."""
        self.charger.tick(self.clock.timestamp())
        return self.charger.summary()

    async def update_state(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change the charger: plug a car in or out, set values, change firmware."""
        charger = self.charger
        charger.tick(self.clock.timestamp())
        for key, value in changes.items():
            if key == "firmware":
                if value not in FIRMWARES:
                    raise web.HTTPBadRequest(text=f"unknown firmware {value!r}")
                charger.firmware = FIRMWARES[value]
            elif key == "car_connected":
                if bool(value) and not charger.car_connected:
                    charger.reset_session()
                charger.car_connected = bool(value)
            elif key in {
                "ip",
                "house_power",
                "pv_power",
                "battery_power",
                "slave_error",
                "refuse_writes",
            }:
                setattr(charger, key, value)
            elif key in WRITABLE:
                charger.write(key, int(value))
            else:
                raise web.HTTPBadRequest(text=f"unknown state key {key!r}")
        return charger.summary()

    async def _realtime(self, request: web.Request) -> web.Response:
        charger = self.charger
        charger.tick(self.clock.timestamp())
        text = json.dumps(charger.realtime())
        if charger.firmware.stray_percent:
            text += "%"
        return web.Response(text=text, content_type="text/html")

    async def _read(self, request: web.Request) -> web.Response:
        charger = self.charger
        keyword = request.match_info["keyword"]
        value = charger.read(keyword) if charger.firmware.read_supported else None
        if value is None:
            raise web.HTTPNotFound(text="Not found")
        return web.Response(text=f"{value:g}" if isinstance(value, float) else str(value))

    async def _write(self, request: web.Request) -> web.Response:
        charger = self.charger
        keyword, sep, raw = request.match_info["assignment"].partition("=")
        if not sep or keyword not in WRITABLE:
            raise web.HTTPNotFound(text="Unknown keyword")
        try:
            value = int(raw)
        except ValueError:
            raise web.HTTPBadRequest(text="Bad value") from None
        low, high = WRITABLE[keyword]
        if not low <= value <= high:
            raise web.HTTPBadRequest(text="Value out of range")
        if charger.refuse_writes:
            # Some firmware answers 200 with an error text: nothing was written.
            return web.Response(text="ERROR")
        charger.tick(self.clock.timestamp())
        charger.write(keyword, value)
        return web.Response(text="OK")
