"""V2C: our ``v2c_cloud`` and core's ``v2c`` (pytrydan) on the same simulated chargers.

Ours is one config entry for the account (the V2C Cloud, plus each charger's LAN); core's is one
entry per charger (LAN only). Each charger is one ``ChargerApp`` served on two ports.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_KEY, CONF_HOST
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_bridges_common.hass.budget import account_key
from custom_components.v2c_cloud.const import CLOUD_URL_ENV, CONF_ACCOUNT_ID
from simulators.framework import SimClock
from simulators.v2c import ChargerApp, CloudApp, make_chargers

from .harness import CORE, OURS, AgeSampler, CpuMeter, hours
from .pairs import (
    number_action,
    number_entity,
    pair_run,
    prepare,
    run_period,
    setup_pair,
    summarize,
)

API_KEY = "bench-api-key-0123456789"
FIRMWARE = "2.4.6"
STEP = 1.0
PLATFORMS = ("binary_sensor", "button", "light", "number", "select", "sensor", "switch", "update")
REALTIME = "/RealTimeData"


@pytest.mark.parametrize("chargers", [1, 3, 10])
async def test_v2c(  # noqa: PLR0917
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    socket_enabled: None,
    allow_loopback: None,
    monkeypatch: pytest.MonkeyPatch,
    cpu: CpuMeter,
    chargers: int,
) -> None:
    """One simulated period of both integrations polling the same chargers."""
    result: dict[str, Any] = {
        "pair": "v2c",
        "profile": f"{chargers} charger{'s' if chargers > 1 else ''}, firmware {FIRMWARE}",
        "devices": chargers,
        "device_unit": "charger",
        "hours": hours() * (1 if chargers == 1 else 0.25),
    }
    name = f"v2c-{chargers}"
    async with pair_run(hass, name, result, ("v2c", "v2c_cloud")) as traffic:
        clock = SimClock()
        sim_chargers = make_chargers(chargers, firmware=[FIRMWARE])
        cloud = CloudApp(sim_chargers, api_key=API_KEY, clock=clock)
        cloud_server = await traffic.serve(cloud, OURS, "cloud")
        monkeypatch.setenv(CLOUD_URL_ENV, str(cloud_server.make_url("")).rstrip("/"))
        core_entries = []
        for charger in sim_chargers:
            app = ChargerApp(charger, clock=clock)
            ours = await traffic.serve(app, OURS, charger.charger_id)
            core = await traffic.serve(app, CORE, charger.charger_id)
            charger.ip = f"127.0.0.1:{ours.port}"
            core_entries.append(
                MockConfigEntry(
                    domain="v2c",
                    title=f"core {charger.name}",
                    data={CONF_HOST: f"127.0.0.1:{core.port}"},
                )
            )
        ours_entry = MockConfigEntry(
            domain="v2c_cloud",
            title="V2C Cloud",
            data={CONF_API_KEY: API_KEY, CONF_ACCOUNT_ID: account_key(API_KEY)},
            unique_id=account_key(API_KEY),
        )

        await prepare(
            hass, PLATFORMS, ("homeassistant.components.v2c", "custom_components.v2c_cloud")
        )
        await setup_pair(hass, result, [ours_entry], core_entries)

        devices = [c.charger_id for c in sim_chargers]
        sampler = AgeSampler(traffic, {OURS: REALTIME, CORE: REALTIME}, devices)
        # More chargers only scale the same polling: a quarter of the period keeps the run short.
        period = await run_period(
            hass,
            freezer=freezer,
            cpu=cpu,
            result=result,
            sampler=sampler,
            period=hours() * 3600 * (1 if chargers == 1 else 0.25),
            step=STEP,
        )
        result["freshness_value"] = "charger power and state (RealTimeData)"

        def intensity(unique_id: str) -> bool:
            # Not min_intensity or max_intensity: the key after the charger's id.
            return unique_id.split("_", 1)[-1] == "intensity"

        result["action"] = await number_action(
            hass,
            freezer=freezer,
            traffic=traffic,
            targets=(
                (OURS, number_entity(hass, ours_entry, intensity), 17),
                (CORE, number_entity(hass, core_entries[0], intensity), 19),
            ),
            confirmed=lambda value: sim_chargers[0].intensity == value,
            read_route=REALTIME,
            write_routes=("/write/",),
        )
        result["action_name"] = "set the charging current (number.set_value)"
        summarize(
            hass,
            result,
            traffic,
            period,
            entries={OURS: [ours_entry], CORE: core_entries},
            refresh_route=REALTIME,
        )
