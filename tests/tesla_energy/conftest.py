"""Fixtures: the simulated Tesla cloud on loopback, credentials and a set-up entry."""

from __future__ import annotations

from collections.abc import AsyncIterator
import logging
import time
from typing import Any

from aiohttp.test_utils import TestServer
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.api.const import SERVER_OVERRIDE_ENV
from custom_components.tesla_energy.const import CONF_REGION, DOMAIN
from simulators.framework import SimClock
from simulators.tesla import TeslaFleetSimulator

CLIENT_ID = "sim-client-id"
CLIENT_SECRET = "sim-client-secret"
ACCOUNT = "account-home"
OTHER_ACCOUNT = "account-other"
HOME_SITE = 1001
BARN_SITE = 1002
EMPTY_SITE = 1003


class HomeAssistantClock(SimClock):
    """The simulator's clock follows Home Assistant's (so time travel moves both)."""

    def timestamp(self) -> float:
        """Return Home Assistant's now."""
        return dt_util.utcnow().timestamp()


@pytest.fixture
def mock_recorder_before_hass(recorder_db_url: str) -> None:
    """Prepare the recorder's database before Home Assistant starts (recorder is a dependency)."""


@pytest.fixture(autouse=True)
def quick_backfill(monkeypatch: pytest.MonkeyPatch) -> int:
    """Fill one day back on first setup (a week in production): the tests stay quick."""
    monkeypatch.setattr("custom_components.tesla_energy.statistics.BACKFILL_DAYS", 1)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    return 1


@pytest.fixture
def sim() -> TeslaFleetSimulator:
    """Return the simulated Tesla cloud."""
    return TeslaFleetSimulator(clock=HomeAssistantClock())


@pytest.fixture
async def server(
    sim: TeslaFleetSimulator,
    socket_enabled: None,
    allow_loopback: None,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[TestServer]:
    """Serve the simulator on loopback and point the integration at it.

    The override is honoured only with the loopback switch on (``allow_loopback``).
    """
    test_server = TestServer(sim.make_app(), host="127.0.0.1", access_log=None)
    await test_server.start_server()
    monkeypatch.setenv(SERVER_OVERRIDE_ENV, str(test_server.make_url("")).rstrip("/"))
    try:
        yield test_server
    finally:
        await test_server.close()


def base_url(server: TestServer) -> str:
    """Return the simulator's URL."""
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
async def credentials(hass: HomeAssistant) -> None:
    """Register the user's Fleet API application."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )


def issue_token(
    sim: TeslaFleetSimulator, account: str = ACCOUNT, scopes: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """Return a token as Home Assistant stores it, straight from the simulator."""
    token = sim._issue(
        account,
        scopes or ("openid", "offline_access", "energy_device_data", "energy_cmds"),
        CLIENT_ID,
    )
    token["expires_at"] = time.time() + token["expires_in"]
    return token


@pytest.fixture
def scopes() -> tuple[str, ...] | None:
    """Return the scopes the entry's token grants (None: all)."""
    return None


@pytest.fixture
def options() -> dict[str, Any]:
    """Return the entry's options (defaults)."""
    return {}


@pytest.fixture
def config_entry(
    hass: HomeAssistant,
    sim: TeslaFleetSimulator,
    server: TestServer,
    scopes: tuple[str, ...] | None,
    options: dict[str, Any],
) -> MockConfigEntry:
    """Return an entry of the home account, as the config flow creates it."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home, Barn",
        unique_id=ACCOUNT,
        data={
            "auth_implementation": DOMAIN,
            "token": issue_token(sim, scopes=scopes),
            CONF_REGION: "na",
        },
        options=options,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def setup_integration(
    recorder_mock: Any,
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
) -> MockConfigEntry:
    """Set the entry up against the simulator."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return config_entry


def no_retry_wait(entry: MockConfigEntry) -> None:
    """Retry at once: a retry's wait never ends while the test's clock is frozen."""

    async def no_sleep(_seconds: float) -> None:
        return

    entry.runtime_data.client.http._sleep = no_sleep
