"""V2C: our ``v2c_cloud`` and core's ``v2c`` (pytrydan) on the same simulated chargers.

Ours is one config entry for the account (the V2C Cloud, plus each charger's LAN); core's is one
entry per charger (LAN only). Each charger is one ``ChargerApp`` served on two ports.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.const import ATTR_ENTITY_ID, CONF_API_KEY, CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_bridges_common.hass.budget import account_key
from custom_components.v2c_cloud.const import CLOUD_URL_ENV, CONF_ACCOUNT_ID
from simulators.framework import SimClock
from simulators.v2c import ChargerApp, CloudApp, make_chargers

from .harness import (
    CORE,
    OURS,
    AgeSampler,
    CpuMeter,
    Traffic,
    hours,
    tagged,
    traced,
    travel,
    wall,
    write_result,
)
from .pairs import action_timing, entity_counts, finish, prepare, setup_timed

API_KEY = "bench-api-key-0123456789"
FIRMWARE = "2.4.6"
STEP = 1.0
PLATFORMS = ("binary_sensor", "button", "light", "number", "select", "sensor", "switch", "update")


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
    traffic = Traffic()
    try:
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
        with traced() as held:
            base = held()
            setup_ours = await setup_timed(hass, [ours_entry], OURS)
            after_ours = held()
            setup_core = await setup_timed(hass, core_entries, CORE)
            after_core = held()
        result["memory_bytes"] = {OURS: after_ours - base, CORE: after_core - after_ours}
        result["setup_seconds"] = {OURS: setup_ours, CORE: setup_core}

        devices = [c.charger_id for c in sim_chargers]
        sampler = AgeSampler(traffic, {OURS: "/RealTimeData", CORE: "/RealTimeData"}, devices)
        start = dt_util.utcnow().timestamp()
        cpu_start = cpu.snapshot()
        wall_start = wall()
        # More chargers only scale the same polling: a quarter of the period keeps the run short.
        period = hours() * 3600 * (1 if chargers == 1 else 0.25)
        await travel(hass, freezer, period, STEP, sampler.sample)
        result["wall_seconds"] = wall() - wall_start
        period_hits = len(traffic.hits)
        result["cpu_seconds"] = {
            c: cpu.snapshot().get(c, 0.0) - cpu_start.get(c, 0.0) for c in (OURS, CORE)
        }
        result["cpu_other_seconds"] = cpu.snapshot().get("other", 0.0) - cpu_start.get("other", 0.0)
        result["freshness"] = {c: sampler.summary(c) for c in (OURS, CORE)}
        result["freshness_value"] = "charger power and state (RealTimeData)"

        registry = er.async_get(hass)

        def entity(entry: MockConfigEntry, suffix: str) -> str:
            ids = [
                e.entity_id
                for e in er.async_entries_for_config_entry(registry, entry.entry_id)
                if e.domain == "number" and e.unique_id.split("_", 1)[-1] == suffix
            ]
            assert ids, f"no number entity {suffix} in {entry.domain}"
            return ids[0]

        ours_number = entity(ours_entry, "intensity")
        core_number = entity(core_entries[0], "intensity")
        action: dict[str, Any] = {}
        for client, entity_id, value in ((OURS, ours_number, 17), (CORE, core_number, 19)):

            async def call(entity_id: str = entity_id, value: int = value) -> None:
                await hass.services.async_call(
                    "number",
                    SERVICE_SET_VALUE,
                    {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: value},
                    blocking=True,
                )

            def confirmed(value: int = value) -> bool:
                return sim_chargers[0].intensity == value

            action[client] = await action_timing(
                hass,
                freezer=freezer,
                call=call,
                entity_id=entity_id,
                expected=str(value),
                confirmed=confirmed,
                client=client,
                traffic=traffic,
                read_route="/RealTimeData",
                write_routes=("/write/",),
            )
        result["action"] = action
        result["action_name"] = "set the charging current (number.set_value)"
        counts_by_client, result["unavailable"] = entity_counts(
            hass, {OURS: [ours_entry], CORE: core_entries}
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
            refresh_route={OURS: "/RealTimeData", CORE: "/RealTimeData"},
        )
        write_result(name, result)
    except BaseException as err:
        result["error"] = f"{type(err).__name__}: {err}"
        write_result(name, result)
        raise
    finally:
        for entry in hass.config_entries.async_entries():
            if entry.domain in {"v2c", "v2c_cloud"}:
                with tagged(entry.domain):
                    await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await traffic.close()
