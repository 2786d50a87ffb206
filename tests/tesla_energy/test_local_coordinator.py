"""The local coordinator: LAN readings to the live values, session kept, fallback, password.

Driven against the simulated gateway on loopback; the site's live coordinator is stood in for
by a recorder of what the local coordinator hands it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestServer
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.api.local import PowerwallLocalClient
from custom_components.tesla_energy.api.local_models import LocalSnapshot
from custom_components.tesla_energy.const import DOMAIN
from custom_components.tesla_energy.local_coordinator import (
    TeslaEnergyLocalCoordinator,
    stored_session,
)
from custom_components.tesla_energy.local_source import LiveSource, SourceSelector
from simulators.framework import FaultKind, SimClock
from simulators.tesla_local import PROFILES, PowerwallGatewaySimulator

SITE = 1001
NOON = datetime(2026, 6, 15, 11, 0, tzinfo=UTC)


class Sink:
    """Records what the live coordinator would be told."""

    def __init__(self) -> None:
        """Nothing yet."""
        self.values: list[LocalSnapshot] = []
        self.sources: list[LiveSource] = []

    def local_values(self, snapshot: LocalSnapshot) -> None:
        """Record a reading."""
        self.values.append(snapshot)

    def local_source_changed(self, source: LiveSource) -> None:
        """Record a switch."""
        self.sources.append(source)


class Clock:
    """The selector's clock, moved by hand."""

    def __init__(self) -> None:
        """Start somewhere."""
        self.now = 0.0

    def __call__(self) -> float:
        """Return the time."""
        return self.now


@pytest.fixture
async def gateway(socket_enabled: None) -> AsyncIterator[tuple[PowerwallGatewaySimulator, str]]:
    """Serve the full simulated gateway (plain http on loopback)."""
    clock = SimClock(start=NOON)
    clock.freeze()
    sim = PowerwallGatewaySimulator(PROFILES["full"], clock=clock)
    server = TestServer(sim.make_app(), host="127.0.0.1")
    await server.start_server(access_log=None)
    try:
        yield sim, f"http://127.0.0.1:{server.port}"
    finally:
        await server.close()


def _coordinator(
    hass: HomeAssistant, entry: MockConfigEntry, url: str, password: str, **kwargs: Any
) -> tuple[TeslaEnergyLocalCoordinator, Sink, Clock]:
    sink = Sink()
    clock = Clock()
    client = PowerwallLocalClient(
        async_get_clientsession(hass),
        url,
        password,
        allow_loopback=True,
        stored_session=stored_session(entry, SITE),
    )
    coordinator = TeslaEnergyLocalCoordinator(
        hass,
        entry,
        client,
        SITE,
        sink,
        selector=SourceSelector(grace=120, settle=300, clock=clock),
        **kwargs,
    )
    return coordinator, sink, clock


async def test_readings_go_to_the_live_values_and_the_session_is_kept(
    hass: HomeAssistant, gateway: tuple[PowerwallGatewaySimulator, str]
) -> None:
    """Each LAN reading reaches the live coordinator; a restart reuses the stored session."""
    sim, url = gateway
    entry = MockConfigEntry(domain=DOMAIN, data={"auth_implementation": DOMAIN})
    entry.add_to_hass(hass)
    coordinator, sink, _clock = _coordinator(hass, entry, url, sim.password)
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    assert len(sink.values) == 2
    assert sink.values[-1].power.solar_power == sim.model.flows.solar
    assert sink.values[-1].operation is None
    assert sim.log.count("/api/operation") == 0  # not used by any entity: not asked
    assert sink.sources == []
    assert stored_session(entry, SITE) == coordinator.client.session_state
    assert entry.data["auth_implementation"] == DOMAIN  # the rest of the entry untouched

    # "Restart": a new client and coordinator from the entry log in no more.
    again, sink2, _ = _coordinator(hass, entry, url, sim.password)
    await again.async_refresh()
    assert len(sink2.values) == 1
    assert sim.log.count("/api/login/Basic") == 1


async def test_lan_away_falls_back_after_grace_and_returns_after_settle(
    hass: HomeAssistant, gateway: tuple[PowerwallGatewaySimulator, str]
) -> None:
    """Losing and regaining the LAN: served stale, then the cloud, then the LAN again."""
    sim, url = gateway
    entry = MockConfigEntry(domain=DOMAIN, data={})
    entry.add_to_hass(hass)
    coordinator, sink, clock = _coordinator(hass, entry, url, sim.password)
    await coordinator.async_refresh()
    assert coordinator.last_update_success

    fault = sim.faults.inject(FaultKind.RESET, "/api/meters/aggregates")
    clock.now += 15
    await coordinator.async_refresh()
    assert sink.sources == []  # within the grace period
    clock.now += 120
    await coordinator.async_refresh()
    assert sink.sources == [LiveSource.CLOUD]
    readings = len(sink.values)

    sim.faults.faults.remove(fault)
    clock.now += 15
    await coordinator.async_refresh()
    assert sink.sources == [LiveSource.CLOUD]  # answering, not yet settled
    assert len(sink.values) == readings  # the cloud still has the live values
    clock.now += 300
    await coordinator.async_refresh()
    assert sink.sources == [LiveSource.CLOUD, LiveSource.LOCAL]
    assert len(sink.values) == readings + 1


async def test_a_refused_password_asks_the_user_and_keeps_the_cloud(
    hass: HomeAssistant, gateway: tuple[PowerwallGatewaySimulator, str]
) -> None:
    """No reauthentication of the entry: the cloud serves, a repair asks for the password."""
    sim, url = gateway
    entry = MockConfigEntry(domain=DOMAIN, data={})
    entry.add_to_hass(hass)
    coordinator, sink, _clock = _coordinator(hass, entry, url, "wrong")
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert sink.sources == [LiveSource.CLOUD]
    assert ir.async_get(hass).async_get_issue(DOMAIN, coordinator.issue_id) is not None
    assert not list(hass.config_entries.flow.async_progress_by_handler(DOMAIN))  # no reauth
    assert sim.log.count("/api/login/Basic") == 1
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.translation_key == "local_authentication_failed"
    diagnostics = coordinator.diagnostics()
    assert diagnostics["source"] == "cloud"
    assert "wrong" not in str(diagnostics)


async def test_failures_are_told_as_the_gateways(
    hass: HomeAssistant, gateway: tuple[PowerwallGatewaySimulator, str]
) -> None:
    """An unreachable or busy gateway is reported as such, not as the Fleet API."""
    sim, url = gateway
    entry = MockConfigEntry(domain=DOMAIN, data={})
    entry.add_to_hass(hass)
    coordinator, _sink, _clock = _coordinator(hass, entry, url, sim.password)
    # (A reset is retried by aiohttp itself on a kept-alive connection: a 500 is not.)
    sim.faults.inject(FaultKind.STATUS, "/api/meters/aggregates", status=500, times=1)
    await coordinator.async_refresh()
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.translation_key == "local_communication_error"
    sim.faults.inject(FaultKind.RATE_LIMIT, "/api/meters/aggregates", times=1)
    await coordinator.async_refresh()
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.translation_key == "local_rate_limited"
