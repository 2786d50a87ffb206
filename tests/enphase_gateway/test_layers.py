"""Vendor words stay in api/: platforms and the coordinator speak in typed models."""

from __future__ import annotations

from pathlib import Path
import re

import pytest

PACKAGE = Path(__file__).parents[2] / "custom_components" / "enphase_gateway"
# The gateway's own words for CT types, relay states, modes and settings fields (as the
# simulator and the real replies spell them).
VENDOR_WORDS = (
    "net-consumption",
    "total-consumption",
    "closed",
    "open",
    "self-consumption",
    "savings-mode",
    "load_name",
    "mains_admin_state",
    "mains_oper_state",
    "gen_mode",
    "measurementType",
    "meteringStatus",
    "check-wiring",
)


@pytest.mark.parametrize(
    "module",
    sorted(p.name for p in PACKAGE.glob("*.py")),
)
def test_no_vendor_word_outside_api(module: str) -> None:
    text = (PACKAGE / module).read_text(encoding="utf-8")
    found = [w for w in VENDOR_WORDS if re.search(rf"[\"']{re.escape(w)}[\"']", text)]
    assert not found, f"{module} names {found}: give api/ a typed model or enum for it"
