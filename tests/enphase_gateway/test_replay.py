"""The replay gateway: real capture folders served byte for byte, and diagnostics captures."""

from __future__ import annotations

import json
from pathlib import Path
import re

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.enphase_gateway.const import (
    CONF_MANUAL_TOKEN,
    DOMAIN,
    OPTION_DIAGNOSTICS_RAW,
)
from simulators.enphase import build
from simulators.enphase.cloud import OWNER_EMAIL, OWNER_PASSWORD
from simulators.enphase.replay import REPLAY_SERIAL, ReplaySimulator, build_replay
from simulators.framework import SimClock
from tests.conftest import serve_simulator

from .conftest import SimFactory, setup_entry
from .real_data import ENDPOINTS, NO_REAL_DATA, REAL


def file_name(path: str) -> str:
    name = path.lstrip("/")
    for char in "/?=":
        name = name.replace(char, "_")
    return name


def real_folders() -> list[Path]:
    return sorted(p for p in REAL.iterdir() if p.is_dir()) if REAL.is_dir() else []


def firmware_major(info: str) -> int:
    match = re.search(r"<software>\s*[A-Za-z]*(\d+)\.", info)
    assert match, "no firmware in /info"
    return int(match.group(1))


def auth_header(token_firmware: bool) -> dict[str, str]:
    if token_firmware:
        return {"Authorization": "Bearer any.token.value"}
    return {"Authorization": 'Digest username="installer", response="x"'}


def expected(folder: Path, path: str) -> tuple[int, bytes] | None:
    """Return the (status, body) a capture holds for a request, read from its files."""
    name = file_name(path)
    if not (folder / name).is_file() and not (folder / f"{name}_log.json").is_file():
        if path == "/production.json?details=1":
            return expected(folder, "/production.json")
        return None
    log = folder / f"{name}_log.json"
    status = json.loads(log.read_text())["code"] if log.is_file() else 200
    body = (folder / name).read_bytes() if (folder / name).is_file() else b""
    return status, body


@pytest.mark.parametrize(
    "folder",
    real_folders() or [pytest.param(None, marks=pytest.mark.skip(reason=NO_REAL_DATA))],
    ids=lambda p: p.name if isinstance(p, Path) else "absent",
)
async def test_real_capture_served_as_captured(socket_enabled: None, folder: Path) -> None:
    """Every captured file comes back byte for byte, with the captured status."""
    token_firmware = firmware_major((folder / "info").read_text()) >= 7
    served: set[str] = set()
    async for server in serve_simulator(build_replay(folder)):
        base = f"http://127.0.0.1:{server.port}"
        async with ClientSession() as session:
            for path in ENDPOINTS:
                async with session.get(
                    base + path, headers=auth_header(token_firmware), allow_redirects=False
                ) as response:
                    body = await response.read()
                    status = response.status
                want = expected(folder, path)
                if want is None:
                    assert status == 404, path
                    continue
                served.add(file_name(path))
                assert (status, body) == want, path
    leftovers = {
        p.name
        for p in folder.iterdir()
        if not p.name.endswith("_log.json") and p.name not in served
    }
    # Only notes and stray copies (``x.json`` beside ``x``) are not endpoints.
    assert all(n == "_readme" or n.endswith(".json") for n in leftovers), leftovers


def write_capture(folder: Path, firmware: str) -> None:
    """Write a small capture of our own (no real data needed)."""
    folder.mkdir()
    (folder / "info").write_text(
        f"<?xml version='1.0'?><envoy_info><device><sn>1</sn><software>{firmware}</software>"
        "</device></envoy_info>"
    )
    (folder / "api_v1_production_inverters").write_text('[{"serialNumber": "1"}]')
    (folder / "ivp_meters").write_text("<html>gone</html>")
    (folder / "ivp_meters_log.json").write_text(
        json.dumps({"code": 404, "headers": {"Content-Type": "text/html", "X-Odd": "kept"}})
    )
    (folder / "production.json").write_text('{"production": []}')
    (folder / "production.json_details_1").write_text('{"production": [1]}')


async def test_digest_firmware_challenges_then_lets_in(
    socket_enabled: None, tmp_path: Path
) -> None:
    write_capture(tmp_path / "old", "D5.0.62")
    async for server in serve_simulator(build_replay(tmp_path / "old")):
        base = f"http://127.0.0.1:{server.port}"
        async with ClientSession() as session:
            async with session.get(f"{base}/api/v1/production/inverters") as response:
                assert response.status == 401
                assert response.headers["WWW-Authenticate"].startswith("Digest ")
            async with session.get(f"{base}/production.json") as response:
                assert response.status == 200  # public on old firmware
                assert await response.read() == b'{"production": []}'
            headers = auth_header(token_firmware=False)
            async with session.get(
                f"{base}/api/v1/production/inverters", headers=headers
            ) as response:
                assert response.status == 200
                assert await response.read() == b'[{"serialNumber": "1"}]'
            async with session.get(f"{base}/ivp/meters", headers=headers) as response:
                assert response.status == 404
                assert response.headers["X-Odd"] == "kept"
                assert await response.read() == b"<html>gone</html>"
            async with session.get(
                f"{base}/production.json?details=1", headers=headers
            ) as response:
                assert await response.read() == b'{"production": [1]}'
            async with session.get(f"{base}/ivp/ensemble/inventory", headers=headers) as response:
                assert response.status == 404  # not captured
            async with session.get(f"{base}/info_log.json", headers=headers) as response:
                assert response.status == 404  # the logs are not endpoints
            async with session.get(f"{base}/auth/check_jwt", headers=headers) as response:
                assert response.status == 404


async def test_token_firmware_checks_jwt_and_keeps_session(
    socket_enabled: None, tmp_path: Path
) -> None:
    write_capture(tmp_path / "new", "D8.2.4382")
    (tmp_path / "new" / "production.json_details_1").unlink()
    async for server in serve_simulator(build_replay(tmp_path / "new")):
        base = f"http://127.0.0.1:{server.port}"
        async with ClientSession() as session:
            async with session.get(f"{base}/info") as response:
                assert response.status == 200
                assert response.content_type == "application/xml"
            async with session.get(f"{base}/production.json") as response:
                assert response.status == 401
            async with session.get(f"{base}/auth/check_jwt") as response:
                assert response.status == 401
            async with session.get(
                f"{base}/auth/check_jwt", headers=auth_header(token_firmware=True)
            ) as response:
                assert response.status == 200
                cookie = response.cookies["sessionId"].value
            async with session.get(
                f"{base}/production.json?details=1", headers={"Cookie": f"sessionId={cookie}"}
            ) as response:
                assert response.status == 200
                # Not captured with details: answered like /production.json, as gateways do.
                assert await response.read() == b'{"production": []}'
            async with session.post(
                f"{base}/ivp/ensemble/relay", headers=auth_header(token_firmware=True)
            ) as response:
                assert response.status == 405


def test_runner_serves_the_replay_on_the_first_gateway_port(tmp_path: Path) -> None:
    write_capture(tmp_path / "cap", "D7.6.175")
    served = build({"replay": str(tmp_path / "cap")}, SimClock())
    replay = [s for s in served if isinstance(s.app, ReplaySimulator)]
    assert len(replay) == 1
    assert replay[0].port == 8301
    assert replay[0].app.capture.folder == tmp_path / "cap"  # type: ignore[attr-defined]
    with pytest.raises(SystemExit, match="cannot replay"):
        build({"replay": str(tmp_path / "absent")}, SimClock())


async def test_diagnostics_capture_replays_into_the_integration(
    hass: HomeAssistant,
    hass_client: object,
    gateway_factory: SimFactory,
    tmp_path: Path,
) -> None:
    """A user's raw capture (here from our own simulator) sets the integration up again."""
    _sim, server = await gateway_factory("8x")
    entry = await setup_entry(hass, "8x", server.port, options={OPTION_DIAGNOSTICS_RAW: True})
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)  # type: ignore[arg-type]
    raw = result["raw"]
    capture = tmp_path / "config_entry-enphase_gateway.json"
    # As Home Assistant's download wraps it.
    capture.write_text(json.dumps({"home_assistant": {}, "data": result}))

    replay = build_replay(capture)
    replay_server = TestServer(replay.make_app(), host="127.0.0.1")
    await replay_server.start_server()
    try:
        base = f"http://127.0.0.1:{replay_server.port}"
        async with ClientSession() as session:
            headers = auth_header(token_firmware=True)
            async with session.get(f"{base}/ivp/meters/readings", headers=headers) as response:
                assert await response.json() == raw["/ivp/meters/readings"]
            async with session.get(f"{base}/admin/lib/tariff", headers=headers) as response:
                assert await response.json() == raw["/admin/lib/tariff"]
            async with session.get(f"{base}/info") as response:
                assert f"<sn>{REPLAY_SERIAL}</sn>" in await response.text()

        second = MockConfigEntry(
            domain=DOMAIN,
            title="Replayed",
            data={
                CONF_HOST: f"127.0.0.1:{replay_server.port}",
                CONF_USERNAME: OWNER_EMAIL,
                CONF_PASSWORD: OWNER_PASSWORD,
                CONF_MANUAL_TOKEN: False,
            },
        )
        second.add_to_hass(hass)
        await hass.config_entries.async_setup(second.entry_id)
        await hass.async_block_till_done()
        assert second.state is ConfigEntryState.LOADED
        data = second.runtime_data.gateway.data
        # Redacted serials become distinct devices again: as many as the capture lists.
        assert len(data.inverters) == len(raw["/api/v1/production/inverters"])
        assert len(data.batteries) == len(
            next(g for g in raw["/ivp/ensemble/inventory"] if g["type"] == "ENCHARGE")["devices"]
        )
        assert second.runtime_data.client.info is not None
        assert second.runtime_data.client.info.firmware == result["firmware"]
        await hass.config_entries.async_unload(second.entry_id)
    finally:
        await replay_server.close()
