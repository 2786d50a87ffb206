"""Client errors turned into the translated errors Home Assistant shows.

Every integration translates these keys under ``exceptions``: ``authentication_failed``,
``budget_exhausted``, ``rate_limited`` and ``communication_error`` (each may use ``{error}``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady, HomeAssistantError

from ..client.errors import (
    AuthenticationError,
    BridgeApiError,
    BudgetExhaustedError,
    RateLimitedError,
)


def error_translation_key(err: BridgeApiError) -> str:
    """Return the shared translation key that says what went wrong."""
    if isinstance(err, BudgetExhaustedError):
        return "budget_exhausted"
    if isinstance(err, RateLimitedError):
        return "rate_limited"
    if isinstance(err, AuthenticationError):
        return "authentication_failed"
    return "communication_error"


def translated_error(
    domain: str, err: BridgeApiError, key: str | None = None
) -> HomeAssistantError:
    """Return a translated ``HomeAssistantError`` for a failed command or read."""
    return HomeAssistantError(
        translation_domain=domain,
        translation_key=key or error_translation_key(err),
        translation_placeholders={"error": str(err)},
    )


@contextmanager
def setup_errors(domain: str) -> Iterator[None]:
    """Turn a client error during setup into reauthentication or a later retry."""
    try:
        yield
    except AuthenticationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=domain,
            translation_key="authentication_failed",
            translation_placeholders={"error": str(err)},
        ) from err
    except BridgeApiError as err:
        raise ConfigEntryNotReady(
            translation_domain=domain,
            translation_key=error_translation_key(err),
            translation_placeholders={"error": str(err)},
        ) from err
