"""The V2C Cloud API: pairings, reported state, commands, statistics, with a daily quota."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from datetime import timedelta
from typing import Any, cast

import aiohttp
from aiohttp import web

from simulators.framework import SimClock, SimulatorApp, json_response

from .model import FIRMWARES, Charger

DAILY_QUOTA = 1000
METER_POLL_SECONDS = 10.0

type Handler = Callable[[web.Request, Charger], Awaitable[web.Response]]

# path -> (id parameter, charger attribute, allowed values (None: any string))
VALUE_COMMANDS: dict[str, tuple[str, str, frozenset[int] | None]] = {
    "/device/set_rfid": ("deviceId", "rfid_reader", frozenset({0, 1})),
    "/device/inst_type": ("deviceId", "inst_type", frozenset({0, 1, 2})),
    "/device/slave_type": ("deviceId", "slave_type", frozenset({0, 1, 2, 3, 4, 5, 6, 11})),
    "/device/language": ("deviceId", "language", frozenset(range(10))),
    "/device/ocpp": ("id", "ocpp", frozenset({0, 1})),
    "/device/ocpp_id": ("id", "ocpp_id", None),
    "/device/ocpp_addr": ("id", "ocpp_addr", None),
    "/device/inverter_ip": ("id", "inverter_ip", None),
    "/device/intensity": ("deviceId", "intensity", frozenset(range(6, 33))),
    "/device/max_car_int": ("deviceId", "max_intensity", frozenset(range(6, 33))),
    "/device/min_car_int": ("deviceId", "min_intensity", frozenset(range(6, 33))),
    "/device/locked": ("deviceId", "locked", frozenset({0, 1})),
    "/device/dynamic": ("deviceId", "dynamic", frozenset({0, 1})),
    "/device/chargefvmode": ("deviceId", "fv_mode", frozenset({0, 1, 2})),
    "/device/denka/max_power": ("deviceId", "max_power", frozenset(range(1000, 22001))),
    "/device/charger_until_minutes": ("deviceId", "stop_minutes", frozenset(range(1, 100_000))),
}


class CloudApp(SimulatorApp):
    """The V2C Cloud for one account."""

    name = "v2c-cloud"

    def __init__(
        self,
        chargers: list[Charger],
        *,
        api_key: str = "sim-api-key",
        quota: int = DAILY_QUOTA,
        clock: SimClock | None = None,
    ) -> None:
        """Serve an account owning ``chargers``."""
        super().__init__(clock=clock)
        self.chargers = {charger.charger_id: charger for charger in chargers}
        self.api_keys = {api_key}
        self.quota = quota
        self.used = 0
        self.day = self._today()
        self.house_meter: str | None = None
        """The control API of the simulator that meters the house (the demo's Powervault)."""

    async def poll_house_meter(self, session: aiohttp.ClientSession) -> bool:
        """Give the chargers the house's consumption and solar power from its meter.

        The meter's control API answers ``{unit: {"home": W, "solar": W, ...}}`` (the
        Powervault simulator's); its first unit is the house. False when it did not answer.
        """
        if self.house_meter is None:
            return False
        try:
            async with session.get(
                self.house_meter, timeout=aiohttp.ClientTimeout(total=5)
            ) as resp:
                units = await resp.json(content_type=None)
            house = next(iter(units.values()))
            home, solar = float(house["home"]), float(house["solar"])
        except aiohttp.ClientError, TimeoutError, ValueError, TypeError, KeyError, StopIteration:
            return False
        for charger in self.chargers.values():
            charger.house_power = round(home)
            charger.pv_power = round(solar)
        return True

    async def _meter_poller(self, _app: web.Application) -> AsyncIterator[None]:
        async def poll() -> None:
            async with aiohttp.ClientSession() as session:
                while True:
                    await self.poll_house_meter(session)
                    await asyncio.sleep(METER_POLL_SECONDS)

        task = asyncio.create_task(poll())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def _today(self) -> str:
        return self.clock.now().date().isoformat()

    def _seconds_to_reset(self) -> int:
        now = self.clock.now()
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return max(int((midnight - now).total_seconds()), 1)

    def state(self) -> dict[str, Any]:
        """Return the account and its chargers."""
        return {
            "quota": self.quota,
            "used": self.used,
            "day": self.day,
            "api_keys": len(self.api_keys),
            "chargers": {cid: c.summary() for cid, c in self.chargers.items()},
        }

    async def update_state(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change keys, the quota's use, or a charger (``{"chargers": {id: {...}}}``)."""
        if "api_keys" in changes:
            self.api_keys = set(changes["api_keys"])
        if "used" in changes:
            self.used = int(changes["used"])
        if "quota" in changes:
            self.quota = int(changes["quota"])
        for charger_id, values in changes.get("chargers", {}).items():
            charger = self.chargers[charger_id]
            for key, value in values.items():
                setattr(charger, key, value)
        return self.state()

    def setup_routes(self, app: web.Application) -> None:
        """Add the cloud's routes."""
        if self.house_meter is not None:
            app.cleanup_ctx.append(self._meter_poller)
        r = app.router
        r.add_get("/pairings/me", self._guard(self._pairings, device=False))
        r.add_get("/device/reported", self._guard(self._reported))
        r.add_post("/device/currentstatecharge", self._guard(self._current_state_charge))
        r.add_post("/device/logo_led", self._guard(self._logo_led))
        r.add_get("/version", self._guard(self._version))
        r.add_get("/device/connected", self._guard(self._connected))
        r.add_get("/device/rfid", self._guard(self._rfid_list))
        r.add_post("/device/rfid", self._guard(self._rfid_learn))
        r.add_delete("/device/rfid", self._guard(self._rfid_delete))
        r.add_post("/device/rfid/tag", self._guard(self._rfid_add))
        r.add_put("/device/rfid/tag", self._guard(self._rfid_rename))
        for path, (id_param, _attr, _values) in VALUE_COMMANDS.items():
            r.add_post(path, self._guard(self._value_command, id_param=id_param))
        r.add_post("/device/charger_until_energy", self._guard(self._until_energy))
        r.add_post("/device/startchargekw", self._guard(self._start_for_energy))
        r.add_post("/device/startchargeminutes", self._guard(self._start_for_minutes))
        r.add_post("/device/startcharge", self._guard(self._start))
        r.add_post("/device/pausecharge", self._guard(self._pause))
        r.add_post("/device/reboot", self._guard(self._reboot))
        r.add_post("/device/update", self._guard(self._update))
        r.add_post("/device/wifi", self._guard(self._wifi))
        r.add_get("/device/wifilist", self._guard(self._wifi_list, id_param="id"))
        r.add_post("/device/timer", self._guard(self._timer))
        r.add_post("/device/savepersonalicepower/v2", self._guard(self._profile_create))
        r.add_post("/device/personalicepower/v2", self._guard(self._profile_update, id_param="id"))
        r.add_get("/device/personalicepower/v2", self._guard(self._profile_get))
        r.add_delete("/device/personalicepower/v2", self._guard(self._profile_delete))
        r.add_get("/device/personalicepower/all", self._guard(self._profile_list))
        r.add_get("/stadistic/device", self._guard(self._device_stats))
        r.add_get("/stadistic/global/me", self._guard(self._global_stats, device=False))

    # -- the gate every call passes: key, quota, device ------------------------------------------

    def _quota_headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.quota),
            "RateLimit-Remaining": str(max(self.quota - self.used, 0)),
            "RateLimit-Reset": str(self._seconds_to_reset()),
        }

    def _guard(
        self, handler: Any, *, device: bool = True, id_param: str = "deviceId"
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def guarded(request: web.Request) -> web.Response:
            if request.headers.get("apikey") not in self.api_keys:
                return web.Response(status=401, text='{"message":"Invalid authentication"}')
            if self._today() != self.day:
                self.day = self._today()
                self.used = 0
            if self.used >= self.quota:
                headers = self._quota_headers()
                headers["Retry-After"] = headers["RateLimit-Reset"]
                return web.Response(status=429, text="API rate limit exceeded", headers=headers)
            self.used += 1
            now = self.clock.timestamp()
            for each in self.chargers.values():
                each.tick(now)
            try:
                if device:
                    charger_id = request.query.get(id_param, "")
                    charger = self.chargers.get(charger_id)
                    if charger is None:
                        response = web.Response(status=404, text="Device not found")
                    else:
                        response = cast("web.Response", await handler(request, charger))
                else:
                    response = cast("web.Response", await handler(request))
            except web.HTTPException as err:
                response = web.Response(status=err.status, text=err.text or "")
            response.headers.update(self._quota_headers())
            return response

        return guarded

    @staticmethod
    def _param(request: web.Request, name: str) -> str:
        value = request.query.get(name)
        if value is None or value == "":
            raise web.HTTPBadRequest(text=f"Missing parameter {name}")
        return value

    @staticmethod
    def _int(request: web.Request, name: str) -> int:
        # Whole numbers only: "3.9" is a bad request, never slot 3.
        try:
            return int(CloudApp._param(request, name))
        except ValueError:
            raise web.HTTPBadRequest(text=f"Bad parameter {name}") from None

    # -- handlers -------------------------------------------------------------------------------

    async def _pairings(self, request: web.Request) -> web.Response:
        if not self.chargers:
            # The real cloud answers an account without chargers with null, not [].
            return web.Response(text="null", content_type="application/json")
        return json_response([c.pairing() for c in self.chargers.values()])

    async def _reported(self, request: web.Request, charger: Charger) -> web.Response:
        return json_response(charger.reported())

    async def _current_state_charge(self, request: web.Request, charger: Charger) -> web.Response:
        return json_response(charger.current_state_charge())

    async def _logo_led(self, request: web.Request, charger: Charger) -> web.Response:
        value = self._int(request, "value")
        if value not in (0, 1):
            raise web.HTTPBadRequest(text="Value out of range")
        # On/off only: switching on restores a visible brightness.
        charger.logo_led = (charger.logo_led or 100) if value else 0
        return web.Response(text="OK")

    async def _version(self, request: web.Request, charger: Charger) -> web.Response:
        return json_response(
            {
                # The newest firmware the cloud offers the charger (its own when none is newer).
                "versionId": charger.offered_firmware or charger.firmware.version,
                "modelName": "trydan",
                "modelId": "1",
                "commercialName": "Trydan Pro" if not charger.has_lan else "Trydan",
            }
        )

    async def _connected(self, request: web.Request, charger: Charger) -> web.Response:
        return web.Response(text="true" if charger.cloud_connected else "false")

    async def _rfid_list(self, request: web.Request, charger: Charger) -> web.Response:
        return json_response(charger.rfid_cards)

    async def _rfid_learn(self, request: web.Request, charger: Charger) -> web.Response:
        charger.learning_tag = self._param(request, "tag")
        return web.Response(text="OK")

    async def _rfid_delete(self, request: web.Request, charger: Charger) -> web.Response:
        code = self._param(request, "code")
        before = len(charger.rfid_cards)
        charger.rfid_cards = [c for c in charger.rfid_cards if c["code"] != code]
        if len(charger.rfid_cards) == before:
            raise web.HTTPNotFound(text="Card not found")
        return web.Response(text="OK")

    async def _rfid_add(self, request: web.Request, charger: Charger) -> web.Response:
        code, tag = self._param(request, "code"), self._param(request, "tag")
        if any(c["code"] == code for c in charger.rfid_cards):
            raise web.HTTPConflict(text="Card already registered")
        charger.rfid_cards.append({"code": code, "tag": tag})
        return web.Response(text="OK")

    async def _rfid_rename(self, request: web.Request, charger: Charger) -> web.Response:
        code, tag = self._param(request, "code"), self._param(request, "tag")
        for card in charger.rfid_cards:
            if card["code"] == code:
                card["tag"] = tag
                return web.Response(text="OK")
        raise web.HTTPNotFound(text="Card not found")

    async def _value_command(self, request: web.Request, charger: Charger) -> web.Response:
        _id, attr, allowed = VALUE_COMMANDS[request.path]
        if allowed is None:
            setattr(charger, attr, self._param(request, "value"))
        else:
            value = self._int(request, "value")
            if value not in allowed:
                raise web.HTTPBadRequest(text="Value out of range")
            setattr(charger, attr, value)
        return web.Response(text="OK")

    async def _until_energy(self, request: web.Request, charger: Charger) -> web.Response:
        try:
            charger.stop_energy = float(self._param(request, "value"))
        except ValueError:
            raise web.HTTPBadRequest(text="Bad value") from None
        return web.Response(text="OK")

    async def _start_for_energy(self, request: web.Request, charger: Charger) -> web.Response:
        try:
            charger.stop_energy = float(self._param(request, "kw"))
        except ValueError:
            raise web.HTTPBadRequest(text="Bad value") from None
        charger.paused = 0
        return web.Response(text="OK")

    async def _start_for_minutes(self, request: web.Request, charger: Charger) -> web.Response:
        charger.stop_minutes = self._int(request, "minutes")
        charger.paused = 0
        return web.Response(text="OK")

    async def _start(self, request: web.Request, charger: Charger) -> web.Response:
        charger.paused = 0
        return web.Response(text="OK")

    async def _pause(self, request: web.Request, charger: Charger) -> web.Response:
        charger.paused = 1
        return web.Response(text="OK")

    async def _reboot(self, request: web.Request, charger: Charger) -> web.Response:
        charger.reboots += 1
        charger.reset_session()
        return web.Response(text="OK")

    async def _update(self, request: web.Request, charger: Charger) -> web.Response:
        charger.updates += 1
        if charger.offered_firmware and charger.offered_firmware in FIRMWARES:
            charger.firmware = FIRMWARES[charger.offered_firmware]
        return web.Response(text="OK")

    async def _wifi(self, request: web.Request, charger: Charger) -> web.Response:
        charger.ssid = self._param(request, "ssid")
        charger.wifi_password = self._param(request, "password")
        return web.Response(text="OK")

    async def _wifi_list(self, request: web.Request, charger: Charger) -> web.Response:
        return json_response(
            [
                {"ssid": charger.ssid, "rssi": -52, "auth": "WPA2"},
                {"ssid": "Neighbour", "rssi": -80, "auth": "WPA2"},
            ]
        )

    async def _timer(self, request: web.Request, charger: Charger) -> web.Response:
        # The slot as ``timer id`` (V2C's spelling, with a space) or ``timerId``; times as
        # ``start_time``/``end_time`` or ``timeStart``/``timeEnd``; ``active`` a boolean.
        raw_id = request.query.get("timer id") or request.query.get("timerId")
        if raw_id is None or not raw_id.isdigit() or not 1 <= int(raw_id) <= 10:
            raise web.HTTPBadRequest(text='{"message":"timer id is required (1-10)"}')
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text='{"message":"Invalid JSON body"}') from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text='{"message":"Invalid JSON body"}')
        start = body.get("start_time", body.get("timeStart"))
        end = body.get("end_time", body.get("timeEnd"))
        active = body.get("active")
        if not (_is_hhmm(start) and _is_hhmm(end)):
            raise web.HTTPBadRequest(text='{"message":"start_time and end_time are required"}')
        if not isinstance(active, bool):
            raise web.HTTPBadRequest(text='{"message":"active must be a boolean"}')
        charger.timers[int(raw_id)] = {"start": start, "end": end, "active": active}
        charger.timer_requests.append({"query": dict(request.query), "body": body})
        return web.Response(text="OK")

    async def _profile_body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="Bad profile") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="Bad profile")
        return body

    async def _profile_create(self, request: web.Request, charger: Charger) -> web.Response:
        name, updated = self._param(request, "name"), self._param(request, "updateAt")
        body = await self._profile_body(request)
        charger.profiles[updated] = {"name": name, "updateAt": updated, "profile": body}
        return json_response({"name": name, "updateAt": updated})

    async def _profile_update(self, request: web.Request, charger: Charger) -> web.Response:
        name, updated = self._param(request, "name"), self._param(request, "updateAt")
        if updated not in charger.profiles:
            raise web.HTTPNotFound(text="Profile not found")
        body = await self._profile_body(request)
        charger.profiles[updated] = {"name": name, "updateAt": updated, "profile": body}
        return json_response({"name": name, "updateAt": updated})

    async def _profile_get(self, request: web.Request, charger: Charger) -> web.Response:
        updated = self._param(request, "updateAt")
        if updated not in charger.profiles:
            raise web.HTTPNotFound(text="Profile not found")
        return json_response(charger.profiles[updated])

    async def _profile_delete(self, request: web.Request, charger: Charger) -> web.Response:
        updated = self._param(request, "updateAt")
        name = self._param(request, "name")
        profile = charger.profiles.get(updated)
        if profile is None or profile["name"] != name:
            raise web.HTTPNotFound(text="Profile not found")
        del charger.profiles[updated]
        return web.Response(status=204)

    async def _profile_list(self, request: web.Request, charger: Charger) -> web.Response:
        return json_response(list(charger.profiles.values()))

    async def _device_stats(self, request: web.Request, charger: Charger) -> web.Response:
        start = request.query.get("chargeDateStart", "")
        end = request.query.get("chargeDateEnd", "")
        return json_response(
            [
                {
                    "date": start or self.day,
                    "energy": str(s["energy"]),
                    "seconds": str(s["seconds"]),
                }
                for s in charger.sessions
            ]
            + [{"date": end or self.day, "energy": f"{charger.energy:.3f}", "seconds": "0"}]
        )

    async def _global_stats(self, request: web.Request) -> web.Response:
        total = sum(c.energy for c in self.chargers.values())
        return json_response(
            [
                {
                    "from": request.query.get("endChargeDateStart", ""),
                    "to": request.query.get("endChargeDateEnd", ""),
                    "energy": f"{total:.3f}",
                    "chargers": str(len(self.chargers)),
                }
            ]
        )


def _is_hhmm(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return False
    hours, minutes = value[:2], value[3:]
    return hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60
