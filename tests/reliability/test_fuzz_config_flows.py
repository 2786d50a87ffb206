"""The first forms of each integration's config flow, fuzzed with hypothesis junk.

The forms a user fills in to add an entry: Powervault's API key and unit address, Enphase's
gateway address and its sign-in forms, V2C's API key. Asserted as for the options forms
(``fuzz.fuzz_form``): a schema error or the form again with a translated error, no entry
created, and no request with a value no text field could take reached a simulator.
"""

from __future__ import annotations

import socket
from typing import Any

from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.energy_bridges_common.client import lan as lan_module
from simulators.enphase import EnlightenSimulator
from simulators.enphase.cloud import OWNER_EMAIL, OWNER_PASSWORD
from simulators.powervault import PowervaultCloud, PowervaultLocal
from tests.enphase_gateway.conftest import SimFactory, cloud, gateway_factory  # noqa: F401
from tests.powervault.conftest import (  # noqa: F401 - fixtures
    cloud_app,
    cloud_server,
    cloud_url,
    fast_client,
    local_app,
    local_server,
)
from tests.v2c_cloud.conftest import V2CSim, charger_count, cloud_only, firmware, v2c_sim  # noqa: F401

from .fuzz import flow_errors, fuzz_form

EXAMPLES = 30


@pytest.fixture(autouse=True)
def no_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolve no host name, as a LAN's DNS does for junk (the harness raises instead)."""

    async def resolve(host: str) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, f"{host!r}: name unknown")

    monkeypatch.setattr(lan_module, "_resolve", resolve)


def _entries(hass: HomeAssistant, domain: str) -> Any:
    return [
        (e.entry_id, dict(e.data), dict(e.options))
        for e in hass.config_entries.async_entries(domain)
    ]


async def _user_flow(hass: HomeAssistant, domain: str, *menu: dict[str, Any]) -> dict[str, Any]:
    """Start a user flow and go through the given steps to the form to fuzz."""
    manager = hass.config_entries.flow
    result = await manager.async_init(domain, context={"source": "user"})
    for step in menu:
        result = await manager.async_configure(result["flow_id"], step)
    assert result["type"] is FlowResultType.FORM, result
    return dict(result)


async def test_powervault_config_forms(
    hass: HomeAssistant,
    cloud_url: str,  # noqa: F811
    cloud_app: PowervaultCloud,  # noqa: F811
    local_app: PowervaultLocal,  # noqa: F811
    local_server: Any,  # noqa: F811
) -> None:
    domain = "powervault"
    known = flow_errors(domain)
    calls = 0
    problems: list[str] = []
    for menu in ("cloud", "local"):
        more_calls, more_problems = await fuzz_form(
            hass.config_entries.flow,
            lambda menu=menu: _user_flow(hass, domain, {"next_step_id": menu}),
            {},
            [cloud_app, local_app],
            known,
            lambda: _entries(hass, domain),
            examples=EXAMPLES,
        )
        calls += more_calls
        problems += more_problems
    assert calls > 0
    assert problems == [], "\n".join(problems)


async def test_enphase_config_forms(
    hass: HomeAssistant,
    gateway_factory: SimFactory,  # noqa: F811
    cloud: EnlightenSimulator,  # noqa: F811
) -> None:
    domain = "enphase_gateway"
    known = flow_errors(domain)
    token_sim, token_server = await gateway_factory("8x")
    digest_sim, digest_server = await gateway_factory("3x")
    apps = [token_sim, digest_sim, cloud]
    token_host = {CONF_HOST: f"127.0.0.1:{token_server.port}"}
    digest_host = {CONF_HOST: f"127.0.0.1:{digest_server.port}"}
    forms: list[tuple[tuple[dict[str, Any], ...], dict[str, Any]]] = [
        ((), {}),
        (
            (token_host, {"next_step_id": "cloud_login"}),
            {"username": OWNER_EMAIL, "password": OWNER_PASSWORD},
        ),
        ((token_host, {"next_step_id": "manual_token"}), {}),
        ((digest_host,), {}),
    ]

    async def undo() -> None:
        for entry in hass.config_entries.async_entries(domain):
            await hass.config_entries.async_remove(entry.entry_id)

    calls = 0
    problems: list[str] = []
    for steps, plausible in forms:
        more_calls, more_problems = await fuzz_form(
            hass.config_entries.flow,
            lambda steps=steps: _user_flow(hass, domain, *steps),
            plausible,
            apps,
            known,
            lambda: _entries(hass, domain),
            examples=EXAMPLES,
            undo=undo,
        )
        calls += more_calls
        problems += more_problems
    assert calls > 0
    assert problems == [], "\n".join(problems)


async def test_v2c_config_forms(hass: HomeAssistant, v2c_sim: V2CSim) -> None:  # noqa: F811
    domain = "v2c_cloud"
    calls, problems = await fuzz_form(
        hass.config_entries.flow,
        lambda: _user_flow(hass, domain),
        {},
        [v2c_sim.cloud, *v2c_sim.apps.values()],
        flow_errors(domain),
        lambda: _entries(hass, domain),
        examples=EXAMPLES,
    )
    assert calls > 0
    assert problems == [], "\n".join(problems)
