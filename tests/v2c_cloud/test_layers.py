"""The vendor's words stay in ``api/``: no platform, coordinator or action names a LAN keyword."""

from __future__ import annotations

import ast
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
