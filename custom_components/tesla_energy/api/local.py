"""The Powerwall gateway's local (LAN) API: login, session, probing and the live values.

One ``PowerwallLocalClient`` talks to one gateway at the address the user typed. What it does
and why (``api-notes/tesla-powerwall-local.md``):

- **Login once.** ``POST /api/login/Basic`` with the customer password; the gateway hands back
  a token and the ``AuthCookie``/``UserRecord`` cookies. Many new sessions crash or restart
  the gateway, and repeated logins reportedly lock people out, so the session is kept (and
  offered to the caller to persist across restarts, as Home Assistant core does), a login is
  repeated only when the gateway answers 401/403, at most once per request and not again
  within ``MIN_RELOGIN_INTERVAL``, and a refused password is never sent again by this client
  (``AuthenticationError`` until ``set_password``): the user is asked instead.
- **Cookies by hand.** The gateway sets its cookies for a bare IP address, which aiohttp's
  cookie jar (Home Assistant's shared session's too) refuses; the client keeps them itself and
  sends them with the ``Authorization: Bearer`` token on every request.
- **Its self-signed certificate, for this address only.** Every request of this client goes to
  the gateway and is sent with ``ssl=False``, per request: aiohttp then uses its unverified
  context, which it builds once when it is imported (``aiohttp.connector``), so nothing blocking
  (``ssl.create_default_context`` loads the CA store from disk) runs in the event loop, and the
  shared session keeps verifying every other host.
- **One request at a time, backing off on 429/503.** The gateway answers 429 (or 503) when it
  is hammered; the client then stays quiet (no request leaves) for the server's ``Retry-After``
  or ``DEFAULT_BACKOFF`` doubling on each further refusal, capped at ``MAX_BACKOFF``, and raises
  ``RateLimitedError`` with that wait.
- **gzip.** Newer firmware may send a gzip body (magic ``1f 8b``) without saying so in a header;
  it is unpacked here, with a size cap.
- **Probe, don't assume.** Powerwall 3 and recent gateway firmware answer only the live
  endpoints (aggregates, state of energy, grid status) and 404 the rest; ``probe`` finds out
  which answer and remembers the 404s. Where local access is not possible (the gateway's own
  Wi-Fi address, no longer routed from the LAN since firmware 25.10; a gateway with only the
  signed TEDAPI) it says why with ``LocalAccessUnavailableError``.
- **The LAN guard.** The address must be a private LAN address (the shared guard in
  ``energy_bridges_common/client/lan.py``), loopback only where the caller allows it (the
  simulators), checked before anything, the password included, is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from enum import StrEnum
from http.cookies import CookieError, SimpleCookie
import ipaddress
import logging
import time
from typing import Any
import zlib

import aiohttp

from ...energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    InvalidResponseError,
    PermissionDeniedError,
    RateLimitedError,
    RequestError,
    UnreachableError,
)
from ...energy_bridges_common.client.http import (
    NO_RETRY,
    HttpClient,
    HttpResponse,
    decode_json_lenient,
)
from ...energy_bridges_common.client.lan import Resolver, async_check_lan_host, normalize_host
from ...energy_bridges_common.client.redact import Redactor
from .local_models import (
    LIVE_ENDPOINTS,
    GatewayStatus,
    GridState,
    LivePower,
    LocalCapabilities,
    LocalEndpoint,
    LocalSession,
    LocalSiteInfo,
    LocalSnapshot,
    Operation,
    Powerwalls,
    Sitemaster,
    StateOfEnergy,
    SystemStatus,
)

__all__ = [
    "DEFAULT_BACKOFF",
    "GATEWAY_WIFI_HOST",
    "MAX_BACKOFF",
    "MIN_RELOGIN_INTERVAL",
    "DefaultPasswordRejectedError",
    "EndpointMissingError",
    "LocalAccessProblem",
    "LocalAccessUnavailableError",
    "PowerwallLocalClient",
]

LOGIN_PATH = "/api/login/Basic"
LOGOUT_PATH = "/api/logout"
TEDAPI_DIN_PATH = "/tedapi/din"
CUSTOMER_USER = "customer"
AUTH_COOKIES = ("AuthCookie", "UserRecord")

GATEWAY_WIFI_HOST = "192.168.91.1"
"""The gateway's own Wi-Fi address; from firmware 25.10 it is not routed from the LAN."""

DEFAULT_TIMEOUT = 10.0
DEFAULT_BACKOFF = 300.0
"""Seconds of quiet after a first 429/503 without ``Retry-After`` (the notes: ~5 minutes)."""
MAX_BACKOFF = 1800.0
"""The longest quiet, whatever the gateway asks (the advice: stop clients for 10-30 min)."""
MIN_BACKOFF = 5.0
"""Never less: the gateway wants at least 5 s between polls."""
MIN_RELOGIN_INTERVAL = 600.0
"""A 401 this soon after a login is not answered with another login: the user is asked."""
MAX_BODY_BYTES = 4 * 1024 * 1024
"""The largest reply unpacked from gzip (the biggest real reply is a few kB)."""

_GZIP_MAGIC = b"\x1f\x8b"


def _monotonic() -> float:
    return time.monotonic()


_LOGGER = logging.getLogger(__name__)
# The login's request and reply carry the password and the new session: the shared client
# logs bodies at debug level, so the login goes through a logger that never logs debug.
_LOGIN_LOGGER = logging.getLogger(f"{__name__}.login")
_LOGIN_LOGGER.setLevel(logging.INFO)

# Probed in this order: the live values first (without them there is no local access), then
# the endpoints only full gateways (Powerwall 2/2+) answer.
_PROBE_ORDER: tuple[LocalEndpoint, ...] = (
    LocalEndpoint.AGGREGATES,
    LocalEndpoint.SOE,
    LocalEndpoint.GRID_STATUS,
    LocalEndpoint.POWERWALLS,
    LocalEndpoint.STATUS,
    LocalEndpoint.SITE_INFO,
    LocalEndpoint.OPERATION,
    LocalEndpoint.SYSTEM_STATUS,
    LocalEndpoint.SITEMASTER,
)


class LocalAccessProblem(StrEnum):
    """Why a gateway cannot be read on the LAN (also a translation key suffix)."""

    GATEWAY_WIFI_ONLY = "gateway_wifi_only"
    """192.168.91.1, the gateway's own Wi-Fi: since firmware 25.10 not reachable from the LAN."""
    TEDAPI_ONLY = "tedapi_only"
    """Only the TEDAPI answers, which needs queries signed with Tesla's keys."""
    NO_LOCAL_API = "no_local_api"
    """No login or no live values: not a gateway, or one without the local API."""


class LocalAccessUnavailableError(BridgeApiError):
    """The gateway's local API cannot be used at this address."""

    def __init__(self, message: str, problem: LocalAccessProblem) -> None:
        """Keep why."""
        super().__init__(message)
        self.problem = problem


class DefaultPasswordRejectedError(AuthenticationError):
    """The gateway no longer accepts its default password: the user must set their own.

    Gateways refuse it since about October 2024 (``"default password not supported"``); the
    customer password is set in the gateway's web page (or the Tesla One app).
    """


class EndpointMissingError(RequestError):
    """The gateway does not have this endpoint (HTTP 404: another model or firmware)."""

    def __init__(self, message: str) -> None:
        """Keep the status."""
        super().__init__(message, 404)

    @property
    def transient(self) -> bool:
        """Return False: it will not appear by asking again."""
        return False


class _GatewayHttp(HttpClient):
    """The shared client, with the gateway's meaning of some statuses."""

    def error_for_response(self, response: HttpResponse) -> BridgeApiError | None:
        status = response.status
        if status in (401, 403):
            return None  # the gateway client decides: log in again, or ask the user
        where = f"{response.method} {self.redactor.url(response.url)}"
        if status == 404:
            return EndpointMissingError(f"{where}: not on this gateway (HTTP 404)")
        if status in (429, 503):
            return RateLimitedError(f"{where}: busy (HTTP {status})", response.retry_after)
        return super().error_for_response(response)


def _base_url(host: str) -> tuple[str, str]:
    """Return (base URL, host) of what the user typed.

    The gateway serves HTTPS only; plain http is kept only for a loopback address (the
    simulators), so the password never crosses the LAN unencrypted.
    """
    name, port = normalize_host(host)
    scheme = "https"
    if host.strip().lower().startswith("http://") and _is_loopback(name):
        scheme = "http"
    shown = f"[{name}]" if ":" in name else name
    return (f"{scheme}://{shown}" + (f":{port}" if port else ""), name)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def unpack_body(body: bytes) -> bytes:
    """Return the body, unpacked when it is gzip (magic ``1f 8b``) whatever the headers said."""
    if not body.startswith(_GZIP_MAGIC):
        return body
    unpacker = zlib.decompressobj(wbits=31)
    try:
        data = unpacker.decompress(body, MAX_BODY_BYTES)
    except zlib.error as err:
        raise InvalidResponseError("The gateway sent a broken gzip reply") from err
    if unpacker.unconsumed_tail:
        raise InvalidResponseError("The gateway's gzip reply is too large")
    return data


def decode_reply(response: HttpResponse) -> Any:
    """Return a reply's JSON, gzip or not."""
    return decode_json_lenient(unpack_body(response.body).decode("utf-8", errors="replace"))


def _error_message(response: HttpResponse) -> str:
    try:
        data = decode_reply(response)
    except InvalidResponseError:
        return ""
    if isinstance(data, Mapping):
        return " ".join(str(data.get(key) or "") for key in ("error", "message")).strip()
    return ""


def _cookies_of(response: HttpResponse) -> dict[str, str]:
    """Return the gateway's session cookies from the reply's ``Set-Cookie`` headers."""
    getall = getattr(response.headers, "getall", None)
    headers: list[str] = list(getall("Set-Cookie", [])) if getall else []
    found: dict[str, str] = {}
    for header in headers:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            continue
        for name in AUTH_COOKIES:
            if name in jar and jar[name].value:
                found[name] = jar[name].value
    return found


class PowerwallLocalClient:
    """Read one Powerwall gateway on the LAN (see the module's docstring for the rules)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        password: str,
        *,
        email: str = "",
        stored_session: LocalSession | None = None,
        allow_loopback: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] | None = None,
        resolver: Resolver | None = None,
        on_session_change: Callable[[LocalSession | None], None] | None = None,
    ) -> None:
        """Set up the client; nothing is sent (and the address is not checked) yet.

        ``stored_session`` is a session kept from an earlier run: it is used without logging
        in. ``on_session_change`` is called with each new session (to persist it) and with
        None when the gateway refused the password.
        """
        self.host = host.strip()
        self.base_url, self._host_name = _base_url(self.host)
        self._password = password
        self._email = email
        self._allow_loopback = allow_loopback
        self._resolver = resolver
        # Looked up at each call (not bound here), so that a test's frozen clock reaches it.
        self._clock = clock or _monotonic
        self.on_session_change = on_session_change
        self._redactor = Redactor([password])
        self._session = stored_session
        if stored_session is not None:
            self._remember_secrets(stored_session)
        self._http = _GatewayHttp(
            session,
            self.base_url,
            timeout=timeout,
            retry=NO_RETRY,
            redactor=self._redactor,
            logger=_LOGGER,
        )
        self._login_http = _GatewayHttp(
            session,
            self.base_url,
            timeout=timeout,
            retry=NO_RETRY,
            redactor=self._redactor,
            logger=_LOGIN_LOGGER,
        )
        # One request at a time: the gateway wants calls one after another, never in parallel,
        # and a login must not race another one.
        self._lock = asyncio.Lock()
        self._guarded = False
        self._refused: AuthenticationError | None = None
        self._last_login: float | None = None
        self._quiet_until: float | None = None
        self._refusals = 0
        self._missing: set[LocalEndpoint] = set()
        self.capabilities: LocalCapabilities | None = None
        self.logins = 0
        """Logins sent by this client (diagnostics, tests)."""

    # -- state ------------------------------------------------------------------------------

    @property
    def session_state(self) -> LocalSession | None:
        """Return the current session, to persist across restarts (a secret)."""
        return self._session

    @property
    def stats(self) -> dict[str, int]:
        """Return the requests sent per path (without the address), logins included."""
        base = self.base_url
        counts: dict[str, int] = {}
        for http in (self._login_http, self._http):
            for url, n in http.stats.by_path.items():
                path = url.removeprefix(base)
                counts[path] = counts.get(path, 0) + n
        return counts

    @property
    def backing_off_for(self) -> float:
        """Return the seconds of quiet left after a 429/503 (0 when none)."""
        if self._quiet_until is None:
            return 0.0
        return max(self._quiet_until - self._clock(), 0.0)

    @property
    def missing(self) -> frozenset[LocalEndpoint]:
        """Return the endpoints the gateway answered 404."""
        return frozenset(self._missing)

    def set_password(self, password: str) -> None:
        """Take a new password from the user; the next request logs in with it."""
        self._password = password
        self._redactor.add_secret(password)
        self._refused = None
        self._session = None
        self._last_login = None

    def _remember_secrets(self, session: LocalSession) -> None:
        self._redactor.add_secret(session.token)
        for value in session.cookies.values():
            self._redactor.add_secret(value)

    # -- sending ----------------------------------------------------------------------------

    async def _ensure_guarded(self) -> None:
        if self._guarded:
            return
        await async_check_lan_host(
            self.host, allow_loopback=self._allow_loopback, resolver=self._resolver
        )
        self._guarded = True

    def _check_quiet(self) -> None:
        if (left := self.backing_off_for) > 0:
            raise RateLimitedError(
                f"The gateway asked for a pause: quiet for another {left:.0f} s", left
            )

    def _auth_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self._session is None:
            return headers
        if self._session.token:
            headers["Authorization"] = f"Bearer {self._session.token}"
        if self._session.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self._session.cookies.items())
        return headers

    async def _send(
        self, method: str, path: str, *, json_body: Any = None, auth: bool = True
    ) -> HttpResponse:
        http = self._login_http if path == LOGIN_PATH else self._http
        try:
            response = await http.request(
                method,
                path,
                json_body=json_body,
                headers=self._auth_headers() if auth else None,
                # Plain http happens only on loopback (the simulators): nothing to verify.
                ssl=not self.base_url.startswith("https://"),
            )
        except RateLimitedError as err:
            self._refusals += 1
            wait = err.retry_after
            if wait is None:
                wait = DEFAULT_BACKOFF * 2 ** (self._refusals - 1)
            wait = min(max(wait, MIN_BACKOFF), MAX_BACKOFF)
            self._quiet_until = self._clock() + wait
            raise RateLimitedError(f"{err}; quiet for {wait:.0f} s", wait) from err
        self._refusals = 0
        return response

    async def _login(self) -> None:
        """Log in (the lock held); raise ``AuthenticationError`` when the password is refused."""
        body = {
            "username": CUSTOMER_USER,
            "password": self._password,
            "email": self._email,
            "force_sm_off": False,
        }
        self._last_login = self._clock()
        self.logins += 1
        self._session = None
        try:
            response = await self._send("POST", LOGIN_PATH, json_body=body, auth=False)
        except EndpointMissingError as err:
            raise LocalAccessUnavailableError(
                "The gateway has no local login at this address", LocalAccessProblem.NO_LOCAL_API
            ) from err
        if response.status in (401, 403):
            message = _error_message(response)
            if "default password" in message.lower():
                self._refused = DefaultPasswordRejectedError(
                    "The gateway no longer accepts its default password: set a customer "
                    "password in the gateway's web page and enter that one"
                )
            else:
                self._refused = AuthenticationError("The gateway refused the password")
            if self.on_session_change is not None:
                self.on_session_change(None)
            raise self._refused
        data = decode_reply(response)
        token = data.get("token") if isinstance(data, Mapping) else None
        cookies = _cookies_of(response)
        if not (isinstance(token, str) and token) and not cookies:
            raise InvalidResponseError("The gateway's login reply has no token and no cookie")
        session = LocalSession(
            token=token if isinstance(token, str) and token else None, cookies=cookies
        )
        self._remember_secrets(session)
        self._session = session
        _LOGGER.debug("Logged in to the Powerwall gateway at %s", self.base_url)
        if self.on_session_change is not None:
            self.on_session_change(session)

    async def _authorised(self, method: str, path: str) -> HttpResponse:
        """Send a request with the session (the lock held), logging in when needed."""
        if self._refused is not None:
            # Never send a refused password again: repeated logins lock people out.
            raise self._refused
        self._check_quiet()
        await self._ensure_guarded()
        if self._session is None:
            await self._login()
        response = await self._send(method, path)
        if response.status not in (401, 403):
            return response
        recent = self._last_login is not None and (
            self._clock() - self._last_login < MIN_RELOGIN_INTERVAL
        )
        if recent:
            # Sessions that die this fast would mean a login every poll: ask the user instead.
            raise self._give_up(f"{method} {path}: the gateway refused a fresh session")
        await self._login()
        response = await self._send(method, path)
        if response.status == 403:
            # The password was just accepted: this endpoint is not for the customer login.
            raise PermissionDeniedError(f"{method} {path}: not allowed for the customer login")
        if response.status == 401:
            raise self._give_up(f"{method} {path}: the gateway refused a fresh session")
        return response

    def _give_up(self, message: str) -> AuthenticationError:
        """Stop logging in until the user acts (``set_password``); return the error to raise."""
        self._session = None
        self._refused = AuthenticationError(message)
        if self.on_session_change is not None:
            self.on_session_change(None)
        return self._refused

    async def _get(self, endpoint: LocalEndpoint) -> Any:
        """Return an endpoint's JSON; raise ``EndpointMissingError`` where it is absent."""
        if endpoint in self._missing:
            raise EndpointMissingError(f"GET {endpoint.value}: not on this gateway (HTTP 404)")
        async with self._lock:
            try:
                response = await self._authorised("GET", endpoint.value)
            except (EndpointMissingError, PermissionDeniedError) as err:
                # Remembered, so that polls stop asking (and a repeated 403 cannot look like
                # a lapsed session worth another login).
                self._missing.add(endpoint)
                if isinstance(err, PermissionDeniedError):
                    raise EndpointMissingError(f"GET {endpoint.value}: {err}") from err
                raise
        return decode_reply(response)

    # -- login and probing ------------------------------------------------------------------

    async def login(self) -> LocalSession:
        """Log in now (with a stored session: nothing is sent); return the session."""
        async with self._lock:
            if self._refused is not None:
                raise self._refused
            self._check_quiet()
            await self._ensure_guarded()
            if self._session is None:
                await self._login()
            assert self._session is not None
            return self._session

    async def logout(self) -> None:
        """End the session on the gateway (when the user removes local access)."""
        async with self._lock:
            if self._session is None:
                return
            try:
                await self._send("GET", LOGOUT_PATH)
            finally:
                self._session = None

    async def probe(self) -> LocalCapabilities:
        """Find out what the gateway answers; raise ``LocalAccessUnavailableError`` if nothing.

        Meant for setup (the config flow) and after a firmware change: it sends up to ten
        requests, then polls send only what answered.
        """
        try:
            await self.login()
        except UnreachableError as err:
            if self._host_name == GATEWAY_WIFI_HOST:
                raise LocalAccessUnavailableError(
                    "192.168.91.1 is the gateway's own Wi-Fi, which firmware 25.10 and later "
                    "does not route from the LAN: use the gateway's LAN address",
                    LocalAccessProblem.GATEWAY_WIFI_ONLY,
                ) from err
            raise
        except LocalAccessUnavailableError as err:
            if await self._tedapi_answers():
                raise LocalAccessUnavailableError(
                    "The gateway offers only the TEDAPI, which needs queries signed by Tesla",
                    LocalAccessProblem.TEDAPI_ONLY,
                ) from err
            raise
        self._missing.clear()
        answered: set[LocalEndpoint] = set()
        replies: dict[LocalEndpoint, Any] = {}
        for endpoint in _PROBE_ORDER:
            try:
                replies[endpoint] = await self._get(endpoint)
            except EndpointMissingError:
                if endpoint in LIVE_ENDPOINTS:
                    raise LocalAccessUnavailableError(
                        f"The gateway does not serve {endpoint.value} on the LAN",
                        LocalAccessProblem.NO_LOCAL_API,
                    ) from None
                continue
            answered.add(endpoint)
        self.capabilities = _capabilities(frozenset(answered), replies)
        return self.capabilities

    async def _tedapi_answers(self) -> bool:
        """Return whether the TEDAPI is there (any answer but 404 to its DIN request)."""
        async with self._lock:
            try:
                await self._send("GET", TEDAPI_DIN_PATH, auth=False)
            except EndpointMissingError, UnreachableError:
                return False
            except BridgeApiError:
                return True
        return True

    # -- reads ------------------------------------------------------------------------------

    async def live_power(self) -> LivePower:
        """Return the power flows (``/api/meters/aggregates``)."""
        return LivePower.from_api(await self._get(LocalEndpoint.AGGREGATES))

    async def state_of_energy(self) -> StateOfEnergy:
        """Return the battery's charge (``/api/system_status/soe``)."""
        return StateOfEnergy.from_api(await self._get(LocalEndpoint.SOE))

    async def grid_state(self) -> GridState:
        """Return the grid status (``/api/system_status/grid_status``)."""
        return GridState.from_api(await self._get(LocalEndpoint.GRID_STATUS))

    async def operation(self) -> Operation | None:
        """Return the operation mode and reserve, None where the gateway has no such endpoint."""
        try:
            return Operation.from_api(await self._get(LocalEndpoint.OPERATION))
        except EndpointMissingError:
            return None

    async def system_status(self) -> SystemStatus:
        """Return the pack's energy and battery blocks (full gateways only)."""
        return SystemStatus.from_api(await self._get(LocalEndpoint.SYSTEM_STATUS))

    async def site_info(self) -> LocalSiteInfo:
        """Return the site's name and grid settings (full gateways only)."""
        return LocalSiteInfo.from_api(await self._get(LocalEndpoint.SITE_INFO))

    async def status(self) -> GatewayStatus:
        """Return the gateway's DIN and firmware (full gateways only)."""
        return GatewayStatus.from_api(await self._get(LocalEndpoint.STATUS))

    async def sitemaster(self) -> Sitemaster:
        """Return whether the site controller runs (full gateways only)."""
        return Sitemaster.from_api(await self._get(LocalEndpoint.SITEMASTER))

    async def powerwalls(self) -> Powerwalls:
        """Return the gateway's DIN and its Powerwalls (full gateways only)."""
        return Powerwalls.from_api(await self._get(LocalEndpoint.POWERWALLS))

    async def poll(self, *, operation: bool = True) -> LocalSnapshot:
        """Read the live values, one request after another (3 or 4 requests).

        ``operation=False`` leaves the operation mode and reserve out (one request less).
        """
        power = await self.live_power()
        soe = await self.state_of_energy()
        grid = await self.grid_state()
        mode: Operation | None = None
        if operation and LocalEndpoint.OPERATION not in self._missing:
            mode = await self.operation()
        return LocalSnapshot(power=power, soe=soe, grid=grid, operation=mode)


def _capabilities(
    answered: frozenset[LocalEndpoint], replies: Mapping[LocalEndpoint, Any]
) -> LocalCapabilities:
    din: str | None = None
    firmware: str | None = None
    device_type: str | None = None
    site_name: str | None = None
    count: int | None = None
    if LocalEndpoint.POWERWALLS in replies:
        powerwalls = Powerwalls.from_api(replies[LocalEndpoint.POWERWALLS])
        din = powerwalls.gateway_din
        count = len(powerwalls.powerwalls)
    if LocalEndpoint.STATUS in replies:
        status = GatewayStatus.from_api(replies[LocalEndpoint.STATUS])
        din = status.din or din
        firmware = status.version
        device_type = status.device_type
    if LocalEndpoint.SITE_INFO in replies:
        site_name = LocalSiteInfo.from_api(replies[LocalEndpoint.SITE_INFO]).site_name
    return LocalCapabilities(
        endpoints=answered,
        din=din,
        firmware=firmware,
        device_type=device_type,
        site_name=site_name,
        powerwall_count=count,
    )
