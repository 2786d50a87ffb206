"""Load one extracted release zip in Home Assistant, with this repository out of reach.

Run by ``test_zip_loads.py`` as ``python -I load_alone.py CONFIG_DIR DOMAIN REPO`` (``-I``: no
script directory, current directory or PYTHONPATH on ``sys.path``), where
``CONFIG_DIR/custom_components/DOMAIN/`` holds the zip's contents and nothing else is in
``CONFIG_DIR/custom_components/``. Prints one JSON object of what it saw; the test asserts.

It uses the test harness's Home Assistant (``async_test_home_assistant``: real core, loader,
config entries and registries, which start empty) with CONFIG_DIR as its configuration
directory, so ``custom_components`` is found where Home Assistant looks for it.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import os
from pathlib import Path
import sys
from typing import Any


def import_simulators(repo: Path) -> None:
    """Import the repository's simulators by path, without putting the repository on sys.path.

    With the repository on sys.path its ``custom_components`` package could be found; by path
    only ``simulators`` (which imports no integration code) comes from the repository.
    """
    init = repo / "simulators" / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        "simulators", init, submodule_search_locations=[str(init.parent)]
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["simulators"] = module
    spec.loader.exec_module(module)


async def serve(app: Any) -> Any:
    from aiohttp.test_utils import TestServer

    server = TestServer(app.make_app(), host="127.0.0.1")
    await server.start_server(access_log=None)
    return server


async def start_simulator(hass: Any, domain: str) -> tuple[list[Any], dict[str, dict[str, Any]]]:
    """Serve the domain's simulator on loopback; return the servers and the flow's answers.

    The answers are what a person types in each config flow step (as in the demo).
    """
    if domain == "powervault":
        from simulators.powervault import PowervaultCloud

        server = await serve(PowervaultCloud(units=1))
        os.environ["POWERVAULT_CLOUD_BASE_URL"] = f"http://127.0.0.1:{server.port}/v4"
        answers = {
            "user": {"next_step_id": "cloud"},
            "cloud": {"api_key": "sim-powervault-key"},
            "units": {},
        }
        return [server], answers
    if domain == "v2c_cloud":
        from simulators.framework import SimClock
        from simulators.v2c import ChargerApp, CloudApp, make_chargers

        clock = SimClock()
        chargers = make_chargers(1, firmware=["2.4.6"], cloud_only=set())
        servers = [await serve(CloudApp(chargers, api_key="sim-api-key", clock=clock))]
        os.environ["HOME_ENERGY_BRIDGES_V2C_CLOUD_URL"] = f"http://127.0.0.1:{servers[0].port}"
        for charger in chargers:
            servers.append(await serve(ChargerApp(charger, clock=clock)))
            charger.ip = f"127.0.0.1:{servers[-1].port}"
        return servers, {"user": {"api_key": "sim-api-key"}}
    if domain == "enphase_gateway":
        from simulators.enphase import PROFILES, EnlightenSimulator, GatewaySimulator

        cloud = await serve(EnlightenSimulator())
        for name in ("ENPHASE_GATEWAY_ENLIGHTEN_BASE_URL", "ENPHASE_GATEWAY_TOKEN_BASE_URL"):
            os.environ[name] = f"http://127.0.0.1:{cloud.port}"
        gateway = GatewaySimulator(PROFILES["8x"], latency=0)
        gateway.boot_time -= 3600  # booted long ago, as in the integration's tests
        server = await serve(gateway)
        answers = {
            "user": {"host": f"127.0.0.1:{server.port}"},
            "auth": {"next_step_id": "cloud_login"},
            "cloud_login": {"username": "owner@example.com", "password": "correct horse battery"},
        }
        return [cloud, server], answers
    if domain == "tesla_energy":
        from aiohttp.test_utils import make_mocked_request
        from homeassistant.components.application_credentials import (
            ClientCredential,
            async_import_client_credential,
        )
        from homeassistant.helpers.config_entry_oauth2_flow import HEADER_FRONTEND_BASE
        from homeassistant.helpers.http import current_request
        from homeassistant.setup import async_setup_component

        from simulators.tesla import TeslaFleetSimulator

        server = await serve(TeslaFleetSimulator())
        os.environ["TESLA_ENERGY_FLEET_SERVER"] = f"http://127.0.0.1:{server.port}"
        # The user's Fleet API application, as typed in Settings -> Application credentials.
        assert await async_setup_component(hass, "application_credentials", {})
        credential = ClientCredential("sim-client-id", "sim-client-secret")
        await async_import_client_credential(hass, domain, credential, domain)
        # The browser's request that the flow builds its redirect address from.
        headers = {"Host": "example.com", HEADER_FRONTEND_BASE: "https://example.com"}
        current_request.set(make_mocked_request("GET", "/", headers=headers))
        # One day of history on first setup, as in the integration's tests (a week otherwise).
        statistics = importlib.import_module(f"custom_components.{domain}.statistics")
        statistics.BACKFILL_DAYS = 1
        return [server], {"missing_command_scope": {}}
    return [], {}


async def follow_sign_in(hass: Any, result: Any) -> Any:
    """Follow an OAuth2 sign-in page that approves at once, back into the flow.

    What the browser and Home Assistant's ``/auth/external/callback`` view do: the provider
    redirects with ``code`` and ``state``; the view hands both to the flow.
    """
    from urllib.parse import parse_qs, urlsplit

    from homeassistant.helpers.aiohttp_client import async_get_clientsession
    from homeassistant.helpers.config_entry_oauth2_flow import _decode_jwt

    session = async_get_clientsession(hass)
    async with session.get(result["url"], allow_redirects=False) as response:
        location = response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    state = _decode_jwt(hass, query["state"][0])
    await hass.config_entries.flow.async_configure(
        result["flow_id"], {"state": state, "code": query["code"][0]}
    )
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def set_up_entry(
    hass: Any, domain: str, answers: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Add an entry through the config flow, as a person does, and report what it set up."""
    from homeassistant.helpers import entity_registry as er
    from homeassistant.setup import async_setup_component

    # Home Assistant always runs ``network`` (the LAN address checks ask it for the adapters).
    assert await async_setup_component(hass, "network", {})
    result = await hass.config_entries.flow.async_init(domain, context={"source": "user"})
    steps = []
    while result["type"] in {"form", "menu", "external"} and len(steps) < 10:
        steps.append(result["step_id"])
        if result["type"] == "external":
            result = await follow_sign_in(hass, result)
            continue
        answer = answers[result["step_id"]]
        result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    await hass.async_block_till_done()
    entry = result.get("result")
    report: dict[str, Any] = {
        "steps": steps,
        "result": result["type"],
        "errors": result.get("errors"),
    }
    if entry is None:
        return report
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    states = [hass.states.get(e.entity_id) for e in entities if not e.disabled_by]
    report["state"] = str(entry.state)
    report["entities"] = len(entities)
    report["available"] = sum(1 for s in states if s is not None and s.state != "unavailable")
    report["unloaded"] = await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    return report


def modules_of(root: Path) -> list[str]:
    names = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent.parent)
        parts = (
            relative.parent.parts if path.name == "__init__.py" else relative.with_suffix("").parts
        )
        names.append(".".join(parts))
    return names


async def load(config_dir: Path, domain: str, repo: Path) -> dict[str, Any]:
    report: dict[str, Any] = {
        "custom_components_before": importlib.util.find_spec("custom_components") is not None,
    }
    from homeassistant import loader
    from homeassistant.setup import async_setup_component
    from pytest_homeassistant_custom_component.common import async_test_home_assistant

    async with async_test_home_assistant(config_dir=str(config_dir)) as hass:
        # What the ``enable_custom_integrations`` fixture does: look in CONFIG_DIR.
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        custom = await loader.async_get_custom_components(hass)
        report["custom_integrations"] = sorted(custom)
        integration = await loader.async_get_integration(hass, domain)
        report["integration"] = {
            "domain": integration.domain,
            "built_in": integration.is_built_in,
            "file_path": str(integration.file_path),
            "version": str(integration.version),
            "config_flow": integration.config_flow,
        }
        await integration.async_get_component()
        imported = []
        for name in modules_of(config_dir / "custom_components" / domain):
            await hass.async_add_executor_job(importlib.import_module, name)
            imported.append(name)
        report["imported"] = imported
        if "recorder" in integration.dependencies:
            # The recorder on its own database in the throw-away configuration directory.
            # Bootstrap initialises it first when a configuration names it; so do we.
            from homeassistant.helpers.recorder import async_initialize_recorder

            async_initialize_recorder(hass)
            config = {"recorder": {"db_url": f"sqlite:///{config_dir / 'recorder.db'}"}}
            assert await async_setup_component(hass, "recorder", config)
        report["setup"] = await async_setup_component(hass, domain, {})
        report["services"] = sorted(hass.services.async_services_for_domain(domain))
        import_simulators(repo)
        servers, answers = await start_simulator(hass, domain)
        if answers:
            report["entry"] = await set_up_entry(hass, domain, answers)
        for server in servers:
            await server.close()
        report["loaded_modules"] = {
            name: getattr(module, "__file__", None)
            for name, module in sorted(sys.modules.items())
            if name == "custom_components" or name.startswith("custom_components.")
        }
        report["custom_components_path"] = [
            str(p) for p in sys.modules["custom_components"].__path__
        ]
        await hass.async_stop(force=True)
    report["repo_on_path"] = [p for p in sys.path if p and Path(p).resolve() == repo]
    return report


def main() -> None:
    config_dir, domain, repo = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]).resolve()
    report = asyncio.run(load(config_dir, domain, repo))
    sys.stdout.write(json.dumps({"report": report}, default=str) + "\n")


if __name__ == "__main__":
    main()
