"""An HTTP client base that every vendor client builds on.

It runs on an injected ``aiohttp.ClientSession`` (Home Assistant's shared session in
production), and gives every vendor the same behaviour: per-request timeouts, bounded retries
with exponential backoff and jitter for idempotent requests that failed transiently,
``Retry-After`` honoured, ``RateLimit-*`` headers parsed, lenient JSON decoding, no redirects
unless asked, one error hierarchy and debug logs with secrets redacted.

What a server says is bounded (``limits.py``): its waits are at most a day and must be finite
numbers, and a reply body is read up to a limit (4 MiB unless a client or request says
otherwise). A LAN client (``lan_only=True``) also checks where each request really goes: an
address in the URL before sending, and for a host name the address the connection was made
to, before the body is read (the name may resolve elsewhere than when it was checked).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import ipaddress
import json
import logging
import math
import random
import time
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp

from .errors import (
    AddressRefusedError,
    AuthenticationError,
    BridgeApiError,
    InvalidResponseError,
    PermissionDeniedError,
    RateLimitedError,
    RequestError,
    RequestTimeoutError,
    UnreachableError,
)
from .lan import LanAddressError, check_lan_ip
from .limits import DEFAULT_MAX_BODY, bounded_wait
from .redact import Redactor
from .stand_in import loopback_allowed

_LOGGER = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_BODY_LOG_LIMIT = 500
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """What the server said of its rate limit (``RateLimit-Limit/Remaining/Reset``)."""

    limit: int | None
    remaining: int | None
    reset: float | None
    """Seconds until the window resets."""

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitInfo | None:
        """Parse the headers; return None when the server sent none of them."""
        limit = _header_number(headers, "RateLimit-Limit")
        remaining = _header_number(headers, "RateLimit-Remaining")
        reset = _header_number(headers, "RateLimit-Reset")
        if limit is None and remaining is None and reset is None:
            return None
        return cls(
            limit=None if limit is None else int(limit),
            remaining=None if remaining is None else int(remaining),
            reset=bounded_wait(reset),
        )


def _header_number(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name) or headers.get(f"X-{name}")
    if value is None:
        return None
    # Some servers send a list of windows ("100, 100;w=60"): the first one counts.
    head = value.split(",", 1)[0].split(";", 1)[0].strip()
    try:
        number = float(head)
    except ValueError:
        return None
    # "nan" and "inf" parse as floats but are no count and no wait.
    return number if math.isfinite(number) and number >= 0 else None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for (delta or HTTP date).

    At most a day (``MAX_SERVER_WAIT``); a value that is not a finite number (``nan``,
    ``inf``) or not a date is ignored (None), as if the server had not sent it.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except TypeError, ValueError, IndexError, OverflowError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return bounded_wait(seconds)


def decode_json_lenient(text: str) -> Any:
    """Decode JSON the way vendors really send it.

    Handles an empty body (None), JSON followed by junk (a stray ``%``, a newline and a log
    line), JSON wrapped in a JSON string, and bare ``true``/``false``/numbers. Raises
    ``InvalidResponseError`` when there is no JSON value at the start of the text.
    """
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        return None
    try:
        value, _end = json.JSONDecoder().raw_decode(stripped)
    except json.JSONDecodeError as err:
        raise InvalidResponseError(f"Reply is not JSON: {stripped[:40]!r}") from err
    if isinstance(value, str):
        inner = value.strip()
        if inner[:1] in ("{", "["):
            try:
                value, _end = json.JSONDecoder().raw_decode(inner)
            except json.JSONDecodeError:
                pass
    return value


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A whole reply, read once."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed: float
    rate_limit: RateLimitInfo | None = None
    secret: bool = False
    """The body carries secrets (a token, a session id): never quoted in logs or errors."""

    @property
    def text(self) -> str:
        """Return the body as text."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Return the body decoded leniently as JSON."""
        try:
            return decode_json_lenient(self.text)
        except InvalidResponseError:
            if self.secret:
                # The usual message quotes the reply's start, which may be the secret.
                raise InvalidResponseError("Reply is not JSON") from None
            raise

    @property
    def retry_after(self) -> float | None:
        """Return the seconds the server asked us to wait, if it did."""
        return parse_retry_after(self.headers.get("Retry-After"))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a failed idempotent request is repeated."""

    attempts: int = 3
    """Tries in all, the first included."""
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0
    """A ``Retry-After`` on a 503 up to this long is waited for; a longer one is raised."""

    def delay(self, retry: int, rng: random.Random) -> float:
        """Return the wait before retry number ``retry`` (0-based): full jitter."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2**retry))


NO_RETRY = RetryPolicy(attempts=1)


class RequestObserver(Protocol):
    """Something that watches every request a client sends (a call budget, a counter)."""

    def before_request(self, method: str, url: str) -> None:
        """Run before each attempt goes out; may raise to refuse it."""

    def after_response(self, response: HttpResponse) -> None:
        """Run for each reply that came back, whatever its status."""


@dataclass(slots=True)
class RequestStats:
    """Counts of what a client sent, for diagnostics and benchmarks."""

    requests: int = 0
    failures: int = 0
    retries: int = 0
    by_path: dict[str, int] = field(default_factory=dict)


class HttpClient:
    """Send requests for a vendor client; vendors subclass it or hold one."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str = "",
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        redactor: Redactor | None = None,
        logger: logging.Logger | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        lan_only: bool = False,
    ) -> None:
        """Set up the client; nothing is sent yet.

        ``max_body`` is the largest reply body read (in bytes); ``lan_only`` makes every
        request pass the LAN guard where it really goes (for clients of devices on the LAN).
        """
        self.session = session
        self.base_url = base_url
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.headers: dict[str, str] = dict(headers or {})
        self.redactor = redactor or Redactor()
        self.logger = logger or _LOGGER
        self.stats = RequestStats()
        self.last_rate_limit: RateLimitInfo | None = None
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not crypto # nosec B311
        self._observers: list[RequestObserver] = []
        self.max_body = max_body
        self.lan_only = lan_only

    def add_observer(self, observer: RequestObserver) -> Callable[[], None]:
        """Watch every request from now on; return a function that stops watching."""
        self._observers.append(observer)

        def remove() -> None:
            if observer in self._observers:
                self._observers.remove(observer)

        return remove

    def url_for(self, path: str) -> str:
        """Return the absolute URL of a path below the base URL."""
        if path.startswith(("http://", "https://")):
            return path
        if not self.base_url:
            return path
        return f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | float] | None = None,
        json_body: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        idempotent: bool | None = None,
        allow_redirects: bool = False,
        retry: RetryPolicy | None = None,
        max_body: int | None = None,
        secret_reply: bool = False,
        **kwargs: Any,
    ) -> HttpResponse:
        """Send a request and return the reply, or raise one of the client's errors.

        ``idempotent`` defaults from the method; a POST that only reads (some vendors have
        them) may pass ``idempotent=True`` to be retried. ``max_body`` overrides the client's
        body limit for an endpoint known to be big. ``secret_reply=True`` says the reply
        carries secrets (a token, a session id): its body is never logged, so the secret is
        kept out of the logs before anyone could register it with the redactor.
        """
        method = method.upper()
        url = self.url_for(path)
        policy = retry or self.retry
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        attempts = policy.attempts if idempotent else 1
        merged_headers = {**self.headers, **(headers or {})}
        total_timeout = self.timeout if timeout is None else timeout
        for attempt in range(attempts):
            for observer in self._observers:
                observer.before_request(method, url)
            try:
                response = await self._send(
                    method,
                    url,
                    params=params,
                    json_body=json_body,
                    data=data,
                    headers=merged_headers,
                    timeout=total_timeout,
                    allow_redirects=allow_redirects,
                    kwargs=kwargs,
                    max_body=self.max_body if max_body is None else max_body,
                    secret_reply=secret_reply,
                )
            except UnreachableError as err:
                error: BridgeApiError = err
                wait = policy.delay(attempt, self._rng)
            else:
                for observer in self._observers:
                    observer.after_response(response)
                status_error = self.error_for_response(response)
                if status_error is None:
                    return response
                error = status_error
                wait = policy.delay(attempt, self._rng)
                if isinstance(error, RateLimitedError) or not _is_transient(error):
                    # A 429 is never retried at once: the caller backs off.
                    self.stats.failures += 1
                    raise error
                if (retry_after := response.retry_after) is not None:
                    if retry_after > policy.max_retry_after:
                        self.stats.failures += 1
                        raise RateLimitedError(str(error), retry_after) from error
                    wait = retry_after
            if attempt + 1 >= attempts:
                self.stats.failures += 1
                raise error
            self.stats.retries += 1
            self.logger.debug(
                "Retrying %s %s in %.1f s after: %s",
                method,
                self.redactor.url(url),
                wait,
                self.redactor.text(str(error)),
            )
            await self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int | float] | None,
        json_body: Any,
        data: Any,
        headers: Mapping[str, str],
        timeout: float,
        allow_redirects: bool,
        kwargs: Mapping[str, Any],
        max_body: int,
        secret_reply: bool,
    ) -> HttpResponse:
        if self.lan_only and (literal := _ip_literal(url)) is not None:
            self._check_peer(method, url, literal)
        self.stats.requests += 1
        path = url.split("?", 1)[0]
        self.stats.by_path[path] = self.stats.by_path.get(path, 0) + 1
        started = time.monotonic()
        shown_url = self.redactor.url(url)
        try:
            async with self.session.request(
                method,
                url,
                params=params,
                json=json_body,
                data=data,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
                allow_redirects=allow_redirects,
                **kwargs,
            ) as resp:
                real_url = str(resp.url)
                if self.lan_only:
                    self._check_peer(method, real_url, _ip_literal(real_url) or _peer(resp))
                body = await self._read_body(method, shown_url, resp, max_body)
                status = resp.status
                resp_headers = resp.headers
        except TimeoutError as err:
            self.logger.debug("%s %s timed out after %.1f s", method, shown_url, timeout)
            raise RequestTimeoutError(f"{method} {shown_url} timed out") from err
        except (aiohttp.ClientError, OSError) as err:
            message = self.redactor.text(str(err) or type(err).__name__)
            self.logger.debug("%s %s failed: %s", method, shown_url, message)
            raise UnreachableError(f"{method} {shown_url} failed: {message}") from err
        elapsed = time.monotonic() - started
        rate_limit = RateLimitInfo.from_headers(resp_headers)
        if rate_limit is not None:
            self.last_rate_limit = rate_limit
        response = HttpResponse(
            method=method,
            url=real_url,
            status=status,
            headers=resp_headers,
            body=body,
            elapsed=elapsed,
            rate_limit=rate_limit,
            secret=secret_reply,
        )
        if self.logger.isEnabledFor(logging.DEBUG):
            shown_body = (
                f"<{len(body)} bytes not logged: the reply carries secrets>"
                if secret_reply
                else self.redactor.text(response.text[:_BODY_LOG_LIMIT])
            )
            self.logger.debug(
                "%s %s -> %s in %.2f s: %s",
                method,
                self.redactor.url(real_url),
                status,
                elapsed,
                shown_body,
            )
        return response

    async def _read_body(
        self, method: str, shown_url: str, resp: aiohttp.ClientResponse, limit: int
    ) -> bytes:
        """Read the body up to ``limit`` bytes; a bigger one is refused, not read."""
        too_big = f"{method} {shown_url}: reply larger than {limit} bytes"
        if resp.content_length is not None and resp.content_length > limit:
            resp.close()
            raise InvalidResponseError(too_big)
        chunks: list[bytes] = []
        size = 0
        # Chunks are counted after decompression, so a small compressed bomb is caught too.
        async for chunk in resp.content.iter_chunked(_READ_CHUNK):
            size += len(chunk)
            if size > limit:
                resp.close()
                raise InvalidResponseError(too_big)
            chunks.append(chunk)
        return b"".join(chunks)

    def _check_peer(self, method: str, url: str, address: str | None) -> None:
        """Refuse a LAN request whose address is not a private LAN address.

        No address known (a transport that does not tell its peer) is refused too: the
        guard is what the LAN client asked for, so it fails closed.
        """
        shown = f"{method} {self.redactor.url(url)}"
        if address is None:
            raise AddressRefusedError(f"{shown}: the address connected to is unknown")
        try:
            check_lan_ip(address, allow_loopback=loopback_allowed())
        except LanAddressError as err:
            self.logger.debug("%s refused: %s is not a LAN address", shown, address)
            raise AddressRefusedError(
                f"{shown}: {address} is not a private LAN address ({err.reason})"
            ) from None

    def error_for_response(self, response: HttpResponse) -> BridgeApiError | None:
        """Return the error a reply stands for, or None when it is a success.

        Vendors override this where a status means something else for them.
        """
        status = response.status
        if 200 <= status < 300:
            return None
        where = f"{response.method} {self.redactor.url(response.url)}"
        if status == 401:
            return AuthenticationError(f"{where}: authentication rejected (401)")
        if status == 403:
            return PermissionDeniedError(f"{where}: permission denied (403)")
        if status == 429:
            return RateLimitedError(f"{where}: rate limited (429)", response.retry_after)
        return RequestError(f"{where}: HTTP {status}", status)

    async def get_json(self, path: str, **kwargs: Any) -> Any:
        """Send a GET and return the decoded JSON reply."""
        response = await self.request("GET", path, **kwargs)
        return response.json()


def _ip_literal(url: str) -> str | None:
    """Return the URL's host when it is an IP address (no name to resolve), else None."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def _peer(resp: aiohttp.ClientResponse) -> str | None:
    """Return the address the reply's connection goes to, when the transport says.

    aiohttp hands a connection back to its pool as soon as a short body has arrived (before
    the caller sees the reply), so the protocol is asked when the connection is gone. A
    connection already closed (``Connection: close``) tells nothing: the caller refuses.
    """
    connection = resp.connection
    transport = None if connection is None else connection.transport
    if transport is None:
        protocol = getattr(resp, "_protocol", None)
        transport = getattr(protocol, "transport", None)
    peer = None if transport is None else transport.get_extra_info("peername")
    if isinstance(peer, tuple) and peer and isinstance(peer[0], str):
        return peer[0].split("%", 1)[0]
    return None


def _is_transient(error: BridgeApiError) -> bool:
    return isinstance(error, UnreachableError) or (
        isinstance(error, RequestError) and error.transient
    )
