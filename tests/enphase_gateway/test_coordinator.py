"""Polling: faults and recovery, the nightly outage, reboots, tokens, firmware changes, load."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
import time

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_TOKEN, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.enphase_gateway.const import DOMAIN
from simulators.enphase import EnlightenSimulator
from simulators.enphase.cloud import issue_token
from simulators.enphase.gateway import WRAP_WH

from .conftest import SimFactory, entry_data, setup_entry


def _entity(hass: HomeAssistant, unique_id: str, platform: str = "sensor") -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None
    return entity_id


def _value(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_unreachable_keeps_data_then_recovers(
    hass: HomeAssistant, gateway_factory: SimFactory, freezer: FrozenDateTimeFactory
) -> None:
    sim, server = await gateway_factory("7x")
    await setup_entry(hass, "7x", server.port)
    power = _entity(hass, f"{sim.profile.serial}_production_power")
    grid = _entity(hass, f"{sim.profile.serial}_ct_net_consumption_voltage")
    fault = sim.faults.inject("reset")
    # A short outage (a reboot, Wi-Fi) keeps the last data.
    await _tick(hass, freezer, 70)
    assert _value(hass, power) != STATE_UNAVAILABLE
    assert _value(hass, grid) != STATE_UNAVAILABLE
    # A long one makes the entities unavailable, the fast ones first.
    for _ in range(12):
        await _tick(hass, freezer, 60)
    assert _value(hass, grid) == STATE_UNAVAILABLE
    for _ in range(25):
        await _tick(hass, freezer, 120)
    assert _value(hass, power) == STATE_UNAVAILABLE
    assert fault.hits > 0
    sim.faults.clear()
    for _ in range(12):
        await _tick(hass, freezer, 60)
    assert _value(hass, power) != STATE_UNAVAILABLE
    assert _value(hass, grid) != STATE_UNAVAILABLE


async def test_nightly_outage_keeps_inverter_detail(
    hass: HomeAssistant, gateway_factory: SimFactory, freezer: FrozenDateTimeFactory
) -> None:
    sim, server = await gateway_factory("7x")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Envoy",
        unique_id=sim.profile.serial,
        data=entry_data("7x", server.port),
    )
    entry.add_to_hass(hass)
    inverter = sim._inverter_serial(0)
    # The detail is off by default: this user turned the temperature on.
    er.async_get(hass).async_get_or_create(
        "sensor", DOMAIN, f"{inverter}_temperature", config_entry=entry
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    temperature = _entity(hass, f"{inverter}_temperature")
    before = _value(hass, temperature)
    # device_data hangs during the nightly maintenance: it fails, the rest goes on.
    sim.faults.inject("status", route="^/ivp/pdm/device_data$", status=503)
    await _tick(hass, freezer, 301)
    assert _value(hass, temperature) == before
    assert "device_data" in entry.runtime_data.poller.section_errors
    sim.faults.clear()
    await _tick(hass, freezer, 301)
    assert "device_data" not in entry.runtime_data.poller.section_errors


async def test_reboot_zeros_never_lower_energy(
    hass: HomeAssistant, gateway_factory: SimFactory, freezer: FrozenDateTimeFactory
) -> None:
    sim, server = await gateway_factory("3x")
    await setup_entry(hass, "3x", server.port)
    lifetime = _entity(hass, f"{sim.profile.serial}_production_lifetime")
    before = float(_value(hass, lifetime))
    # A reboot: unreachable, then all zeros for a few minutes.
    sim.reboot(30)
    await _tick(hass, freezer, 61)
    await _tick(hass, freezer, 61)
    assert sim.clock.timestamp() - sim.boot_time < 180
    assert float(_value(hass, lifetime)) == before
    for _ in range(5):
        await _tick(hass, freezer, 61)
    assert float(_value(hass, lifetime)) >= before


async def test_lifetime_wrap_keeps_rising(
    hass: HomeAssistant, gateway_factory: SimFactory, freezer: FrozenDateTimeFactory
) -> None:
    # Without a production CT, firmware 7 gives production from the inverters' register,
    # which wraps at 2^32 J: the simulator's counter stands for that register here.
    sim, server = await gateway_factory("7x", cts=("net-consumption",))
    sim.house.production_wh = WRAP_WH - 300
    await setup_entry(hass, "7x", server.port)
    lifetime = _entity(hass, f"{sim.profile.serial}_production_lifetime")
    assert float(_value(hass, lifetime)) == pytest.approx((WRAP_WH - 300) / 1000, abs=0.01)
    # The 1.19 MWh register wraps to almost nothing: the total goes on from the top.
    sim.house.production_wh = 500
    await _tick(hass, freezer, 61)
    assert float(_value(hass, lifetime)) == pytest.approx((WRAP_WH + 500) / 1000, abs=0.01)


async def test_wrapped_lifetime_survives_a_restart(
    hass: HomeAssistant, gateway_factory: SimFactory, freezer: FrozenDateTimeFactory
) -> None:
    # Without a production CT, firmware 7 gives production from the inverters' register,
    # which wraps at 2^32 J: the simulator's counter stands for that register here.
    sim, server = await gateway_factory("7x", cts=("net-consumption",))
    sim.house.production_wh = WRAP_WH - 300
    entry = await setup_entry(hass, "7x", server.port)
    lifetime = _entity(hass, f"{sim.profile.serial}_production_lifetime")
    for register in (500, WRAP_WH / 2):
        sim.house.production_wh = register
        await _tick(hass, freezer, 61)
    # A restart, long after the wrap: the register holds only what came since, and the
    # stored total must bring the wrap back with it, or the total would stand still.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    sim.house.production_wh = WRAP_WH / 2 + 1000
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    produced = WRAP_WH + sim.house.production_wh
    assert float(_value(hass, lifetime)) == pytest.approx(produced / 1000, abs=0.01)


async def test_ct_glitch_keeps_energy(
    hass: HomeAssistant, gateway_factory: SimFactory, freezer: FrozenDateTimeFactory
) -> None:
    sim, server = await gateway_factory("8x")
    await setup_entry(hass, "8x", server.port)
    imported = _entity(hass, f"{sim.profile.serial}_ct_net_consumption_delivered")
    before = float(_value(hass, imported))
    sim.faults.inject("wrong_types", route="readings", keys=["actEnergyDlvd"], times=1)
    await _tick(hass, freezer, 11)
    assert float(_value(hass, imported)) == before
    sim.faults.inject("truncated", route="readings", times=1)
    await _tick(hass, freezer, 11)
    assert float(_value(hass, imported)) >= before


async def test_rejected_token_starts_reauth(
    hass: HomeAssistant, gateway_factory: SimFactory, freezer: FrozenDateTimeFactory
) -> None:
    sim, server = await gateway_factory("7x")
    token = issue_token(sim.profile.serial, issued_at=time.time())
    entry = await setup_entry(
        hass, "7x", server.port, token=token, manual_token=True, username="", password=""
    )
    assert entry.state is ConfigEntryState.LOADED
    # The gateway forgets the session and refuses the token (revoked).
    sim.sessions.clear()
    sim.faults.inject("status", route="^/(production|auth|ivp|api)", status=401)
    await _tick(hass, freezer, 61)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert any(flow["context"]["source"] == "reauth" for flow in flows)


async def test_endpoint_refused_after_answering_starts_reauth_after_a_fresh_token(
    hass: HomeAssistant,
    gateway_factory: SimFactory,
    cloud: EnlightenSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The gateway answered polls, then refuses even a fresh token: the access is gone."""
    sim, server = await gateway_factory("8x")
    entry = await setup_entry(hass, "8x", server.port)
    await _tick(hass, freezer, 61)
    assert entry.state is ConfigEntryState.LOADED
    issued = cloud.tokens_issued
    # Everything but the token check (which passes) is refused.
    sim.faults.inject("status", route="^/(production|api|ivp|admin|info|home)", status=401)
    await _tick(hass, freezer, 61)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert ir.async_get(hass).async_get_issue(
        "homeassistant", f"config_entry_reauth_{DOMAIN}_{entry.entry_id}"
    )
    # One fresh token was tried before asking the user, not one per request.
    assert cloud.tokens_issued == issued + 1
    # Then the polls stop: nothing more is asked of a gateway that refuses us.
    requests = len(sim.log.records)
    await _tick(hass, freezer, 61)
    assert len(sim.log.records) == requests


async def test_expired_session_cookie_is_renewed(
    hass: HomeAssistant, gateway_factory: SimFactory, freezer: FrozenDateTimeFactory
) -> None:
    sim, server = await gateway_factory("7x")
    entry = await setup_entry(hass, "7x", server.port)
    checks = sim.log.count("^/auth/check_jwt$")
    sim.sessions.clear()
    await _tick(hass, freezer, 11)
    assert entry.state is ConfigEntryState.LOADED
    # One new check of the token for a new session, then on with the cookie.
    assert sim.log.count("^/auth/check_jwt$") == checks + 1
    await _tick(hass, freezer, 11)
    assert sim.log.count("^/auth/check_jwt$") == checks + 1
    # Requests carry the session cookie, not the token: cheaper for the gateway.
    assert not any(r.seconds > 0.3 for r in sim.busy if r.path == "/ivp/meters/readings")


async def test_token_renewed_in_background(
    hass: HomeAssistant,
    gateway_factory: SimFactory,
    cloud: EnlightenSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    cloud.token_lifetime = 12 * 3600  # an installer-like token
    _sim, server = await gateway_factory("8x")
    entry = await setup_entry(hass, "8x", server.port)
    first = entry.data[CONF_TOKEN]
    assert cloud.tokens_issued == 1
    for _ in range(9):
        await _tick(hass, freezer, 3600)
    assert cloud.tokens_issued == 2
    assert entry.data[CONF_TOKEN] != first
    assert entry.runtime_data.client.token == entry.data[CONF_TOKEN]
    assert entry.state is ConfigEntryState.LOADED


async def test_manual_token_expiry_warning(
    hass: HomeAssistant, gateway_factory: SimFactory
) -> None:
    sim, server = await gateway_factory("7x")
    token = issue_token(sim.profile.serial, issued_at=time.time() - 350 * 86400)
    entry = await setup_entry(
        hass, "7x", server.port, token=token, manual_token=True, username="", password=""
    )
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"token_expiring_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["days"] == "14"


async def test_firmware_change_reprobes(
    hass: HomeAssistant, gateway_factory: SimFactory, freezer: FrozenDateTimeFactory
) -> None:
    sim, server = await gateway_factory("7x")
    entry = await setup_entry(hass, "7x", server.port)
    sim.profile = replace(sim.profile, firmware="D8.2.4382")
    for _ in range(5):
        await _tick(hass, freezer, 3600)
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, sim.profile.serial), entry.entry_id
    )
    assert device is not None
    assert device.sw_version == "D8.2.4382"
    assert entry.state is ConfigEntryState.LOADED
    # The new firmware has the power export limit: probed and shown after the reload.
    assert entry.runtime_data.poller.capabilities.power_export_limit


async def test_refusal_by_new_firmware_reprobes_instead_of_reauth(
    hass: HomeAssistant, gateway_factory: SimFactory, freezer: FrozenDateTimeFactory
) -> None:
    """An endpoint the old firmware served is refused after an update: a probe, no reauth."""
    sim, server = await gateway_factory("8x")
    entry = await setup_entry(hass, "8x", server.port)
    await _tick(hass, freezer, 61)
    sim.profile = replace(sim.profile, firmware="D8.2.4400")
    # The new firmware refuses the battery endpoints although the access is fine.
    fault = sim.faults.inject("status", route="^/ivp/ensemble", status=401)
    for _ in range(3):
        await _tick(hass, freezer, 61)
    assert fault.hits > 0
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, sim.profile.serial), entry.entry_id
    )
    assert device is not None
    # Seen at once (the firmware is otherwise read every four hours), and reloaded.
    assert device.sw_version == "D8.2.4400"
    assert entry.state is ConfigEntryState.LOADED


async def test_setup_failures(hass: HomeAssistant, gateway_factory: SimFactory) -> None:
    sim, server = await gateway_factory("5x")
    sim.faults.inject("reset")
    entry = await setup_entry(hass, "5x", server.port)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    _other, other_server = await gateway_factory("3x")
    wrong = await setup_entry(hass, "5x", other_server.port)
    # Another gateway answers at the address: wait for discovery.
    assert wrong.state is ConfigEntryState.SETUP_RETRY
    _bad, bad_server = await gateway_factory("3x")
    denied = await setup_entry(hass, "3x", bad_server.port, password="wrong")
    assert denied.state is ConfigEntryState.SETUP_ERROR
    assert any(
        f["context"]["source"] == "reauth"
        for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    )


async def test_requests_per_hour_at_defaults(
    hass: HomeAssistant, gateway_factory: SimFactory, freezer: FrozenDateTimeFactory
) -> None:
    sim, server = await gateway_factory("8x")
    await setup_entry(hass, "8x", server.port)
    sim.log.clear()
    for _ in range(180):
        await _tick(hass, freezer, 10)
    # Half an hour: the CTs every 10 s, the live battery state every minute, the heavy
    # production report, inverters and settings every 5 minutes.
    assert 178 <= sim.log.count("^/ivp/meters/readings$") <= 181
    assert 29 <= sim.log.count("^/ivp/ensemble/power$") <= 31
    assert 5 <= sim.log.count("^/production.json$") <= 7
    assert 5 <= sim.log.count("^/admin/lib/tariff$") <= 7
    assert 5 <= sim.log.count("^/ivp/pdm/device_data$") <= 7
    assert sim.log.count("^/home$") == 0
    assert sim.log.count("^/auth/check_jwt$") == 0


@pytest.mark.parametrize("profile", ["7x", "8x"])
async def test_system_power_follows_the_cts(
    hass: HomeAssistant, gateway_factory: SimFactory, freezer: FrozenDateTimeFactory, profile: str
) -> None:
    # An evening: no sun, and the 8x's batteries (behind a storage CT) carry the house.
    freezer.move_to("2026-01-15T19:00:00+00:00")
    sim, server = await gateway_factory(profile)
    await setup_entry(hass, profile, server.port)
    serial = sim.profile.serial
    await _tick(hass, freezer, 10)
    powers = sim.house.powers(sim.clock.timestamp())
    if profile == "8x":
        assert powers.battery > 0
    production = float(_value(hass, _entity(hass, f"{serial}_production_power")))
    net = float(_value(hass, _entity(hass, f"{serial}_net_consumption_power")))
    consumption = float(_value(hass, _entity(hass, f"{serial}_consumption_power")))
    # Live within one CT poll, though the production report is read every 5 minutes.
    assert production == pytest.approx(powers.production, abs=1)
    assert net == pytest.approx(powers.grid, abs=1)
    # Consumption is production plus net, as the gateway's own total says; the 8x's storage
    # CT (the batteries' flow) is never added.
    assert consumption == pytest.approx(powers.production + powers.grid, abs=2)
