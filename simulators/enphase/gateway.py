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
from .physics import ACB_WH, House, Powers, local_hour
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
    "/ivp/ss/pel_settings": 0.05,
    "/ivp/sc/pvlimit": 0.05,
    "/ivp/ensemble/generator": 0.05,
    "/admin/lib/tariff": 0.2,
    "/ivp/ss/gen_config": 0.05,
    "/ivp/ss/gen_mode": 0.05,
    "/ivp/ss/gen_schedule": 0.05,
}
DRY_CONTACT_IDS = ("NC1", "NC2", "NO1", "NO2")
ZERO_METER_EID = 1023410688
# The ensemble service's call counters in 7.x's /ivp/ensemble/status (gone from 8.x).
STATUS_COUNTERS = (
    "api_ecagtInit",
    "api_ecagtTick",
    "api_ecagtGetDeviceCount",
    "api_ecagtGetDeviceInfo",
    "api_ecagtSetSecCtrlBias",
    "api_ecagtGetSecCtrlBias",
    "api_ecagtGetSecCtrlBiasQ",
    "api_ecagtGetRelayState",
    "api_ecagtSetDataModelCache",
    "api_AggNameplate",
    "api_ecagtGetGridFreq",
    "api_ecagtGetGridVolt",
    "rest_StatusGet",
    "rest_InventoryGet",
    "rest_SubmodGet",
    "rest_SecCtrlGet",
    "rest_CommCheckGet",
    "rest_Power",
    "ext_zb_send_msg",
    "txmsg_OBJ_MDL_SECONDARY_CTRL_REQ",
    "zmq_ecaHello",
    "zmq_streamdata",
    "zmq_ecaSecCtrlMsg",
    "zmq_meterlog_ok",
    "dmdl_FILES_INDEXED",
    "backupSocLimitSet",
    "backupSocLimitChanged",
    "api_ecagtGetGenRelayState",
)
ACB_PART = "800-00930-r02"
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
        # A configured export limit on battery systems from 8.x, as captured; else off.
        self.pel: dict[str, Any] = (
            {
                "PEL": True,
                "Hard_PEL": False,
                "Soft_PEL": True,
                "Export_Limit_Type": "Aggregate",
                "percent": False,
                "apparent": False,
                "PEL_Limit": 5000.0,
                "Comm_Time_Loss": 10000.0,
                "Resp_Time_SoftPEL": 30000.0,
                "PEL_db": 1.0,
            }
            if self.version[0] >= 8 and profile.batteries
            else {"PEL": False}
        )
        # Every gateway from 7.x lists its four relay contacts; unconfigured ones are NONE.
        self.dry_contacts: list[dict[str, Any]] = [
            _dry_contact(contact_id, i < profile.dry_contacts, i)
            for i, contact_id in enumerate(DRY_CONTACT_IDS)
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
        get("/ivp/ensemble/generator", self._wrap(self._ensemble_generator))
        app.router.add_post("/ivp/ensemble/relay", self._wrap(self._set_relay))
        get("/ivp/ensemble/dry_contacts", self._wrap(self._dry_contacts))
        app.router.add_post("/ivp/ensemble/dry_contacts", self._wrap(self._set_dry_contact))
        get("/ivp/ss/dry_contact_settings", self._wrap(self._dry_contact_settings))
        app.router.add_post(
            "/ivp/ss/dry_contact_settings", self._wrap(self._set_dry_contact_settings)
        )
        get("/ivp/ss/pel_settings", self._wrap(self._pel))
        get("/ivp/sc/pvlimit", self._wrap(self._pv_limit))
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

    @property
    def _major(self) -> int:
        return self.version[0]

    def _missing(self) -> web.Response:
        # As captured: old firmware answers a JSON error (5.x spells its key "err").
        if self._major == 5:
            return web.Response(status=404, text=' { "err": "404 - Not Found" }')
        return web.Response(status=404, text='{ "error" : "404 - Not Found" }')

    @staticmethod
    def _not_here() -> web.Response:
        return web.Response(status=401, text="Error: 401")

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

    def _line_voltage(self, index: int) -> float:
        """Return one line's voltage: 120 V legs when split-phase, 230 V phases otherwise."""
        if index >= self.profile.phases:
            return 0.0
        base = 123.6 if self.profile.phases == 2 else 231.4
        return round(base + 1.7 * ((index * 0.618 + self._now() / 97.0) % 1.0 - 0.5), 3)

    def _inverter_power(self, index: int) -> float:
        # Microinverters report every 5 minutes: their values only change then.
        report = self._now() // 300 * 300
        return round(self.house.powers(report).production * self.house.shares[index])

    def _inverters_lifetime_wh(self) -> float:
        """Return the inverters section's lifetime: a 32-bit joule register on 7.x."""
        wh = self.house.production_wh
        return wh % WRAP_WH if self._has(q.LIFETIME_WRAP) else wh

    def _html(self, title: str, text: str) -> web.Response:
        page = (
            '<!DOCTYPE html PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html>\n<head>\n'
            f"<title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n<p>{text}</p>\n"
            "</body>\n</html>\n"
        )
        return web.Response(text=page, content_type="text/html")

    # -- endpoints --------------------------------------------------------------------------

    async def _info(self, request: web.Request) -> web.StreamResponse:
        p = self.profile
        lines = [
            '<?xml version="1.0" encoding="utf-8"?>',
            "<envoy_info>",
            f"  <time>{int(self._now())}</time>",
            "  <device>",
            f"    <sn>{p.serial}</sn>",
            f"    <pn>{p.part_number}</pn>",
            f"    <software>{p.firmware}</software>",
            "    <euaid>4c8675</euaid>",
            "    <seqnum>0</seqnum>",
            "    <apiver>1</apiver>",
        ]
        # 3.x says nothing of metering or tokens; 4.x and later say whether they can meter.
        if self._major >= 4:
            lines.append(f"    <imeter>{str(p.metered).lower()}</imeter>")
        lines.append("  </device>")
        if self._major >= 7:
            lines.append(f"  <web-tokens>{str(p.token_auth).lower()}</web-tokens>")
        app_version = ".".join(f"{int(n):02d}" for n in self.version)
        lines += [
            '  <package name="app">',
            "    <pn>500-00002-r01</pn>",
            f"    <version>{app_version}</version>",
            "    <build>5c3a00</build>",
            "  </package>",
        ]
        if self._major >= 4:
            lines += [
                "  <build_info>",
                "    <build_id>simulated-envoy_uber-pkg:pkg</build_id>",
                "    <build_time_gmt>1700000000</build_time_gmt>",
            ]
            if self._major >= 7:
                lines += [
                    "    <release_ver>02.00.4238</release_ver>",
                    "    <release_stage>700-GA</release_stage>",
                ]
            lines.append("  </build_info>")
        lines.append("</envoy_info>")
        return web.Response(text="\n".join(lines) + "\n", content_type="application/xml")

    async def _home(self, request: web.Request) -> web.StreamResponse:
        now = self._now()
        p = self.profile
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
                            "signal_strength": 0,
                            "signal_strength_max": 0,
                            "type": "wifi",
                            "interface": "wlan0",
                            "mac": "00:1d:c0:12:34:57",
                            "dhcp": True,
                            "ip": None,
                            "carrier": False,
                            "supported": True,
                            "present": True,
                            "configured": False,
                            "status": "connecting",
                        },
                    ],
                },
                "tariff": "single_rate",
                "comm": {
                    "num": p.inverters + p.acbs + p.batteries,
                    "level": 5,
                    "pcu": {"num": p.inverters, "level": 5},
                    "acb": {"num": p.acbs, "level": 4 if p.acbs else 0},
                    "nsrb": {"num": 1 if p.system_controller else 0, "level": 5},
                    "esub": {"num": 0, "level": 0},
                    "encharge": [
                        {
                            "num": p.batteries,
                            "level": 4 if p.batteries else 0,
                            "level_24g": 4 if p.batteries else 0,
                            "level_subg": 4 if p.batteries else 0,
                        }
                    ],
                },
                "wireless_connection": [
                    {
                        "signal_strength": 0,
                        "signal_strength_max": 0,
                        "type": "BLE",
                        "connected": True,
                    }
                ],
            }
        )

    def _eim(
        self,
        kind: str,
        active: bool,
        *,
        power: float,
        lifetime: float,
        today: float,
        seven_days: float,
        details: bool,
    ) -> dict[str, Any]:
        now = int(self._now())
        net = kind == "net-consumption"
        if not active:
            # An absent CT still reports what its input picks up: a few watts of noise.
            power, lifetime, today, seven_days = 3.659, 1586.658, 69.658, 1520.658

        def block(index: int | None) -> dict[str, Any]:
            if index is None:
                share = 1.0
                voltage = sum(self._line_voltage(i) for i in range(3))
            else:
                share = self._phase_split(1.0, index)
                voltage = self._line_voltage(index)
            watts = power * share
            apparent = abs(watts) * 1.02 + 0.5 * share
            legs = max(self.profile.phases, 1)
            current = apparent / (voltage / (legs if index is None else 1)) if voltage else 0.0
            pf = round(watts / apparent, 2) if apparent else 0.0
            if index is None and self._has(q.PF_SUM) and self.profile.phases == 2:
                pf = round(pf * 2, 2)  # the two legs' factors added up
            # Net consumption keeps no day counters: the gateway sends integer zeros.
            day: dict[str, Any] = (
                dict.fromkeys(("whToday", "whLastSevenDays", "vahToday"), 0)
                | {"varhLeadToday": 0, "varhLagToday": 0}
                if net
                else {
                    "whToday": round(today * share + 0.001, 3),
                    "whLastSevenDays": round(seven_days * share + 0.001, 3),
                    "vahToday": round(today * share * 1.05 + 0.001, 3),
                    "varhLeadToday": 0.001,
                    "varhLagToday": round(today * share * 0.04 + 0.001, 3),
                }
            )
            return {
                "wNow": round(watts + 0.001, 3),
                "whLifetime": round(lifetime * share + 0.001, 3),
                "varhLeadLifetime": 0.001,
                "varhLagLifetime": round(abs(lifetime) * share * 0.05 + 0.001, 3),
                "vahLifetime": round(abs(lifetime) * share * 1.05 + 0.001, 3),
                "rmsCurrent": round(current + 0.001, 3),
                "rmsVoltage": round(voltage + 0.001, 3),
                "reactPwr": round(watts * 0.02 + 0.001, 3),
                "apprntPwr": round(apparent + 0.001, 3),
                "pwrFactor": float(pf),
                "whToday": day["whToday"],
                "whLastSevenDays": day["whLastSevenDays"],
                "vahToday": day["vahToday"],
                "varhLeadToday": day["varhLeadToday"],
                "varhLagToday": day["varhLagToday"],
            }

        section: dict[str, Any] = {
            "type": "eim",
            "activeCount": 1 if active else 0,
            "measurementType": kind,
            "readingTime": now,
            **block(None),
        }
        if details:
            section["lines"] = [block(i) for i in range(3)]
        return section

    def _storage_section(self) -> dict[str, Any]:
        h = self.house
        n = len(h.acb_soc)
        if not n:
            return {
                "type": "acb",
                "activeCount": 0,
                "readingTime": 0,
                "wNow": 0,
                "whNow": 0,
                "state": "idle",
            }
        acb = self._powers().acb
        soc = sum(h.acb_soc) / n
        state = "discharging" if acb > 1 else "charging" if acb < -1 else "idle"
        return {
            "type": "acb",
            "activeCount": n,
            "readingTime": int(self._now() // 300 * 300),
            "wNow": round(acb),
            "whNow": round(ACB_WH * n * soc / 100),
            "state": state,
            "percentFull": round(soc),
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
                    "whLifetime": 0 if zero else round(self._inverters_lifetime_wh()),
                }
            ]
        }
        if p.metered:
            has = set(p.cts)
            # Old firmware gives no per-line detail, even when asked for it.
            lines = details and self._major >= 7
            report["production"].append(
                self._eim(
                    "production",
                    "production" in has,
                    power=powers.production,
                    lifetime=h.production_wh,
                    today=h.today_wh,
                    seven_days=h.seven_days_wh,
                    details=lines,
                )
            )
            # The gateway's total consumption is production plus net consumption.
            total = self._eim(
                "total-consumption",
                "net-consumption" in has,
                power=powers.consumption,
                lifetime=h.consumption_wh,
                today=h.consumption_today_wh,
                seven_days=h.consumption_today_wh + sum(h.past_days) * 1.1,
                details=lines,
            )
            net = self._eim(
                "net-consumption",
                "net-consumption" in has,
                power=powers.grid,
                lifetime=h.import_wh - h.export_wh,
                today=0.0,
                seven_days=0.0,
                details=lines,
            )
            if self._has(q.NET_AS_TOTAL):
                total = {**net, "measurementType": "total-consumption"}
            report["consumption"] = [total, net]
        report["storage"] = [self._storage_section()]
        return report

    async def _production_json(self, request: web.Request) -> web.StreamResponse:
        if self._major < 4:
            return self._html("Page Not Found", "The page you tried to view does not exist.")
        return json_response(self._production_report(request.query.get("details") == "1"))

    async def _production_legacy(self, request: web.Request) -> web.StreamResponse:
        if self._major < 4:
            h = self.house
            return self._html(
                "System Energy Production",
                f"Currently {self._powers().production / 1000:.2f} kW, "
                f"Today {h.today_wh / 1000:.1f} kWh, "
                f"Since Installation {h.production_wh / 1e6:.0f} MWh",
            )
        if self._major < 7:
            # 4.x and 5.x refuse it even to a signed-in installer.
            return web.Response(
                status=401,
                text='{"status":401,"error":"","info":"Authentication required"}',
                content_type="application/json",
            )
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
        # The true counters (never wrapped), from the production CT when there is one.
        return json_response(
            {
                "wattHoursToday": round(h.today_wh),
                "wattHoursSevenDays": round(h.seven_days_wh),
                "wattHoursLifetime": round(h.production_wh),
                "wattsNow": sum(self._inverter_power(i) for i in range(self.profile.inverters)),
            }
        )

    def _inverter_serial(self, index: int) -> str:
        return f"{self.profile.serial[:4]}{90000000 + index:08d}"

    def _acb_serial(self, index: int) -> str:
        return f"1221{20000000 + index:08d}"

    async def _inverters(self, request: web.Request) -> web.StreamResponse:
        report = int(self._now() // 300 * 300)
        items: list[dict[str, Any]] = []
        for i in range(self.profile.inverters):
            item: dict[str, Any] = {
                "serialNumber": self._inverter_serial(i),
                "lastReportDate": report - (i * 7) % 290,
                "devType": 1,
                "lastReportWatts": 0 if self._booting() else self._inverter_power(i),
                "maxReportWatts": round(self.profile.peak_watts * self.house.shares[i] * 1.05),
            }
            if self._major < 4:
                del item["devType"]  # 3.x lists no device type
            items.append(item)
        acbs = len(self.house.acb_soc)
        acb_watts = abs(self._powers().acb) / acbs if acbs else 0.0
        # AC Batteries are listed beside the microinverters, as device type 11.
        items += [
            {
                "serialNumber": self._acb_serial(i),
                "lastReportDate": report - 30 * i,
                "devType": 11,
                "lastReportWatts": round(acb_watts),
                "maxReportWatts": 149,
            }
            for i in range(acbs)
        ]
        return json_response(items)

    async def _device_data(self, request: web.Request) -> web.StreamResponse:
        if self._major < 7:
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
        acbs = len(h.acb_soc)
        acb_watts = round(self._powers().acb / acbs) if acbs else 0
        # AC Batteries are listed too, as "acb" devices (not microinverters).
        for i in range(acbs):
            eid = 553648384 + (DEVICE_DATA_LIMIT + i) * 256
            data[str(eid)] = {
                "devName": "acb",
                "sn": self._acb_serial(i),
                "active": True,
                "modGone": False,
                "channels": [
                    {
                        "chanEid": eid + 17,
                        "created": report,
                        "wattHours": {"today": 0, "yesterday": 0, "week": 0},
                        "watts": {"now": acb_watts, "nowUsed": 0, "max": 270},
                        "lastReading": {
                            "eid": eid + 17,
                            "interval_type": 0,
                            "endDate": report,
                            "duration": 300,
                            "flags": 0,
                            "flags_hex": "0x0000000000000000",
                        },
                        "lifetime": {},
                    }
                ],
            }
        data["deviceCount"] = self.profile.inverters + acbs
        data["deviceDataLimit"] = DEVICE_DATA_LIMIT
        return json_response(data)

    def _meter_kinds(self) -> list[str]:
        """Return the CT inputs the gateway lists: metering ones list both, installed or not."""
        if not self.profile.metered:
            return []
        kinds = ["production", "net-consumption"]
        return kinds + [k for k in self.profile.cts if k not in kinds]

    async def _meters(self, request: web.Request) -> web.StreamResponse:
        if self._has(q.METERS_401):
            return self._not_here()
        if self._major < 4:
            return self._missing()
        return json_response(
            [
                {
                    "eid": CT_EIDS[kind],
                    "state": "enabled" if kind in self.profile.cts else "disabled",
                    "measurementType": kind,
                    "phaseMode": "split" if self.profile.phases == 2 else "three",
                    "phaseCount": self.profile.phases,
                    "meteringStatus": "normal",
                    "statusFlags": [],
                }
                for kind in self._meter_kinds()
            ]
        )

    def _reading(
        self, eid: int, power: float, delivered: float, received: float, *, live: bool = True
    ) -> dict[str, Any]:
        now = int(self._now())

        def values(watts: float, voltage: float, share: float) -> dict[str, Any]:
            apparent = abs(watts) * 1.015 + (0.4 * share if voltage else 0.0)
            return {
                "timestamp": now,
                "actEnergyDlvd": round(delivered * share, 3),
                "actEnergyRcvd": round(received * share, 3),
                "apparentEnergy": round((delivered + received) * share * 1.05, 3),
                "reactEnergyLagg": round(delivered * share * 0.05, 3),
                "reactEnergyLead": round(received * share * 0.01, 3),
                "instantaneousDemand": round(watts, 3),
                "activePower": round(watts, 3),
                "apparentPower": round(apparent, 3),
                "reactivePower": round(watts * 0.02, 3),
                "pwrFactor": round(watts / apparent, 3) if apparent else 0.0,
                "voltage": voltage,
                "current": round(apparent / voltage, 3) if voltage else 0.0,
                "freq": 50.0 if voltage else 0.0,
            }

        channels = []
        for i in range(3):
            share = self._phase_split(1.0, i) if live else 0.0
            voltage = self._line_voltage(i) if live else 0.0
            channels.append(
                {"eid": 1778385169 + eid % 1000 + i, **values(power * share, voltage, share)}
            )
        top = values(power if live else 0.0, 0.0, 1.0 if live else 0.0)
        # The meter's totals add up its lines: voltage and current are sums.
        top["voltage"] = round(sum(c["voltage"] for c in channels), 3)
        top["current"] = round(sum(c["current"] for c in channels), 3)
        top["freq"] = 50.0 if live else 0.0
        return {"eid": eid, **top, "channels": channels}

    async def _meter_readings(self, request: web.Request) -> web.StreamResponse:
        if self._major < 4:
            return self._missing()
        h = self.house
        powers = self._powers()
        readings = []
        for kind in self._meter_kinds():
            eid = CT_EIDS[kind]
            if kind not in self.profile.cts:
                readings.append(self._reading(eid, 4.19, 1586.658, 0.0))
            elif kind == "production":
                readings.append(self._reading(eid, powers.production, h.production_wh, 164.85))
            elif kind == "net-consumption":
                readings.append(self._reading(eid, powers.grid, h.import_wh, h.export_wh))
            elif kind == "storage":
                # The storage CT measures the batteries alone (positive while discharging);
                # they are already inside production and net consumption.
                readings.append(self._reading(eid, powers.battery, h.discharged_wh, h.charged_wh))
        if self._has(q.ZERO_METER_ENTRY) and readings:
            readings.append(self._reading(ZERO_METER_EID, 0.0, 0.0, 0.0, live=False))
        return json_response(readings)

    def _battery_serial(self, index: int) -> str:
        return f"1225{50000000 + index:08d}"

    def _enpower_serial(self) -> str:
        return "122300000901"

    def _ensemble_absent(self) -> web.Response | None:
        """Before 7.x there is no ensemble API at all; from 7.x it answers, empty if need be."""
        return self._missing() if self._major < 7 else None

    def _grid_mode(self) -> str:
        return "multimode-ongrid" if self._relay_oper() == "closed" else "multimode-offgrid"

    async def _inventory(self, request: web.Request) -> web.StreamResponse:
        if self._has(q.INVENTORY_401):
            return self._not_here()
        if (absent := self._ensemble_absent()) is not None:
            return absent
        now = int(self._now())
        groups: list[dict[str, Any]] = []
        if self.profile.batteries:
            groups.append(
                {
                    "type": "ENCHARGE",
                    "devices": [
                        {
                            "part_num": "830-01760-r37",
                            "serial_num": self._battery_serial(i),
                            "installed": 1695330323,
                            "device_status": ["envoy.global.ok", "prop.done"],
                            "last_rpt_date": now - 30,
                            "admin_state": 6,
                            "admin_state_str": "ENCHG_STATE_READY",
                            "created_date": 1695330323,
                            "img_load_date": 1714736645,
                            "img_pnum_running": "2.6.5973_rel/22.11",
                            "bmu_fw_version": "2.1.34",
                            "communicating": True,
                            "sleep_enabled": False,
                            "percentFull": round(soc),
                            "temperature": 24 + i,
                            "maxCellTemp": 25 + i,
                            "reported_enc_grid_state": self._grid_mode(),
                            "comm_level_sub_ghz": 4,
                            "comm_level_2_4_ghz": 4,
                            "led_status": 17,
                            "dc_switch_off": False,
                            "encharge_rev": 2,
                            "encharge_capacity": self.profile.battery_wh,
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
                            "serial_num": self._enpower_serial(),
                            "installed": 1695330323,
                            "device_status": ["envoy.global.ok", "prop.done"],
                            "last_rpt_date": now - 20,
                            "admin_state": 24,
                            "admin_state_str": "ENPWR_STATE_OPER_CLOSED"
                            if oper == "closed"
                            else "ENPWR_STATE_OPER_OPEN",
                            "created_date": 1695330323,
                            "img_load_date": 1714736645,
                            "img_pnum_running": "1.2.2064_release/20.34",
                            "communicating": True,
                            "temperature": 31,
                            "comm_level_sub_ghz": 5,
                            "comm_level_2_4_ghz": 5,
                            # Where the grid state is: most gateways have no relay endpoint.
                            "mains_admin_state": self.relay_admin,
                            "mains_oper_state": oper,
                            "Enpwr_grid_mode": self._grid_mode(),
                            "Enchg_grid_mode": self._grid_mode(),
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

    def _secctrl_body(self) -> dict[str, Any]:
        h = self.house
        p = self.profile
        iq_capacity = p.battery_wh * len(h.soc)
        iq_soc = sum(h.soc) / len(h.soc) if h.soc else 0.0
        acb_capacity = ACB_WH * len(h.acb_soc)
        acb_soc = sum(h.acb_soc) / len(h.acb_soc) if h.acb_soc else 0.0
        reserve = round(h.reserve) if h.soc or h.acb_soc else 0
        body: dict[str, Any] = {
            "shutdown": False,
            "freq_bias_hz": -0.04687688872 if h.soc else 0.0,
            "voltage_bias_v": -0.5658036470 if h.soc else 0.0,
            "freq_bias_hz_q8": -75 if h.soc else 0,
            "voltage_bias_v_q5": -18 if h.soc else 0,
            "freq_bias_hz_phaseb": 0.0,
            "voltage_bias_v_phaseb": 0.0,
            "freq_bias_hz_q8_phaseb": 0,
            "voltage_bias_v_q5_phaseb": 0,
            "freq_bias_hz_phasec": 0.0,
            "voltage_bias_v_phasec": 0.0,
            "freq_bias_hz_q8_phasec": 0,
            "voltage_bias_v_q5_phasec": 0,
            "configured_backup_soc": reserve,
            "adjusted_backup_soc": reserve,
            "agg_soc": round(h.average_soc),
            "Max_energy": round(iq_capacity + acb_capacity),
            "ENC_agg_soc": round(iq_soc),
            "ENC_agg_soh": 100 if h.soc else 0,
            "ENC_agg_backup_energy": round(iq_capacity * h.reserve / 100) if h.soc else 0,
            "ENC_agg_avail_energy": round(iq_capacity * iq_soc / 100),
            "Enc_commissioned_capacity": iq_capacity,
            "Enc_max_available_capacity": iq_capacity,
            "ACB_agg_soc": round(acb_soc),
            "ACB_agg_energy": round(acb_capacity * acb_soc / 100),
        }
        if self._major >= 8:
            body |= {
                "VLS_Limit": 5,
                "soc_rec_enabled": False,
                "soc_recovery_entry": 2,
                "soc_recovery_exit": 10,
                "Commission_in_progress": False,
                "ESS_in_progress": False,
            }
        return body

    def _status_device(self, serial: str, kind: str, index: int) -> dict[str, Any]:
        battery = kind == "battery"
        device: dict[str, Any] = {
            "device_type": 13 if battery else 17,
            "com_interface_str": "CAN",
            "device_id": serial,
            "admin_state": 6 if battery else 24,
            "admin_state_str": "ENCHG_STATE_READY" if battery else "ENPWR_STATE_OPER_CLOSED",
            "msg_retry_count": 0,
            "part_number": "836-01826-r76" if battery else "865-00378-r27",
            "assembly_number": "892-00024-r78" if battery else "885-00378-r29",
            "app_fw_version": "3.0.7545_rel/31.33",
            "ibl_fw_version": "1.3.413",
            "swift_asic_fw_version": "001.002.1.7.2" if battery else "",
            "bmu_fw_version": "3.8.63" if battery else "",
            "submodule_count": 1,
            "submodules": {
                f"{serial[:-3]}{700 + index:03d}": {
                    "device_type": 14 if battery else 18,
                    "admin_state": 1,
                    "part_number": "800-01729-r02",
                    "assembly_number": "880-01691-r31",
                    "dmir": {"part_number": "549-00056-r00", "assembly_number": "4.36.1-D36"},
                    "procload": {
                        "part_number": "521-00008-r00",
                        "assembly_number": "4.36.1-D36",
                    },
                }
            },
        }
        if battery:
            device |= {
                "reported_grid_mode": self._grid_mode(),
                "phase": "ph-a",
                "der_index": index + 1,
                "encharge_revision": 3,
                "encharge_capacity": self.profile.battery_wh,
                "encharge_rated_power": 3840,
                "reported_enc_grid_state": self._grid_mode(),
            }
        return device

    async def _ensemble_status(self, request: web.Request) -> web.StreamResponse:
        if (absent := self._ensemble_absent()) is not None:
            return absent
        serials: dict[str, Any] = {}
        if self.profile.system_controller:
            serials[self._enpower_serial()] = self._status_device(
                self._enpower_serial(), "enpower", 0
            )
        for i in range(self.profile.batteries):
            serial = self._battery_serial(i)
            serials[serial] = self._status_device(serial, "battery", i)
        relay: dict[str, Any] = {
            "mains_admin_state": self.relay_admin,
            "mains_oper_state": self._relay_oper(),
            "der1_state": 0,
            "der2_state": 0,
        }
        if self._major >= 8:
            relay |= {"der3_state": 0, "srt12_state": "closed", "srt13_state": "closed"}
        relay |= {
            "Enchg_grid_mode": self._grid_mode() if self.profile.batteries else "grid-tied",
            "Solar_grid_mode": self._grid_mode() if self.profile.system_controller else "unknown",
        }
        body: dict[str, Any] = {"inventory": {"serial_nums": serials}}
        if self._major < 8:
            body["counters"] = dict.fromkeys(STATUS_COUNTERS, 1)
        body["secctrl"] = self._secctrl_body()
        body["relay"] = relay
        if self._major < 8:
            body["profile"] = {"message": "Obsolete API, please use ivp/arf/profile"}
            body["fakeit"] = {"fake_inventory_mode": False}
        return json_response(body)

    async def _secctrl(self, request: web.Request) -> web.StreamResponse:
        if (absent := self._ensemble_absent()) is not None:
            return absent
        # Flat, as every real gateway sends it (zeros without batteries).
        return json_response(self._secctrl_body())

    async def _battery_power(self, request: web.Request) -> web.StreamResponse:
        if (absent := self._ensemble_absent()) is not None:
            return absent
        powers = self._powers()
        iq = powers.battery - powers.acb
        n = max(len(self.house.soc), 1)
        devices = [
            {
                "serial_num": self._battery_serial(i),
                "real_power_mw": round(iq / n) * 1000,
                "apparent_power_mva": round(abs(iq) / n) * 1000,
                "soc": round(soc),
            }
            for i, soc in enumerate(self.house.soc)
        ]
        # The key really ends with a colon, on every captured gateway.
        return json_response({"devices:": devices})

    async def _relay(self, request: web.Request) -> web.StreamResponse:
        # Missing on most gateways (404): the grid state is in the inventory's ENPOWER.
        return self._missing()

    async def _ensemble_generator(self, request: web.Request) -> web.StreamResponse:
        if (absent := self._ensemble_absent()) is not None:
            return absent
        present = self.profile.generator
        return json_response(
            {
                "admin_state": self.gen_mode if present else "unknown",
                "oper_state": "open",
                "admin_mode": 0,
                "schedule": 0,
                "start_soc": 100,
                "stop_soc": -1,
                "exc_on": 0,
                "present": 1 if present else 0,
                "type": 1,
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
        if (absent := self._ensemble_absent()) is not None:
            return absent
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
        if (absent := self._ensemble_absent()) is not None:
            return absent
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
        if self._major < 7:
            return self._missing()
        # Flat, at /ivp/ss/pel_settings (the seed's /uvp/ spelling is a typo).
        return json_response(dict(self.pel))

    async def _pv_limit(self, request: web.Request) -> web.StreamResponse:
        if self._major < 7:
            return self._missing()
        return json_response({"enable": False, "pv_limit_pct": 100})

    def _tariff_body(self) -> dict[str, Any]:
        h = self.house
        if self._major < 7:
            return {
                "tariff": {
                    "currency": {"code": "GBP"},
                    "single_rate": {"rate": 0.25, "sell": 0.15},
                    "seasons": [],
                    "seasons_sell": [],
                },
                "schedule": {
                    "source": "Tariff",
                    "date": "2023-08-10 17:59:03 UTC",
                    "version": "00.00.02",
                },
            }
        eight = self._major >= 8
        storage: dict[str, Any] = {
            "mode": h.mode,
            "operation_mode_sub_type": "",
            "reserved_soc": float(h.reserve),
            "very_low_soc": 5,
            "charge_from_grid": h.charge_from_grid,
            "date": "1695336516",
        }
        if eight:
            storage["opt_schedules"] = self.opt_schedules
        week = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
        schedule: dict[str, Any] = {
            "source": "Tariff",
            "date": "2023-09-21 22:48:36 UTC",
            "version": "00.00.02",
            "reserved_soc": float(h.reserve),
            "very_low_soc": 5,
            "charge_from_grid": h.charge_from_grid,
            "battery_mode": h.mode,
            "operation_mode_sub_type": "",
            "schedule": {
                "Disable": [
                    {day: [{"start": 0, "duration": 1440, "setting": "ID"}]} for day in week
                ],
                "tariff": [
                    {
                        "start": "1/1",
                        "end": "1/1",
                        **{day: [{"start": 0, "duration": 1440, "setting": "ZN"}] for day in week},
                    }
                ],
            },
            "override": False,
            "override_backup_soc": 30.0,
            "override_chg_dischg_rate": 0.0,
            "override_tou_mode": "StorageTouMode_DEFAULT_TOU_MODE",
        }
        if eight:
            schedule = {
                "filename": "tariff",
                **schedule,
                "batt_mode": h.mode,
                "opt_schedules": self.opt_schedules,
            }
        return {
            "tariff": {
                "currency": {"code": "GBP"},
                "logger": "mylogger",
                "date": str(int(self._now())),
                "storage_settings": storage,
                "single_rate": {"rate": 0.25, "sell": 0.15},
                "seasons": [],
                "seasons_sell": [],
            },
            "schedule": schedule,
        }

    async def _tariff(self, request: web.Request) -> web.StreamResponse:
        if self._has(q.TARIFF_401):
            return self._not_here()
        if self._major < 4:
            return self._html("Page Not Found", "The page you tried to view does not exist.")
        return json_response(self._tariff_body())

    async def _set_tariff(self, request: web.Request) -> web.StreamResponse:
        if self._major < 7 or not self.profile.batteries:
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
        if self.ignore_writes:
            return json_response(self._tariff_body())
        if "opt_schedules" in storage:
            self.opt_schedules = bool(storage["opt_schedules"])
        if self.opt_schedules:
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
        if (absent := self._ensemble_absent()) is not None:
            return absent
        if not self.profile.generator:
            return json_response({})
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
        if (absent := self._ensemble_absent()) is not None:
            return absent
        if not self.profile.generator:
            return json_response({})
        return json_response({"generator_schedule": {"enabled": False, "events": []}})


def _dry_contact(contact_id: str, configured: bool, index: int) -> dict[str, Any]:
    """Return one relay contact's settings, with the captured key names and types."""
    return {
        "id": contact_id,
        "status": "open",
        "type": "LOAD" if configured else "NONE",
        "grid_action": "apply",
        "micro_grid_action": "shed" if configured else "apply",
        "gen_action": "shed" if configured else "apply",
        "essential_start_time": 0.0,
        "essential_end_time": 0.0,
        "priority": float(index + 1),
        "black_s_start": 5.0,
        "override": "true" if configured else "false",
        "manual_override": "true",
        "load_name": ("Pool pump", "EV charger", "Heat pump", "Spa")[index] if configured else "",
        "mode": "manual",
        "soc_low": 25.0,
        "soc_high": 30.0,
        "pv_serial_nb": [],
    }
