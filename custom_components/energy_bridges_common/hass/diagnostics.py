"""Redaction shared by every integration's diagnostics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_EMAIL,
    CONF_LATITUDE,
    CONF_LONGITUDE,
    CONF_PASSWORD,
    CONF_TOKEN,
    CONF_UNIQUE_ID,
    CONF_USERNAME,
)

from ..client.redact import SECRET_NAMES, Redactor

# Secrets and personal data, wherever they appear in a diagnostics dump.
TO_REDACT: frozenset[str] = SECRET_NAMES | {
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_EMAIL,
    CONF_LATITUDE,
    CONF_LONGITUDE,
    CONF_PASSWORD,
    CONF_TOKEN,
    CONF_USERNAME,
    CONF_UNIQUE_ID,
    "address",
    "auth_implementation",
    "gps",
    "ip",
    "latitude",
    "longitude",
    "mac",
    "serial",
    "serial_number",
    "ssid",
    "title",
    "token",
}


def redact(
    data: Any,
    *,
    keys: Iterable[str] = (),
    secrets: Iterable[str | None] = (),
) -> Any:
    """Redact fields named in ``TO_REDACT`` and ``keys``, and any known secret value."""
    redactor = Redactor(names=TO_REDACT | set(keys))
    for secret in secrets:
        redactor.add_secret(secret)
    redacted = async_redact_data(data, TO_REDACT | set(keys))
    return redactor.data(redacted)


def entry_diagnostics(entry: ConfigEntry, *, keys: Iterable[str] = ()) -> dict[str, Any]:
    """Return the config entry's own part of a diagnostics dump, redacted."""
    result: Mapping[str, Any] = {
        "title": entry.title,
        "version": entry.version,
        "minor_version": entry.minor_version,
        "data": dict(entry.data),
        "options": dict(entry.options),
        "unique_id": entry.unique_id,
    }
    return dict(redact(result, keys=keys, secrets=_secret_values(entry)))


def _secret_values(entry: ConfigEntry) -> list[str]:
    """Return the string values stored under secret-looking keys (to scrub them anywhere)."""
    values: list[str] = []
    for source in (entry.data, entry.options):
        for key, value in source.items():
            if isinstance(value, str) and any(
                word in key.lower() for word in ("key", "token", "password", "secret")
            ):
                values.append(value)
            elif isinstance(value, Mapping):
                values.extend(
                    str(inner)
                    for inner_key, inner in value.items()
                    if isinstance(inner, str)
                    and any(word in str(inner_key).lower() for word in ("token", "secret"))
                )
    return values
