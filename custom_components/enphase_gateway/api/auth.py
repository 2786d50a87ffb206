"""Authentication with the gateway: HTTP digest (firmware < 7) and JWT tokens (firmware >= 7).

Tokens come from Enphase's cloud (the Enlighten login, then the token service) or are pasted
by the user (accounts with multi-factor authentication get no session from the login). The
token's ``exp`` is read without verifying the signature: only the gateway can verify it, we
only need to know when to fetch a new one.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
import hashlib
import json
import secrets
from typing import Any

import aiohttp

from ...energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    InvalidResponseError,
)
from ...energy_bridges_common.client.http import NO_RETRY, HttpClient
from ...energy_bridges_common.client.redact import Redactor

ENLIGHTEN_LOGIN_URL = "https://enlighten.enphaseenergy.com/login/login.json"
TOKEN_URL = "https://entrez.enphaseenergy.com/tokens"  # noqa: S105 - a URL
INSTALLER_USER = "installer"
ENVOY_USER = "envoy"


class MfaRequiredError(AuthenticationError):
    """The Enlighten account uses multi-factor authentication: a token must be pasted."""


def installer_password(serial: str, username: str = INSTALLER_USER) -> str:
    """Return the digest password of a firmware < 7 gateway's ``installer`` user.

    It is derived from the serial number by a publicly documented algorithm: an MD5 of the
    serial and a fixed phrase, with its last eight hex digits remapped by counts of 0 and 1.
    """
    text = f"[e]{username}@enphaseenergy.com#{serial} EnPhAsE eNeRgY "
    digest = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
    zeros = digest.count("0")
    ones = digest.count("1")
    password = []
    for char in digest[::-1][:8]:
        if zeros in (3, 6, 9):
            zeros -= 1
        zeros = min(max(zeros, 0), 20)
        if ones in (9, 15):
            ones -= 1
        ones = min(max(ones, 0), 26)
        if char == "0":
            password.append(chr(ord("f") + zeros))
            zeros -= 1
        elif char == "1":
            password.append(chr(ord("@") + ones))
            ones -= 1
        else:
            password.append(char)
    return "".join(password)


def envoy_password(serial: str) -> str:
    """Return the password of a firmware < 7 gateway's ``envoy`` user: the serial's last 6."""
    return serial[-6:]


def default_digest_password(serial: str, username: str) -> str | None:
    """Return the password a user may leave blank, or None for other users."""
    if username == INSTALLER_USER:
        return installer_password(serial)
    if username == ENVOY_USER:
        return envoy_password(serial)
    return None


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class DigestAuth:
    """HTTP digest (RFC 7616, MD5, qop=auth) that reuses the gateway's nonce.

    After the first challenge every request carries a precomputed answer with a rising
    nonce count, so an old gateway answers each request once instead of 401 then 200.
    """

    def __init__(self, username: str, password: str) -> None:
        """Keep the credentials; nothing is sent until the gateway challenges."""
        self.username = username
        self.password = password
        self._challenge: dict[str, str] | None = None
        self._count = 0

    @property
    def has_challenge(self) -> bool:
        """Return whether a challenge is known (requests can be answered at once)."""
        return self._challenge is not None

    def take_challenge(self, header: str | None) -> bool:
        """Remember a ``WWW-Authenticate: Digest`` challenge; return whether it was one."""
        if not header or not header.lower().startswith("digest "):
            return False
        fields: dict[str, str] = {}
        for part in _split_header(header[7:]):
            key, sep, value = part.partition("=")
            if sep:
                fields[key.strip().lower()] = value.strip().strip('"')
        if "nonce" not in fields or "realm" not in fields:
            return False
        self._challenge = fields
        self._count = 0
        return True

    def header(self, method: str, uri: str) -> str | None:
        """Return the ``Authorization`` header for a request, None before a challenge."""
        challenge = self._challenge
        if challenge is None:
            return None
        self._count += 1
        count = f"{self._count:08x}"
        cnonce = secrets.token_hex(8)
        realm = challenge["realm"]
        nonce = challenge["nonce"]
        ha1 = _md5(f"{self.username}:{realm}:{self.password}")
        ha2 = _md5(f"{method}:{uri}")
        qop = "auth" if "auth" in challenge.get("qop", "").split(",") else None
        if qop:
            response = _md5(f"{ha1}:{nonce}:{count}:{cnonce}:{qop}:{ha2}")
        else:
            response = _md5(f"{ha1}:{nonce}:{ha2}")
        parts = [
            f'username="{self.username}"',
            f'realm="{realm}"',
            f'nonce="{nonce}"',
            f'uri="{uri}"',
            f'response="{response}"',
            "algorithm=MD5",
        ]
        if qop:
            parts += [f"qop={qop}", f"nc={count}", f'cnonce="{cnonce}"']
        if "opaque" in challenge:
            parts.append(f'opaque="{challenge["opaque"]}"')
        return "Digest " + ", ".join(parts)


def _split_header(text: str) -> list[str]:
    """Split ``a="x, y", b=z`` on the commas outside quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if current:
        parts.append("".join(current).strip())
    return parts


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What a gateway token says of itself (read without verifying the signature)."""

    issued_at: float | None
    expires_at: float | None
    user_type: str | None
    """``owner`` or ``installer``."""
    serial: str | None

    def should_renew(self, now: float) -> bool:
        """Return whether to fetch a new token now: in the last third or last 30 days."""
        if self.expires_at is None:
            return False
        remaining = self.expires_at - now
        lifetime = self.expires_at - self.issued_at if self.issued_at is not None else remaining
        return remaining < min(30 * 86400, lifetime / 3)

    def expired(self, now: float) -> bool:
        """Return whether the token has expired."""
        return self.expires_at is not None and now >= self.expires_at


def decode_token(token: str) -> TokenInfo:
    """Read a JWT's claims; raise ``AuthenticationError`` when it is not a JWT at all."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise AuthenticationError("The token is not a JWT (three dot-separated parts)")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims: Any = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, UnicodeDecodeError) as err:
        raise AuthenticationError("The token's claims cannot be read") from err
    if not isinstance(claims, dict):
        raise AuthenticationError("The token's claims are not an object")

    def number(key: str) -> float | None:
        value = claims.get(key)
        return (
            float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        )

    user_type = claims.get("enphaseUser")
    serial = claims.get("aud")
    return TokenInfo(
        issued_at=number("iat"),
        expires_at=number("exp"),
        user_type=user_type if isinstance(user_type, str) else None,
        serial=serial if isinstance(serial, str) else None,
    )


async def fetch_token(
    session: aiohttp.ClientSession,
    *,
    username: str,
    password: str,
    serial: str,
    login_url: str = ENLIGHTEN_LOGIN_URL,
    token_url: str = TOKEN_URL,
    timeout: float = 30.0,
) -> str:
    """Log in to Enlighten and ask the token service for this gateway's token."""
    redactor = Redactor([password])
    client = HttpClient(session, timeout=timeout, retry=NO_RETRY, redactor=redactor)
    try:
        # The reply carries the session id: never logged, even before it is registered.
        login = await client.request(
            "POST",
            login_url,
            data={"user[email]": username, "user[password]": password},
            secret_reply=True,
        )
        reply = login.json()
    except AuthenticationError as err:
        raise AuthenticationError("Enlighten rejected the email or password") from err
    if not isinstance(reply, dict):
        raise InvalidResponseError("Enlighten's login reply is not an object")
    session_id = reply.get("session_id")
    if not isinstance(session_id, str) or not session_id:
        if reply.get("requires_mfa"):
            raise MfaRequiredError("The account uses multi-factor authentication")
        raise AuthenticationError(str(reply.get("message") or "Enlighten refused the login"))
    redactor.add_secret(session_id)
    try:
        response = await client.request(
            "POST",
            token_url,
            json_body={"session_id": session_id, "serial_num": serial, "username": username},
            secret_reply=True,
        )
    except AuthenticationError as err:
        raise AuthenticationError("The token service refused this gateway") from err
    except BridgeApiError:
        raise
    token = response.text.strip()
    decode_token(token)
    return token
