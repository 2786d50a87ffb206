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
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant
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

from .harness import CORE, OURS, AgeSampler, CpuMeter, hours, self_signed_context
from .pairs import (
    number_action,
    number_entity,
    pair_run,
    prepare,
    run_period,
    setup_pair,
    summarize,
)

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
    async with pair_run(hass, name, result, ("enphase_envoy", "enphase_gateway")) as traffic:
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
        await setup_pair(hass, result, [ours_entry], [core_entry])

        sampler = AgeSampler(traffic, {OURS: CT_ROUTE, CORE: CT_ROUTE}, ["gateway"])
        period = await run_period(
            hass,
            freezer=freezer,
            cpu=cpu,
            result=result,
            sampler=sampler,
            period=hours() * 3600,
            step=STEP,
        )
        result["freshness_value"] = "CT power (/ivp/meters/readings)"
        result["action"] = None
        result["action_name"] = "none (the 7.x profile has no control both integrations offer)"
        if profile.batteries:
            result["action"] = await number_action(
                hass,
                freezer=freezer,
                traffic=traffic,
                targets=(
                    (OURS, number_entity(hass, ours_entry, "battery_reserve"), 35),
                    (CORE, number_entity(hass, core_entry, "reserve_soc"), 45),
                ),
                confirmed=lambda value: round(gateway.house.reserve) == value,
                read_route="GET /admin/lib/tariff",
                write_routes=("PUT /admin/lib/tariff",),
            )
            result["action_name"] = "set the battery reserve (number.set_value)"
        summarize(
            hass,
            result,
            traffic,
            period,
            entries={OURS: [ours_entry], CORE: [core_entry]},
            refresh_route=CT_ROUTE,
        )
