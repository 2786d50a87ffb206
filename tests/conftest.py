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

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
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
