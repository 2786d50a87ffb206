"""Fixtures: the V2C simulator (cloud + chargers on loopback) and a set-up integration."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp.test_utils import TestServer
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_bridges_common.hass.budget import account_key
from custom_components.v2c_cloud.const import CLOUD_URL_ENV, CONF_ACCOUNT_ID, DOMAIN
from simulators.framework import SimClock
from simulators.v2c import Charger, ChargerApp, CloudApp, make_chargers

API_KEY = "test-api-key-0123456789"


@dataclass
class V2CSim:
    """The simulated cloud and chargers, served on loopback."""

    cloud: CloudApp
    cloud_server: TestServer
    chargers: list[Charger]
    apps: dict[str, ChargerApp] = field(default_factory=dict)
    servers: dict[str, TestServer] = field(default_factory=dict)

    @property
    def cloud_url(self) -> str:
        return str(self.cloud_server.make_url("")).rstrip("/")

    def charger(self, index: int = 0) -> Charger:
        return self.chargers[index]

    def app(self, index: int = 0) -> ChargerApp:
        return self.apps[self.chargers[index].charger_id]

    def address(self, index: int = 0) -> str:
        return self.chargers[index].ip

    def cloud_calls(self, pattern: str | None = None) -> int:
        return self.cloud.log.count(pattern)

    def lan_calls(self, index: int = 0, pattern: str | None = None) -> int:
        return self.app(index).log.count(pattern)


@pytest.fixture
def charger_count() -> int:
    return 2


@pytest.fixture
def firmware() -> list[str]:
    return ["2.1.17", "2.4.6"]


@pytest.fixture
def cloud_only() -> set[int]:
    return set()


@pytest.fixture
async def v2c_sim(
    socket_enabled: None,
    allow_loopback: None,
    monkeypatch: pytest.MonkeyPatch,
    charger_count: int,
    firmware: list[str],
    cloud_only: set[int],
) -> AsyncIterator[V2CSim]:
    clock = SimClock()
    chargers = make_chargers(charger_count, firmware=firmware, cloud_only=cloud_only)
    cloud = CloudApp(chargers, api_key=API_KEY, clock=clock)
    cloud_server = TestServer(cloud.make_app(), host="127.0.0.1")
    await cloud_server.start_server(access_log=None)
    sim = V2CSim(cloud=cloud, cloud_server=cloud_server, chargers=chargers)
    for charger in chargers:
        if not charger.has_lan:
            continue
        app = ChargerApp(charger, clock=clock)
        server = TestServer(app.make_app(), host="127.0.0.1")
        await server.start_server(access_log=None)
        charger.ip = f"127.0.0.1:{server.port}"
        sim.apps[charger.charger_id] = app
        sim.servers[charger.charger_id] = server
    monkeypatch.setenv(CLOUD_URL_ENV, sim.cloud_url)
    try:
        yield sim
    finally:
        for server in sim.servers.values():
            await server.close()
        await cloud_server.close()


@pytest.fixture
def config_entry() -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="V2C Cloud",
        data={CONF_API_KEY: API_KEY, CONF_ACCOUNT_ID: account_key(API_KEY)},
        unique_id=account_key(API_KEY),
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, v2c_sim: V2CSim, config_entry: MockConfigEntry
) -> MockConfigEntry:
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry
