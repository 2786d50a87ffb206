"""Every action field of the four integrations, fuzzed (see ``fuzz.py`` for what is asserted)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest

from tests.enphase_gateway.conftest import cloud, gateway_factory, setup_entry  # noqa: F401
from tests.powervault.conftest import fast_client, local_app, local_entry, local_server  # noqa: F401
from tests.v2c_cloud.conftest import (  # noqa: F401
    V2CSim,
    charger_count,
    cloud_only,
    config_entry as v2c_entry_fixture,
    firmware,
    v2c_sim,
)

from .fuzz import fuzz_actions

EXAMPLES = 30


def _device(hass: HomeAssistant, entry_id: str, name_part: str) -> str:
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry_id):
        if name_part in (device.name or ""):
            return device.id
    raise AssertionError(name_part)


async def test_powervault_actions(
    hass: HomeAssistant,
    local_entry: Any,  # noqa: F811
    local_app: Any,  # noqa: F811
) -> None:
    assert await hass.config_entries.async_setup(local_entry.entry_id)
    await hass.async_block_till_done()
    calls, problems, _seen = await fuzz_actions(
        hass, "powervault", [local_app], {"config_entry": local_entry.entry_id}, examples=EXAMPLES
    )
    assert calls > 0
    assert problems == [], "\n".join(sorted({p[:150] for p in problems}))


@pytest.fixture
def config_entry() -> Any:
    return v2c_entry_fixture.__wrapped__()  # type: ignore[attr-defined]


async def test_v2c_actions(hass: HomeAssistant, v2c_sim: V2CSim, config_entry: Any) -> None:  # noqa: F811
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    device = _device(hass, config_entry.entry_id, "Trydan 1")
    apps = [v2c_sim.cloud, *v2c_sim.apps.values()]
    calls, problems, _seen = await fuzz_actions(
        hass, "v2c_cloud", apps, {"device": device}, examples=EXAMPLES
    )
    assert calls > 0
    assert problems == [], "\n".join(sorted({p[:150] for p in problems}))


async def test_enphase_actions(hass: HomeAssistant, gateway_factory: Any) -> None:  # noqa: F811
    sim, server = await gateway_factory("8x")
    entry = await setup_entry(hass, "8x", server.port)
    calls, problems, _seen = await fuzz_actions(
        hass, "enphase_gateway", [sim], {"config_entry": entry.entry_id}, examples=EXAMPLES
    )
    assert calls > 0
    assert problems == [], "\n".join(sorted({p[:150] for p in problems}))
