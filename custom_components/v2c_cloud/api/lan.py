"""The charger's own HTTP API on the LAN: ``/RealTimeData``, ``/read/`` and ``/write/``."""

from __future__ import annotations

from dataclasses import dataclass
import logging
import time
from typing import Any
from urllib.parse import quote

import aiohttp

from ...energy_bridges_common.client.errors import BridgeApiError, RequestError, UnreachableError
from ...energy_bridges_common.client.http import (
    NO_RETRY,
    HttpClient,
    HttpResponse,
    decode_json_lenient,
)
from .const import READ_FALLBACK_KEYWORDS, WRITABLE_SETTINGS, ChargerSetting
from .models import LAN_FIELD_FOR_KEYWORD, Realtime, lan_value, parse_realtime

_LOGGER = logging.getLogger(__name__)

SUPPLEMENT_MAX_AGE = 60.0
"""Seconds a value read with ``/read/`` is reused before it is read again."""


class InvalidCommandError(BridgeApiError, ValueError):
    """A write with a keyword the charger does not accept or a value out of its range."""

    def __init__(self, keyword: str, value: Any, reason: str) -> None:
        """Keep what was refused."""
        super().__init__(f"Refused to write {keyword}={value!r}: {reason}")
        self.keyword = keyword
        self.value = value
        self.reason = reason


class WriteRefusedError(BridgeApiError):
    """The charger answered a ``/write/`` with something else than ``OK``: nothing changed."""

    def __init__(self, keyword: str, value: Any, answer: str) -> None:
        """Keep what was refused (the answer is cut short: it goes into messages)."""
        super().__init__(f"The charger refused {keyword}={value!r}: {answer[:40]!r}")
        self.keyword = keyword
        self.value = value


class LocalAccessRefusedError(UnreachableError):
    """The charger's address answered 401/403: its LAN API cannot be used from here.

    The LAN API has no credentials, so this is no key to renew: something at that address
    (another device after a DHCP change, a proxy, a firmware that closed its local API)
    refuses us. For the integration it is the LAN being away: the cloud serves the values,
    the polls go on, and the cloud's pairing list may know a new address.
    """

    def __init__(self, message: str, status: int) -> None:
        """Keep the HTTP status."""
        super().__init__(message)
        self.status = status


class _LanHttpClient(HttpClient):
    """The charger's HTTP client: a 401/403 is a LAN fault, never a credential problem."""

    def error_for_response(self, response: HttpResponse) -> BridgeApiError | None:
        if response.status in (401, 403):
            where = f"{response.method} {self.redactor.url(response.url)}"
            return LocalAccessRefusedError(
                f"{where}: the charger refused access ({response.status})", response.status
            )
        return super().error_for_response(response)


def validate_write(setting: ChargerSetting, value: Any) -> int:
    """Return the value to write, or raise ``InvalidCommandError``."""
    spec = WRITABLE_SETTINGS.get(setting)
    if spec is None:
        raise InvalidCommandError(setting, value, "not a writable keyword")
    keyword = str(setting)
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise InvalidCommandError(keyword, value, "not a whole number")
    if not spec.minimum <= value <= spec.maximum:
        raise InvalidCommandError(keyword, value, f"outside {spec.minimum}-{spec.maximum}")
    return value


def lan_base_url(host: str, port: int | None = None) -> str:
    """Return the charger's base URL from a host and an optional port."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}" if port in (None, 80) else f"http://{host}:{port}"


@dataclass(slots=True)
class _Supplement:
    value: Any
    read_at: float


class V2CLocalClient:
    """Talk to one charger over the LAN."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        port: int | None = None,
        *,
        timeout: float = 8.0,
        clock: Any = time.monotonic,
    ) -> None:
        """Prepare the client for ``host[:port]`` (already checked by the LAN guard)."""
        self.http = _LanHttpClient(
            session,
            lan_base_url(host, port),
            timeout=timeout,
            # The coordinator backs off between polls and serves the last values meanwhile;
            # a write that fails goes to the cloud or is re-read 5 s later.
            retry=NO_RETRY,
            logger=_LOGGER,
            lan_only=True,
        )
        self.host = host
        self.port = port
        self.unsupported_reads: set[str] = set()
        self._supplements: dict[str, _Supplement] = {}
        self._clock = clock

    @property
    def address(self) -> str:
        """Return ``host[:port]`` as a user would type it."""
        return self.http.base_url.removeprefix("http://")

    def set_address(self, host: str, port: int | None = None) -> None:
        """Follow the charger to a new address (a new DHCP lease)."""
        self.host = host
        self.port = port
        self.http.base_url = lan_base_url(host, port)

    async def realtime(self) -> Realtime:
        """Return the charger's telemetry, completed with ``/read/`` where firmware omits keys."""
        response = await self.http.request("GET", "/RealTimeData")
        # Some firmware appends a stray "%" to the JSON: the lenient decoder drops it.
        data = parse_realtime(response.json())
        extra: dict[str, Any] = {}
        for keyword in READ_FALLBACK_KEYWORDS:
            name = LAN_FIELD_FOR_KEYWORD[keyword]
            if getattr(data, name) is not None or keyword in self.unsupported_reads:
                continue
            cached = self._supplements.get(keyword)
            if cached is not None and self._clock() - cached.read_at < SUPPLEMENT_MAX_AGE:
                extra[name] = cached.value
                continue
            try:
                value = await self.read(keyword)
            except BridgeApiError as err:
                _LOGGER.debug("Reading %s failed: %s", keyword, err)
                continue
            if value is not None:
                extra[name] = value
        return data.with_values(**extra) if extra else data

    async def read(self, keyword: str) -> Any:
        """Return one keyword's value, or None where the firmware has no ``/read/``."""
        if keyword not in LAN_FIELD_FOR_KEYWORD:
            raise InvalidCommandError(keyword, None, "not a known keyword")
        if keyword in self.unsupported_reads:
            return None
        try:
            response = await self.http.request("GET", f"/read/{quote(keyword, safe='')}")
        except RequestError as err:
            if err.status in (404, 501):
                # Firmware 2.3.20 has no /read/: remember it and stop asking.
                self.unsupported_reads.add(keyword)
                return None
            raise
        raw = decode_json_lenient(response.text)
        if isinstance(raw, dict):
            raw = raw.get(keyword)
        value = lan_value(keyword, raw)
        if value is not None:
            self._supplements[keyword] = _Supplement(value, self._clock())
        return value

    async def write(self, setting: ChargerSetting, value: Any) -> None:
        """Write a setting; only values in its range."""
        checked = validate_write(setting, value)
        keyword = str(setting)
        path = f"/write/{quote(keyword, safe='')}={quote(str(checked), safe='')}"
        response = await self.http.request("GET", path)
        answer = response.text.strip()
        if answer != "OK":
            # A charger that took the value says OK; anything else changed nothing.
            raise WriteRefusedError(keyword, checked, answer)
        if keyword in self._supplements:
            self._supplements[keyword] = _Supplement(lan_value(keyword, checked), self._clock())
