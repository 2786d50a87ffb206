"""Tesla Energy's actions and options forms, fuzzed (see ``fuzz.py`` and ``test_fuzz_flows.py``)."""

from __future__ import annotations

import socket
from typing import Any

from homeassistant.config_entries import SOURCE_DHCP
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_bridges_common.client import lan as lan_module
from custom_components.tesla_energy.const import DOMAIN
from simulators.tesla import TeslaFleetSimulator
from simulators.tesla_local import PowerwallGatewaySimulator
from tests.tesla_energy.conftest import (  # noqa: F401 - fixtures
    HOME_SITE,
    config_entry,
    credentials,
    mock_recorder_before_hass,
    options,
    quick_backfill,
    scopes,
    server,
    setup_integration,
    sim,
)
from tests.tesla_energy.test_local_options import gateway  # noqa: F401 - a fixture

from .fuzz import flow_errors, fuzz_actions, fuzz_form
from .test_fuzz_flows import fuzz_options


async def test_tesla_actions_and_options(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,  # noqa: F811
    sim: TeslaFleetSimulator,  # noqa: F811
) -> None:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), setup_integration.entry_id)
    home = next(d for d in devices if d.name and d.name.startswith("Home"))
    calls, problems, _seen = await fuzz_actions(
        hass, "tesla_energy", [sim], {"device": home.id}, examples=30
    )
    assert calls > 0
    assert problems == [], "\n".join(problems)
    # The budget form (the local-access form has its own test below).
    calls, problems = await fuzz_options(hass, setup_integration, ("budget",))
    assert calls > 0
    assert problems == [], "\n".join(problems)


async def test_tesla_local_access_form(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,  # noqa: F811
    sim: TeslaFleetSimulator,  # noqa: F811
    gateway: tuple[PowerwallGatewaySimulator, str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The local-access options form: junk in the site, the address or the password.

    An empty address removes local access on purpose (a value a user may type), so a saved
    form for a value a text field may take is put back, not a problem. Host names resolve
    to nothing, as a LAN's DNS does for junk.
    """
    local_sim, url = gateway
    entry = setup_integration

    async def resolve(host: str) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, f"{host!r}: name unknown")

    monkeypatch.setattr(lan_module, "_resolve", resolve)
    manager = hass.config_entries.options
    kept = dict(entry.options), dict(entry.data)

    async def open_form() -> dict[str, Any]:
        result = await manager.async_init(entry.entry_id)
        result = await manager.async_configure(result["flow_id"], {"next_step_id": "local_access"})
        return dict(result)

    async def undo() -> None:
        hass.config_entries.async_update_entry(entry, options=kept[0], data=kept[1])
        await hass.async_block_till_done(wait_background_tasks=True)

    calls, problems = await fuzz_form(
        manager,
        open_form,
        {"site": str(HOME_SITE), "host": url, "password": local_sim.password},
        [local_sim, sim],
        flow_errors("tesla_energy", "options"),
        lambda: (dict(entry.options), dict(entry.data)),
        undo=undo,
    )
    assert calls > 0
    assert problems == [], "\n".join(problems)


async def test_tesla_discovered_gateway_form(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,  # noqa: F811
    sim: TeslaFleetSimulator,  # noqa: F811
    gateway: tuple[PowerwallGatewaySimulator, str],  # noqa: F811
) -> None:
    """The first form of a discovered gateway (its password), fuzzed like the others."""
    local_sim, url = gateway
    entry = setup_integration
    manager = hass.config_entries.flow

    async def open_form() -> dict[str, Any]:
        return dict(
            await manager.async_init(
                DOMAIN,
                context={"source": SOURCE_DHCP},
                data=DhcpServiceInfo(ip=url, hostname="TeslaPW_1A2B3C", macaddress="0c29ef000001"),
            )
        )

    calls, problems = await fuzz_form(
        manager,
        open_form,
        {},
        [local_sim, sim],
        flow_errors("tesla_energy"),
        lambda: (dict(entry.options), dict(entry.data)),
    )
    assert calls > 0
    assert problems == [], "\n".join(problems)
