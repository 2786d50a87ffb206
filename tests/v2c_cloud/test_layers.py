"""The vendor's words stay in ``api/``: no platform, coordinator or action names a LAN keyword."""

from __future__ import annotations

import ast
from collections.abc import Mapping
import importlib
from pathlib import Path

from simulators.v2c import make_chargers
from simulators.v2c.model import FIRMWARES, WRITABLE

ROOT = Path(__file__).parents[2] / "custom_components" / "v2c_cloud"


def _lan_words() -> set[str]:
    """Return every key the simulated chargers use on their LAN (reads and writes)."""
    words = set(WRITABLE)
    for version in FIRMWARES:
        (charger,) = make_chargers(1, firmware=[version])
        words.update(charger.realtime())
    return words


def test_no_lan_keyword_outside_the_api() -> None:
    words = _lan_words()
    assert {"Intensity", "LogoLED", "ChargeState"} <= words
    found = [
        f"{path.name}:{node.lineno}: {node.value!r}"
        for path in sorted(ROOT.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in words
    ]
    assert found == []


def test_selects_map_no_vendor_codes() -> None:
    """Settings' codes come out of ``api/`` as choices, never as a table of numbers."""
    found = []
    for path in (ROOT / "select.py",):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("api"):
                continue
            module = importlib.import_module(f"custom_components.v2c_cloud.{node.module}")
            for alias in node.names:
                value = getattr(module, alias.name)
                if isinstance(value, Mapping) and any(isinstance(k, int) for k in value):
                    found.append(f"{path.name}: {alias.name}")
    assert found == []
