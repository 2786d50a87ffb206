"""Replay a gateway from a capture: a folder of replies, or an integration's diagnostics.

Two capture formats are read:

- a folder in the real-data naming: one file per endpoint, named after the request path with
  ``/``, ``?`` and ``=`` turned into ``_`` and the leading ``/`` dropped (``/ivp/meters/readings``
  -> ``ivp_meters_readings``; ``/info`` is XML), and beside it ``<name>_log.json`` with the
  status code and headers the gateway answered with;
- a diagnostics download of our integration taken with the "raw capture" option: its ``raw``
  object maps each endpoint path to the reply (decoded JSON, text for XML, or ``{"error": ...}``
  when the read failed), so a user's capture can be served as it was read.

Authentication is let through the way a gateway of the captured firmware lets a correctly
configured client in, without checking secrets: digest (firmware < 7) is challenged once and
then any digest answer is accepted; from firmware 7 any bearer token is accepted and
``/auth/check_jwt`` hands out a ``sessionId`` cookie. The replay is read-only: writes get 405.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from pathlib import Path
import re
import secrets
from typing import Any

from aiohttp import web

from simulators.framework import SimClock, SimulatorApp

REALM = "enphaseenergy.com"
REDACTED = "**REDACTED**"
REPLAY_SERIAL = "000000000000"
"""The serial a diagnostics capture's redacted gateway serial is served as."""
LOG_SUFFIX = "_log.json"
CHECK_JWT = "/auth/check_jwt"
# Endpoints an old (digest) gateway answers without credentials.
DIGEST_PUBLIC = frozenset(
    {"/info", "/home", "/production", "/production.json", "/api/v1/production"}
)
TOKEN_PUBLIC = frozenset({"/info"})
# Headers that belong to the captured connection, not to the reply.
DROPPED_HEADERS = frozenset(
    {
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "content-encoding",
        "date",
        "set-cookie",
    }
)
# Redacted serials in a diagnostics capture become distinct placeholders, numbered per family
# in order of appearance: a battery's n-th serial in the inventory and in the power list then
# stay the same device, and inverters stay distinct.
SERIAL_FAMILIES: dict[str, str] = {
    "sn": "inverter",
    "serialNumber": "inverter",
    "serial_num": "ensemble",
    "serial_nb": "ensemble",
}
FAMILY_PREFIX = {"inverter": "9100", "ensemble": "9200", "other": "9300"}
_HTTP_STATUS = re.compile(r"\(HTTP (\d{3})\)")
_SOFTWARE = re.compile(r"<software>\s*[A-Za-z]*(\d+)")


def capture_name(path_qs: str) -> str:
    """Return the file name a request is captured under (``/a/b?c=1`` -> ``a_b_c_1``)."""
    name = path_qs.lstrip("/")
    for char in "/?=":
        name = name.replace(char, "_")
    return name


@dataclass(frozen=True, slots=True)
class Reply:
    """One captured reply."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Capture:
    """Replies by capture name, read lazily from a folder or held from a diagnostics dump."""

    def __init__(self, folder: Path | None = None, replies: dict[str, Reply] | None = None):
        """Serve ``folder``'s files, or the given ``replies``."""
        self.folder = folder
        self.replies = dict(replies or {})

    def get(self, name: str) -> Reply | None:
        """Return the reply captured under ``name``, or None when there is none."""
        if name.endswith(LOG_SUFFIX) or not name or name.startswith("."):
            return None
        if self.folder is None:
            return self.replies.get(name)
        return _read_folder_reply(self.folder, name)

    def lookup(self, path_qs: str) -> Reply | None:
        """Return the reply for a request; a query with no capture of its own falls back."""
        reply = self.get(capture_name(path_qs))
        if reply is None and "?" in path_qs:
            # /production.json?details=1 was answered like /production.json when not captured.
            reply = self.get(capture_name(path_qs.split("?", 1)[0]))
        return reply

    def firmware_major(self) -> int | None:
        """Return the firmware's major version from the captured ``/info``, if any."""
        info = self.get("info")
        if info is None:
            return None
        match = _SOFTWARE.search(info.body.decode("utf-8", "replace"))
        return int(match.group(1)) if match else None


def _read_folder_reply(folder: Path, name: str) -> Reply | None:
    body_file = folder / name
    log_file = folder / f"{name}{LOG_SUFFIX}"
    if body_file.parent != folder:
        return None  # a name that would leave the folder
    has_body = body_file.is_file()
    if not has_body and not log_file.is_file():
        return None
    status = 200
    headers: dict[str, str] = {}
    if log_file.is_file():
        log = json.loads(log_file.read_text(encoding="utf-8"))
        status = int(log.get("code", 200))
        headers = {
            str(k): str(v)
            for k, v in (log.get("headers") or {}).items()
            if str(k).lower() not in DROPPED_HEADERS
        }
    body = body_file.read_bytes() if has_body else b""
    if not any(k.lower() == "content-type" for k in headers) and body:
        headers["Content-Type"] = _guess_type(body)
    return Reply(status, body, headers)


def _guess_type(body: bytes) -> str:
    start = body.lstrip()[:20]
    if start.startswith((b"<?xml", b"<envoy")):
        return "application/xml"
    if start.startswith(b"<"):
        return "text/html"
    return "application/json"


def find_raw(document: Any) -> dict[str, Any]:
    """Return the ``raw`` object of a diagnostics download (whole download or its data part)."""
    if isinstance(document, dict):
        raw = document.get("raw")
        if isinstance(raw, dict):
            return raw
        data = document.get("data")
        raw = data.get("raw") if isinstance(data, dict) else None
        if isinstance(raw, dict):
            return raw
    raise ValueError("not a diagnostics capture: no 'raw' object (turn on the raw capture option)")


class _Unredactor:
    """Give redacted serials distinct placeholders, numbered per family."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def serial(self, key: str | None) -> str:
        family = SERIAL_FAMILIES.get(key or "", "other")
        index = self.counts.get(family, 0)
        self.counts[family] = index + 1
        return f"{FAMILY_PREFIX[family]}{index:08d}"

    def value(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, key) for v in value]
        if value == REDACTED and key in SERIAL_FAMILIES:
            return self.serial(key)
        return value


def diagnostics_replies(raw: dict[str, Any]) -> dict[str, Reply]:
    """Turn a diagnostics ``raw`` object into replies by capture name."""
    unredact = _Unredactor()
    replies: dict[str, Reply] = {}
    for path, value in raw.items():
        name = capture_name(str(path))
        if isinstance(value, str):
            text = value.replace(REDACTED, REPLAY_SERIAL) if name == "info" else value
            body = text.encode()
            replies[name] = Reply(200, body, {"Content-Type": _guess_type(body)})
        elif (
            isinstance(value, dict) and set(value) == {"error"} and isinstance(value["error"], str)
        ):
            match = _HTTP_STATUS.search(value["error"])
            replies[name] = Reply(int(match.group(1)) if match else 503, b"", {})
        else:
            body = json.dumps(unredact.value(value)).encode()
            replies[name] = Reply(200, body, {"Content-Type": "application/json"})
    return replies


def load_capture(source: Path) -> Capture:
    """Read a capture folder, or a diagnostics JSON file."""
    if source.is_dir():
        return Capture(folder=source)
    if source.is_file():
        document = json.loads(source.read_text(encoding="utf-8"))
        return Capture(replies=diagnostics_replies(find_raw(document)))
    raise FileNotFoundError(f"no capture at {source}")


class ReplaySimulator(SimulatorApp):
    """A gateway that answers every request from a capture."""

    def __init__(
        self, capture: Capture, *, clock: SimClock | None = None, name: str = "replay"
    ) -> None:
        """Serve ``capture``; the firmware (and so the auth) comes from its ``/info``."""
        super().__init__(clock=clock)
        self.capture = capture
        self.name = f"enphase-replay-{name}"
        major = capture.firmware_major()
        self.token_auth = major is None or major >= 7
        self.nonce = secrets.token_hex(16)
        self.sessions: set[str] = set()

    def on_reboot(self) -> None:
        """Forget sessions and the digest nonce, as a restarted gateway does."""
        self.nonce = secrets.token_hex(16)
        self.sessions.clear()

    def state(self) -> dict[str, Any]:
        """Return what the replay serves."""
        return {
            "source": str(self.capture.folder) if self.capture.folder else "diagnostics",
            "token_auth": self.token_auth,
            "sessions": len(self.sessions),
        }

    def setup_routes(self, app: web.Application) -> None:
        """Answer every path (the control API under ``/_sim`` is matched first)."""
        app.router.add_route("*", "/{tail:.*}", self._serve)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        if request.path == CHECK_JWT and self.token_auth:
            return self._check_jwt(request)
        public = TOKEN_PUBLIC if self.token_auth else DIGEST_PUBLIC
        if request.path not in public and (refusal := self._authorise(request)) is not None:
            return refusal
        if request.method != "GET":
            return web.Response(status=405, text="the replay is read-only")
        reply = self.capture.lookup(request.path_qs)
        if reply is None:
            return web.Response(status=404, text="not captured")
        return web.Response(status=reply.status, body=reply.body, headers=reply.headers)

    def _authorise(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        if not self.token_auth:
            if header.startswith("Digest "):
                return None
            challenge = f'Digest realm="{REALM}", qop="auth", nonce="{self.nonce}"'
            return web.Response(
                status=401, text="Unauthorized", headers={"WWW-Authenticate": challenge}
            )
        if request.cookies.get("sessionId") in self.sessions:
            return None
        if header.startswith("Bearer ") and header[7:].strip():
            return None
        return web.Response(status=401, text="Unauthorized")

    def _check_jwt(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not header[7:].strip():
            return web.Response(status=401, text="<!DOCTYPE html><h2>Invalid token</h2>")
        session = secrets.token_hex(16)
        self.sessions.add(session)
        response = web.Response(text="<!DOCTYPE html><h2>Valid token.</h2>")
        response.set_cookie("sessionId", session, path="/", httponly=True)
        return response


def build_replay(folder: Path, clock: SimClock | None = None) -> SimulatorApp:
    """Return a gateway replaying ``folder`` (a capture folder or a diagnostics JSON file)."""
    return ReplaySimulator(load_capture(folder), clock=clock, name=folder.name)
