"""Read the claims of a Fleet API access token (a JWT) without verifying it.

The token came from Tesla's token endpoint over TLS; we only read what it says about
itself: the account (``sub``), the granted scopes (``scp``) and the region (``ou_code``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
import json
from typing import Any

from .errors import InvalidResponseError


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What an access token says about the account."""

    account_id: str
    scopes: frozenset[str]
    region: str | None
    expires_at: float | None


def decode_access_token(token: str) -> TokenClaims:
    """Return the claims of an access token; raise ``InvalidResponseError`` if it is not one."""
    try:
        payload_part = token.split(".")[1]
        padded = payload_part + "=" * (-len(payload_part) % 4)
        claims: Any = json.loads(base64.urlsafe_b64decode(padded))
    except (IndexError, ValueError) as err:
        raise InvalidResponseError("The access token is not a JWT") from err
    if not isinstance(claims, dict) or not isinstance(sub := claims.get("sub"), str) or not sub:
        raise InvalidResponseError("The access token names no account")
    raw_scopes = claims.get("scp", [])
    if isinstance(raw_scopes, str):
        raw_scopes = raw_scopes.split()
    scopes = (
        frozenset(s for s in raw_scopes if isinstance(s, str))
        if isinstance(raw_scopes, list)
        else frozenset()
    )
    region = claims.get("ou_code")
    exp = claims.get("exp")
    return TokenClaims(
        account_id=sub,
        scopes=scopes,
        region=region.lower() if isinstance(region, str) else None,
        expires_at=float(exp)
        if isinstance(exp, int | float) and not isinstance(exp, bool)
        else None,
    )
