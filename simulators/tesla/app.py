"""The simulated Tesla cloud: OAuth (auto-approve), region lookup and the Fleet energy API."""

from __future__ import annotations

import base64
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlencode
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from simulators.framework import SimClock, SimulatorApp, json_response

from .physics import STEP_SECONDS, SiteModel, WallConnector
from .tariff_server import accept, schedule_errors

ACCESS_TOKEN_LIFETIME = 8 * 3600
REFRESH_TOKEN_LIFETIME = 90 * 86400
REGIONS = ("na", "eu", "cn")
PERIODS = ("day", "week", "month", "year", "lifetime")
ALL_SCOPES = ("openid", "offline_access", "energy_device_data", "energy_cmds")
READ_SCOPE = "energy_device_data"
COMMAND_SCOPE = "energy_cmds"
_SIGNING_KEY = b"simulated-tesla-signing-key"

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims: dict[str, Any]) -> str:
    """Return a JWT shaped like Tesla's (HS256 with a simulator key)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(_SIGNING_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


@dataclass(slots=True)
class Account:
    """A Tesla account with its energy sites."""

    account_id: str
    region: str
    sites: list[SiteModel]


@dataclass(slots=True)
class Grant:
    """What a code or token stands for."""

    account_id: str
    scopes: tuple[str, ...]
    client_id: str
    expires_at: float
    redirect_uri: str = ""
    used: bool = False


@dataclass(slots=True)
class Billing:
    """What the account would pay for."""

    data: int = 0
    commands: int = 0
    unbilled: int = 0
    by_site: dict[str, int] = field(default_factory=dict)

    @property
    def cost(self) -> float:
        """Return the cost in USD (data 500 per dollar, commands 1000 per dollar)."""
        return round(self.data / 500 + self.commands / 1000, 4)


def default_accounts(time_zone: str = "America/Los_Angeles") -> list[Account]:
    """Return the accounts the simulator starts with (the first one's sites in ``time_zone``)."""
    home = SiteModel(
        site_id=1001,
        name="Home",
        time_zone=time_zone,
        solar_peak=7600.0,
        battery_count=2,
        wall_connectors=[
            # Real replies often leave a Wall Connector's serial number out: the first has none.
            WallConnector(din="1457768-02-G--PGT00000000001"),
            WallConnector(din="1457768-02-G--PGT00000000002", serial_number="PGT00000000002"),
        ],
        energy_left=18_000.0,
    )
    barn = SiteModel(
        site_id=1002,
        name="Barn",
        time_zone=time_zone,
        solar_peak=4000.0,
        has_grid=False,
        # As on real sites: an empty time zone, and no off-grid charging reserve at all.
        reports_time_zone=False,
        reports_off_grid_reserve=False,
    )
    empty = SiteModel(site_id=1003, name="Old gateway", time_zone=time_zone)
    other = SiteModel(
        site_id=2001,
        name="Ferienhaus",
        time_zone="Europe/Berlin",
        solar_peak=5000.0,
        battery_count=1,
        energy_left=9_000.0,
    )
    china = SiteModel(
        site_id=3001,
        name="Shanghai",
        time_zone="Asia/Shanghai",
        solar_peak=6000.0,
        battery_count=1,
        energy_left=7_000.0,
    )
    return [
        Account("account-home", "na", [home, barn, empty]),
        Account("account-other", "eu", [other]),
        Account("account-cn", "cn", [china]),
    ]


class TeslaFleetSimulator(SimulatorApp):
    """Tesla's auth server and Fleet API for energy sites, on one loopback server.

    Regional servers are path prefixes (``/na``, ``/eu``, ``/cn``): the region lookup names
    the account's one, and the wrong one answers 421. The access token's ``ou_code`` names the
    account's region; the authorization code starts with it (``NA_...``). Accounts in China get
    their tokens from ``/cn/oauth2/v3/token`` (Tesla's auth.tesla.cn), the others from
    ``/oauth2/v3/token``. A region where the user's application is not registered (not in
    ``registered_regions``) answers 412 to every Fleet API call.
    """

    name = "tesla"

    def __init__(
        self,
        *,
        clock: SimClock | None = None,
        accounts: list[Account] | None = None,
        rate_limit_per_minute: int = 120,
    ) -> None:
        """Start with the default accounts, nobody logged in."""
        super().__init__(clock=clock)
        self.accounts = {a.account_id: a for a in (accounts or default_accounts())}
        self.login_as = next(iter(self.accounts))
        self.grant_scopes: tuple[str, ...] = ALL_SCOPES
        self.codes: dict[str, Grant] = {}
        self.access_tokens: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, Grant] = {}
        self.rate_limit_per_minute = rate_limit_per_minute
        self.recent: dict[str, deque[float]] = {}
        self.billing: dict[str, Billing] = {a: Billing() for a in self.accounts}
        self.tariffs: dict[int, dict[str, Any]] = {}
        self.invalid_schedule: dict[int, list[str]] = {}
        self.outages: list[tuple[int, float, float]] = []
        self.registered_regions: set[str] = set(REGIONS)
        self.token_requests = 0
        self.refreshes = 0

    # -- routes --------------------------------------------------------------------------------

    def make_app(self) -> web.Application:
        """Add billing and authentication around the framework's middleware."""
        app = super().make_app()
        app.middlewares.append(self._fleet_middleware)
        return app

    def setup_routes(self, app: web.Application) -> None:
        """Add the auth server, the region lookup and the energy endpoints."""
        r = app.router
        r.add_get("/oauth2/v3/authorize", self._authorize)
        r.add_post("/oauth2/v3/token", self._token)
        r.add_post("/cn/oauth2/v3/token", self._china_token)
        r.add_get("/api/1/users/region", self._region)
        r.add_get("/{region}/api/1/users/region", self._region)
        base = "/{region}/api/1"
        r.add_get(f"{base}/products", self._products)
        site = f"{base}/energy_sites/{{site_id}}"
        r.add_get(f"{site}/site_info", self._site_info)
        r.add_get(f"{site}/live_status", self._live_status)
        r.add_get(f"{site}/calendar_history", self._calendar_history)
        r.add_get(f"{site}/telemetry_history", self._telemetry_history)
        r.add_post(f"{site}/backup", self._backup)
        r.add_post(f"{site}/operation", self._operation)
        r.add_post(f"{site}/storm_mode", self._storm_mode)
        r.add_post(f"{site}/grid_import_export", self._grid_import_export)
        r.add_post(
            f"{site}/off_grid_vehicle_charging_reserve", self._off_grid_vehicle_charging_reserve
        )
        r.add_post(f"{site}/time_of_use_settings", self._time_of_use_settings)

    # -- OAuth ---------------------------------------------------------------------------------

    async def _authorize(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        if q.get("response_type") != "code" or not q.get("client_id") or not q.get("redirect_uri"):
            raise web.HTTPBadRequest(text="response_type=code, client_id and redirect_uri needed")
        asked = tuple(q.get("scope", "").split())
        scopes = tuple(s for s in asked if s in self.grant_scopes)
        region = self.accounts[self.login_as].region
        code = f"{region.upper()}_{secrets.token_urlsafe(16)}"
        self.codes[code] = Grant(
            account_id=self.login_as,
            scopes=scopes,
            client_id=q["client_id"],
            expires_at=self.clock.timestamp() + 600,
            redirect_uri=q["redirect_uri"],
        )
        query = urlencode({"code": code, "state": q.get("state", ""), "issuer": "sim"})
        raise web.HTTPFound(f"{q['redirect_uri']}?{query}")

    async def _token(self, request: web.Request) -> web.Response:
        return await self._token_for(request, china=False)

    async def _china_token(self, request: web.Request) -> web.Response:
        return await self._token_for(request, china=True)

    async def _token_for(self, request: web.Request, *, china: bool) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        grant_type = form.get("grant_type")
        client_id = str(form.get("client_id", ""))
        if not client_id or not form.get("client_secret"):
            return json_response({"error": "invalid_client"}, status=401)
        now = self.clock.timestamp()
        if grant_type == "authorization_code":
            code = str(form.get("code", ""))
            grant = self.codes.get(code)
            if grant is None or grant.expires_at < now or grant.client_id != client_id:
                self.codes.pop(code, None)
                return json_response({"error": "invalid_grant"}, status=400)
        elif grant_type == "refresh_token":
            grant = self.refresh_tokens.get(str(form.get("refresh_token", "")))
            if (
                grant is None
                or grant.used
                or grant.expires_at < now
                or grant.client_id != client_id
            ):
                return json_response(
                    {"error": "invalid_grant", "error_description": "refresh token invalid"},
                    status=400,
                )
        else:
            return json_response({"error": "unsupported_grant_type"}, status=400)
        if (self.accounts[grant.account_id].region == "cn") != china:
            # China's accounts live on Tesla's Chinese auth server: refused elsewhere (and
            # the other way round), without using the code or the refresh token up.
            return json_response(
                {"error": "invalid_grant", "error_description": "account not served here"},
                status=400,
            )
        if grant_type == "authorization_code":
            self.codes.pop(code, None)
        else:
            # Single use: the old refresh token dies with this request.
            grant.used = True
            self.refreshes += 1
        return json_response(self._issue(grant.account_id, grant.scopes, client_id))

    def _issue(self, account_id: str, scopes: tuple[str, ...], client_id: str) -> dict[str, Any]:
        now = self.clock.timestamp()
        region = self.accounts[account_id].region
        access = make_jwt(
            {
                "iss": "https://auth.tesla.cn/oauth2/v3/nts"
                if region == "cn"
                else "https://auth.tesla.com/oauth2/v3/nts",
                "sub": account_id,
                "aud": [f"https://fleet-api.prd.{region}.vn.cloud.tesla.com"],
                "scp": list(scopes),
                "ou_code": region.upper(),
                "iat": int(now),
                "exp": int(now + ACCESS_TOKEN_LIFETIME),
                "jti": secrets.token_hex(8),
            }
        )
        refresh = f"sim-refresh-{secrets.token_urlsafe(24)}"
        grant = Grant(account_id, scopes, client_id, now + ACCESS_TOKEN_LIFETIME)
        self.access_tokens[access] = grant
        self.refresh_tokens[refresh] = Grant(
            account_id, scopes, client_id, now + REFRESH_TOKEN_LIFETIME
        )
        return {
            "access_token": access,
            "refresh_token": refresh,
            "id_token": make_jwt({"sub": account_id}),
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "scope": " ".join(scopes),
        }

    # -- the Fleet API -------------------------------------------------------------------------

    def _account_for(self, request: web.Request) -> tuple[Account, Grant]:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip()
        grant = self.access_tokens.get(token)
        if grant is None or grant.expires_at < self.clock.timestamp():
            raise _api_error(401, "token expired (401)")
        return self.accounts[grant.account_id], grant

    @web.middleware
    async def _fleet_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if "/api/1/" not in request.path:
            return await handler(request)
        account_id = None
        try:
            account, grant = self._account_for(request)
            account_id = account.account_id
            region = request.match_info.get("region")
            if region is not None and region != account.region:
                raise _api_error(421, f"user out of region, use {account.region}")
            if region is not None and region not in self.registered_regions:
                raise _api_error(
                    412,
                    "Account must be registered in the current region "
                    f"{request.scheme}://{request.host}/{region}/api/1/partner_accounts",
                )
            needed = COMMAND_SCOPE if request.method == "POST" else READ_SCOPE
            if "users/region" not in request.path and needed not in grant.scopes:
                raise _api_error(403, f"Unauthorized missing scopes: {needed}")
            self._rate_limit(account_id)
            response = await handler(request)
        except web.HTTPException as err:
            self._bill(account_id, request, err.status)
            raise
        self._bill(account_id, request, response.status)
        return response

    def _rate_limit(self, account_id: str) -> None:
        if self.rate_limit_per_minute <= 0:
            return
        now = self.clock.timestamp()
        window = self.recent.setdefault(account_id, deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self.rate_limit_per_minute:
            retry = max(int(window[0] + 60 - now) + 1, 1)
            raise _api_error(429, "rate limited", headers={"Retry-After": str(retry)})
        window.append(now)

    def _bill(self, account_id: str | None, request: web.Request, status: int) -> None:
        if account_id is None:
            return
        bill = self.billing[account_id]
        if status >= 500:
            bill.unbilled += 1
            return
        if request.method == "POST":
            bill.commands += 1
        else:
            bill.data += 1
        if site := request.match_info.get("site_id"):
            bill.by_site[site] = bill.by_site.get(site, 0) + 1

    def _site(self, request: web.Request) -> SiteModel:
        account, _grant = self._account_for(request)
        site_id = request.match_info["site_id"]
        for site in account.sites:
            if str(site.site_id) == site_id:
                site.advance(self.clock.timestamp())
                return site
        raise _api_error(404, "energy site not found")

    async def _region(self, request: web.Request) -> web.Response:
        account, _grant = self._account_for(request)
        base = f"{request.scheme}://{request.host}/{account.region}"
        return json_response({"response": {"region": account.region, "fleet_api_base_url": base}})

    async def _products(self, request: web.Request) -> web.Response:
        account, _grant = self._account_for(request)
        products: list[dict[str, Any]] = [
            {
                "id": 99,
                "user_id": 99,
                "vehicle_id": 99,
                "vin": "5YJ3000000NEXUS01",
                "display_name": "Car",
                "state": "asleep",
                "id_s": "99",
                "api_version": 71,
            }
        ]
        for site in account.sites:
            products.append(  # noqa: PERF401 - one product per site, readable as is
                {
                    "energy_site_id": site.site_id,
                    "resource_type": "battery" if site.has_battery else "solar",
                    "site_name": site.name,
                    "id": f"STE-{site.site_id}",
                    "gateway_id": f"GW-{site.site_id}",
                    "asset_site_id": _site_uuid(site),
                    "warp_site_number": f"GA{site.site_id:06d}",
                    "energy_left": site.energy_left,
                    "total_pack_energy": site.capacity,
                    "percentage_charged": self._percent(site),
                    "battery_type": "ac_powerwall",
                    "backup_capable": site.has_battery,
                    "battery_power": 0,
                    "go_off_grid_test_banner_enabled": None,
                    "storm_mode_enabled": site.storm_watch,
                    "powerwall_onboarding_settings_set": True,
                    "powerwall_tesla_electric_interested_in": None,
                    "vpp_tour_enabled": None,
                    "sync_grid_alert_enabled": True,
                    "breaker_alert_enabled": True,
                    "components": {
                        "battery": site.has_battery,
                        "battery_type": "ac_powerwall" if site.has_battery else None,
                        "solar": site.solar_peak > 0,
                        "solar_type": "pv_panel" if site.solar_peak > 0 else None,
                        "grid": site.has_grid,
                        "load_meter": True,
                        "market_type": "residential",
                        "wall_connectors": [
                            {"device_id": wc.din.lower(), "din": wc.din, "is_active": True}
                            for wc in site.wall_connectors
                        ],
                    },
                    "features": {"rate_plan_manager_no_pricing_constraint": True},
                }
            )
        return json_response({"response": products, "count": len(products)})

    def _percent(self, site: SiteModel) -> float:
        return round(site.energy_left / site.capacity * 100, 3) if site.has_battery else 0.0

    async def _site_info(self, request: web.Request) -> web.Response:
        site = self._site(request)
        info: dict[str, Any] = {
            # A string unrelated to the energy site id, as in real replies.
            "id": _site_uuid(site),
            "site_name": site.name,
            "backup_reserve_percent": site.backup_reserve,
            "default_real_mode": site.operation_mode,
            "installation_date": "2022-03-14T10:20:00-07:00",
            "user_settings": {
                "go_off_grid_test_banner_enabled": False,
                "storm_mode_enabled": site.storm_watch,
                "powerwall_onboarding_settings_set": True,
                "powerwall_tesla_electric_interested_in": False,
                "vpp_tour_enabled": True,
                "sync_grid_alert_enabled": True,
                "breaker_alert_enabled": False,
            },
            "components": {
                "solar": site.solar_peak > 0,
                "solar_type": "pv_panel",
                "battery": site.has_battery,
                "grid": site.has_grid,
                "backup": site.has_battery,
                "gateway": "teg",
                "load_meter": True,
                "tou_capable": site.has_battery,
                "storm_mode_capable": site.has_battery,
                "flex_energy_request_capable": False,
                "car_charging_data_supported": False,
                "off_grid_vehicle_charging_reserve_supported": site.has_battery,
                "vehicle_charging_performance_view_enabled": False,
                "vehicle_charging_solar_offset_view_enabled": False,
                "battery_solar_offset_view_enabled": True,
                "solar_value_enabled": True,
                "energy_value_header": "Energy Value",
                "energy_value_subheader": "Estimated Value",
                "energy_service_self_scheduling_enabled": True,
                "show_grid_import_battery_source_cards": True,
                "set_islanding_mode_enabled": True,
                "wifi_commissioning_enabled": True,
                "backup_time_remaining_enabled": True,
                "battery_type": "ac_powerwall",
                "configurable": True,
                "grid_services_enabled": False,
                "gateways": [
                    {
                        "device_id": f"gw-{site.site_id}",
                        "din": f"1232100-00-E--GW{site.site_id}",
                        "serial_number": f"GW{site.site_id:012d}",
                        "part_number": "1232100-00-E",
                        "part_type": 10,
                        "part_name": "Tesla Backup Gateway 2",
                        "is_active": True,
                        "site_id": _site_uuid(site),
                        "firmware_version": "24.44.1 4a8a1c83",
                        "updated_datetime": "2024-11-02T00:00:00.000Z",
                    }
                ],
                "batteries": [
                    {
                        "device_id": f"pw{i}",
                        "din": f"2012170-25-E--TG{site.site_id}{i}",
                        "serial_number": f"TG{site.site_id}{i:08d}",
                        "part_number": "2012170-25-E",
                        "part_type": 2,
                        "part_name": "Powerwall 2",
                        "nameplate_max_charge_power": 5000,
                        "nameplate_max_discharge_power": 5000,
                        "nameplate_energy": 13500,
                    }
                    for i in range(site.battery_count)
                ],
                "wall_connectors": [
                    {
                        "device_id": wc.din.lower(),
                        "din": wc.din,
                        "part_name": wc.part_name,
                        "is_active": True,
                        # Often absent in real replies: only sent when known.
                        **({"serial_number": wc.serial_number} if wc.serial_number else {}),
                    }
                    for wc in site.wall_connectors
                ],
                "disallow_charge_from_grid_with_solar_installed": not site.allow_charge_from_grid,
                "customer_preferred_export_rule": site.export_rule,
                "net_meter_mode": "battery_ok",
                "system_alerts_enabled": True,
            },
            "version": "24.44.1 4a8a1c83",
            "battery_count": site.battery_count,
            "tou_settings": {"optimization_strategy": "economics", "schedule": []},
            "nameplate_power": 5000 * site.battery_count,
            "nameplate_energy": 13500 * site.battery_count,
            # Real sites can send an empty string.
            "installation_time_zone": site.time_zone if site.reports_time_zone else "",
            "max_site_meter_power_ac": 1000000000,
            "min_site_meter_power_ac": -1000000000,
            "vpp_backup_reserve_percent": site.backup_reserve,
        }
        if site.reports_off_grid_reserve:
            info["off_grid_vehicle_charging_reserve_percent"] = (
                site.off_grid_vehicle_charging_reserve
            )
        if (tariff := self.tariffs.get(site.site_id)) is not None:
            info["tariff_content_v2"] = tariff
        return json_response({"response": info})

    async def _live_status(self, request: web.Request) -> web.Response:
        site = self._site(request)
        now = self.clock.now()
        site.grid_up = not self._in_outage(site.site_id, now.timestamp())
        flows = site.flows(now)
        local = now.astimezone(ZoneInfo(site.time_zone))
        live: dict[str, Any] = {
            "solar_power": flows.solar,
            "energy_left": round(site.energy_left, 1),
            "total_pack_energy": site.capacity,
            "percentage_charged": self._percent(site),
            "backup_capable": site.has_battery,
            "battery_power": flows.battery,
            "load_power": flows.load,
            "grid_status": ("Active" if site.grid_up else "Inactive")
            if site.has_grid
            else "Unknown",
            "grid_services_active": False,
            "grid_power": flows.grid,
            "grid_services_power": 0,
            "generator_power": 0,
            "island_status": (
                ("on_grid" if site.grid_up else "off_grid_unintentional")
                if site.has_grid
                else "island_status_unknown"
            ),
            "storm_mode_active": site.storm_watch and local.hour in (3, 4),
            "timestamp": local.isoformat(timespec="seconds"),
            "wall_connectors": [
                {
                    "din": wc.din,
                    "wall_connector_state": wc.state(local),
                    "wall_connector_fault_state": 2,
                    "wall_connector_power": wc.power(local),
                }
                for wc in site.wall_connectors
            ]
            or None,
        }
        return json_response({"response": live})

    def _in_outage(self, site_id: int, when: float) -> bool:
        return any(s == site_id and a <= when < b for s, a, b in self.outages)

    def _range(
        self, request: web.Request, site: SiteModel, period: str = "day"
    ) -> tuple[datetime, datetime, ZoneInfo]:
        """Return the asked span and time zone, with the defaults the real API uses.

        Only ``kind`` is required: without dates the span is the current ``period`` (up to
        now) in the asked time zone, else the site's, else UTC. Dates are RFC 3339 (an
        offset or ``Z``, fractional seconds allowed).
        """
        q = request.query
        zone_name = q.get("time_zone") or (site.time_zone if site.reports_time_zone else "UTC")
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise _api_error(400, f"invalid time_zone: {zone_name}") from err
        try:
            end = _rfc3339(q["end_date"]) if "end_date" in q else self.clock.now()
            start = (
                _rfc3339(q["start_date"])
                if "start_date" in q
                else _period_start(end.astimezone(zone), period)
            )
        except ValueError as err:
            raise _api_error(400, f"invalid start_date or end_date: {err}") from err
        if end < start:
            raise _api_error(400, "end_date is before start_date")
        return start, end, zone

    async def _calendar_history(self, request: web.Request) -> web.Response:
        site = self._site(request)
        kind = request.query.get("kind")
        if kind not in ("energy", "backup"):
            raise _api_error(400, "kind must be energy or backup")
        period = request.query.get("period") or "day"
        if period not in PERIODS:
            raise _api_error(400, f"period must be one of {', '.join(PERIODS)}")
        start, end, zone = self._range(request, site, period)
        if kind == "energy":
            return json_response({"response": self._energy(site, start, end, zone, period)})
        return json_response({"response": self._backups(site, start, end, zone)})

    def _energy(
        self, site: SiteModel, start: datetime, end: datetime, zone: ZoneInfo, period: str
    ) -> dict[str, Any]:
        now = self.clock.now()
        step = timedelta(seconds=STEP_SECONDS)
        t = datetime.fromtimestamp(start.timestamp() // STEP_SECONDS * STEP_SECONDS, UTC)
        points: dict[str, dict[str, float]] = {}
        while t < end and t + step <= now:
            local = t.astimezone(zone)
            if period == "day":
                key = local
            elif period in ("week", "month"):
                key = local.replace(hour=0, minute=0, second=0, microsecond=0)
            else:
                key = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            bucket = points.setdefault(
                key.isoformat(timespec="seconds"), dict.fromkeys(ENERGY_FIELDS, 0.0)
            )
            for name, value in site.interval_energy(t).items():
                bucket[name] = round(bucket.get(name, 0.0) + value, 2)
            t += step
        series = [{"timestamp": ts, **values, **_totals(values)} for ts, values in points.items()]
        return {
            "period": period,
            "installation_time_zone": site.time_zone if site.reports_time_zone else "",
            # Real replies say null, not [], when there is no data (yet).
            "time_series": series or None,
        }

    def _backups(
        self, site: SiteModel, start: datetime, end: datetime, zone: ZoneInfo
    ) -> dict[str, Any]:
        events = []
        for site_id, a, b in self.outages:
            if site_id == site.site_id and start.timestamp() <= a < end.timestamp():
                events.append(
                    {
                        "timestamp": datetime.fromtimestamp(a, zone).isoformat(timespec="seconds"),
                        "duration": int(b - a),
                    }
                )
        return {"events": events, "total_events": len(events)}

    async def _telemetry_history(self, request: web.Request) -> web.Response:
        site = self._site(request)
        if request.query.get("kind") != "charge":
            raise _api_error(400, "kind must be charge")
        start, end, zone = self._range(request, site)
        sessions = []
        day = start.astimezone(zone).replace(hour=22, minute=0, second=0, microsecond=0)
        while day < end and day.timestamp() + 3 * 3600 <= self.clock.timestamp():
            if day >= start:
                for wc in site.wall_connectors:
                    sessions.append(  # noqa: PERF401
                        {
                            "din": wc.din,
                            "charge_start_time": {"seconds": int(day.timestamp())},
                            "charge_duration": {"seconds": 3 * 3600},
                            "energy_added_wh": int(wc.max_power * 3),
                        }
                    )
            day += timedelta(days=1)
        return json_response({"response": {"charge_history": sessions}})

    # -- commands ------------------------------------------------------------------------------

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError as err:
            raise _api_error(400, "body is not JSON") from err
        if not isinstance(body, dict):
            raise _api_error(400, "body must be an object")
        return body

    @staticmethod
    def _updated() -> web.Response:
        return json_response({"response": {"code": 201, "message": "Updated"}})

    async def _backup(self, request: web.Request) -> web.Response:
        site, body = self._site(request), await self._body(request)
        value = body.get("backup_reserve_percent")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            raise _api_error(400, "backup_reserve_percent must be 0-100")
        site.backup_reserve = value
        return self._updated()

    async def _operation(self, request: web.Request) -> web.Response:
        site, body = self._site(request), await self._body(request)
        mode = body.get("default_real_mode")
        if mode not in ("autonomous", "self_consumption", "backup"):
            raise _api_error(400, "invalid default_real_mode")
        site.operation_mode = mode
        return self._updated()

    async def _storm_mode(self, request: web.Request) -> web.Response:
        site, body = self._site(request), await self._body(request)
        if not isinstance(body.get("enabled"), bool):
            raise _api_error(400, "enabled must be a boolean")
        if not site.has_battery:
            raise _api_error(400, "storm mode not supported")
        site.storm_watch = body["enabled"]
        return self._updated()

    async def _grid_import_export(self, request: web.Request) -> web.Response:
        site, body = self._site(request), await self._body(request)
        disallow = body.get("disallow_charge_from_grid_with_solar_installed")
        rule = body.get("customer_preferred_export_rule")
        if disallow is None and rule is None:
            raise _api_error(400, "nothing to change")
        if disallow is not None and not isinstance(disallow, bool):
            raise _api_error(
                400, "disallow_charge_from_grid_with_solar_installed must be a boolean"
            )
        if rule is not None and rule not in ("battery_ok", "pv_only", "never"):
            raise _api_error(400, "invalid customer_preferred_export_rule")
        if disallow is not None:
            site.allow_charge_from_grid = not disallow
        if rule is not None:
            site.export_rule = rule
        return self._updated()

    async def _off_grid_vehicle_charging_reserve(self, request: web.Request) -> web.Response:
        site, body = self._site(request), await self._body(request)
        value = body.get("off_grid_vehicle_charging_reserve_percent")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            raise _api_error(400, "off_grid_vehicle_charging_reserve_percent must be 0-100")
        site.off_grid_vehicle_charging_reserve = value
        return self._updated()

    async def _time_of_use_settings(self, request: web.Request) -> web.Response:
        site, body = self._site(request), await self._body(request)
        tariff = (body.get("tou_settings") or {}).get("tariff_content_v2")
        if not isinstance(tariff, dict):
            raise _api_error(400, "tou_settings.tariff_content_v2 is needed")
        # Like Tesla: accepted whatever it is; the app shows "Invalid schedule" later.
        self.tariffs[site.site_id] = accept(tariff)
        self.invalid_schedule[site.site_id] = schedule_errors(tariff)
        return self._updated()

    # -- control API ---------------------------------------------------------------------------

    def site(self, site_id: int) -> SiteModel:
        """Return a site by id (for tests)."""
        for account in self.accounts.values():
            for site in account.sites:
                if site.site_id == site_id:
                    return site
        raise KeyError(site_id)

    def expire_access_tokens(self) -> None:
        """Make every access token expire now (a refresh is needed)."""
        for grant in self.access_tokens.values():
            grant.expires_at = 0

    def revoke_refresh_tokens(self) -> None:
        """Make every refresh token invalid (a reauth is needed)."""
        for grant in self.refresh_tokens.values():
            grant.used = True

    def start_outage(self, site_id: int, seconds: float) -> None:
        """Cut the grid of a site for a while from now."""
        now = self.clock.timestamp()
        self.outages.append((site_id, now, now + seconds))

    def state(self) -> dict[str, Any]:
        """Return the sites, settings, tariffs and billing counters."""
        return {
            "login_as": self.login_as,
            "grant_scopes": list(self.grant_scopes),
            "rate_limit_per_minute": self.rate_limit_per_minute,
            "registered_regions": sorted(self.registered_regions),
            "token_requests": self.token_requests,
            "refreshes": self.refreshes,
            "accounts": {
                a.account_id: {
                    "region": a.region,
                    "billing": {
                        "data": self.billing[a.account_id].data,
                        "commands": self.billing[a.account_id].commands,
                        "unbilled": self.billing[a.account_id].unbilled,
                        "cost_usd": self.billing[a.account_id].cost,
                        "by_site": self.billing[a.account_id].by_site,
                    },
                    "sites": {
                        str(s.site_id): {
                            "name": s.name,
                            "energy_left": round(s.energy_left, 1),
                            "backup_reserve": s.backup_reserve,
                            "operation_mode": s.operation_mode,
                            "storm_watch": s.storm_watch,
                            "allow_charge_from_grid": s.allow_charge_from_grid,
                            "export_rule": s.export_rule,
                            "off_grid_vehicle_charging_reserve": s.off_grid_vehicle_charging_reserve,
                            "tariff": self.tariffs.get(s.site_id),
                            "invalid_schedule": self.invalid_schedule.get(s.site_id),
                        }
                        for s in a.sites
                    },
                }
                for a in self.accounts.values()
            },
        }

    async def update_state(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply control changes: who logs in, which scopes, token expiry, outages, limits,
        and the regions where the application is registered (412 elsewhere)."""
        if "login_as" in changes:
            if changes["login_as"] not in self.accounts:
                raise web.HTTPBadRequest(text="unknown account")
            self.login_as = changes["login_as"]
        if "grant_scopes" in changes:
            self.grant_scopes = tuple(changes["grant_scopes"])
        if "rate_limit_per_minute" in changes:
            self.rate_limit_per_minute = int(changes["rate_limit_per_minute"])
        if "registered_regions" in changes:
            self.registered_regions = {str(r) for r in changes["registered_regions"]}
        if changes.get("expire_access_tokens"):
            self.expire_access_tokens()
        if changes.get("revoke_refresh_tokens"):
            self.revoke_refresh_tokens()
        if outage := changes.get("outage"):
            self.start_outage(int(outage["site_id"]), float(outage["seconds"]))
        return self.state()


# Every energy field of a history point: real replies send zeros too.
ENERGY_FIELDS = (
    "solar_energy_exported",
    "generator_energy_exported",
    "grid_energy_imported",
    "grid_services_energy_imported",
    "grid_services_energy_exported",
    "grid_energy_exported_from_solar",
    "grid_energy_exported_from_generator",
    "grid_energy_exported_from_battery",
    "battery_energy_exported",
    "battery_energy_imported_from_grid",
    "battery_energy_imported_from_solar",
    "battery_energy_imported_from_generator",
    "consumer_energy_imported_from_grid",
    "consumer_energy_imported_from_solar",
    "consumer_energy_imported_from_battery",
    "consumer_energy_imported_from_generator",
)


def _totals(values: dict[str, float]) -> dict[str, float]:
    """Return the totals a real history point carries beside its fields."""

    def total(*names: str) -> float:
        return round(sum(values.get(name, 0.0) for name in names), 2)

    return {
        "total_home_usage": total(*(n for n in ENERGY_FIELDS if n.startswith("consumer_"))),
        "total_battery_charge": total(
            *(n for n in ENERGY_FIELDS if n.startswith("battery_energy_imported"))
        ),
        "total_battery_discharge": total("battery_energy_exported"),
        "total_solar_generation": total("solar_energy_exported"),
        "total_grid_energy_exported": total(
            *(n for n in ENERGY_FIELDS if n.startswith("grid_energy_exported"))
        ),
    }


def _rfc3339(value: str) -> datetime:
    """Parse an RFC 3339 date-time (``Z`` or an offset; fractional seconds allowed)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no offset")
    return parsed


def _period_start(local: datetime, period: str) -> datetime:
    """Return the start of the ``period`` that holds the local time ``local``."""
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return midnight - timedelta(days=midnight.weekday())
    if period == "month":
        return midnight.replace(day=1)
    if period == "year":
        return midnight.replace(month=1, day=1)
    if period == "lifetime":
        return datetime(2022, 3, 14, tzinfo=local.tzinfo)
    return midnight


def _site_uuid(site: SiteModel) -> str:
    """Return the site's own id (a UUID string, unrelated to the energy site id)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sim-tesla-site/{site.name}/{site.site_id}"))


def _api_error(
    status: int, message: str, headers: dict[str, str] | None = None
) -> web.HTTPException:
    """Return an HTTP error with Tesla's JSON body (``response: null``)."""
    body = json.dumps({"response": None, "error": message, "error_description": ""})
    kinds: dict[int, type[web.HTTPException]] = {
        400: web.HTTPBadRequest,
        401: web.HTTPUnauthorized,
        403: web.HTTPForbidden,
        404: web.HTTPNotFound,
        412: web.HTTPPreconditionFailed,
        421: web.HTTPMisdirectedRequest,
        429: web.HTTPTooManyRequests,
    }
    return kinds.get(status, web.HTTPInternalServerError)(
        text=body, content_type="application/json", headers=headers
    )
