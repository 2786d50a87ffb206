"""The gateway client: firmware detection, authentication, capability probing, reads and writes.

One ``EnphaseGateway`` talks to one gateway. It first reads ``/info`` (https, then http for
firmware that has no TLS), authenticates the way the firmware wants, and probes once which
endpoints this unit really has: firmware generations differ, and a 401 or a redirect from one
endpoint of an otherwise working gateway means "not here", not "bad credentials".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
import logging
import time
from typing import Any

import aiohttp

from ...energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    InvalidResponseError,
    RequestError,
    UnreachableError,
)
from ...energy_bridges_common.client.http import (
    NO_RETRY,
    HttpClient,
    HttpResponse,
    RetryPolicy,
    decode_json_lenient,
)
from ...energy_bridges_common.client.redact import Redactor
from . import const
from .auth import (
    ENLIGHTEN_LOGIN_URL,
    INSTALLER_USER,
    TOKEN_URL,
    DigestAuth,
    TokenInfo,
    decode_token,
    default_digest_password,
    fetch_token,
)
from .models import (
    BatteryAggregate,
    BatteryPower,
    CtKind,
    CtMeter,
    CtReading,
    DeviceData,
    DryContact,
    DryContactSettings,
    EnsembleInventory,
    EnsembleStatus,
    GatewayInfo,
    Generator,
    GeneratorMode,
    GridRelay,
    InterfaceInfo,
    Inverter,
    PowerExportLimit,
    ProductionReport,
    RelayState,
    SimpleProduction,
    StorageMode,
    StorageSettings,
    parse_dry_contacts,
    parse_inverters,
    parse_meter_readings,
    parse_meters,
)

_LOGGER = logging.getLogger(__name__)

# The first poll after a probe takes the probe's replies instead of asking the gateway again
# (one use each, this young at most): setup then reads each endpoint once, not twice.
PROBE_REPLY_REUSE_SECONDS = 60.0
# Set while this task probes (a poll running beside it keeps nothing).
_PROBING: ContextVar[bool] = ContextVar("enphase_probing", default=False)


class EndpointUnavailableError(RequestError):
    """The gateway does not have the endpoint (404, a redirect, or a 401 while authorised)."""


class UnsupportedFirmwareError(InvalidResponseError):
    """The gateway has no production endpoint that answers JSON (firmware 3.7 and earlier)."""


class GatewayNotReadyError(InvalidResponseError):
    """The gateway answered with all zeros, as old firmware does just after booting."""


class WriteNotAppliedError(BridgeApiError):
    """The gateway accepted a write but reading back shows it did not take effect."""

    def __init__(self, message: str, *, setting: str, requested: Any, reported: Any) -> None:
        """Keep what was asked and what the gateway reports."""
        super().__init__(message)
        self.setting = setting
        self.requested = requested
        self.reported = reported


class StorageScheduleLockedError(WriteNotAppliedError):
    """The gateway kept the cloud's optimised schedules on, so it ignored a storage write."""


class _GatewayHttp(HttpClient):
    """The shared client, with the gateway's meaning of some statuses."""

    def error_for_response(self, response: HttpResponse) -> BridgeApiError | None:
        status = response.status
        if status in (401, 403):
            return None  # the gateway client decides: bad credentials, or "not here"
        if 300 <= status < 400 or status == 404:
            where = f"{response.method} {self.redactor.url(response.url)}"
            return EndpointUnavailableError(f"{where}: not available (HTTP {status})", status)
        return super().error_for_response(response)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What this gateway has, decided once by probing (and again after a firmware change)."""

    firmware: str
    production_report: bool = False
    production_legacy: bool = False
    production_v1: bool = False
    inverters: bool = False
    device_data: bool = False
    meters: Mapping[int, CtMeter] = field(default_factory=dict)
    batteries: bool = False
    system_controller: bool = False
    ensemble_devices: bool = False
    """IQ Meter Collars or IQ Combiners in the inventory."""
    ensemble_status: bool = False
    battery_aggregate: bool = False
    battery_power: bool = False
    relay: bool = False
    dry_contacts: bool = False
    dry_contact_settings: bool = False
    storage_settings: bool = False
    power_export_limit: bool = False
    generator: bool = False
    interface: bool = False
    metered: bool = False
    """Whether ``/info`` says the gateway can meter (or its report has CT sections)."""
    production_ct: bool = False
    """A production CT is installed (``activeCount`` > 0) and enabled."""
    consumption_ct: bool = False
    """A consumption CT (net or total) is installed and enabled."""
    production_from_inverters: bool = False
    """Production comes from the report's inverters section (v1 stalls on this firmware)."""
    ac_batteries: bool = False
    net_as_total: bool = False
    refused: tuple[str, ...] = ()
    """Endpoints the gateway refused (401/403) although the credentials were accepted."""

    @property
    def ct_meters(self) -> dict[int, CtMeter]:
        """Return the enabled CTs."""
        return {eid: m for eid, m in self.meters.items() if m.enabled}

    @property
    def has_cts(self) -> bool:
        """Return whether any CT is installed and enabled."""
        return bool(self.ct_meters)

    def endpoints(self) -> list[str]:
        """Return the endpoints this gateway has (for raw captures)."""
        pairs = [
            (const.INFO, True),
            (const.HOME, self.interface),
            (const.PRODUCTION_JSON, self.production_report),
            (const.PRODUCTION_LEGACY, self.production_legacy),
            (const.PRODUCTION_V1, self.production_v1),
            (const.INVERTERS_V1, self.inverters),
            (const.DEVICE_DATA, self.device_data),
            (const.METERS, bool(self.meters)),
            (const.METER_READINGS, self.has_cts),
            (
                const.ENSEMBLE_INVENTORY,
                self.batteries or self.system_controller or self.ensemble_devices,
            ),
            (const.ENSEMBLE_STATUS, self.ensemble_status),
            (const.ENSEMBLE_SECCTRL, self.battery_aggregate),
            (const.ENSEMBLE_POWER, self.battery_power),
            (const.GRID_RELAY, self.relay),
            (const.DRY_CONTACTS, self.dry_contacts),
            (const.DRY_CONTACT_SETTINGS, self.dry_contact_settings),
            (const.POWER_EXPORT_LIMIT, self.power_export_limit),
            (const.TARIFF, self.storage_settings),
            (const.GEN_CONFIG, self.generator),
            (const.GEN_MODE, self.generator),
            (const.GEN_SCHEDULE, self.generator),
        ]
        return [path for path, present in pairs if present]


class EnphaseGateway:
    """A client for one Envoy / IQ Gateway on the LAN."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        *,
        username: str = "",
        password: str = "",
        token: str | None = None,
        manual_token: bool = False,
        login_url: str = ENLIGHTEN_LOGIN_URL,
        token_url: str = TOKEN_URL,
        keep_alive: bool = True,
        verify_attempts: int = 5,
        verify_delay: float = 2.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Set up the client; nothing is sent until ``setup``."""
        self.session = session
        self.host = host.strip().rstrip("/")
        self.username = username
        self.password = password
        self.token = token or None
        self.manual_token = manual_token
        self.login_url = login_url
        self.token_url = token_url
        self.keep_alive = keep_alive
        self.verify_attempts = verify_attempts
        self.verify_delay = verify_delay
        self.info: GatewayInfo | None = None
        self.interface: InterfaceInfo | None = None
        self.capabilities: Capabilities | None = None
        self.on_token_change: Callable[[str], None] | None = None
        self._sleep = sleep
        self._clock = clock or _wall_clock
        self._redactor = Redactor([password, token or ""])
        self._http: _GatewayHttp | None = None
        self._digest: DigestAuth | None = None
        self._cookie: str | None = None
        self._authenticated = False
        # One request at a time: the gateway is a small computer that answers slowly when
        # asked several things at once (the fast and slow polls would otherwise overlap).
        self._lock = asyncio.Lock()
        self._probe_replies: dict[str, tuple[float, Any]] = {}
        self.refused_at_login = False
        self._refused: set[str] = set()
        # Endpoints that answered since the last probe (paths without their query).
        self._answered: set[str] = set()
        self._token_refused: str | None = None
        self.new_firmware_seen = False
        """An endpoint was refused by a firmware the probe did not see (the poller re-reads)."""
        self._renew_lock = asyncio.Lock()

    # -- connection -------------------------------------------------------------------------

    @property
    def base_url(self) -> str | None:
        """Return the URL the gateway answered on (after ``setup``)."""
        return None if self._http is None else self._http.base_url

    @property
    def stats(self) -> dict[str, int]:
        """Return requests sent per path (without the address)."""
        if self._http is None:
            return {}
        base = self._http.base_url
        return {url.removeprefix(base): count for url, count in self._http.stats.by_path.items()}

    def _candidates(self) -> list[str]:
        if self.host.startswith(("http://", "https://")):
            return [self.host]
        return [f"https://{self.host}", f"http://{self.host}"]

    def _client(self, base_url: str, retry: RetryPolicy = NO_RETRY) -> _GatewayHttp:
        headers = {} if self.keep_alive else {"Connection": "close"}
        return _GatewayHttp(
            self.session,
            base_url,
            timeout=const.DEFAULT_TIMEOUT,
            retry=retry,
            headers=headers,
            redactor=self._redactor,
            sleep=self._sleep,
            lan_only=True,
        )

    async def setup(self) -> GatewayInfo:
        """Find the scheme the gateway answers on and read who it is."""
        error: BridgeApiError | None = None
        for base in self._candidates():
            probe = self._client(base, NO_RETRY)
            try:
                response = await probe.request(
                    "GET", const.INFO, timeout=const.TIMEOUTS[const.INFO], ssl=False
                )
            except UnreachableError as err:
                error = err
                continue
            self.info = GatewayInfo.from_xml(response.text)
            # No immediate retries: a gateway that failed a read is often busy, and the
            # coordinators poll again soon (with backoff) anyway.
            self._http = self._client(base, NO_RETRY)
            return self.info
        assert error is not None
        raise error

    @property
    def _api(self) -> _GatewayHttp:
        if self._http is None:
            raise UnreachableError("The gateway client is not set up")
        return self._http

    # -- authentication ---------------------------------------------------------------------

    @property
    def token_info(self) -> TokenInfo | None:
        """Return what the token says of itself (None without a token)."""
        if not self.token:
            return None
        try:
            return decode_token(self.token)
        except AuthenticationError:
            return None

    async def authenticate(self) -> None:
        """Log in the way the firmware wants; raise ``AuthenticationError`` when refused."""
        info = self.info or await self.setup()
        self._authenticated = False
        if not info.uses_token:
            username = self.username or INSTALLER_USER
            password = self.password or default_digest_password(info.serial, username)
            if password is None:
                raise AuthenticationError(f"A password is needed for user {username!r}")
            self._redactor.add_secret(password)
            self._digest = DigestAuth(username, password)
            self.refused_at_login = False
            try:
                response = await self._send("GET", const.INVERTERS_V1, None, const.DEFAULT_TIMEOUT)
                if response.status in (401, 403) and self._digest.take_challenge(
                    response.headers.get("WWW-Authenticate")
                ):
                    response = await self._send(
                        "GET", const.INVERTERS_V1, None, const.DEFAULT_TIMEOUT
                    )
            except EndpointUnavailableError:
                # No inverter list on this unit: nothing here needs the credentials.
                self._authenticated = True
                return
            if response.status in (401, 403):
                if self._digest.take_challenge(response.headers.get("WWW-Authenticate")):
                    # Challenged again after a digest answer: the password is wrong.
                    raise AuthenticationError("The gateway refused the credentials")
                # Refused without a new challenge: some units keep the inverter list from
                # valid credentials while everything public still answers. Read what can be.
                _LOGGER.warning(
                    "%s refused the inverter list (HTTP %s) with these credentials: "
                    "reading what it allows without it",
                    self._redactor.url(self.host),
                    response.status,
                )
                self.refused_at_login = True
            self._authenticated = True
            return
        if not self.token:
            await self._fetch_token()
        assert self.token is not None
        if (token_info := decode_token(self.token)).expired(self._clock()):
            if self.manual_token or not self.password:
                raise AuthenticationError("The access token has expired")
            await self._fetch_token()
        elif token_info.serial and token_info.serial != info.serial:
            raise AuthenticationError("The token was issued for another gateway")
        if not await self._check_jwt():
            if self.manual_token or not self.password:
                raise AuthenticationError("The gateway rejected the access token")
            await self._fetch_token()
            if not await self._check_jwt():
                raise AuthenticationError("The gateway rejected a fresh access token")
        self._authenticated = True

    async def _fetch_token(self) -> None:
        if self.manual_token or not self.username or not self.password:
            raise AuthenticationError("No token, and no Enlighten credentials to fetch one")
        assert self.info is not None
        token = await fetch_token(
            self.session,
            username=self.username,
            password=self.password,
            serial=self.info.serial,
            login_url=self.login_url,
            token_url=self.token_url,
        )
        self._set_token(token)

    def _set_token(self, token: str) -> None:
        self.token = token
        self._cookie = None
        self._redactor.add_secret(token)
        if self.on_token_change is not None:
            self.on_token_change(token)

    async def _check_jwt(self) -> bool:
        """Validate the token; keep the session cookie the gateway hands back."""
        self._cookie = None
        async with self._lock:
            response = await self._api.request(
                "GET",
                const.CHECK_JWT,
                headers={"Authorization": f"Bearer {self.token}"},
                ssl=False,
                secret_reply=True,
            )
        if response.status in (401, 403):
            return False
        getall = getattr(response.headers, "getall", None)
        for header in getall("Set-Cookie", []) if getall else []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            if "sessionId" in cookie:
                self._cookie = cookie["sessionId"].value
                self._redactor.add_secret(self._cookie)
        return True

    async def renew_token_if_due(self) -> bool:
        """Fetch a new token from the cloud when the current one nears expiry."""
        info = self.token_info
        if self.manual_token or info is None or not info.should_renew(self._clock()):
            return False
        await self._fetch_token()
        await self._check_jwt()
        return True

    def _auth_headers(self, method: str, uri: str) -> dict[str, str]:
        if self._digest is not None:
            header = self._digest.header(method, uri)
            return {"Authorization": header} if header else {}
        if self._cookie:
            return {"Cookie": f"sessionId={self._cookie}"}
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        return {}

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        timeout: float | None = None,
    ) -> HttpResponse:
        """Send a request with the credentials; sort a 401 into re-auth or "not here"."""
        if method != "GET":
            # A write changes what the probe read: its replies are no longer current.
            self._probe_replies.clear()
        if timeout is None:
            timeout = const.TIMEOUTS.get(path.split("?", 1)[0], const.DEFAULT_TIMEOUT)
        response = await self._send(method, path, json_body, timeout)
        retried = renewed = False
        used = self.token
        if response.status in (401, 403) and await self._reauthorise(response):
            # A fresh token fetched here is not fetched again below.
            renewed, used = self.token != used, self.token
            response = await self._send(method, path, json_body, timeout)
            retried = True
        answered = self._answered_before(method, path)
        if (
            response.status in (401, 403)
            and answered
            and not renewed
            and await self._renew_token_now(used)
        ):
            response = await self._send(method, path, json_body, timeout)
        if response.status in (401, 403):
            if answered:
                if await self._firmware_changed():
                    # A new firmware may lack what the old one had: its probe decides.
                    self.new_firmware_seen = True
                    raise EndpointUnavailableError(
                        f"{method} {path}: refused (HTTP {response.status}) by new firmware",
                        response.status,
                    )
                # It answered these credentials before, and a fresh token does not help:
                # the access is gone, not the endpoint (the user must re-authenticate).
                self._token_refused = self.token
                raise AuthenticationError(
                    f"{method} {path}: refused (HTTP {response.status}) although it answered "
                    "before, even with renewed credentials"
                )
            if self._authenticated or retried:
                # Fresh credentials and still refused: this firmware does not have it.
                if method == "GET":
                    self._refused.add(path)
                raise EndpointUnavailableError(
                    f"{method} {path}: not available on this gateway (HTTP {response.status})",
                    response.status,
                )
            raise AuthenticationError(f"{method} {path}: authentication rejected")
        if method == "GET":
            self._answered.add(path.split("?", 1)[0])
        return response

    def _answered_before(self, method: str, path: str) -> bool:
        """Return whether this endpoint answered before (so it is there) outside a probe.

        Some firmware answers 401 on endpoints it lacks even with valid access; an endpoint
        that answered polls before and refuses now means the access itself was withdrawn.
        A probe decides anew what is there (after a firmware change, say), so it never asks.
        """
        return method == "GET" and not _PROBING.get() and path.split("?", 1)[0] in self._answered

    async def _firmware_changed(self) -> bool:
        """Return whether ``/info`` (public) now names another firmware than the probe saw."""
        if self.capabilities is None:
            return False
        try:
            response = await self._send(
                "GET", const.INFO, None, const.TIMEOUTS.get(const.INFO, const.DEFAULT_TIMEOUT)
            )
            firmware = GatewayInfo.from_xml(response.text).firmware
        except BridgeApiError:
            return False
        return firmware != self.capabilities.firmware

    async def _renew_token_now(self, used: str | None) -> bool:
        """Fetch and check a fresh token instead of ``used``; return whether to try again.

        The fast and the slow poll may be refused at once: the first fetches the token, the
        other tries again with it, so one refusal costs one token from the cloud.
        """
        async with self._renew_lock:
            if self.token != used:
                # Renewed meanwhile (by ``_reauthorise`` or the other poll): try with it.
                return self.token is not None and self.token != self._token_refused
            if self._digest is not None or not self.token or self.manual_token or not self.password:
                return False
            await self._fetch_token()
            if not await self._check_jwt():
                raise AuthenticationError("The gateway rejected a fresh token")
            return True

    async def _send(self, method: str, path: str, json_body: Any, timeout: float) -> HttpResponse:
        async with self._lock:
            return await self._api.request(
                method,
                path,
                headers=self._auth_headers(method, path),
                json_body=json_body,
                timeout=timeout,
                ssl=False,
            )

    async def _reauthorise(self, refused: HttpResponse) -> bool:
        """Renew what a 401 may be about; return whether the request is worth repeating."""
        if self._digest is not None:
            # A first or a stale nonce: answer the gateway's fresh challenge.
            return self._digest.take_challenge(refused.headers.get("WWW-Authenticate"))
        if not self.token:
            return False
        # The session cookie lapsed, or the token did: check it (a new cookie), else renew.
        if not await self._check_jwt():
            if self.manual_token or not self.password:
                raise AuthenticationError("The gateway no longer accepts the token")
            await self._fetch_token()
            if not await self._check_jwt():
                raise AuthenticationError("The gateway rejected a fresh token")
        return True

    # -- reads ------------------------------------------------------------------------------

    async def get_raw(self, path: str) -> Any:
        """Return an endpoint's reply as decoded JSON, or text when it is not JSON."""
        response = await self._request("GET", path)
        text = response.text
        if text.lstrip().startswith("<"):
            return text
        try:
            return decode_json_lenient(text)
        except InvalidResponseError:
            return text

    async def _get_json(self, path: str) -> Any:
        if (kept := self._probe_replies.pop(path, None)) is not None:
            read_at, body = kept
            if self._clock() - read_at <= PROBE_REPLY_REUSE_SECONDS:
                return body
        body = (await self._request("GET", path)).json()
        if _PROBING.get():
            self._probe_replies[path] = (self._clock(), body)
        return body

    async def get_info(self) -> GatewayInfo:
        """Read ``/info`` again (the firmware may have changed)."""
        response = await self._request("GET", const.INFO)
        self.info = GatewayInfo.from_xml(response.text)
        return self.info

    async def get_interface(self) -> InterfaceInfo:
        """Read the network interfaces (``/home``, slow)."""
        return InterfaceInfo.from_json(await self._get_json(const.HOME))

    async def get_production_report(self, *, details: bool = True) -> ProductionReport:
        """Read ``/production.json`` (``?details=1`` adds the phases and costs twice as much)."""
        path = f"{const.PRODUCTION_JSON}?details=1" if details else const.PRODUCTION_JSON
        return ProductionReport.from_json(await self._get_json(path))

    async def get_production_legacy(self) -> ProductionReport:
        """Read ``/production`` (older firmware)."""
        return ProductionReport.from_json(await self._get_json(const.PRODUCTION_LEGACY))

    async def get_simple_production(self) -> SimpleProduction:
        """Read ``/api/v1/production``."""
        return SimpleProduction.from_json(await self._get_json(const.PRODUCTION_V1))

    async def get_inverters(self) -> dict[str, Inverter]:
        """Read ``/api/v1/production/inverters``."""
        return parse_inverters(await self._get_json(const.INVERTERS_V1))

    async def get_device_data(self) -> DeviceData:
        """Read ``/ivp/pdm/device_data`` (capped at 50 devices)."""
        return DeviceData.from_json(await self._get_json(const.DEVICE_DATA))

    async def get_meters(self) -> dict[int, CtMeter]:
        """Read the CT configuration."""
        return parse_meters(await self._get_json(const.METERS))

    async def get_meter_readings(self) -> dict[int, CtReading]:
        """Read the CT readings (cheap: poll it often)."""
        return parse_meter_readings(await self._get_json(const.METER_READINGS))

    async def get_inventory(self) -> EnsembleInventory:
        """Read batteries and the system controller."""
        return EnsembleInventory.from_json(await self._get_json(const.ENSEMBLE_INVENTORY))

    async def get_ensemble_status(self) -> EnsembleStatus:
        """Read the backup system's status."""
        return EnsembleStatus.from_json(await self._get_json(const.ENSEMBLE_STATUS))

    async def get_battery_aggregate(self) -> BatteryAggregate:
        """Read the batteries' aggregate state."""
        return BatteryAggregate.from_json(await self._get_json(const.ENSEMBLE_SECCTRL))

    async def get_battery_power(self) -> BatteryPower:
        """Read each battery's power."""
        return BatteryPower.from_json(await self._get_json(const.ENSEMBLE_POWER))

    async def get_grid_relay(self) -> GridRelay:
        """Read the grid relay."""
        return GridRelay.from_json(await self._get_json(const.GRID_RELAY))

    async def get_grid_state(self) -> GridRelay:
        """Read the grid relay; without its endpoint (most gateways), the controller's own."""
        if self.capabilities is None or self.capabilities.relay:
            return await self.get_grid_relay()
        controller = (await self.get_inventory()).system_controller
        if controller is None:
            raise EndpointUnavailableError("The gateway lists no System Controller", 404)
        return GridRelay(controller.mains_admin_state, controller.mains_oper_state)

    async def get_dry_contacts(self, *, with_settings: bool = True) -> dict[str, DryContact]:
        """Read the dry contacts, with their settings when asked."""
        status = await self._get_json(const.DRY_CONTACTS)
        settings = await self._get_json(const.DRY_CONTACT_SETTINGS) if with_settings else None
        return parse_dry_contacts(status, settings)

    async def get_storage_settings(self) -> StorageSettings:
        """Read the tariff's storage settings."""
        return StorageSettings.from_json(await self._get_json(const.TARIFF))

    async def get_power_export_limit(self) -> PowerExportLimit:
        """Read the power export limit."""
        return PowerExportLimit.from_json(await self._get_json(const.POWER_EXPORT_LIMIT))

    async def get_generator(self) -> Generator:
        """Read the generator's configuration, mode and schedule."""
        config = await self._get_json(const.GEN_CONFIG)
        mode = await self._get_json(const.GEN_MODE)
        try:
            schedule = await self._get_json(const.GEN_SCHEDULE)
        except EndpointUnavailableError:
            schedule = None
        return Generator.from_json(config, mode, schedule)

    # -- probing ----------------------------------------------------------------------------

    async def _has(self, read: Callable[[], Awaitable[Any]]) -> Any:
        """Return what a read returns, or None when this gateway does not have it."""
        try:
            return await read()
        except EndpointUnavailableError, InvalidResponseError:
            return None

    async def probe(self) -> Capabilities:
        """Decide which endpoints this gateway has.

        Its replies are kept for the first poll after it (see ``PROBE_REPLY_REUSE_SECONDS``).
        """
        self._probe_replies.clear()
        token = _PROBING.set(True)
        try:
            return await self._probe()
        finally:
            _PROBING.reset(token)

    async def check_supported(self) -> None:
        """Raise ``UnsupportedFirmwareError`` when no production endpoint answers JSON."""
        for read in (
            self.get_simple_production,
            lambda: self.get_production_report(details=False),
            self.get_production_legacy,
        ):
            if await self._has(read) is not None:
                return
        raise UnsupportedFirmwareError(
            f"Firmware {self.info.firmware if self.info else '?'} answers no production data "
            "as JSON"
        )

    async def _probe(self) -> Capabilities:
        info = self.info or await self.setup()
        version = info.version
        self._refused.clear()
        self._answered.clear()
        self.new_firmware_seen = False
        report = await self._has(self.get_production_report)
        legacy = None if report is not None else await self._has(self.get_production_legacy)
        v1 = await self._has(self.get_simple_production)
        if report is None and legacy is None and v1 is None:
            raise UnsupportedFirmwareError(
                f"Firmware {info.firmware} answers no production data as JSON"
            )
        inverters = await self._has(self.get_inverters)
        device_data = await self._has(self.get_device_data)
        meters = await self._has(self.get_meters) or {}
        interface = self.interface = await self._has(self.get_interface)
        inventory: EnsembleInventory | None = None
        pel = None
        if version and version[0] >= 7:
            inventory = await self._has(self.get_inventory)
            pel = await self._has(self.get_power_export_limit)
        batteries = bool(inventory and inventory.batteries)
        controller = bool(inventory and inventory.system_controller)
        ensemble = batteries or controller
        secctrl = power = relay = status = dry = dry_settings = tariff = gen = None
        if ensemble:
            status = await self._has(self.get_ensemble_status)
            secctrl = await self._has(self.get_battery_aggregate)
            power = await self._has(self.get_battery_power)
        if batteries:
            tariff = await self._has(self.get_storage_settings)
        if controller:
            relay = await self._has(self.get_grid_relay)
            dry = await self._has(lambda: self.get_dry_contacts(with_settings=False))
            dry_settings = await self._has(lambda: self._get_json(const.DRY_CONTACT_SETTINGS))
            gen = await self._has(self.get_generator)
        metered = info.metered or bool(report and report.has_eim)
        sections = report or legacy
        enabled = {m.kind for m in meters.values() if m.enabled}
        production_ct = bool(
            sections is not None
            and sections.production is not None
            and (not meters or CtKind.PRODUCTION in enabled)
        )
        consumption_ct = bool(
            sections is not None
            and (sections.total_consumption is not None or sections.net_consumption is not None)
            and (not meters or enabled & {CtKind.NET, CtKind.TOTAL})
        )
        # From 8.2.4264 a metered gateway without a production CT reports the (absent) CT in
        # /api/v1/production, which then stalls: its inverters section is right instead.
        from_inverters = bool(
            info.metered
            and not production_ct
            and version >= (8, 2, 4264)
            and sections is not None
            and sections.inverters is not None
        )
        refused = set(self._refused)
        if self.refused_at_login:
            refused.add(const.INVERTERS_V1)
        self.capabilities = Capabilities(
            firmware=info.firmware,
            production_report=report is not None,
            production_legacy=legacy is not None,
            production_v1=v1 is not None,
            inverters=inverters is not None,
            device_data=device_data is not None,
            meters=meters,
            batteries=batteries,
            system_controller=controller,
            ensemble_devices=bool(inventory and inventory.others),
            ensemble_status=status is not None,
            battery_aggregate=secctrl is not None,
            battery_power=power is not None,
            relay=relay is not None,
            dry_contacts=bool(dry),
            dry_contact_settings=dry_settings is not None,
            storage_settings=tariff is not None,
            power_export_limit=pel is not None,
            generator=gen is not None,
            interface=interface is not None,
            metered=metered,
            production_ct=production_ct,
            consumption_ct=consumption_ct,
            production_from_inverters=from_inverters,
            ac_batteries=bool(sections and sections.ac_batteries),
            net_as_total=version in const.NET_AS_TOTAL_FIRMWARE,
            refused=tuple(sorted(refused)),
        )
        return self.capabilities

    # -- writes -----------------------------------------------------------------------------

    async def _verify[T](
        self, read: Callable[[], Awaitable[T]], done: Callable[[T], bool], attempts: int
    ) -> T:
        """Read back until ``done`` or the attempts run out; return the last reading."""
        value = await read()
        for _ in range(attempts - 1):
            if done(value):
                break
            await self._sleep(self.verify_delay)
            value = await read()
        return value

    async def set_grid_relay(self, on_grid: bool) -> GridRelay:
        """Connect to (relay closed) or disconnect from (open) the grid; verify it."""
        wanted = RelayState.CLOSED if on_grid else RelayState.OPEN
        await self._request("POST", const.GRID_RELAY, json_body={"mains_admin_state": wanted.value})
        relay = await self._verify(
            self.get_grid_state, lambda r: r.admin_state == wanted, self.verify_attempts
        )
        if relay.admin_state != wanted:
            raise WriteNotAppliedError(
                "The gateway did not take the grid relay command",
                setting="grid_relay",
                requested=wanted,
                reported=relay.admin_state,
            )
        return relay

    async def set_dry_contact(self, contact_id: str, closed: bool) -> DryContact:
        """Close or open a dry contact relay (it takes seconds); verify it."""
        wanted = RelayState.CLOSED if closed else RelayState.OPEN
        await self._request(
            "POST",
            const.DRY_CONTACTS,
            json_body={"dry_contacts": {"id": contact_id, "status": wanted.value}},
        )

        async def read() -> DryContact | None:
            return (await self.get_dry_contacts(with_settings=False)).get(contact_id)

        contact = await self._verify(
            read, lambda c: c is not None and c.closed is closed, self.verify_attempts
        )
        if contact is None or contact.closed is not closed:
            raise WriteNotAppliedError(
                f"Dry contact {contact_id} did not switch",
                setting="dry_contact",
                requested=wanted,
                reported=None if contact is None else contact.closed,
            )
        return contact

    async def update_dry_contact_settings(
        self, contact_id: str, settings: DryContactSettings
    ) -> DryContact:
        """Change a dry contact's settings: always post its whole settings, then verify."""
        changes = settings.as_vendor()
        contacts = await self.get_dry_contacts()
        if contact_id not in contacts or not contacts[contact_id].settings:
            raise EndpointUnavailableError(f"Dry contact {contact_id} has no settings", 404)
        full = {**contacts[contact_id].settings, **changes}
        await self._request("POST", const.DRY_CONTACT_SETTINGS, json_body={"dry_contacts": full})
        after = (await self.get_dry_contacts()).get(contact_id)
        reported = None if after is None else after.settings
        for key, value in changes.items():
            if reported is None or reported.get(key) != value:
                raise WriteNotAppliedError(
                    f"Dry contact {contact_id} did not keep {key}",
                    setting=f"dry_contact_{key}",
                    requested=value,
                    reported=None if reported is None else reported.get(key),
                )
        assert after is not None
        return after

    async def set_storage_settings(
        self,
        *,
        mode: StorageMode | None = None,
        reserve: float | None = None,
        charge_from_grid: bool | None = None,
    ) -> tuple[StorageSettings, bool]:
        """Write storage mode, reserve and charge-from-grid in one tariff PUT; verify it.

        Return the settings read back, and whether the write turned the cloud's optimised
        schedules off (the gateway ignores storage settings while they are on).
        """
        if reserve is not None and not 0 <= reserve <= 100:
            raise ValueError("reserve must be 0-100 %")
        current = await self.get_storage_settings()
        if current.optimised_schedules:
            _LOGGER.warning(
                "Turning off the optimised schedules of %s: the gateway ignores storage "
                "settings while they are on",
                self._redactor.url(self.host),
            )
        body = current.with_changes(mode, reserve, charge_from_grid)
        await self._request("PUT", const.TARIFF, json_body=body)
        after = await self.get_storage_settings()
        if after.optimised_schedules:
            raise StorageScheduleLockedError(
                "The gateway kept its optimised schedules on and ignored the storage settings",
                setting="optimised_schedules",
                requested=False,
                reported=True,
            )
        check_storage_settings(after, mode=mode, reserve=reserve, charge_from_grid=charge_from_grid)
        return after, current.optimised_schedules

    async def set_generator_mode(self, mode: GeneratorMode) -> Generator:
        """Set the generator mode (off, on, auto); verify it."""
        await self._request("POST", const.GEN_MODE, json_body={"gen_mode": mode.value})
        generator = await self.get_generator()
        if generator.mode != mode:
            raise WriteNotAppliedError(
                "The generator mode did not change",
                setting="generator_mode",
                requested=mode,
                reported=generator.mode,
            )
        return generator


def check_storage_settings(
    settings: StorageSettings,
    *,
    mode: StorageMode | None = None,
    reserve: float | None = None,
    charge_from_grid: bool | None = None,
) -> None:
    """Raise ``WriteNotAppliedError`` when the settings are not what was written."""
    for name, wanted, reported in (
        ("storage_mode", mode, settings.mode),
        ("battery_reserve", reserve, settings.reserve),
        ("charge_from_grid", charge_from_grid, settings.charge_from_grid),
    ):
        if wanted is None:
            continue
        same = (
            reported is not None and abs(float(wanted) - float(reported)) < 0.5
            if name == "battery_reserve"
            else wanted == reported
        )
        if not same:
            raise WriteNotAppliedError(
                f"The gateway did not keep {name}",
                setting=name,
                requested=wanted,
                reported=reported,
            )


def _wall_clock() -> float:
    # Looked up on each call, so that tests that move time move it here too.
    return time.time()
