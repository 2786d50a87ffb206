"""The simulated gateway answers in the real shapes: key sets and value types.

For each endpoint the real replies (``../shared/real-data/tesla-local/``, read at test time)
give the keys every firmware sends (the simulator must send them) and the keys any firmware
sends (the simulator must send nothing else), with the JSON types seen for each. Skipped where
the folder is absent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
import pytest

from simulators.framework import SimClock
from simulators.tesla_local import PROFILES, PowerwallGatewaySimulator

from .test_local_conformance import ENDPOINT_FILES, _real

# Nested objects compared key by key as well (path of keys; "*" = every list item).
NESTED: dict[str, list[tuple[str, ...]]] = {
    "/api/meters/aggregates": [("site",), ("battery",), ("load",), ("solar",)],
    "/api/system_status": [("battery_blocks", "*")],
    "/api/powerwalls": [("powerwalls", "*")],
    "/api/site_info": [("grid_code",)],
}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    return "object"


def _objects(reply: Any, path: tuple[str, ...]) -> list[dict[str, Any]]:
    """Return the objects at a key path of a reply (none where the path is absent)."""
    found = [reply]
    for key in path:
        nxt: list[Any] = []
        for item in found:
            if key == "*" and isinstance(item, list):
                nxt.extend(item)
            elif isinstance(item, dict) and key in item:
                nxt.append(item[key])
        found = nxt
    return [item for item in found if isinstance(item, dict)]


def _compare(
    endpoint: str, where: str, sim: list[dict[str, Any]], real: list[dict[str, Any]]
) -> None:
    assert sim, f"{endpoint} {where}: the simulator sent nothing here"
    common = set.intersection(*(set(obj) for obj in real))
    union = set.union(*(set(obj) for obj in real))
    kinds: dict[str, set[str]] = {}
    for obj in real:
        for key, value in obj.items():
            kinds.setdefault(key, set()).add(_kind(value))
    for obj in sim:
        keys = set(obj)
        assert common - keys == set(), f"{endpoint} {where}: keys every real reply has"
        assert keys - union == set(), f"{endpoint} {where}: keys no real reply has"
        for key, value in obj.items():
            assert _kind(value) in kinds[key], (
                f"{endpoint} {where}.{key}: {_kind(value)} not in {sorted(kinds[key])}"
            )


@pytest.fixture
async def replies(socket_enabled: None) -> AsyncIterator[dict[str, Any]]:
    """Return the full simulated gateway's reply to every endpoint the real files cover."""
    clock = SimClock()
    sim = PowerwallGatewaySimulator(PROFILES["full"], clock=clock)
    server = TestServer(sim.make_app(), host="127.0.0.1")
    await server.start_server(access_log=None)
    url = f"http://127.0.0.1:{server.port}"
    out: dict[str, Any] = {}
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{url}/api/login/Basic",
                json={"username": "customer", "password": sim.password, "email": ""},
            ) as resp:
                token = (await resp.json())["token"]
            for endpoint in ENDPOINT_FILES:
                async with session.get(
                    f"{url}{endpoint}", headers={"Authorization": f"Bearer {token}"}
                ) as resp:
                    assert resp.status == 200, endpoint
                    out[endpoint] = await resp.json()
        yield out
    finally:
        await server.close()


async def test_simulator_replies_have_the_real_shapes(replies: dict[str, Any]) -> None:
    """Top-level and nested key sets and value types of every endpoint."""
    for endpoint, names in ENDPOINT_FILES.items():
        real = [_real(name) for name in names]
        sim = replies[endpoint]
        _compare(endpoint, "", [sim], [r for r in real if isinstance(r, dict)])
        for path in NESTED.get(endpoint, []):
            real_objects = [obj for r in real for obj in _objects(r, path)]
            if not real_objects:  # e.g. grid_code is flat text in the oldest reply only
                continue
            _compare(endpoint, ".".join(path), _objects(sim, path), real_objects)


async def test_login_reply_has_the_documented_fields(socket_enabled: None) -> None:
    """No real login reply is published; the notes list its fields and cookies."""
    sim = PowerwallGatewaySimulator(PROFILES["reduced"])
    server = TestServer(sim.make_app(), host="127.0.0.1")
    await server.start_server(access_log=None)
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{server.port}/api/login/Basic",
                json={"username": "customer", "password": sim.password, "email": "a@b.c"},
            ) as resp,
        ):
            body = await resp.json()
            cookies = {c.key for c in resp.cookies.values()}
    finally:
        await server.close()
    assert set(body) == {
        "email",
        "firstname",
        "lastname",
        "roles",
        "token",
        "provider",
        "loginTime",
    }
    assert body["roles"] == ["Home_Owner"]
    assert body["provider"] == "Basic"
    assert cookies == {"AuthCookie", "UserRecord"}
