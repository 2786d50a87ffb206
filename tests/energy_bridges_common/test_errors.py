"""Tests for the translation of client errors."""

from __future__ import annotations

from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
import pytest

from custom_components.energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    BudgetExhaustedError,
    InvalidResponseError,
    PermissionDeniedError,
    RateLimitedError,
    RequestError,
    UnreachableError,
)
from custom_components.energy_bridges_common.hass.errors import (
    error_translation_key,
    setup_errors,
    translated_error,
)


@pytest.mark.parametrize(
    ("err", "key"),
    [
        (BudgetExhaustedError("spent", 10), "budget_exhausted"),
        (RateLimitedError("429", 10), "rate_limited"),
        (AuthenticationError("401"), "authentication_failed"),
        (PermissionDeniedError("403"), "authentication_failed"),
        (UnreachableError("down"), "communication_error"),
        (InvalidResponseError("junk"), "communication_error"),
        (RequestError("500", 500), "communication_error"),
    ],
)
def test_keys(err: BridgeApiError, key: str) -> None:
    assert error_translation_key(err) == key
    error = translated_error("powervault", err)
    assert error.translation_domain == "powervault"
    assert error.translation_key == key
    assert error.translation_placeholders == {"error": str(err)}
    assert translated_error("powervault", err, "command_failed").translation_key == "command_failed"


def test_setup_errors() -> None:
    with pytest.raises(ConfigEntryAuthFailed) as auth, setup_errors("v2c_cloud"):
        raise AuthenticationError("bad key")
    assert auth.value.translation_key == "authentication_failed"
    with pytest.raises(ConfigEntryNotReady) as not_ready, setup_errors("v2c_cloud"):
        raise RateLimitedError("later", 60)
    assert not_ready.value.translation_key == "rate_limited"
    assert not_ready.value.translation_domain == "v2c_cloud"
    with setup_errors("v2c_cloud"):
        pass
    with pytest.raises(ValueError), setup_errors("v2c_cloud"):
        raise ValueError("not ours")
