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

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
import json
import logging
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import diagnostics as diagnostics_component
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

import custom_components
from simulators.framework import SimulatorApp

# The repository's package, not the plugin's.
assert custom_components.__file__ is not None
assert "pytest_homeassistant_custom_component" not in custom_components.__file__


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


@dataclass
class SecretWatch:
    """The secrets a test used, and what it produced that must not show them."""

    secrets: set[str] = field(default_factory=set)
    diagnostics: list[Any] = field(default_factory=list)

    def add(self, *values: str | None) -> None:
        """Register secrets (a key, a password, a token, a cookie, a session id)."""
        self.secrets.update(v for v in values if v and len(v) >= 4)

    def leaks(self, where: str, text: str) -> list[str]:
        """Return a line per registered secret found in ``text``."""
        return [f"{where}: {secret[:4]}... appears" for secret in self.secrets if secret in text]


def _log_text(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter()
    parts = []
    for record in records:
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
    return "\n".join(parts)


@pytest.fixture
def secrets_watch(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[SecretWatch]:
    """Fail the test if a secret it registers appears where users or logs can see it.

    Register what the test uses with ``secrets_watch.add(...)`` (at any time). At teardown
    the log records (DEBUG included: the fixture turns it on, messages and tracebacks), every
    diagnostics download the test made, every entity's attributes and every repair issue are
    searched; any secret found fails the test.
    """
    caplog.set_level(logging.DEBUG)
    watch = SecretWatch()
    hass: HomeAssistant | None = (
        request.getfixturevalue("hass") if "hass" in request.fixturenames else None
    )
    original = diagnostics_component._async_get_json_file_response

    async def recording(
        hass_: HomeAssistant, data: Mapping[str, Any], *args: Any, **kw: Any
    ) -> Any:
        watch.diagnostics.append(data)
        return await original(hass_, data, *args, **kw)

    with patch.object(diagnostics_component, "_async_get_json_file_response", recording):
        yield watch
    records = caplog.get_records("setup") + caplog.get_records("call")
    problems = watch.leaks("log", _log_text(records))
    for index, data in enumerate(watch.diagnostics):
        problems += watch.leaks(f"diagnostics #{index}", json.dumps(data, default=str))
    if hass is not None:
        for state in hass.states.async_all():
            problems += watch.leaks(
                f"attributes of {state.entity_id}",
                json.dumps(dict(state.attributes), default=str) + str(state.state),
            )
        for issue in ir.async_get(hass).issues.values():
            problems += watch.leaks(
                f"repair {issue.domain}.{issue.issue_id}",
                json.dumps(
                    [issue.issue_id, issue.data, issue.translation_placeholders], default=str
                ),
            )
    if problems:
        pytest.fail("Secrets leaked:\n" + "\n".join(sorted(set(problems))))
