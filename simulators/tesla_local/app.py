"""A simulated Powerwall gateway's local (LAN) API.

Replies have the real shapes (key names, units, nesting, the firmware's quirks), learned from
the replies in ``../shared/real-data/tesla-local/`` and ``api-notes/tesla-powerwall-local.md``;
every value is our own. What it does that real gateways do:

- ``POST /api/login/Basic`` (user ``customer``, the customer password; email not checked) hands
  out a token and the ``AuthCookie``/``UserRecord`` cookies; every other ``/api/*`` wants one of
  them (401 ``bad credentials`` otherwise). Sessions expire after ``session_lifetime``.
- A gateway that no longer takes its default password answers ``default password not
  supported`` (profile option).
- Polled too fast (more than ``rate_limit`` requests in ``rate_window`` seconds) it answers 429
  on every ``/api`` route for ``rate_penalty`` seconds.
- Profiles: ``full`` (Powerwall 2/2+ on a Gateway 2: every endpoint), ``reduced`` (Powerwall 3:
  login and the three live endpoints, 404 elsewhere, no web page), ``tedapi`` (no ``/api``
  login, only the TEDAPI's DIN request, which wants HTTP Basic).
- ``gzip`` sends bodies gzip-compressed *without* a ``Content-Encoding`` header, as TEDAPI
  replies of firmware 25.42.2 and later arrive.

Assumed, not confirmed: the lockout. The notes say only that looping logins "reportedly lock
users out". Here ``lockout_after`` failed logins within ``lockout_window`` lock the login for
``lockout_seconds``: it then answers 429 even to the right password.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
import gzip
import json
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from simulators.framework import SimClock, SimulatorApp

from .model import SiteModel

BAD_CREDENTIALS = {"code": 401, "error": "bad credentials", "message": "Login Error"}
DEFAULT_PASSWORD_REFUSED = {
    "code": 401,
    "error": "default password not supported",
    "message": "Login Error",
}


@dataclass(frozen=True, slots=True)
class Profile:
    """One kind of gateway."""

    name: str
    port: int
    kind: str
    """``full``, ``reduced`` or ``tedapi``."""
    din: str
    gateway_password: str
    """The full password on the QR label; the default customer password is its last 5."""
    firmware: str
    device_type: str = "teg"
    battery_count: int = 2
    part_numbers: tuple[str, ...] = ("3012170-10-B", "3012170-10-B")
    serials: tuple[str, ...] = ("TG9000000000A1", "TG9000000000A2")
    solar_peak: float = 5200.0
    time_zone: str = "Europe/London"
    site_name: str = "Simulated Home"


PROFILES: dict[str, Profile] = {
    "full": Profile(
        name="full",
        port=8410,
        kind="full",
        din="1232100-00-E--TG9000000000G1",
        gateway_password="SIMGWPASSA",  # noqa: S106 - a simulated label
        firmware="24.44.1 9c2a6e1f",
    ),
    "reduced": Profile(
        name="reduced",
        port=8411,
        kind="reduced",
        din="1707000-11-J--TG9000000000P3",
        gateway_password="SIMPW3PASS",  # noqa: S106 - a simulated label
        firmware="25.10.1 4b1d0c7e",
        battery_count=1,
        part_numbers=("1707000-11-J",),
        serials=("TG9000000000P3",),
        solar_peak=7600.0,
    ),
    "tedapi": Profile(
        name="tedapi",
        port=8412,
        kind="tedapi",
        din="1232100-00-E--TG9000000000T1",
        gateway_password="SIMTEDAPIX",  # noqa: S106 - a simulated label
        firmware="26.26.4 0a1b2c3d",
    ),
}


@dataclass(slots=True)
class Session:
    """One login."""

    token: str
    cookie: str
    expires: float


@dataclass(slots=True)
class Limits:
    """The gateway's patience (all seconds on the simulator's clock)."""

    session_lifetime: float = 7 * 86400.0
    rate_limit: int = 30
    rate_window: float = 10.0
    rate_penalty: float = 300.0
    retry_after: float | None = None
    """Sent as ``Retry-After`` with a 429, when set (real gateways: unknown)."""
    lockout_after: int = 5
    lockout_window: float = 300.0
    lockout_seconds: float = 900.0


class PowerwallGatewaySimulator(SimulatorApp):
    """One Powerwall gateway's local API."""

    def __init__(
        self,
        profile: Profile,
        *,
        clock: SimClock | None = None,
        password: str | None = None,
        refuse_default_password: bool = False,
        gzip_replies: bool = False,
        limits: Limits | None = None,
    ) -> None:
        """Set up the gateway; ``password`` defaults to the QR label's last 5 characters."""
        super().__init__(clock=clock)
        self.name = f"tesla_local_{profile.name}"
        self.profile = profile
        self.password = password or profile.gateway_password[-5:]
        self.refuse_default_password = refuse_default_password
        self.gzip_replies = gzip_replies
        self.limits = limits or Limits()
        self.model = SiteModel(
            time_zone=profile.time_zone,
            solar_peak=profile.solar_peak,
            battery_count=profile.battery_count,
        )
        self.sessions: dict[str, Session] = {}
        self.logins = 0
        self.failed_logins: deque[float] = deque()
        self.locked_until: float | None = None
        self.recent: deque[float] = deque()
        self.penalty_until: float | None = None
        self.started = self.clock.timestamp()

    # -- routes -----------------------------------------------------------------------------

    def setup_routes(self, app: web.Application) -> None:
        """Add the gateway's routes (the profile decides which answer)."""
        r = app.router
        r.add_get("/", self._portal)
        r.add_post("/api/login/Basic", self._login)
        r.add_get("/api/logout", self._logout)
        r.add_get("/tedapi/din", self._tedapi_din)
        reads = {
            "/api/meters/aggregates": self._aggregates,
            "/api/system_status/soe": self._soe,
            "/api/system_status/grid_status": self._grid_status,
            "/api/system_status": self._system_status,
            "/api/operation": self._operation,
            "/api/site_info": self._site_info,
            "/api/status": self._status,
            "/api/sitemaster": self._sitemaster,
            "/api/powerwalls": self._powerwalls,
        }
        for path, handler in reads.items():
            r.add_get(path, self._guarded(path, handler))
        r.add_post("/api/v2/islanding/mode", self._guarded("/api/v2/islanding/mode", self._island))

    @property
    def live_only(self) -> frozenset[str]:
        """Return the read paths a reduced gateway answers."""
        return frozenset(
            {"/api/meters/aggregates", "/api/system_status/soe", "/api/system_status/grid_status"}
        )

    def _answers(self, path: str) -> bool:
        if self.profile.kind == "tedapi":
            return False
        if self.profile.kind == "reduced":
            return path in self.live_only
        return True

    def _reply(self, data: Any, status: int = 200) -> web.Response:
        body = json.dumps(data).encode()
        if self.gzip_replies:
            # No Content-Encoding header: the client must recognise the gzip magic itself.
            return web.Response(
                status=status, body=gzip.compress(body), content_type="application/json"
            )
        return web.Response(status=status, body=body, content_type="application/json")

    def _not_found(self) -> web.Response:
        return web.Response(status=404, text="404 page not found\n")

    def _too_busy(self) -> web.Response | None:
        """Count the request; return the 429 when the gateway has had enough."""
        now = self.clock.timestamp()
        if self.penalty_until is not None and now < self.penalty_until:
            return self._rate_limited()
        self.recent.append(now)
        while self.recent and self.recent[0] <= now - self.limits.rate_window:
            self.recent.popleft()
        if len(self.recent) > self.limits.rate_limit:
            self.penalty_until = now + self.limits.rate_penalty
            self.recent.clear()
            return self._rate_limited()
        return None

    def _rate_limited(self) -> web.Response:
        headers = {}
        if self.limits.retry_after is not None:
            headers["Retry-After"] = str(int(self.limits.retry_after))
        return web.Response(status=429, text="Too Many Requests", headers=headers)

    def _session_of(self, request: web.Request) -> Session | None:
        now = self.clock.timestamp()
        token = None
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            token = header.removeprefix("Bearer ").strip()
        for session in list(self.sessions.values()):
            if session.expires <= now:
                del self.sessions[session.token]
                continue
            if token == session.token or request.cookies.get("AuthCookie") == session.cookie:
                return session
        return None

    def _guarded(self, path: str, handler: Any) -> Any:
        async def guarded(request: web.Request) -> web.StreamResponse:
            if (busy := self._too_busy()) is not None:
                return busy
            if not self._answers(path):
                return self._not_found()
            if self._session_of(request) is None:
                return self._reply(BAD_CREDENTIALS, status=401)
            self.model.advance(self.clock.timestamp())
            response: web.StreamResponse = await handler(request)
            return response

        return guarded

    # -- login ------------------------------------------------------------------------------

    async def _portal(self, request: web.Request) -> web.Response:
        if self.profile.kind != "full":
            return self._not_found()
        return web.Response(text="<html><body>Powerwall</body></html>", content_type="text/html")

    async def _login(self, request: web.Request) -> web.Response:
        if (busy := self._too_busy()) is not None:
            return busy
        if self.profile.kind == "tedapi":
            return self._not_found()
        now = self.clock.timestamp()
        if self.locked_until is not None and now < self.locked_until:
            return self._reply(
                {"code": 429, "error": "too many failed login attempts", "message": "Login Error"},
                status=429,
            )
        self.logins += 1
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self._reply({"code": 400, "error": "bad request"}, status=400)
        if body.get("username") != "customer" or body.get("password") != self.password:
            return self._failed_login(now)
        if self.refuse_default_password and self.password == self.profile.gateway_password[-5:]:
            return self._reply(DEFAULT_PASSWORD_REFUSED, status=401)
        self.failed_logins.clear()
        session = Session(
            token=secrets.token_urlsafe(48),
            cookie=secrets.token_urlsafe(32),
            expires=now + self.limits.session_lifetime,
        )
        self.sessions[session.token] = session
        reply = self._reply(
            {
                "email": body.get("email") or "",
                "firstname": "Tesla",
                "lastname": "Energy",
                "roles": ["Home_Owner"],
                "token": session.token,
                "provider": "Basic",
                "loginTime": self._local(now).isoformat(),
            }
        )
        reply.set_cookie("AuthCookie", session.cookie, path="/")
        reply.set_cookie("UserRecord", secrets.token_urlsafe(24), path="/")
        return reply

    def _failed_login(self, now: float) -> web.Response:
        self.failed_logins.append(now)
        while self.failed_logins and self.failed_logins[0] <= now - self.limits.lockout_window:
            self.failed_logins.popleft()
        if len(self.failed_logins) >= self.limits.lockout_after:
            self.locked_until = now + self.limits.lockout_seconds
            self.failed_logins.clear()
        return self._reply(BAD_CREDENTIALS, status=401)

    async def _logout(self, request: web.Request) -> web.Response:
        if (session := self._session_of(request)) is not None:
            del self.sessions[session.token]
        return web.Response(status=204)

    async def _tedapi_din(self, request: web.Request) -> web.Response:
        if self.profile.kind != "tedapi":
            return self._not_found()
        return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="TEDAPI"'})

    # -- reads ------------------------------------------------------------------------------

    def _local(self, when: float) -> datetime:
        return datetime.fromtimestamp(when, ZoneInfo(self.profile.time_zone))

    def _stamp(self, when: float) -> str:
        """Return a time as the gateway writes it: nanoseconds and the local offset."""
        local = self._local(when)
        nanos = f"{local.microsecond:06d}{int(when * 1e9) % 1000:03d}"
        offset = local.strftime("%z")
        return f"{local:%Y-%m-%dT%H:%M:%S}.{nanos}{offset[:3]}:{offset[3:]}"

    def _meter(
        self, name: str, power: float, *, voltage: float, frequency: float
    ) -> dict[str, Any]:
        now = self.clock.timestamp()
        meter = self.model.meters[name]
        current = abs(power) / voltage if voltage else 0.0
        reactive = -0.08 * power if name in ("site", "load") else 10.0
        data: dict[str, Any] = {
            "last_communication_time": self._stamp(now - 0.4),
            "instant_power": round(power, 2),
            "instant_reactive_power": round(reactive, 2),
            "instant_apparent_power": (power**2 + reactive**2) ** 0.5,
            "frequency": frequency,
            "energy_exported": meter.exported,
            "energy_imported": meter.imported,
            "instant_average_voltage": voltage,
            "instant_average_current": current,
            "i_a_current": 0,
            "i_b_current": 0,
            "i_c_current": 0,
            "last_phase_voltage_communication_time": "0001-01-01T00:00:00Z",
            "last_phase_power_communication_time": "0001-01-01T00:00:00Z",
            "last_phase_energy_communication_time": "0001-01-01T00:00:00Z",
            "timeout": 1500000000,
            "instant_total_current": current,
        }
        if name != "load":
            # The load is computed, not measured: the real replies give it no meter count.
            data["num_meters_aggregated"] = self.profile.battery_count if name == "battery" else 1
        return data

    async def _aggregates(self, request: web.Request) -> web.Response:
        flows = self.model.flows
        grid_hz = 50.0 if self.model.grid_up else 0.0
        return self._reply(
            {
                "site": self._meter("site", flows.site, voltage=238.4, frequency=grid_hz),
                "battery": self._meter("battery", flows.battery, voltage=239.1, frequency=50.01),
                "load": self._meter("load", flows.load, voltage=238.4, frequency=grid_hz),
                "solar": self._meter("solar", flows.solar, voltage=239.6, frequency=50.01),
            }
        )

    async def _soe(self, request: web.Request) -> web.Response:
        return self._reply({"percentage": self.model.soe_raw})

    def _grid_state(self) -> str:
        return "SystemGridConnected" if self.model.grid_up else "SystemIslandedActive"

    async def _grid_status(self, request: web.Request) -> web.Response:
        return self._reply({"grid_status": self._grid_state(), "grid_services_active": False})

    async def _operation(self, request: web.Request) -> web.Response:
        return self._reply(
            {
                "real_mode": self.model.mode,
                "backup_reserve_percent": self.model.reserve_raw,
                "freq_shift_load_shed_soe": 0,
                "freq_shift_load_shed_delta_f": 0,
            }
        )

    def _blocks(self) -> list[dict[str, Any]]:
        model = self.model
        share = 1 / max(model.battery_count, 1)
        blocks = []
        for part, serial in zip(self.profile.part_numbers, self.profile.serials, strict=True):
            power = model.flows.battery * share
            blocks.append(
                {
                    "Type": "",
                    "PackagePartNumber": part,
                    "PackageSerialNumber": serial,
                    "disabled_reasons": [],
                    "pinv_state": "PINV_GridFollowing" if model.grid_up else "PINV_GridForming",
                    "pinv_grid_state": "Grid_Compliant" if model.grid_up else "Grid_Uncompliant",
                    "nominal_energy_remaining": round(model.energy_remaining * share),
                    "nominal_full_pack_energy": round(model.capacity * share),
                    "p_out": round(power, 1),
                    "q_out": 10,
                    "v_out": 239.1,
                    "f_out": 50.01,
                    "i_out": round(power / 239.1, 2),
                    "energy_charged": round(model.meters["battery"].imported * share),
                    "energy_discharged": round(model.meters["battery"].exported * share),
                    "off_grid": not model.grid_up,
                    "vf_mode": False,
                    "wobble_detected": False,
                    "charge_power_clamped": False,
                    "backup_ready": True,
                    "OpSeqState": "Active",
                    "version": self.profile.firmware.split(" ")[1],
                }
            )
        return blocks

    async def _system_status(self, request: web.Request) -> web.Response:
        model = self.model
        limit = 5000 * model.battery_count
        return self._reply(
            {
                "command_source": "Configuration",
                "battery_target_power": model.flows.battery,
                "battery_target_reactive_power": 0,
                "nominal_full_pack_energy": round(model.capacity),
                "nominal_energy_remaining": round(model.energy_remaining),
                "max_power_energy_remaining": 0,
                "max_power_energy_to_be_charged": 0,
                "max_charge_power": limit,
                "max_discharge_power": limit,
                "max_apparent_power": limit,
                "instantaneous_max_discharge_power": 2 * limit,
                "instantaneous_max_charge_power": limit,
                "instantaneous_max_apparent_power": limit,
                "hardware_capability_charge_power": 0,
                "hardware_capability_discharge_power": 0,
                "grid_services_power": 0,
                "system_island_state": self._grid_state(),
                "available_blocks": model.battery_count,
                "available_charger_blocks": 0,
                "battery_blocks": self._blocks(),
                "ffr_power_availability_high": limit,
                "ffr_power_availability_low": limit,
                "load_charge_constraint": 0,
                "max_sustained_ramp_rate": 2500000,
                "grid_faults": [],
                "can_reboot": "Yes",
                "smart_inv_delta_p": 0,
                "smart_inv_delta_q": 0,
                "last_toggle_timestamp": self._stamp(self.started),
                "solar_real_power_limit": -1,
                "score": 10000,
                "blocks_controlled": model.battery_count,
                "primary": True,
                "auxiliary_load": 0,
                "all_enable_lines_high": True,
                "inverter_nominal_usable_power": limit,
                "expected_energy_remaining": 0,
            }
        )

    async def _site_info(self, request: web.Request) -> web.Response:
        energy = self.model.capacity / 1000
        power = 5.0 * self.model.battery_count
        return self._reply(
            {
                "max_system_energy_kWh": energy,
                "max_system_power_kW": power,
                "site_name": self.profile.site_name,
                "timezone": self.profile.time_zone,
                "max_site_meter_power_kW": 1000000000,
                "min_site_meter_power_kW": -1000000000,
                "nominal_system_energy_kWh": energy,
                "nominal_system_power_kW": power,
                "panel_max_current": 100,
                "grid_code": {
                    "grid_code": "50Hz_230V_1_G99:2018_UK",
                    "grid_voltage_setting": 230,
                    "grid_freq_setting": 50,
                    "grid_phase_setting": "Single",
                    "country": "United Kingdom",
                    "state": "*",
                    "utility": "Simulated Power Networks",
                },
            }
        )

    async def _status(self, request: web.Request) -> web.Response:
        now = self.clock.timestamp()
        up = timedelta(seconds=max(now - self.started, 0) + 3 * 86400 + 0.25)
        hours, rest = divmod(up.total_seconds(), 3600)
        minutes, seconds = divmod(rest, 60)
        version, short_hash = self.profile.firmware.split(" ")
        return self._reply(
            {
                "din": self.profile.din,
                "start_time": self._local(now - up.total_seconds()).strftime(
                    "%Y-%m-%d %H:%M:%S %z"
                ),
                "up_time_seconds": f"{int(hours)}h{int(minutes)}m{seconds:.6f}s",
                "is_new": False,
                "version": f"{version} {short_hash}",
                "git_hash": short_hash * 5,
                "commission_count": 0,
                "device_type": self.profile.device_type,
                "teg_type": "unknown",
                "sync_type": "v2.1",
                "cellular_disabled": False,
                "can_reboot": True,
            }
        )

    async def _sitemaster(self, request: web.Request) -> web.Response:
        return self._reply(
            {
                "status": "StatusUp",
                "running": True,
                "connected_to_tesla": True,
                "power_supply_mode": False,
                "can_reboot": "Yes",
            }
        )

    def _diagnostic(self, name: str, checks: list[str]) -> dict[str, Any]:
        return {
            "name": name,
            "category": "InternalComms",
            "disruptive": name != "Commissioning",
            "inputs": None,
            "checks": [
                {
                    "name": check,
                    "status": "not_run",
                    "start_time": None,
                    "end_time": None,
                    "progress": 0,
                    "results": None,
                    "debug": None,
                    "checks": None,
                }
                for check in checks
            ],
            "alert": False,
        }

    async def _powerwalls(self, request: web.Request) -> web.Response:
        units = [
            {
                "Type": "",
                "PackagePartNumber": part,
                "PackageSerialNumber": serial,
                "type": "ACPW",
                "grid_state": "Grid_Compliant" if self.model.grid_up else "Grid_Uncompliant",
                "grid_reconnection_time_seconds": 0,
                "under_phase_detection": False,
                "updating": False,
                "commissioning_diagnostic": self._diagnostic("Commissioning", ["CAN connectivity"]),
                "update_diagnostic": self._diagnostic("Firmware Update", ["Powerwall firmware"]),
                "bc_type": None,
                "in_config": True,
            }
            for part, serial in zip(self.profile.part_numbers, self.profile.serials, strict=True)
        ]
        return self._reply(
            {
                "enumerating": False,
                "updating": False,
                "checking_if_offgrid": False,
                "running_phase_detection": False,
                "phase_detection_last_error": "no phase information",
                "bubble_shedding": False,
                "on_grid_check_error": "on grid check not run",
                "grid_qualifying": False,
                "grid_code_validating": False,
                "phase_detection_not_available": True,
                "powerwalls": units,
                "gateway_din": self.profile.din,
                "sync": None,
                "msa": None,
                "states": None,
            }
        )

    async def _island(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        mode = body.get("island_mode") if isinstance(body, dict) else None
        if mode not in ("intentional_reconnect_failsafe", "backup"):
            return self._reply({"code": 400, "error": "bad island_mode"}, status=400)
        self.model.grid_up = mode == "backup"
        return self._reply({"island_mode": mode})

    # -- control ----------------------------------------------------------------------------

    def on_reboot(self) -> None:
        """A restart forgets every session and the rate counters."""
        self.sessions.clear()
        self.recent.clear()
        self.penalty_until = None

    def state(self) -> dict[str, Any]:
        """Return the gateway's state for the control API."""
        now = self.clock.timestamp()
        self.model.advance(now)
        return {
            "profile": self.profile.name,
            "soe_raw": self.model.soe_raw,
            "reserve_raw": self.model.reserve_raw,
            "mode": self.model.mode,
            "grid_up": self.model.grid_up,
            "flows": {
                "site": self.model.flows.site,
                "battery": self.model.flows.battery,
                "load": self.model.flows.load,
                "solar": self.model.flows.solar,
            },
            "sessions": len(self.sessions),
            "logins": self.logins,
            "locked": self.locked_until is not None and now < self.locked_until,
            "rate_limited": self.penalty_until is not None and now < self.penalty_until,
        }

    async def update_state(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change the site: ``grid_up``, ``soe_raw``, ``reserve_raw``, ``mode``, ``password``,
        ``expire_sessions`` (true), ``unlock`` (true)."""
        model = self.model
        if "grid_up" in changes:
            model.grid_up = bool(changes["grid_up"])
        if "soe_raw" in changes:
            model.soe_raw = min(max(float(changes["soe_raw"]), 0.0), 100.0)
        if "reserve_raw" in changes:
            model.reserve_raw = min(max(float(changes["reserve_raw"]), 0.0), 100.0)
        if "mode" in changes:
            model.mode = str(changes["mode"])
        if "password" in changes:
            self.password = str(changes["password"])
        if changes.get("expire_sessions"):
            self.sessions.clear()
        if changes.get("unlock"):
            self.locked_until = None
            self.failed_logins.clear()
            self.penalty_until = None
            self.recent.clear()
        return self.state()
