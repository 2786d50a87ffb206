"""Fixtures shared by every test.

pytest-homeassistant-custom-component ships its own ``custom_components`` package: import the
repository's before the ``hass`` fixture runs, or Home Assistant finds no custom integrations.

Time travel (how budgets are proved): move the clock with the ``freezer`` fixture, then
``async_fire_time_changed(hass)`` and ``await hass.async_block_till_done(
wait_background_tasks=True)`` (coordinator refreshes run as background tasks); ``time_travel``
below does the three. While ``freezer`` holds the clock, ``asyncio.sleep`` and aiohttp
timeouts never end: give clients ``retry=NO_RETRY`` (or an injected ``sleep``) in such tests.
Tests that serve a simulator on 127.0.0.1 need the ``socket_enabled`` fixture.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
import json
import logging
import os
import re
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import diagnostics as diagnostics_component
from homeassistant.config_entries import ConfigEntriesFlowManager
from homeassistant.core import HomeAssistant, ServiceRegistry
from homeassistant.data_entry_flow import FlowManager
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

import custom_components
from simulators.framework import SimulatorApp

# The repository's package, not the plugin's.
assert custom_components.__file__ is not None
assert "pytest_homeassistant_custom_component" not in custom_components.__file__


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers the shared fixtures read."""
    config.addinivalue_line(
        "markers",
        "secrets_may_appear(reason): the test puts a secret somewhere on purpose (it asserts "
        "redaction, say); the test-wide secrets check skips it",
    )


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> Iterator[None]:
    """Let Home Assistant load the repository's integrations in every test."""
    return


@pytest.fixture
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Allow loopback device addresses, as the demo does for its simulators."""
    monkeypatch.setenv("HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK", "1")


async def serve_simulator(app: SimulatorApp) -> AsyncIterator[TestServer]:
    """Serve a simulator on a loopback port for the length of a test."""
    server = TestServer(app.make_app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


async def time_travel(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move Home Assistant's clock forward and let everything that came due run."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


# Key names whose values are secrets, in config entry data and options (any nesting): an API
# key, a password, an (access, refresh, id, gateway) token, a client secret, a cookie, a
# session id. Matched on the lower-case key name.
SECRET_KEY_NAME = re.compile(r"api_?key|password|passwd|token|secret|cookie|session")
# Not secrets although their names say so: the kind of token and what it allows, its expiry.
NOT_SECRET_KEY_NAME = re.compile(r"token_type|scope|expires|manual_token")
# Shorter values are not searched: a short value ("", "1234", "Bearer") appears by chance in a
# log line or an attribute and a match would mean nothing.
MIN_SECRET_LENGTH = 8


def secrets_in(value: Any, *, under_secret: bool = False) -> set[str]:
    """Return the strings stored under secret-named keys in ``value`` (mappings and lists).

    A mapping under a cookie or session key is a jar: every string in it is a secret.
    """
    found: set[str] = set()
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = str(key).lower()
            secret = bool(SECRET_KEY_NAME.search(name)) and not NOT_SECRET_KEY_NAME.search(name)
            jar = under_secret or (secret and ("cookie" in name or "session" in name))
            found |= secrets_in(
                item, under_secret=jar or (secret and not isinstance(item, Mapping))
            )
    elif isinstance(value, list | tuple):
        for item in value:
            found |= secrets_in(item, under_secret=under_secret)
    elif under_secret and isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
        found.add(value)
    return found


@dataclass
class SecretWatch:
    """The secrets a test used, and what it produced that must not show them."""

    secrets: set[str] = field(default_factory=set)
    diagnostics: list[Any] = field(default_factory=list)
    exceptions: list[BaseException] = field(default_factory=list)

    def add(self, *values: str | None) -> None:
        """Register secrets (a key, a password, a token, a cookie, a session id).

        Values shorter than ``MIN_SECRET_LENGTH`` (8) characters are ignored.
        """
        self.secrets.update(v for v in values if v and len(v) >= MIN_SECRET_LENGTH)

    def leaks(self, where: str, text: str) -> list[str]:
        """Return a line per registered secret found in ``text``."""
        return [f"{where}: {secret[:4]}... appears" for secret in self.secrets if secret in text]

    def problems(self, records: list[logging.LogRecord], hass: HomeAssistant | None) -> list[str]:
        """Search everything the test produced for the secrets; one line per leak."""
        problems = [
            line
            for record in records
            # The test harness's own storage mock logs what it writes; Home Assistant does not.
            if not record.name.startswith("pytest_homeassistant_custom_component")
            for line in self.leaks(f"log {record.name} ({record.levelname})", _log_text([record]))
        ]
        for index, data in enumerate(self.diagnostics):
            problems += self.leaks(f"diagnostics #{index}", json.dumps(data, default=str))
        for error in self.exceptions:
            problems += self.leaks(f"exception {type(error).__name__}", _exception_text(error))
        if hass is not None:
            for entry in hass.config_entries.async_entries():
                problems += self.leaks(
                    f"config entry {entry.domain} state",
                    json.dumps(
                        [entry.reason, entry.error_reason_translation_placeholders], default=str
                    ),
                )
            for state in hass.states.async_all():
                problems += self.leaks(
                    f"attributes of {state.entity_id}",
                    json.dumps(dict(state.attributes), default=str) + str(state.state),
                )
            for issue in ir.async_get(hass).issues.values():
                problems += self.leaks(
                    f"repair {issue.domain}.{issue.issue_id}",
                    json.dumps(
                        [issue.issue_id, issue.data, issue.translation_placeholders], default=str
                    ),
                )
        return sorted(set(problems))


def _log_text(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter()
    parts = []
    for record in records:
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
    return "\n".join(parts)


def _exception_text(error: BaseException) -> str:
    parts = [str(error), repr(error)]
    placeholders = getattr(error, "translation_placeholders", None)
    if placeholders:
        parts.append(json.dumps(placeholders, default=str))
    if error.__cause__ is not None and error.__cause__ is not error:
        parts.append(_exception_text(error.__cause__))
    return "\n".join(parts)


@pytest.fixture(autouse=True)
def _secrets_watch_everywhere(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[SecretWatch]:
    """Fail any test in which a secret it used appears where users or logs can see it.

    The secrets: every string of at least 8 characters under a secret-named key (api_key,
    password, token, access/refresh token, client_secret, cookie, session...) in the data and
    options of every config entry in ``hass`` at teardown, plus what the test registers with
    ``secrets_watch.add(...)``. Shorter values are ignored: they match by chance.
    Searched at teardown: the log records captured for the test (at the level the test runs
    with: the ``secrets_watch`` fixture, or ``SECRETS_WATCH_DEBUG=1`` for every test, turns
    DEBUG on), every diagnostics download, the
    exceptions actions and config/options flows raised to the test, every config entry's error
    reason, every entity's state and attributes, every repair issue.
    A test that puts a secret somewhere on purpose says why with
    ``@pytest.mark.secrets_may_appear("reason")``.
    """
    watch = SecretWatch()
    # The recorder's database must be prepared before ``hass`` (the plugin asserts it): a test
    # that asks for it gets it first, as it would without this fixture.
    if "recorder_db_url" in request.fixturenames:
        request.getfixturevalue("recorder_db_url")
    hass: HomeAssistant | None = (
        request.getfixturevalue("hass") if "hass" in request.fixturenames else None
    )
    if hass is None or request.node.get_closest_marker("secrets_may_appear"):
        yield watch
        return
    if os.environ.get("SECRETS_WATCH_DEBUG"):
        # DEBUG for every test costs about a tenth more time: a search on demand, not the default.
        caplog.set_level(logging.DEBUG)
    original = diagnostics_component._async_get_json_file_response

    async def recording(
        hass_: HomeAssistant, data: Mapping[str, Any], *args: Any, **kw: Any
    ) -> Any:
        watch.diagnostics.append(data)
        return await original(hass_, data, *args, **kw)

    def raising(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def call(self: Any, *args: Any, **kw: Any) -> Any:
            try:
                return await method(self, *args, **kw)
            except Exception as error:
                watch.exceptions.append(error)
                raise

        return call

    with (
        patch.object(diagnostics_component, "_async_get_json_file_response", recording),
        # What actions and flows raise reaches the user (the frontend shows the message).
        patch.object(ServiceRegistry, "async_call", raising(ServiceRegistry.async_call)),
        patch.object(FlowManager, "async_init", raising(FlowManager.async_init)),
        patch.object(
            ConfigEntriesFlowManager,
            "async_init",
            raising(ConfigEntriesFlowManager.async_init),
        ),
        patch.object(FlowManager, "async_configure", raising(FlowManager.async_configure)),
    ):
        yield watch
    fail_on_leaks(watch, hass, caplog.get_records("setup") + caplog.get_records("call"))


def fail_on_leaks(
    watch: SecretWatch, hass: HomeAssistant, records: list[logging.LogRecord]
) -> None:
    """Take the config entries' secrets into ``watch``, search, fail the test on a leak."""
    for entry in hass.config_entries.async_entries():
        watch.secrets |= secrets_in([entry.data, entry.options])
    if watch.secrets and (problems := watch.problems(records, hass)):
        pytest.fail("Secrets leaked:\n" + "\n".join(problems))


@pytest.fixture
def secrets_watch(
    _secrets_watch_everywhere: SecretWatch, caplog: pytest.LogCaptureFixture
) -> SecretWatch:
    """The test-wide watch, with DEBUG logging on: register more with ``.add(...)``.

    Every test is watched (see ``_secrets_watch_everywhere``); a test asks for this fixture to
    register secrets that live outside config entries (a session id, a cookie) and to search
    DEBUG records too.
    """
    caplog.set_level(logging.DEBUG)
    return _secrets_watch_everywhere
