"""Keep secrets out of logs and diagnostics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "**REDACTED**"

# Names whose values are secrets wherever they appear: headers, query strings, JSON keys.
SECRET_NAMES: frozenset[str] = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "authorization",
        "client_secret",
        "code",
        "cookie",
        "id_token",
        "password",
        "refresh_token",
        "session_id",
        "set-cookie",
        "token",
        "x-api-key",
    }
)

_MIN_SECRET_LENGTH = 4


class Redactor:
    """Replace known secret values and secret-named fields with a placeholder."""

    def __init__(
        self,
        secrets: Iterable[str] = (),
        names: Iterable[str] = SECRET_NAMES,
    ) -> None:
        """Start with some secret values and the names whose values are secret."""
        self._secrets: set[str] = set()
        self._names = frozenset(name.lower() for name in names)
        for secret in secrets:
            self.add_secret(secret)

    def add_secret(self, secret: str | None) -> None:
        """Remember a value that must never be shown (a key, a token, a password)."""
        if secret and len(secret) >= _MIN_SECRET_LENGTH:
            self._secrets.add(secret)

    def discard_secret(self, secret: str | None) -> None:
        """Forget a value that can no longer appear (a token replaced by a newer one).

        Secrets that change (tokens refreshed several times a day) would otherwise pile up
        for as long as Home Assistant runs, and every redaction goes through them all.
        """
        if secret:
            self._secrets.discard(secret)

    def is_secret_name(self, name: str) -> bool:
        """Return whether a field of this name holds a secret."""
        return name.lower() in self._names

    def text(self, text: str) -> str:
        """Return the text with every known secret value replaced."""
        # Longest first so that a secret containing another is replaced whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def url(self, url: str) -> str:
        """Return the URL with secret query values and user info replaced."""
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
        query = urlencode(
            [
                (key, REDACTED if self.is_secret_name(key) else value)
                for key, value in parse_qsl(parts.query, keep_blank_values=True)
            ],
            safe="*",
        )
        return self.text(urlunsplit(parts._replace(netloc=netloc, query=query)))

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Return a copy of the headers with secret ones replaced."""
        return {
            key: REDACTED if self.is_secret_name(key) else self.text(value)
            for key, value in headers.items()
        }

    def data(self, data: Any) -> Any:
        """Return a copy of JSON-like data with secret fields and values replaced."""
        if isinstance(data, Mapping):
            return {
                key: REDACTED
                if isinstance(key, str) and self.is_secret_name(key) and value is not None
                else self.data(value)
                for key, value in data.items()
            }
        if isinstance(data, list | tuple):
            return [self.data(item) for item in data]
        if isinstance(data, str):
            return self.text(data)
        return data


_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+")


def redact_bearer(text: str) -> str:
    """Replace bearer tokens in free text (error messages that echo a header)."""
    return _BEARER.sub(rf"\g<1>{REDACTED}", text)
