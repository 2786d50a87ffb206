"""One simulated Envoy / IQ Gateway: endpoints, auth, latencies, writes and quirks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import hashlib
import secrets
import time
from typing import Any

from aiohttp import web

from simulators.framework import SimClock, SimulatorApp, json_response

from . import profiles as q
from .cloud import verify_token
from .physics import House, Powers, local_hour
from .profiles import Profile

REALM = "enphaseenergy.com"
SESSION_IDLE = 600.0
BOOT_ZEROS_SECONDS = 180.0
RELAY_SETTLE_SECONDS = 5.0
CLOUD_REVERT_SECONDS = 90.0
DEVICE_DATA_LIMIT = 50
WRAP_WH = 2**32 / 3600
CT_EIDS = {
    "production": 704643328,
    "net-consumption": 704643584,
    "total-consumption": 704643712,
    "storage": 704643840,
}
# Seconds each endpoint keeps the gateway busy (from the API notes' measurements).
LATENCY: dict[str, float] = {
    "/info": 0.05,
    "/home": 7.0,
    "/auth/check_jwt": 0.15,
    "/production.json": 1.2,
    "/production.json?details=1": 2.6,
    "/production": 5.0,
    "/api/v1/production": 0.25,
    "/api/v1/production/inverters": 0.2,
    "/ivp/pdm/device_data": 0.6,
    "/ivp/meters": 0.05,
    "/ivp/meters/readings": 0.1,
    "/ivp/ensemble/inventory": 0.3,
    "/ivp/ensemble/status": 0.25,
    "/ivp/ensemble/secctrl": 0.1,
    "/ivp/ensemble/power": 0.08,
    "/ivp/ensemble/relay": 0.05,
    "/ivp/ensemble/dry_contacts": 0.05,
    "/ivp/ss/dry_contact_settings": 0.08,
    "/uvp/ss/pel_settings": 0.05,
    "/admin/lib/tariff": 0.2,
    "/ivp/ss/gen_config": 0.05,
    "/ivp/ss/gen_mode": 0.05,
    "/ivp/ss/gen_schedule": 0.05,
}
BEARER_CHECK_SECONDS = 0.12
"""What validating a JWT on a request costs the gateway, compared with the session cookie."""


def installer_password(serial: str) -> str:
    """Return the installer's digest password (the public algorithm; see the API notes)."""
    text = f"[e]installer@enphaseenergy.com#{serial} EnPhAsE eNeRgY "
    digest = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
    zeros, ones = digest.count("0"), digest.count("1")
    out = []
    for char in digest[::-1][:8]:
        if zeros in (3, 6, 9):
            zeros -= 1
        zeros = min(max(zeros, 0), 20)
        if ones in (9, 15):
            ones -= 1
        ones = min(max(ones, 0), 26)
        if char == "0":
            out.append(chr(ord("f") + zeros))
            zeros -= 1
        elif char == "1":
            out.append(chr(ord("@") + ones))
            ones -= 1
        else:
            out.append(char)
    return "".join(out)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True, slots=True)
class BusyRecord:
    """How long one request kept the gateway busy (modelled, not slept)."""

    time: float
    path: str
    seconds: float


type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class GatewaySimulator(SimulatorApp):
    """An Envoy of one profile."""

    def __init__(
        self, profile: Profile, *, clock: SimClock | None = None, latency: float = 1.0
    ) -> None:
        super().__init__(clock=clock)
        self.profile = profile
        self.name = f"enphase-{profile.name}"
        self.latency = latency
        self.house = House(profile, self.clock.timestamp())
        self.busy: list[BusyRecord] = []
        self.nonce = secrets.token_hex(16)
        self.sessions: dict[str, float] = {}
        self.ignore_writes = False
        self.relay_admin = "closed"
        self.relay_changed = 0.0
        self.gen_mode = "auto"
        self.opt_schedules = False
        self.cloud_revert: tuple[float, dict[str, Any]] | None = None
        self.pel = {"enable": True, "limit": 5000}
        self.dry_contacts: list[dict[str, Any]] = [
            {
                "id": f"NC{i + 1}",
                "status": "open",
                "type": "LOAD",
                "load_name": ("Pool pump", "EV charger", "Heat pump", "Spa")[i % 4],
                "mode": "manual",
                "grid_action": "apply",
                "micro_grid_action": "shed",
                "gen_action": "shed",
                "override": "true",
                "manual_override": "true",
                "priority": i + 1,
                "soc_low": 25,
                "soc_high": 30,
                "pv_serial_nb": [],
                "essential_start_time": 0,
                "essential_end_time": 0,
                "black_start": 0,
            }
            for i in range(profile.dry_contacts)
        ]

    # -- control ----------------------------------------------------------------------------

    def on_reboot(self) -> None:
        self.nonce = secrets.token_hex(16)
        self.sessions.clear()

    def state(self) -> dict[str, Any]:
        h = self.house
        return {
            "profile": self.profile.name,
            "serial": self.profile.serial,
            "firmware": self.profile.firmware,
            "production_wh": h.production_wh,
            "soc": h.soc,
            "storage": {
                "mode": h.mode,
                "reserve": h.reserve,
                "charge_from_grid": h.charge_from_grid,
            },
            "relay": self.relay_admin,
            "gen_mode": self.gen_mode,
            "ignore_writes": self.ignore_writes,
            "opt_schedules": self.opt_schedules,
            "busy_seconds": sum(r.seconds for r in self.busy),
            "requests": len(self.busy),
        }

    async def update_state(self, changes: dict[str, Any]) -> dict[str, Any]:
        for key in ("ignore_writes", "opt_schedules"):
            if key in changes:
                setattr(self, key, bool(changes[key]))
        if "production_wh" in changes:
            self.house.production_wh = float(changes["production_wh"])
        if "latency" in changes:
            self.latency = float(changes["latency"])
        return self.state()

    # -- plumbing ---------------------------------------------------------------------------

    def setup_routes(self, app: web.Application) -> None:
        get = app.router.add_get
        get("/info", self._wrap(self._info, auth=False))
        get("/home", self._wrap(self._home, auth=False))
        get("/auth/check_jwt", self._check_jwt)
        get("/production.json", self._wrap(self._production_json, auth=False))
        get("/production", self._wrap(self._production_legacy, auth=False))
        get("/api/v1/production", self._wrap(self._production_v1, auth=False))
        get("/api/v1/production/inverters", self._wrap(self._inverters))
        get("/ivp/pdm/device_data", self._wrap(self._device_data))
        get("/ivp/meters", self._wrap(self._meters))
        get("/ivp/meters/readings", self._wrap(self._meter_readings))
        get("/ivp/ensemble/inventory", self._wrap(self._inventory))
        get("/ivp/ensemble/status", self._wrap(self._ensemble_status))
        get("/ivp/ensemble/secctrl", self._wrap(self._secctrl))
        get("/ivp/ensemble/power", self._wrap(self._battery_power))
        get("/ivp/ensemble/relay", self._wrap(self._relay))
        app.router.add_post("/ivp/ensemble/relay", self._wrap(self._set_relay))
        get("/ivp/ensemble/dry_contacts", self._wrap(self._dry_contacts))
        app.router.add_post("/ivp/ensemble/dry_contacts", self._wrap(self._set_dry_contact))
        get("/ivp/ss/dry_contact_settings", self._wrap(self._dry_contact_settings))
        app.router.add_post(
            "/ivp/ss/dry_contact_settings", self._wrap(self._set_dry_contact_settings)
        )
        get("/uvp/ss/pel_settings", self._wrap(self._pel))
        get("/admin/lib/tariff", self._wrap(self._tariff))
        app.router.add_put("/admin/lib/tariff", self._wrap(self._set_tariff))
        get("/ivp/ss/gen_config", self._wrap(self._gen_config))
        get("/ivp/ss/gen_mode", self._wrap(self._gen_mode))
        app.router.add_post("/ivp/ss/gen_mode", self._wrap(self._set_gen_mode))
        get("/ivp/ss/gen_schedule", self._wrap(self._gen_schedule))

    @property
    def version(self) -> tuple[int, ...]:
        """Return the firmware as numbers."""
        return tuple(int(p) for p in self.profile.firmware.lstrip("DR").split("."))

    def _now(self) -> float:
        return self.clock.timestamp()

    def _latency_for(self, request: web.Request) -> float:
        key = request.path
        if key == "/production.json" and request.query.get("details") == "1":
            key = "/production.json?details=1"
        seconds = LATENCY.get(key, 0.05)
        if request.path == "/ivp/pdm/device_data":
            seconds += 0.02 * min(self.profile.inverters, DEVICE_DATA_LIMIT)
            if 23.0 <= local_hour(self._now(), self.profile.timezone_offset) < 23.2:
                seconds = 60.0  # the nightly maintenance
        elif request.path == "/api/v1/production/inverters":
            seconds += 0.004 * self.profile.inverters
        return seconds

    async def _spend(self, request: web.Request, seconds: float) -> None:
        self.busy.append(BusyRecord(self._now(), request.path, seconds))
        if len(self.busy) > 100_000:
            del self.busy[:10_000]
        if self.latency > 0:
            await asyncio.sleep(seconds * self.latency)

    def _wrap(self, handler: Handler, *, auth: bool = True) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            self._advance()
            cost = self._latency_for(request)
            if auth:
                verdict, extra = self._authorise(request)
                if verdict is not None:
                    await self._spend(request, 0.02)
                    return verdict
                cost += extra
            await self._spend(request, cost)
            return await handler(request)

        return wrapped

    def _advance(self) -> None:
        now = self._now()
        self.house.advance(now)
        if self.cloud_revert is not None and now >= self.cloud_revert[0]:
            previous = self.cloud_revert[1]
            self.house.mode = previous["mode"]
            self.house.reserve = previous["reserve"]
            self.house.charge_from_grid = previous["charge_from_grid"]
            self.cloud_revert = None

    # -- auth -------------------------------------------------------------------------------

    def _authorise(self, request: web.Request) -> tuple[web.Response | None, float]:
        """Return (a refusal or None, the extra seconds the check cost)."""
        if not self.profile.token_auth:
            return self._check_digest(request), 0.0
        now = self._now()
        cookie = request.cookies.get("sessionId")
        if cookie and now - self.sessions.get(cookie, -1e12) < SESSION_IDLE:
            self.sessions[cookie] = now
            return None, 0.0
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and verify_token(header[7:], self.profile.serial, now):
            return None, BEARER_CHECK_SECONDS
        return web.Response(status=401, text="Unauthorized"), 0.0

    def _check_digest(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Digest "):
            fields: dict[str, str] = {}
            for part in header[7:].split(","):
                key, _, value = part.strip().partition("=")
                fields[key] = value.strip('"')
            passwords = {
                "installer": installer_password(self.profile.serial),
                "envoy": self.profile.serial[-6:],
            }
            password = passwords.get(fields.get("username", ""))
            if password and fields.get("nonce") == self.nonce:
                ha1 = _md5(f"{fields['username']}:{REALM}:{password}")
                ha2 = _md5(f"{request.method}:{fields.get('uri', '')}")
                expected = _md5(
                    f"{ha1}:{self.nonce}:{fields.get('nc', '')}:{fields.get('cnonce', '')}:"
                    f"{fields.get('qop', '')}:{ha2}"
                )
                if fields.get("response") == expected and fields.get("uri") == request.path_qs:
                    return None
        return web.Response(
            status=401,
            text="Unauthorized",
            headers={
                "WWW-Authenticate": f'Digest realm="{REALM}", qop="auth", nonce="{self.nonce}"'
            },
        )

    async def _check_jwt(self, request: web.Request) -> web.StreamResponse:
        self._advance()
        header = request.headers.get("Authorization", "")
        await self._spend(request, LATENCY["/auth/check_jwt"])
        if not self.profile.token_auth:
            return web.Response(status=404)
        if not header.startswith("Bearer ") or not verify_token(
            header[7:], self.profile.serial, self._now()
        ):
            return web.Response(status=401, text="<!DOCTYPE html><h2>Invalid token</h2>")
        session = secrets.token_hex(16)
        self.sessions[session] = self._now()
        response = web.Response(text="<!DOCTYPE html><h2>Valid token.</h2>")
        response.set_cookie("sessionId", session, path="/", httponly=True)
        return response

    # -- helpers ----------------------------------------------------------------------------

    def _has(self, quirk: str) -> bool:
        return quirk in self.profile.quirks

    @staticmethod
    def _missing() -> web.Response:
        # Missing endpoints redirect to an error page on real gateways.
        return web.Response(status=301, headers={"Location": "/home#error"})

    @staticmethod
    def _not_here() -> web.Response:
        return web.Response(status=401, text="Unauthorized")

    def _booting(self) -> bool:
        return self._has(q.ZEROS_AFTER_BOOT) and self._now() - self.boot_time < BOOT_ZEROS_SECONDS

    def _powers(self) -> Powers:
        return self.house.powers(self._now())

    def _phase_split(self, value: float, index: int) -> float:
        phases = self.profile.phases
        if index >= phases:
            return 0.0
        weights = [1.0 + 0.08 * ((i * 0.37) % 1.0 - 0.5) for i in range(phases)]
        return value * weights[index] / sum(weights)

    def _inverter_power(self, index: int) -> float:
        # Microinverters report every 5 minutes: their values only change then.
        report = self._now() // 300 * 300
        return round(self.house.powers(report).production * self.house.shares[index])

    def _lifetime_wh(self) -> float:
        wh = self.house.production_wh
        return wh % WRAP_WH if self._has(q.LIFETIME_WRAP) else wh

    # -- endpoints --------------------------------------------------------------------------

    async def _info(self, request: web.Request) -> web.StreamResponse:
        p = self.profile
        xml = (
            '<?xml version="1.0" encoding="utf-8"?>\n<envoy_info>\n'
            f"  <time>{int(self._now())}</time>\n  <device>\n"
            f"    <sn>{p.serial}</sn>\n    <pn>{p.part_number}</pn>\n"
            f"    <software>{p.firmware}</software>\n    <euaid>4c8675</euaid>\n"
            "    <seqnum>0</seqnum>\n    <apiver>1</apiver>\n"
            f"    <imeter>{str(p.metered).lower()}</imeter>\n  </device>\n"
            f"  <web-tokens>{str(p.token_auth).lower()}</web-tokens>\n"
            '  <package name="app">\n    <pn>500-00002-r01</pn>\n'
            f"    <version>{p.firmware[1:]}</version>\n    <build>5c3a00</build>\n"
            "  </package>\n</envoy_info>\n"
        )
        return web.Response(text=xml, content_type="application/xml")

    async def _home(self, request: web.Request) -> web.StreamResponse:
        now = self._now()
        return json_response(
            {
                "software_build_epoch": 1749981828,
                "timezone": "Europe/London",
                "current_date": time.strftime("%m/%d/%Y", time.gmtime(now)),
                "current_time": time.strftime("%H:%M", time.gmtime(now)),
                "network": {
                    "web_comm": True,
                    "ever_reported_to_enlighten": True,
                    "last_enlighten_report_time": int(now // 900 * 900),
                    "primary_interface": "eth0",
                    "interfaces": [
                        {
                            "type": "ethernet",
                            "interface": "eth0",
                            "mac": "00:1d:c0:12:34:56",
                            "dhcp": True,
                            "ip": "192.168.1.100",
                            "signal_strength": 1,
                            "signal_strength_max": 1,
                            "carrier": True,
                        },
                        {
                            "type": "wifi",
                            "interface": "wlan0",
                            "mac": "00:1d:c0:12:34:57",
                            "dhcp": True,
                            "ip": None,
                            "signal_strength": 0,
                            "signal_strength_max": 5,
                            "carrier": False,
                        },
                    ],
                },
                "tariff": "single_rate",
                "comm": {"num": self.profile.inverters, "level": 5},
            }
        )

    def _eim(
        self, kind: str, active: bool, power: float, lifetime: float, today: float
    ) -> dict[str, Any]:
        now = int(self._now())
        voltage = 240.0 if self.profile.phases < 3 else 230.0

        def block(share: float) -> dict[str, Any]:
            watts = power * share
            return {
                "wNow": round(watts, 3),
                "whLifetime": round(lifetime * share, 3),
                "varhLeadLifetime": 0.0,
                "varhLagLifetime": round(lifetime * share * 0.05, 3),
                "vahLifetime": round(lifetime * share * 1.05, 3),
                "rmsCurrent": round(watts / voltage, 3),
                "rmsVoltage": voltage,
                "reactPwr": round(watts * 0.02, 3),
                "apprntPwr": round(abs(watts) * 1.01, 3),
                "pwrFactor": 1.0 if watts >= 0 else -1.0,
                "whToday": round(today * share, 3),
                "whLastSevenDays": round(today * share * 4, 3),
                "vahToday": round(today * share * 1.05, 3),
                "varhLeadToday": 0.0,
                "varhLagToday": 0.0,
            }

        if not active:
            return {
                "type": "eim",
                "activeCount": 0,
                "measurementType": kind,
                "readingTime": now,
                **dict.fromkeys(block(1.0), 0),
                "lines": [],
            }
        lines = [block(self._phase_split(1.0, i)) for i in range(3)]
        return {
            "type": "eim",
            "activeCount": 1,
            "measurementType": kind,
            "readingTime": now,
            **block(1.0),
            "lines": lines,
        }

    def _production_report(self, details: bool) -> dict[str, Any]:
        p = self.profile
        h = self.house
        powers = self._powers()
        zero = self._booting()
        inverter_watts = 0 if zero else sum(self._inverter_power(i) for i in range(p.inverters))
        report: dict[str, Any] = {
            "production": [
                {
                    "type": "inverters",
                    "activeCount": p.inverters,
                    "readingTime": int(self._now() // 300 * 300),
                    "wNow": inverter_watts,
                    "whLifetime": 0 if zero else round(self._lifetime_wh()),
                }
            ],
            "consumption": [],
            "storage": [
                {
                    "type": "acb",
                    "activeCount": 0,
                    "readingTime": 0,
                    "wNow": 0,
                    "whNow": 0,
                    "state": "idle",
                }
            ],
        }
        if not p.metered:
            return report
        has = set(p.cts)
        report["production"].append(
            self._eim(
                "production", "production" in has, powers.production, h.production_wh, h.today_wh
            )
        )
        total = self._eim(
            "total-consumption",
            "net-consumption" in has,
            powers.house,
            h.consumption_wh,
            h.consumption_today_wh,
        )
        net = self._eim(
            "net-consumption",
            "net-consumption" in has,
            powers.grid,
            h.import_wh - h.export_wh,
            0.0,
        )
        if self._has(q.NET_AS_TOTAL):
            total = {**net, "measurementType": "total-consumption"}
        report["consumption"] = [total, net]
        if not details:
            for item in report["production"] + report["consumption"]:
                item.pop("lines", None)
        return report

    async def _production_json(self, request: web.Request) -> web.StreamResponse:
        return json_response(self._production_report(request.query.get("details") == "1"))

    async def _production_legacy(self, request: web.Request) -> web.StreamResponse:
        if self.version[0] >= 7:
            return self._missing()
        return json_response(self._production_report(False))

    async def _production_v1(self, request: web.Request) -> web.StreamResponse:
        h = self.house
        if self._booting() or (self._has(q.V1_ZEROS) and not self.profile.cts):
            return json_response(
                {
                    "wattHoursToday": 0,
                    "wattHoursSevenDays": 0,
                    "wattHoursLifetime": 0,
                    "wattsNow": 0,
                }
            )
        return json_response(
            {
                "wattHoursToday": round(h.today_wh),
                "wattHoursSevenDays": round(h.seven_days_wh),
                "wattHoursLifetime": round(self._lifetime_wh()),
                "wattsNow": sum(self._inverter_power(i) for i in range(self.profile.inverters)),
            }
        )

    def _inverter_serial(self, index: int) -> str:
        return f"{self.profile.serial[:4]}{90000000 + index:08d}"

    async def _inverters(self, request: web.Request) -> web.StreamResponse:
        report = int(self._now() // 300 * 300)
        return json_response(
            [
                {
                    "serialNumber": self._inverter_serial(i),
                    "lastReportDate": report - (i * 7) % 290,
                    "devType": 1,
                    "lastReportWatts": 0 if self._booting() else self._inverter_power(i),
                    "maxReportWatts": round(self.profile.peak_watts * self.house.shares[i] * 1.05),
                }
                for i in range(self.profile.inverters)
            ]
        )

    async def _device_data(self, request: web.Request) -> web.StreamResponse:
        if self.version[0] < 7:
            return self._missing()
        now = int(self._now())
        report = now // 300 * 300
        h = self.house
        data: dict[str, Any] = {}
        for i in range(min(self.profile.inverters, DEVICE_DATA_LIMIT)):
            watts = self._inverter_power(i)
            dc_v = 31000 + (i * 137) % 2000 if watts > 0 else 0
            data[str(553648384 + i * 256)] = {
                "devName": "pcu",
                "sn": self._inverter_serial(i),
                "active": True,
                "modGone": False,
                "channels": [
                    {
                        "chanEid": 1627390225 + i * 256,
                        "created": report,
                        "wattHours": {
                            "today": round(h.inverter_today_wh[i]),
                            "yesterday": round(h.inverter_yesterday_wh[i]),
                            "week": round(h.inverter_today_wh[i] * 5),
                        },
                        "watts": {"now": watts, "nowUsed": 0, "max": watts + 40},
                        "lastReading": {
                            "eid": 1627390225 + i * 256,
                            "interval_type": 0,
                            "endDate": report,
                            "duration": 300,
                            "flags": 0,
                            "flags_hex": "0x0000000000000000",
                            "joulesProduced": watts * 300,
                            "acVoltageINmV": 240000 + (i * 311) % 3000,
                            "acFrequencyINmHz": 50010,
                            "dcVoltageINmV": dc_v,
                            "dcCurrentINmA": round(watts * 1.04 / dc_v * 1e6) if dc_v else 0,
                            "channelTemp": 18 + round(watts / 20),
                            "pwrConvErrSecs": 0,
                            "pwrConvMaxErrCycles": 0,
                            "joulesUsed": 0,
                            "leadingVArs": 0,
                            "laggingVArs": 38,
                            "acCurrentInmA": round(watts / 0.24),
                            "l1NAcVoltageInmV": 0,
                            "l2NAcVoltageInmV": 0,
                            "l3NAcVoltageInmV": 0,
                            "rssi": 110,
                            "issi": 68,
                        },
                        "lifetime": {
                            "createdTime": 1744834453,
                            "duration": 6124463,
                            "joulesProduced": round(h.inverter_wh[i] * 3600),
                        },
                    }
                ],
            }
        data["deviceCount"] = self.profile.inverters
        data["deviceDataLimit"] = DEVICE_DATA_LIMIT
        return json_response(data)

    async def _meters(self, request: web.Request) -> web.StreamResponse:
        if self._has(q.METERS_401):
            return self._not_here()
        if not self.profile.metered:
            return self._missing()
        return json_response(
            [
                {
                    "eid": CT_EIDS[kind],
                    "state": "enabled",
                    "measurementType": kind,
                    "phaseMode": "three" if self.profile.phases == 3 else "split",
                    "phaseCount": self.profile.phases,
                    "meteringStatus": "normal",
                    "statusFlags": [],
                }
                for kind in self.profile.cts
            ]
        )

    def _reading(self, eid: int, power: float, delivered: float, received: float) -> dict[str, Any]:
        now = int(self._now())
        voltage = 240.0 if self.profile.phases < 3 else 230.0

        def values(share: float, v: float) -> dict[str, Any]:
            watts = power * share
            return {
                "timestamp": now,
                "actEnergyDlvd": round(delivered * share, 3),
                "actEnergyRcvd": round(received * share, 3),
                "apparentEnergy": round((delivered + received) * share * 1.05, 3),
                "reactEnergyLagg": 0.0,
                "reactEnergyLead": 0.0,
                "instantaneousDemand": round(watts, 3),
                "activePower": round(watts, 3),
                "apparentPower": round(abs(watts) * 1.01, 3),
                "reactivePower": round(watts * 0.02, 3),
                "pwrFactor": 0.0 if watts == 0 else (0.99 if watts > 0 else -0.99),
                "voltage": v,
                "current": round(abs(watts) / v, 3) if v else 0.0,
                "freq": 50.0,
            }

        channels = []
        for i in range(3):
            share = self._phase_split(1.0, i)
            v = voltage / 2 if self.profile.phases == 2 else voltage
            channels.append(
                {"eid": 1778385169 + eid % 1000 + i, **values(share, v if share else 0.0)}
            )
        return {"eid": eid, **values(1.0, voltage), "channels": channels}

    async def _meter_readings(self, request: web.Request) -> web.StreamResponse:
        if self._has(q.METERS_401):
            return self._not_here()
        if not self.profile.metered:
            return self._missing()
        h = self.house
        powers = self._powers()
        readings = []
        for kind in self.profile.cts:
            eid = CT_EIDS[kind]
            if kind == "production":
                readings.append(self._reading(eid, powers.production, h.production_wh, 164.85))
            elif kind == "net-consumption":
                readings.append(self._reading(eid, powers.grid, h.import_wh, h.export_wh))
            elif kind == "storage":
                readings.append(self._reading(eid, powers.battery, h.discharged_wh, h.charged_wh))
        if self._has(q.ZERO_METER_ENTRY):
            readings.insert(0, self._reading(0, 0.0, 0.0, 0.0))
        return json_response(readings)

    def _battery_serial(self, index: int) -> str:
        return f"1225{50000000 + index:08d}"

    def _has_ensemble(self) -> bool:
        return self.profile.batteries > 0 or self.profile.system_controller

    async def _inventory(self, request: web.Request) -> web.StreamResponse:
        if self._has(q.INVENTORY_401):
            return self._not_here()
        if self.version[0] < 7:
            return self._missing()
        if not self._has_ensemble():
            return json_response([])
        now = int(self._now())
        groups: list[dict[str, Any]] = []
        if self.profile.batteries:
            groups.append(
                {
                    "type": "ENCHARGE",
                    "devices": [
                        {
                            "part_num": "830-01760-r37",
                            "installed": 1695330323,
                            "serial_num": self._battery_serial(i),
                            "device_status": ["envoy.global.ok", "prop.done"],
                            "last_rpt_date": now - 30,
                            "admin_state": 6,
                            "admin_state_str": "ENCHG_STATE_READY",
                            "created_date": 1695330323,
                            "img_load_date": 1714736645,
                            "img_pnum_running": "2.6.5973_rel/22.11",
                            "communicating": True,
                            "sleep_enabled": False,
                            "percentFull": round(soc),
                            "temperature": 24 + i,
                            "maxCellTemp": 25 + i,
                            "comm_level_sub_ghz": 4,
                            "comm_level_2_4_ghz": 4,
                            "led_status": 17,
                            "dc_switch_off": False,
                            "encharge_rev": 2,
                            "encharge_capacity": 5000,
                            "phase": "ph-a",
                            "der_index": i + 1,
                        }
                        for i, soc in enumerate(self.house.soc)
                    ],
                }
            )
        if self.profile.system_controller:
            oper = self._relay_oper()
            groups.append(
                {
                    "type": "ENPOWER",
                    "devices": [
                        {
                            "part_num": "860-00276-r28",
                            "installed": 1695330323,
                            "serial_num": "122300000901",
                            "device_status": ["envoy.global.ok", "prop.done"],
                            "last_rpt_date": now - 20,
                            "admin_state": 24,
                            "created_date": 1695330323,
                            "img_load_date": 1714736645,
                            "img_pnum_running": "1.2.2064_release/20.34",
                            "communicating": True,
                            "temperature": 31,
                            "comm_level_sub_ghz": 5,
                            "comm_level_2_4_ghz": 5,
                            "mains_admin_state": self.relay_admin,
                            "mains_oper_state": oper,
                            "Enpwr_grid_mode": "multimode-ongrid"
                            if oper == "closed"
                            else "multimode-offgrid",
                            "Enchg_grid_mode": "multimode-ongrid"
                            if oper == "closed"
                            else "multimode-offgrid",
                            "Enpwr_relay_state_bm": 496,
                            "Enpwr_curr_state_id": 16,
                        }
                    ],
                }
            )
        return json_response(groups)

    def _relay_oper(self) -> str:
        if self._now() - self.relay_changed < RELAY_SETTLE_SECONDS:
            return "open" if self.relay_admin == "closed" else "closed"
        return self.relay_admin

    def _ensemble_missing(self) -> web.Response | None:
        if self.version[0] < 7 or not self._has_ensemble():
            return self._missing()
        return None

    async def _ensemble_status(self, request: web.Request) -> web.StreamResponse:
        if (missing := self._ensemble_missing()) is not None:
            return missing
        oper = self._relay_oper()
        return json_response(
            {
                "inventory": {"serial_nums": {}},
                "counters": {"api_ss_list_devices": 1},
                "relay": {
                    "mains_admin_state": self.relay_admin,
                    "mains_oper_state": oper,
                    "Enchg_grid_mode": "multimode-ongrid"
                    if oper == "closed"
                    else "multimode-offgrid",
                },
                "profile": {"name": "IEEE 1547 default 2018", "id": 9},
                "fakeit": {"fake_inventory_mode": False},
            }
        )

    async def _secctrl(self, request: web.Request) -> web.StreamResponse:
        if (missing := self._ensemble_missing()) is not None:
            return missing
        soc = self.house.soc
        avg = sum(soc) / len(soc) if soc else 0
        capacity = 5000 * len(soc)
        return json_response(
            {
                "secctrl": {
                    "shutdown": False,
                    "freq_bias_hz": 0.0,
                    "agg_soc": round(avg),
                    "Max_energy": capacity,
                    "ENC_agg_soc": round(avg),
                    "ENC_agg_soh": 100,
                    "ENC_agg_backup_energy": round(capacity * self.house.reserve / 100),
                    "ENC_agg_avail_energy": round(capacity * avg / 100),
                    "Enc_commissioned_capacity": capacity,
                    "Enc_max_available_capacity": capacity,
                    "ACB_agg_soc": 0,
                    "ACB_agg_energy": 0,
                    "VLS_Limit": 0,
                },
                "relay": {
                    "mains_admin_state": self.relay_admin,
                    "mains_oper_state": self._relay_oper(),
                },
            }
        )

    async def _battery_power(self, request: web.Request) -> web.StreamResponse:
        if (missing := self._ensemble_missing()) is not None:
            return missing
        battery = self._powers().battery
        n = max(len(self.house.soc), 1)
        devices = [
            {
                "serial_num": self._battery_serial(i),
                "real_power_mw": round(battery / n * 1000),
                "apparent_power_mva": round(abs(battery) / n * 1000),
                "soc": round(soc),
            }
            for i, soc in enumerate(self.house.soc)
        ]
        key = "devices:" if self._has(q.DEVICES_COLON) else "devices"
        return json_response({key: devices})

    async def _relay(self, request: web.Request) -> web.StreamResponse:
        if not self.profile.system_controller:
            return self._missing()
        return json_response(
            {
                "mains_admin_state": self.relay_admin,
                "mains_oper_state": self._relay_oper(),
                "der1_state": 0,
                "der2_state": 0,
                "der3_state": 0,
                "Enchg_grid_mode": "multimode-ongrid",
            }
        )

    async def _body(self, request: web.Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            return None

    async def _set_relay(self, request: web.Request) -> web.StreamResponse:
        if not self.profile.system_controller:
            return self._missing()
        body = await self._body(request)
        state = body.get("mains_admin_state") if isinstance(body, dict) else None
        if state not in ("open", "closed"):
            return web.Response(status=400, text="bad mains_admin_state")
        if not self.ignore_writes and state != self.relay_admin:
            self.relay_admin = state
            self.relay_changed = self._now()
            self.house.on_grid = state == "closed"
        return json_response({"mains_admin_state": state})

    async def _dry_contacts(self, request: web.Request) -> web.StreamResponse:
        if not self.profile.dry_contacts:
            return self._missing()
        return json_response(
            {"dry_contacts": [{"id": c["id"], "status": c["status"]} for c in self.dry_contacts]}
        )

    async def _set_dry_contact(self, request: web.Request) -> web.StreamResponse:
        if not self.profile.dry_contacts:
            return self._missing()
        body = await self._body(request)
        item = body.get("dry_contacts") if isinstance(body, dict) else None
        if not isinstance(item, dict) or item.get("status") not in ("open", "closed"):
            return web.Response(status=400, text="bad dry contact")
        for contact in self.dry_contacts:
            if contact["id"] == item.get("id"):
                if not self.ignore_writes:
                    contact["status"] = item["status"]
                return json_response(
                    {"dry_contacts": [{"id": contact["id"], "status": contact["status"]}]}
                )
        return web.Response(status=400, text="unknown dry contact")

    async def _dry_contact_settings(self, request: web.Request) -> web.StreamResponse:
        if not self.profile.dry_contacts:
            return self._missing()
        return json_response(
            {
                "dry_contacts": [
                    {k: v for k, v in c.items() if k != "status"} for c in self.dry_contacts
                ]
            }
        )

    async def _set_dry_contact_settings(self, request: web.Request) -> web.StreamResponse:
        if not self.profile.dry_contacts:
            return self._missing()
        body = await self._body(request)
        item = body.get("dry_contacts") if isinstance(body, dict) else None
        if not isinstance(item, dict):
            return web.Response(status=400, text="bad settings")
        for contact in self.dry_contacts:
            if contact["id"] == item.get("id"):
                required = set(contact) - {"status"}
                if not required <= set(item):
                    # A partial post crashes the unit's settings service: it restarts.
                    self.reboot(60.0)
                    return web.Response(status=500, text="Internal Server Error")
                if not self.ignore_writes:
                    contact.update({k: v for k, v in item.items() if k in required})
                return json_response({"dry_contacts": [item]})
        return web.Response(status=400, text="unknown dry contact")

    async def _pel(self, request: web.Request) -> web.StreamResponse:
        if self.version[0] < 8:
            return self._missing()
        return json_response({"pel_settings": dict(self.pel)})

    def _tariff_body(self) -> dict[str, Any]:
        h = self.house
        tariff: dict[str, Any] = {
            "currency": {"code": "GBP"},
            "logger": "mylogger",
            "date": str(int(self._now())),
            "single_rate": {"rate": 0.25, "sell": 0.15},
            "seasons": [],
            "seasons_sell": [],
        }
        if self.profile.batteries:
            tariff["storage_settings"] = {
                "mode": h.mode,
                "operation_mode_sub_type": "",
                "reserved_soc": float(h.reserve),
                "very_low_soc": 5,
                "charge_from_grid": h.charge_from_grid,
                "opt_schedules": self.opt_schedules,
                "date": "1695336516",
            }
        return {"tariff": tariff, "schedule": {"source": "Tariff page", "date": "1695336516"}}

    async def _tariff(self, request: web.Request) -> web.StreamResponse:
        if self._has(q.TARIFF_401):
            return self._not_here()
        if self.version[0] < 7:
            return self._missing()
        return json_response(self._tariff_body())

    async def _set_tariff(self, request: web.Request) -> web.StreamResponse:
        if self.version[0] < 7 or not self.profile.batteries:
            return self._missing()
        body = await self._body(request)
        tariff = body.get("tariff") if isinstance(body, dict) else None
        storage = tariff.get("storage_settings") if isinstance(tariff, dict) else None
        if (
            not isinstance(tariff, dict)
            or not isinstance(storage, dict)
            or "currency" not in tariff
        ):
            return web.Response(status=400, text="the whole tariff is required")
        h = self.house
        if self.ignore_writes or self.opt_schedules:
            return json_response(self._tariff_body())
        previous = {"mode": h.mode, "reserve": h.reserve, "charge_from_grid": h.charge_from_grid}
        mode = storage.get("mode")
        reserve = storage.get("reserved_soc")
        if mode not in ("backup", "self-consumption", "economy", "savings-mode") or not isinstance(
            reserve, int | float
        ):
            return web.Response(status=400, text="bad storage settings")
        h.mode = mode
        h.reserve = float(reserve)
        h.charge_from_grid = bool(storage.get("charge_from_grid"))
        if self._has(q.CLOUD_OVERRIDE) and self.cloud_revert is None:
            self.cloud_revert = (self._now() + CLOUD_REVERT_SECONDS, previous)
        return json_response(self._tariff_body())

    async def _gen_config(self, request: web.Request) -> web.StreamResponse:
        if not self.profile.generator:
            return self._missing()
        return json_response(
            {
                "generator_config": {
                    "meter_integrated": True,
                    "type": "three-phase" if self.profile.phases == 3 else "single-phase",
                    "rated_power": 8000,
                    "rated_voltage": 240,
                    "rated_frequency": 50,
                }
            }
        )

    async def _gen_mode(self, request: web.Request) -> web.StreamResponse:
        if not self.profile.generator:
            return self._missing()
        return json_response({"gen_mode": self.gen_mode, "gen_cmd": "off"})

    async def _set_gen_mode(self, request: web.Request) -> web.StreamResponse:
        if not self.profile.generator:
            return self._missing()
        body = await self._body(request)
        mode = body.get("gen_mode") if isinstance(body, dict) else None
        if mode not in ("on", "off", "auto"):
            return web.Response(status=400, text="bad gen_mode")
        if not self.ignore_writes:
            self.gen_mode = mode
        return json_response({"gen_mode": self.gen_mode})

    async def _gen_schedule(self, request: web.Request) -> web.StreamResponse:
        if not self.profile.generator:
            return self._missing()
        return json_response({"generator_schedule": {"enabled": False, "events": []}})
