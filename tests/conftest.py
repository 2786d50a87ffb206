"""Fixtures shared by every test.

pytest-homeassistant-custom-component ships its own ``custom_components`` package: import the
repository's before the ``hass`` fixture runs, or Home Assistant finds no custom integrations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import importlib
import sys

import pytest

import custom_components

assert custom_components.__file__ is not None
assert "pytest_homeassistant_custom_component" not in custom_components.__file__
importlib.import_module("custom_components")
sys.modules.setdefault("custom_components", custom_components)

from aiohttp.test_utils import TestServer  # noqa: E402

from simulators.framework import SimulatorApp  # noqa: E402


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
