"""Fixtures: the Enphase simulators on loopback, and entries set up against them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

from aiohttp.test_utils import TestServer
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.enphase_gateway.const import (
    CONF_MANUAL_TOKEN,
    DOMAIN,
    ENV_ENLIGHTEN_BASE_URL,
    ENV_TOKEN_BASE_URL,
)
from simulators.enphase import PROFILES, EnlightenSimulator, GatewaySimulator
from simulators.enphase.cloud import OWNER_EMAIL, OWNER_PASSWORD

type SimFactory = Callable[..., Awaitable[tuple[GatewaySimulator, TestServer]]]


@pytest.fixture
async def cloud(
    socket_enabled: None, allow_loopback: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[EnlightenSimulator]:
    """Serve the Enlighten login and token service; point the integration at it.

    A stand-in URL is honoured only with the loopback switch on (``allow_loopback``).
    """
    app = EnlightenSimulator()
    server = TestServer(app.make_app(), host="127.0.0.1", access_log=None)
    await server.start_server()
    url = f"http://127.0.0.1:{server.port}"
    monkeypatch.setenv(ENV_ENLIGHTEN_BASE_URL, url)
    monkeypatch.setenv(ENV_TOKEN_BASE_URL, url)
    try:
        yield app
    finally:
        await server.close()


@pytest.fixture
async def gateway_factory(
    socket_enabled: None, allow_loopback: None, cloud: EnlightenSimulator
) -> AsyncIterator[SimFactory]:
    """Serve gateways of any profile (answers at once; booted long ago)."""
    servers: list[TestServer] = []

    async def start(profile: str, **changes: Any) -> tuple[GatewaySimulator, TestServer]:
        sim = GatewaySimulator(replace(PROFILES[profile], **changes), latency=0)
        sim.boot_time -= 3600
        server = TestServer(sim.make_app(), host="127.0.0.1", access_log=None)
        await server.start_server()
        servers.append(server)
        return sim, server

    yield start
    for server in servers:
        await server.close()


def entry_data(profile: str, port: int, **overrides: Any) -> dict[str, Any]:
    """Return the config entry data a user would have ended with."""
    token_auth = PROFILES[profile].token_auth
    data = {
        CONF_HOST: f"127.0.0.1:{port}",
        CONF_USERNAME: OWNER_EMAIL if token_auth else "installer",
        CONF_PASSWORD: OWNER_PASSWORD if token_auth else "",
        CONF_MANUAL_TOKEN: False,
    }
    if token_auth:
        data[CONF_TOKEN] = None
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


async def setup_entry(
    hass: HomeAssistant,
    profile: str,
    port: int,
    *,
    options: dict[str, Any] | None = None,
    title: str | None = None,
    **overrides: Any,
) -> MockConfigEntry:
    """Add an entry for a served gateway and set it up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title or f"Envoy {PROFILES[profile].serial}",
        unique_id=None if title else PROFILES[profile].serial,
        data=entry_data(profile, port, **overrides),
        options=options or {},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
