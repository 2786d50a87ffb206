"""The test-wide ``secrets_watch`` fixture finds what it is told to look for."""

from __future__ import annotations

import logging
import sys

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import SecretWatch, _log_text, fail_on_leaks, secrets_in


def test_secret_watch_finds_registered_secrets_only() -> None:
    watch = SecretWatch()
    watch.add("tok-123456", None, "", "abcdefg")  # empty and too short values are ignored
    assert watch.secrets == {"tok-123456"}
    assert watch.leaks("log", "nothing here") == []
    assert watch.leaks("log", "Bearer tok-123456") == ["log: tok-... appears"]


def _fail() -> None:
    raise ValueError("tok-123456 in an exception")


def test_log_text_includes_tracebacks() -> None:
    try:
        _fail()
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "tok-123456 in an exception" in _log_text([record])


def test_secrets_in_takes_values_under_secret_names_only() -> None:
    data = {
        "api_key": "key-abcdefgh",
        "username": "owner@example.com",
        "token": {
            "access_token": "access-12345678",
            "refresh_token": "refresh-12345678",
            "token_type": "Bearer-long-enough",
            "scope": "openid offline_access energy_device_data",
            "expires_at": 1767225600.0,
        },
        "local": {"password": "pass-word-123", "cookies": {"AuthCookie": "cookie-12345678"}},
        "session_id": "short",
        "manual_token": True,
        "units": [{"client_secret": "client-secret-1"}],
    }
    assert secrets_in(data) == {
        "key-abcdefgh",
        "access-12345678",
        "refresh-12345678",
        "pass-word-123",
        "cookie-12345678",
        "client-secret-1",
    }


async def _raise_with(call: ServiceCall) -> None:
    raise HomeAssistantError(f"refused {call.data['value']}")


@pytest.mark.secrets_may_appear("the test leaks on purpose to prove the check fails")
async def test_the_check_fails_on_each_leak(hass: HomeAssistant) -> None:
    token = "tok-abcdefgh-123"
    MockConfigEntry(domain="test", data={"token": {"access_token": token}}).add_to_hass(hass)
    watch = SecretWatch()
    fail_on_leaks(watch, hass, [])  # nothing leaked yet
    assert watch.secrets == {token}

    record = logging.LogRecord("x", logging.DEBUG, __file__, 1, "sent %s", (token,), None)
    watch.diagnostics.append({"entry": {"token": token}})
    hass.states.async_set("sensor.x", "1", {"auth": f"Bearer {token}"})
    ir.async_create_issue(
        hass,
        "test",
        "expired",
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="expired",
        translation_placeholders={"token": token},
    )
    hass.services.async_register("test", "leak", _raise_with)
    try:
        await hass.services.async_call("test", "leak", {"value": token}, blocking=True)
    except HomeAssistantError as error:
        watch.exceptions.append(error)
    with pytest.raises(pytest.fail.Exception) as failed:
        fail_on_leaks(watch, hass, [record])
    message = str(failed.value)
    for where in (
        "log x (DEBUG)",
        "diagnostics #0",
        "attributes of sensor.x",
        "repair test.expired",
    ):
        assert f"{where}: tok-... appears" in message
    assert "exception HomeAssistantError: tok-... appears" in message
    # The test harness's storage mock logs what it stores; that is not the integration's log.
    harness = logging.LogRecord(
        "pytest_homeassistant_custom_component.common", logging.DEBUG, __file__, 1, token, (), None
    )
    assert SecretWatch(secrets={token}).problems([harness], None) == []
    assert token not in message


async def _refused(hass: HomeAssistant, value: str) -> None:
    hass.services.async_register("test", "leak", _raise_with)
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call("test", "leak", {"value": value}, blocking=True)


@pytest.mark.secrets_may_appear("the test leaks on purpose: an exempt test is not watched")
async def test_an_exempt_test_is_not_watched(
    hass: HomeAssistant, secrets_watch: SecretWatch
) -> None:
    await _refused(hass, "tok-abcdefgh-123")
    assert secrets_watch.exceptions == []


async def test_the_fixture_watches_every_test(
    hass: HomeAssistant, secrets_watch: SecretWatch
) -> None:
    await _refused(hass, "harmless")
    assert [str(e) for e in secrets_watch.exceptions] == ["refused harmless"]
    with pytest.raises(HomeAssistantError):
        await hass.config_entries.flow.async_init("no_such_integration", context={"source": "user"})
    with pytest.raises(HomeAssistantError):
        await hass.config_entries.flow.async_configure("no_such_flow", {})
    assert len(secrets_watch.exceptions) >= 3
