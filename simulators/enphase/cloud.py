"""The Enphase cloud's part in authentication: the Enlighten login and the token service."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from aiohttp import web

from simulators.framework import SimClock, SimulatorApp, json_response

# Gateways and the cloud share this key, as the real ones share Enphase's signing key.
SIGNING_KEY = b"simulated-enphase-signing-key"
OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "correct horse battery"
MFA_EMAIL = "mfa@example.com"
YEAR = 365 * 86400


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def issue_token(
    serial: str,
    *,
    issued_at: float,
    lifetime: float = YEAR,
    user_type: str = "owner",
    username: str = OWNER_EMAIL,
) -> str:
    """Return a signed gateway token (an HS256 JWT)."""
    header = _b64(json.dumps({"kid": "sim", "typ": "JWT", "alg": "HS256"}).encode())
    claims = {
        "aud": serial,
        "iss": "Entrez",
        "enphaseUser": user_type,
        "exp": int(issued_at + lifetime),
        "iat": int(issued_at),
        "jti": secrets.token_hex(8),
        "username": username,
    }
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(SIGNING_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def verify_token(token: str, serial: str, now: float) -> bool:
    """Return whether a token is signed by the cloud, for this gateway, and not expired."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    expected = hmac.new(SIGNING_KEY, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(_b64(expected), parts[2]):
        return False
    try:
        claims: Any = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return False
    return (
        isinstance(claims, dict)
        and claims.get("aud") == serial
        and float(claims.get("exp", 0)) > now
    )


class EnlightenSimulator(SimulatorApp):
    """``/login/login.json`` and ``/tokens`` (the real ones live on two hosts)."""

    name = "enphase-cloud"

    def __init__(self, *, clock: SimClock | None = None) -> None:
        super().__init__(clock=clock)
        self.accounts: dict[str, str] = {OWNER_EMAIL: OWNER_PASSWORD, MFA_EMAIL: OWNER_PASSWORD}
        self.sessions: dict[str, str] = {}
        self.token_lifetime: float = YEAR
        self.tokens_issued = 0

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_post("/login/login.json", self._login)
        app.router.add_post("/tokens", self._tokens)

    def state(self) -> dict[str, Any]:
        return {"token_lifetime": self.token_lifetime, "tokens_issued": self.tokens_issued}

    async def update_state(self, changes: dict[str, Any]) -> dict[str, Any]:
        if "token_lifetime" in changes:
            self.token_lifetime = float(changes["token_lifetime"])
        return self.state()

    async def _login(self, request: web.Request) -> web.Response:
        form = await request.post()
        email = str(form.get("user[email]", ""))
        password = str(form.get("user[password]", ""))
        if self.accounts.get(email) != password:
            return json_response({"message": "Invalid email or password"}, status=401)
        if email == MFA_EMAIL:
            return json_response({"message": "success", "session_id": None, "requires_mfa": True})
        session_id = secrets.token_hex(16)
        self.sessions[session_id] = email
        return json_response({"message": "success", "session_id": session_id})

    async def _tokens(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="bad request")
        email = self.sessions.get(str(body.get("session_id")))
        serial = body.get("serial_num")
        if email is None or email != body.get("username") or not isinstance(serial, str):
            return web.Response(status=401, text="Unauthorized")
        self.tokens_issued += 1
        return web.Response(
            text=issue_token(
                serial,
                issued_at=self.clock.timestamp(),
                lifetime=self.token_lifetime,
                username=email,
            )
        )
