"""The simulator answers in the shapes real gateways of its firmware family answer in.

For every endpoint a profile serves, its reply is compared with the replies captured on real
gateways of the same firmware family (``../shared/real-data/enphase``, read at test time):
what kind of answer (status, JSON or not), and for JSON, recursively, the keys (none invented,
none that every real reply has left out) and the type of every value (int, float, str, bool,
null). Lists whose items carry a ``type`` (production sections, inventory groups) are compared
item kind by item kind. For ``/info`` the XML elements are compared the same way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
import hashlib
import json
from pathlib import Path
import re
from typing import Any
from xml.etree import ElementTree as ET

from aiohttp import ClientSession
import pytest

from simulators.enphase import PROFILES, GatewaySimulator
from simulators.enphase.cloud import issue_token
from simulators.enphase.gateway import installer_password
from simulators.framework import SimClock
from tests.conftest import serve_simulator

from .real_data import ENDPOINTS, NO_REAL_DATA, REAL

MIDDAY = datetime(2026, 6, 21, 12, 0, 7, tzinfo=UTC)

# The real captures of each profile's family. 5.x has one capture, of a gateway that cannot
# meter: its metering sections are compared with 4.x, the same generation of the web API.
FAMILIES: dict[str, tuple[int, ...]] = {
    "3x": (3,),
    "5x": (5, 4),
    "7x": (7,),
    "8x": (8,),
    "8x-large": (8,),
    "8x-acb": (8,),
}
# Replies no real capture can vouch for, each with the reason (kept as short as possible).
UNVERIFIED: dict[tuple[str, str], str] = {
    ("8x", "/ivp/ss/gen_config"): "no captured gateway has a generator configured",
    ("8x", "/ivp/ss/gen_schedule"): "no captured gateway has a generator configured",
    ("8x", "/ivp/ss/gen_mode"): "no captured gateway has a generator configured",
}


def file_name(path: str) -> str:
    name = path.lstrip("/")
    for char in "/?=":
        name = name.replace(char, "_")
    return name


def major(folder: Path) -> int | None:
    info = folder / "info"
    if not info.is_file():
        return None
    match = re.search(r"<software>\s*[A-Za-z]*(\d+)\.", info.read_text())
    return int(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class Captured:
    folder: str
    status: int
    body: bytes


def captured(folder: Path, path: str) -> Captured | None:
    name = file_name(path)
    body_file, log_file = folder / name, folder / f"{name}_log.json"
    if not body_file.is_file() and not log_file.is_file():
        if "?" in path:
            return captured(folder, path.split("?", 1)[0])
        return None
    status = json.loads(log_file.read_text())["code"] if log_file.is_file() else 200
    body = body_file.read_bytes() if body_file.is_file() else b""
    return Captured(folder.name, status, body)


def references(profile: str, path: str) -> list[Captured]:
    family = FAMILIES[profile]
    folders = sorted(p for p in REAL.iterdir() if p.is_dir() and major(p) in family)
    return [c for f in folders if (c := captured(f, path)) is not None]


def as_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def is_json(body: bytes) -> bool:
    return body.strip()[:1] in (b"{", b"[") and as_json(body) is not None


# -- shapes ---------------------------------------------------------------------------------


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "bool", int: "int", float: "float", str: "str", dict: "dict", list: "list"}[
        type(value)
    ]


def discriminator(item: Any) -> str:
    # Sections and device groups differ by type; items with an id (relay contacts) do not.
    if isinstance(item, dict) and isinstance(item.get("type"), str) and "id" not in item:
        kind = item.get("measurementType")
        return f"{item['type']}/{kind}" if isinstance(kind, str) else item["type"]
    return "*"


@dataclass
class Shape:
    """Every value seen at one place of a reply: types, keys and how often, list items."""

    types: set[str] = field(default_factory=set)
    dicts: int = 0
    key_counts: Counter[str] = field(default_factory=Counter)
    keys: dict[str, Shape] = field(default_factory=dict)
    items: dict[str, Shape] = field(default_factory=dict)

    def add(self, value: Any) -> None:
        self.types.add(type_name(value))
        if isinstance(value, dict):
            self.dicts += 1
            for key, child in value.items():
                # Keys that are ids (device eids, serials) vary from unit to unit.
                name = "<id>" if re.fullmatch(r"\d+", key) else key
                self.key_counts[name] += 1
                self.keys.setdefault(name, Shape()).add(child)
        elif isinstance(value, list):
            for item in value:
                self.items.setdefault(discriminator(item), Shape()).add(item)

    @property
    def required(self) -> set[str]:
        return {k for k, n in self.key_counts.items() if n == self.dicts}


def compare(sim: Shape, real: Shape, where: str = "") -> list[str]:
    """Return how the simulator's shape departs from the real one."""
    problems = [
        f"{where or '<root>'}: {t} where real gateways send {sorted(real.types)}"
        for t in sorted(sim.types - real.types)
    ]
    if sim.dicts and real.dicts:
        problems += [
            f"{where}.{k}: no real gateway sends it" for k in sorted(set(sim.keys) - set(real.keys))
        ]
        problems += [
            f"{where}.{k}: every real reply has it" for k in sorted(real.required - sim.required)
        ]
        for key in sorted(set(sim.keys) & set(real.keys)):
            problems += compare(sim.keys[key], real.keys[key], f"{where}.{key}")
    for kind, shape in sorted(sim.items.items()):
        if kind not in real.items:
            if real.items:
                problems.append(f"{where}[{kind}]: an item kind no real gateway sends")
            continue
        problems += compare(shape, real.items[kind], f"{where}[{kind}]")
    return problems


def xml_paths(text: str) -> set[str]:
    root = ET.fromstring(text.strip())  # noqa: S314 - our own captures and simulator
    paths: set[str] = set()

    def walk(node: ET.Element, prefix: str) -> None:
        for child in node:
            path = f"{prefix}/{child.tag}"
            paths.add(path)
            walk(child, path)

    walk(root, "")
    return paths


# -- the simulator --------------------------------------------------------------------------


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


async def fetch_all(profile: str) -> dict[str, tuple[int, bytes]]:
    """Return every endpoint's (status, body) from a served profile, logged in."""
    # A fixed sunny moment, long after boot: every value has its daytime type.
    clock = SimClock(start=MIDDAY)
    clock.freeze()
    sim = GatewaySimulator(PROFILES[profile], clock=clock, latency=0)
    sim.boot_time -= 3600
    replies: dict[str, tuple[int, bytes]] = {}
    async for server in serve_simulator(sim):
        base = f"http://127.0.0.1:{server.port}"
        async with ClientSession() as session:
            headers: dict[str, str] = {}
            if sim.profile.token_auth:
                token = issue_token(sim.profile.serial, issued_at=clock.timestamp())
                headers = {"Authorization": f"Bearer {token}"}
            for path in ENDPOINTS:
                if not sim.profile.token_auth:
                    headers = await _digest(session, base, path, sim.profile.serial)
                async with session.get(
                    base + path, headers=headers, allow_redirects=False
                ) as response:
                    replies[path] = (response.status, await response.read())
    return replies


async def _digest(session: ClientSession, base: str, path: str, serial: str) -> dict[str, str]:
    async with session.get(base + "/api/v1/production/inverters") as response:
        challenge = response.headers.get("WWW-Authenticate", "")
    nonce = re.search(r'nonce="([^"]+)"', challenge)
    if nonce is None:
        return {}
    ha1 = _md5(f"installer:enphaseenergy.com:{installer_password(serial)}")
    ha2 = _md5(f"GET:{path}")
    answer = _md5(f"{ha1}:{nonce.group(1)}:00000001:c:auth:{ha2}")
    return {
        "Authorization": f'Digest username="installer", realm="enphaseenergy.com", '
        f'nonce="{nonce.group(1)}", uri="{path}", response="{answer}", qop=auth, '
        'nc=00000001, cnonce="c"'
    }


_CACHE: dict[str, dict[str, tuple[int, bytes]]] = {}


async def served(profile: str) -> dict[str, tuple[int, bytes]]:
    if profile not in _CACHE:
        _CACHE[profile] = await fetch_all(profile)
    return _CACHE[profile]


# -- the test -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("profile", list(PROFILES))
async def test_endpoint_answers_like_real_gateways(
    socket_enabled: None, profile: str, path: str
) -> None:
    if not REAL.is_dir():
        pytest.skip(NO_REAL_DATA)
    status, body = (await served(profile))[path]
    refs = references(profile, path)
    family = "/".join(f"{n}.x" for n in FAMILIES[profile])
    if (profile, path) in UNVERIFIED and status == 200:
        pytest.skip(f"{profile} {path}: {UNVERIFIED[profile, path]}")
    if not refs:
        pytest.skip(f"no real {family} gateway was captured answering {path}")
    statuses = {r.status for r in refs}
    assert status in statuses, (
        f"{profile} answers {path} with {status}; real {family} gateways answer {statuses}"
    )
    if status != 200:
        return
    if path == "/info":
        real_paths = [xml_paths(r.body.decode()) for r in refs if r.status == 200]
        sim_paths = xml_paths(body.decode())
        union = set().union(*real_paths)
        common = set.intersection(*real_paths)
        assert sim_paths <= union, sorted(sim_paths - union)
        assert common <= sim_paths, sorted(common - sim_paths)
        return
    real_json = [r for r in refs if r.status == 200 and is_json(r.body)]
    if not is_json(body):
        assert any(r.status == 200 and not is_json(r.body) for r in refs), (
            f"{profile} answers {path} with a non-JSON body; real {family} gateways send JSON"
        )
        return
    assert real_json, (
        f"{profile} answers {path} with JSON; real {family} gateways send "
        f"{[(r.folder, r.status, r.body[:40]) for r in refs]}"
    )
    real = Shape()
    for ref in real_json:
        real.add(as_json(ref.body))
    sim = Shape()
    sim.add(as_json(body))
    problems = compare(sim, real)
    assert not problems, f"{profile} {path} vs real {family}:\n  " + "\n  ".join(problems)


# -- the simulated gateway's own totals agree, as a real gateway's do -----------------------


def section(report: dict[str, Any], part: str, kind: str) -> dict[str, Any]:
    return next(s for s in report[part] if s.get("measurementType", s["type"]) == kind)


@pytest.mark.parametrize("profile", [p for p, v in PROFILES.items() if v.cts])
async def test_consumption_is_production_plus_net(socket_enabled: None, profile: str) -> None:
    """Total consumption = production + net; each CT's reading is its section's power."""
    replies = await served(profile)
    report = json.loads(replies["/production.json?details=1"][1])
    production = section(report, "production", "production")
    total = section(report, "consumption", "total-consumption")
    net = section(report, "consumption", "net-consumption")
    assert total["wNow"] == pytest.approx(production["wNow"] + net["wNow"], abs=0.01)
    assert total["whLifetime"] == pytest.approx(
        production["whLifetime"] + net["whLifetime"], abs=1.0
    )
    for line in range(3 if "lines" in total else 0):  # old firmware gives no lines
        assert total["lines"][line]["wNow"] == pytest.approx(
            production["lines"][line]["wNow"] + net["lines"][line]["wNow"], abs=0.01
        )
    readings = {r["eid"]: r for r in json.loads(replies["/ivp/meters/readings"][1])}
    meters = {m["measurementType"]: m["eid"] for m in json.loads(replies["/ivp/meters"][1])}
    assert readings[meters["production"]]["activePower"] == pytest.approx(
        production["wNow"], abs=0.01
    )
    assert readings[meters["net-consumption"]]["activePower"] == pytest.approx(
        net["wNow"], abs=0.01
    )
    for reading in readings.values():
        assert abs(reading["pwrFactor"]) <= 1
        assert reading["voltage"] == pytest.approx(
            sum(c["voltage"] for c in reading["channels"]), abs=0.01
        )


@pytest.mark.parametrize("profile", [p for p, v in PROFILES.items() if "storage" in v.cts])
async def test_storage_ct_measures_the_batteries_alone(socket_enabled: None, profile: str) -> None:
    replies = await served(profile)
    readings = {r["eid"]: r for r in json.loads(replies["/ivp/meters/readings"][1])}
    meters = {m["measurementType"]: m["eid"] for m in json.loads(replies["/ivp/meters"][1])}
    batteries = json.loads(replies["/ivp/ensemble/power"][1])["devices:"]
    battery_watts = sum(b["real_power_mw"] for b in batteries) / 1000
    assert battery_watts != 0  # midday: the batteries are working
    assert readings[meters["storage"]]["activePower"] == pytest.approx(
        battery_watts, abs=len(batteries)
    )


@pytest.mark.parametrize("profile", list(PROFILES))
async def test_lifetime_counters(socket_enabled: None, profile: str) -> None:
    """The v1 lifetime is true; production.json's inverters section wraps at 2^32 J on 7.x."""
    replies = await served(profile)
    body = replies["/production.json"][1]
    if not is_json(body):
        assert PROFILES[profile].firmware.lstrip("DR").startswith("3.")
        return
    v1 = json.loads(replies["/api/v1/production"][1])["wattHoursLifetime"]
    inverters = section(json.loads(body), "production", "inverters")["whLifetime"]
    if v1 == 0:
        return  # the metered-without-CT stall
    wraps = PROFILES[profile].firmware.startswith("D7.")
    expected = (v1 * 3600 % 2**32) / 3600 if wraps else v1
    assert inverters == pytest.approx(expected, abs=1.5)
    assert (inverters < v1) is wraps


@pytest.mark.parametrize("profile", [p for p, v in PROFILES.items() if v.batteries or v.acbs])
async def test_battery_aggregate_adds_up(socket_enabled: None, profile: str) -> None:
    replies = await served(profile)
    secctrl = json.loads(replies["/ivp/ensemble/secctrl"][1])
    stored = secctrl["ENC_agg_avail_energy"] + secctrl["ACB_agg_energy"]
    assert secctrl["agg_soc"] == pytest.approx(100 * stored / secctrl["Max_energy"], abs=1)
    inventory = json.loads(replies["/ivp/ensemble/inventory"][1])
    encharge = next(g for g in inventory if g["type"] == "ENCHARGE")["devices"]
    assert secctrl["Enc_commissioned_capacity"] == sum(d["encharge_capacity"] for d in encharge)
    report = json.loads(replies["/production.json"][1])
    acb = report["storage"][0]
    listed = json.loads(replies["/api/v1/production/inverters"][1])
    assert acb["activeCount"] == sum(1 for i in listed if i["devType"] == 11)
    if acb["activeCount"]:
        assert acb["percentFull"] == secctrl["ACB_agg_soc"]
        assert acb["whNow"] == pytest.approx(secctrl["ACB_agg_energy"], abs=1)
        assert (acb["wNow"] > 0) == (acb["state"] == "discharging")
    else:
        assert secctrl["ACB_agg_energy"] == 0
