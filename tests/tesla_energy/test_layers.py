"""Vendor words stay in ``api/``: platforms, coordinators and actions speak in typed models.

Our entity keys often repeat Tesla's field names (``solar_power``, ``island_status``), as
core's ``tesla_fleet`` does; the words below are Tesla's alone (Fleet API and gateway fields,
paths and enum values), so a platform that names one reads the reply itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "custom_components" / "tesla_energy"
VENDOR_WORDS = frozenset(
    {
        # Fleet API: site_info, live_status, calendar_history, commands.
        "response",
        "energy_site_id",
        "components",
        "default_real_mode",
        "customer_preferred_export_rule",
        "disallow_charge_from_grid_with_solar_installed",
        "backup_reserve_percent",
        "off_grid_vehicle_charging_reserve_percent",
        "vpp_backup_reserve_percent",
        "installation_time_zone",
        "storm_mode_active",
        "storm_mode_enabled",
        "percentage_charged",
        "tariff_content_v2",
        "time_series",
        "self_consumption",
        "pv_only",
        "battery_ok",
        "island_status_unknown",
        "tou_periods",
        "energy_charges",
        "fromDayOfWeek",
        # The gateway on the LAN.
        "/api/meters/aggregates",
        "/api/system_status/soe",
        "/api/system_status/grid_status",
        "instant_power",
        "nominal_energy_remaining",
        "nominal_full_pack_energy",
        "SystemGridConnected",
        "SystemIslandedActive",
        "PackagePartNumber",
    }
)


@pytest.mark.parametrize("module", sorted(p.name for p in PACKAGE.glob("*.py")))
def test_no_vendor_word_outside_api(module: str) -> None:
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    found = sorted(
        f"{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in VENDOR_WORDS
    )
    assert found == [], f"{module} names {found}: give api/ a typed model or enum for it"


def test_the_words_are_the_api_layer_own() -> None:
    """Each word is one the api layer really reads or sends (the list is not stale)."""
    api = "\n".join(p.read_text(encoding="utf-8") for p in (PACKAGE / "api").glob("*.py"))
    assert [w for w in sorted(VENDOR_WORDS) if f'"{w}"' not in api] == []
