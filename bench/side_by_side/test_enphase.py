"""Enphase: our ``enphase_gateway`` and core's ``enphase_envoy`` (pyenphase) on one gateway.

The simulated gateway (firmware 7.x, three-phase production and net-consumption CTs, token
auth) is served over TLS with a self-signed certificate, as a real one is, on one port per
client. Core's entry holds a valid token (as after its config flow); ours gets its own from
the simulated Enlighten service, as after ours. The simulator answers at once and charges each
request the busy-seconds of its latency model (``simulators/enphase/gateway.py``: LATENCY).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_HOST,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_TOKEN,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.enphase_gateway.const import (
    CONF_MANUAL_TOKEN,
    ENV_ENLIGHTEN_BASE_URL,
    ENV_TOKEN_BASE_URL,
)
from simulators.enphase import PROFILES, EnlightenSimulator, GatewaySimulator
from simulators.enphase.cloud import OWNER_EMAIL, OWNER_PASSWORD, issue_token

from .harness import (
    CORE,
    OURS,
    AgeSampler,
    CpuMeter,
    Traffic,
    hours,
    self_signed_context,
    tagged,
    traced,
    travel,
    wall,
    write_result,
)
from .pairs import action_timing, entity_counts, finish, prepare, setup_timed

STEP = 1.0
PLATFORMS = ("binary_sensor", "button", "number", "select", "sensor", "switch")
CT_ROUTE = "/ivp/meters/readings"


@pytest.mark.parametrize(
    ("profile_name", "inverters"), [("7x", 10), ("7x", 50), ("7x", 120), ("8x", None)]
)
async def test_enphase(  # noqa: PLR0917
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    socket_enabled: None,
    allow_loopback: None,
    monkeypatch: pytest.MonkeyPatch,
    cpu: CpuMeter,
    tmp_path: Path,
    profile_name: str,
    inverters: int | None,
) -> None:
    """One simulated period of both integrations polling the same gateway."""
    base = PROFILES[profile_name]
    profile = base if inverters is None else replace(base, inverters=inverters)
    result: dict[str, Any] = {
        "pair": "enphase",
        "profile": (
            f"{profile_name} ({base.firmware}, {base.phases}-phase CTs: {', '.join(base.cts)}"
            f"{f', {base.batteries} IQ Batteries' if base.batteries else ''}), "
            f"{profile.inverters} inverters"
        ),
        "devices": profile.inverters,
        "device_unit": "inverter",
        "hours": hours(),
        "busy_model": True,
    }
    name = f"enphase-{inverters}" if inverters else f"enphase-{profile_name}"
    traffic = Traffic()
    try:
        cloud = EnlightenSimulator()
        cloud_server = await traffic.serve(cloud, OURS, "cloud")
        url = f"http://127.0.0.1:{cloud_server.port}"
        monkeypatch.setenv(ENV_ENLIGHTEN_BASE_URL, url)
        monkeypatch.setenv(ENV_TOKEN_BASE_URL, url)
        gateway = GatewaySimulator(profile, latency=0)
        gateway.boot_time -= 3600
        tls = self_signed_context(tmp_path)
        ours_server = await traffic.serve(
            gateway, OURS, "gateway", busy_log=lambda: gateway.busy, tls=tls
        )
        core_server = await traffic.serve(
            gateway, CORE, "gateway", busy_log=lambda: gateway.busy, tls=tls
        )
        ours_entry = MockConfigEntry(
            domain="enphase_gateway",
            title=f"Envoy {profile.serial}",
            unique_id=profile.serial,
            data={
                CONF_HOST: f"127.0.0.1:{ours_server.port}",
                CONF_USERNAME: OWNER_EMAIL,
                CONF_PASSWORD: OWNER_PASSWORD,
                CONF_MANUAL_TOKEN: False,
            },
        )
        token = issue_token(profile.serial, issued_at=dt_util.utcnow().timestamp())
        core_entry = MockConfigEntry(
            domain="enphase_envoy",
            title=f"Envoy {profile.serial} (core)",
            unique_id=profile.serial,
            data={
                CONF_HOST: f"127.0.0.1:{core_server.port}",
                CONF_NAME: f"Envoy {profile.serial} core",
                CONF_USERNAME: OWNER_EMAIL,
                CONF_PASSWORD: OWNER_PASSWORD,
                CONF_TOKEN: token,
                "use_manual_token": False,
            },
        )

        await prepare(
            hass,
            PLATFORMS,
            ("homeassistant.components.enphase_envoy", "custom_components.enphase_gateway"),
        )
        with traced() as held:
            start_bytes = held()
            setup_ours = await setup_timed(hass, [ours_entry], OURS)
            after_ours = held()
            setup_core = await setup_timed(hass, [core_entry], CORE)
            after_core = held()
        result["memory_bytes"] = {OURS: after_ours - start_bytes, CORE: after_core - after_ours}
        result["setup_seconds"] = {OURS: setup_ours, CORE: setup_core}

        sampler = AgeSampler(traffic, {OURS: CT_ROUTE, CORE: CT_ROUTE}, ["gateway"])
        start = dt_util.utcnow().timestamp()
        cpu_start = cpu.snapshot()
        wall_start = wall()
        period = hours() * 3600
        await travel(hass, freezer, period, STEP, sampler.sample)
        result["wall_seconds"] = wall() - wall_start
        period_hits = len(traffic.hits)
        result["cpu_seconds"] = {
            c: cpu.snapshot().get(c, 0.0) - cpu_start.get(c, 0.0) for c in (OURS, CORE)
        }
        result["cpu_other_seconds"] = cpu.snapshot().get("other", 0.0) - cpu_start.get("other", 0.0)
        result["freshness"] = {c: sampler.summary(c) for c in (OURS, CORE)}
        result["freshness_value"] = "CT power (/ivp/meters/readings)"
        result["action"] = None
        result["action_name"] = "none (the 7.x profile has no control both integrations offer)"
        if profile.batteries:
            result["action"] = await _battery_reserve(
                hass,
                freezer=freezer,
                traffic=traffic,
                gateway=gateway,
                ours_entry=ours_entry,
                core_entry=core_entry,
            )
            result["action_name"] = "set the battery reserve (number.set_value)"
        counts_by_client, result["unavailable"] = entity_counts(
            hass, {OURS: [ours_entry], CORE: [core_entry]}
        )
        for client, counts in counts_by_client.items():
            result.setdefault("extra", {}).setdefault(client, {}).update(counts)
        finish(
            result,
            traffic,
            start,
            period,
            period_hits,
            cloud_devices={"cloud"},
            refresh_route={OURS: CT_ROUTE, CORE: CT_ROUTE},
        )
        write_result(name, result)
    except BaseException as err:
        result["error"] = f"{type(err).__name__}: {err}"
        write_result(name, result)
        raise
    finally:
        for entry in hass.config_entries.async_entries():
            if entry.domain in {"enphase_envoy", "enphase_gateway"}:
                with tagged(entry.domain):
                    await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await traffic.close()


async def _battery_reserve(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    traffic: Traffic,
    gateway: GatewaySimulator,
    ours_entry: MockConfigEntry,
    core_entry: MockConfigEntry,
) -> dict[str, Any]:
    registry = er.async_get(hass)

    def entity(entry: MockConfigEntry, suffix: str) -> str:
        ids = sorted(
            e.entity_id
            for e in er.async_entries_for_config_entry(registry, entry.entry_id)
            if e.domain == "number" and e.unique_id.endswith(suffix)
        )
        assert ids, f"no number entity {suffix} in {entry.domain}"
        return ids[0]

    action: dict[str, Any] = {}
    for client, entity_id, value in (
        (OURS, entity(ours_entry, "battery_reserve"), 35),
        (CORE, entity(core_entry, "reserve_soc"), 45),
    ):

        async def call(entity_id: str = entity_id, value: int = value) -> None:
            await hass.services.async_call(
                "number",
                SERVICE_SET_VALUE,
                {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: value},
                blocking=True,
            )

        def confirmed(value: int = value) -> bool:
            return round(gateway.house.reserve) == value

        action[client] = await action_timing(
            hass,
            freezer=freezer,
            call=call,
            entity_id=entity_id,
            expected=str(value),
            confirmed=confirmed,
            client=client,
            traffic=traffic,
            read_route="GET /admin/lib/tariff",
            write_routes=("PUT /admin/lib/tariff",),
            limit=300.0,
        )
    return action
