"""Fixtures of the Powervault tests: the simulators on loopback and config entries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.energy_bridges_common.client.http import RetryPolicy
from custom_components.powervault.api import client as client_module
from custom_components.powervault.const import (
    CLOUD_URL_ENV,
    CONF_ACCOUNT_ID,
    CONF_CONNECTION,
    CONF_MODEL,
    CONF_UNIT_ID,
    DOMAIN,
)
from simulators.powervault import PowervaultCloud, PowervaultLocal
from tests.conftest import serve_simulator

API_KEY = "sim-powervault-key"
CLOUD_UNIT = "pvsim-1001"
LOCAL_UNIT = "008a2564"

# Time-travel tests freeze the event loop's clock: a retry's sleep would never end.
NO_RETRY = RetryPolicy(attempts=1)


@pytest.fixture(autouse=True)
def fast_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short timeouts and no retries, so that fault tests take no time."""
    monkeypatch.setattr(client_module, "DEFAULT_TIMEOUT", 1.0)
    monkeypatch.setattr(client_module, "CLOUD_RETRY", NO_RETRY)
    monkeypatch.setattr(client_module, "LOCAL_RETRY", NO_RETRY)


@pytest.fixture
def cloud_app() -> PowervaultCloud:
    """Return a simulated cloud with two units."""
    return PowervaultCloud(units=2)


@pytest.fixture
def local_app() -> PowervaultLocal:
    """Return a simulated P3X unit with a small battery detail."""
    return PowervaultLocal(modules=1, cells=2)


@pytest.fixture
async def cloud_server(
    socket_enabled: None, cloud_app: PowervaultCloud
) -> AsyncIterator[TestServer]:
    """Serve the cloud on loopback."""
    async for server in serve_simulator(cloud_app):
        yield server


@pytest.fixture
async def local_server(
    socket_enabled: None, local_app: PowervaultLocal
) -> AsyncIterator[TestServer]:
    """Serve the unit on loopback."""
    async for server in serve_simulator(local_app):
        yield server


@pytest.fixture
def cloud_url(
    cloud_server: TestServer, monkeypatch: pytest.MonkeyPatch, allow_loopback: None
) -> str:
    """Point the integration's cloud at the simulator."""
    url = f"http://127.0.0.1:{cloud_server.port}/v4"
    monkeypatch.setenv(CLOUD_URL_ENV, url)
    return url


@pytest.fixture
def cloud_entry(hass: HomeAssistant, cloud_url: str) -> MockConfigEntry:
    """Return a cloud entry of the first simulated unit."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Powervault {CLOUD_UNIT}",
        unique_id=CLOUD_UNIT,
        data={
            CONF_CONNECTION: "cloud",
            CONF_API_KEY: API_KEY,
            CONF_ACCOUNT_ID: "4242",
            CONF_UNIT_ID: CLOUD_UNIT,
            CONF_MODEL: "P4",
        },
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
def local_entry(
    hass: HomeAssistant, local_server: TestServer, allow_loopback: None
) -> MockConfigEntry:
    """Return a local entry of the simulated unit."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Powervault {LOCAL_UNIT}",
        unique_id=LOCAL_UNIT,
        data={
            CONF_CONNECTION: "local",
            CONF_HOST: "127.0.0.1",
            CONF_PORT: local_server.port,
            CONF_UNIT_ID: LOCAL_UNIT,
            CONF_MODEL: "P3X",
        },
    )
    entry.add_to_hass(hass)
    return entry


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    """Move time on and let every timer and refresh run (refreshes are background tasks)."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up an entry and wait for it."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def entity_id(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    """Return the entity id of a unique id."""
    from homeassistant.helpers import entity_registry as er

    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert found is not None, unique_id
    return found


def state_value(hass: HomeAssistant, platform: str, unique_id: str) -> Any:
    """Return the state string of an entity by unique id."""
    state = hass.states.get(entity_id(hass, platform, unique_id))
    assert state is not None
    return state.state


def scheduled(app: PowervaultCloud | PowervaultLocal, unit_id: str = CLOUD_UNIT) -> str:
    """Return the option the simulated unit's own schedule says for now (e.g. ``normal``)."""
    from datetime import UTC, datetime

    model = app.units[unit_id] if isinstance(app, PowervaultCloud) else app.unit
    return model.state_at(datetime.now(UTC)).replace("-", "_")
