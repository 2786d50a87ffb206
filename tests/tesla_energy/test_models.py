"""Typed values the platforms read: real replies' new fields, and a tariff's price at a time."""

from __future__ import annotations

from datetime import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.tesla_energy.api.models import (
    LiveStatus,
    SiteInfo,
    WallConnectorState,
    tariff_prices,
)

REAL = Path(__file__).parents[2].parent / "shared" / "real-data" / "tesla"


def _real(name: str) -> dict[str, Any]:
    path = REAL / name
    if not path.exists():
        pytest.skip(f"real replies not available ({path})")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def test_real_site_info_grid_services_and_vpp_reserve() -> None:
    """A real site_info's grid services flag and VPP reserve come through as sent."""
    raw = _real("fleet_site_info.json")
    info = SiteInfo.from_api(raw)
    assert info.grid_services_enabled is raw["response"]["components"]["grid_services_enabled"]
    assert info.vpp_backup_reserve == raw["response"]["vpp_backup_reserve_percent"]
    # The real reply has no tariff: no prices, and no error.
    assert "tariff_content_v2" not in raw["response"]
    assert info.tariff_prices(datetime(2026, 1, 1, 12)) is None


def test_real_live_status_wall_connectors() -> None:
    """A real live_status's Wall Connectors: codes kept, named, no VIN where none is sent."""
    raw = _real("teslemetry_live_status.json")
    live = LiveStatus.from_api(raw)
    assert live.grid_services_active is raw["response"]["grid_services_active"]
    for item in raw["response"]["wall_connectors"]:
        status = live.wall_connectors[item["din"]]
        assert status.state == item["wall_connector_state"]
        assert status.state_name is not None
        assert status.vin == item.get("vin")


def test_unknown_state_code_is_unrecognized() -> None:
    """A code no table knows is named unrecognized (the code is kept)."""
    live = LiveStatus.from_api(
        {"response": {"wall_connectors": [{"din": "x", "wall_connector_state": 99}]}}
    )
    assert live.wall_connectors["x"].state == 99
    assert live.wall_connectors["x"].state_name is WallConnectorState.UNRECOGNIZED


# A tariff of our own: winter wraps the new year, a night period wraps midnight, the
# weekend has its own period, and the sell tariff has seasons of its own.
TARIFF: dict[str, Any] = {
    "currency": "EUR",
    "seasons": {
        "Winter": {
            "fromMonth": 11,
            "fromDay": 1,
            "toMonth": 2,
            "toDay": 28,
            "tou_periods": {
                "NIGHT": {"periods": [{"toDayOfWeek": 4, "fromHour": 22, "toHour": 6}]},
                "DAY": {"periods": [{"toDayOfWeek": 4, "fromHour": 6, "toHour": 22}]},
                "WEEKEND": {"periods": [{"fromDayOfWeek": 5, "toDayOfWeek": 6}]},
            },
        },
        "Rest": {
            "fromMonth": 3,
            "fromDay": 1,
            "toMonth": 10,
            "toDay": 31,
            "tou_periods": {"ALL_DAY": {"periods": [{"toDayOfWeek": 6}]}},
        },
    },
    "energy_charges": {
        "ALL": {"rates": {"ALL": 0.3}},
        "Winter": {"rates": {"NIGHT": 0.2, "DAY": 0.4}},
    },
    "sell_tariff": {
        "seasons": {
            "Year": {
                "fromMonth": 1,
                "fromDay": 1,
                "toMonth": 12,
                "toDay": 31,
                "tou_periods": {"FLAT": {"periods": [{"toDayOfWeek": 6}]}},
            }
        },
        "energy_charges": {"Year": {"rates": {"FLAT": 0.08}}},
    },
}


@pytest.mark.parametrize(
    ("local", "buy", "period"),
    [
        # Thursday 1 January 2026, 23:30: winter (wraps the new year), night (wraps midnight).
        (datetime(2026, 1, 1, 23, 30), 0.2, "NIGHT"),
        # Friday 2 January, 05:59: still the night that began on Thursday.
        (datetime(2026, 1, 2, 5, 59), 0.2, "NIGHT"),
        # Friday 2 January, 06:00: day (from inclusive, to exclusive).
        (datetime(2026, 1, 2, 6, 0), 0.4, "DAY"),
        # Saturday 3 January: the weekend has no winter price, the ALL season's ALL rate.
        (datetime(2026, 1, 3, 12, 0), 0.3, "WEEKEND"),
        # 15 July: the rest of the year, one period priced by the ALL fallback.
        (datetime(2026, 7, 15, 9, 0), 0.3, "ALL_DAY"),
    ],
)
def test_prices_at_a_local_time(local: datetime, buy: float, period: str) -> None:
    """The buy price follows season, weekday and time; the sell tariff its own seasons."""
    prices = tariff_prices(TARIFF, local)
    assert prices.currency == "EUR"
    assert prices.period == period
    assert prices.buy == buy
    assert prices.sell == 0.08


def test_tariff_without_sell_tariff_or_season() -> None:
    """No sell tariff: no sell price; a date no season covers: no price at all."""
    tariff = {k: v for k, v in TARIFF.items() if k != "sell_tariff"}
    tariff["seasons"] = {"Winter": TARIFF["seasons"]["Winter"]}
    tariff["energy_charges"] = {"Winter": TARIFF["energy_charges"]["Winter"]}
    assert tariff_prices(tariff, datetime(2026, 1, 1, 23, 30)).sell is None
    summer = tariff_prices(tariff, datetime(2026, 7, 1, 12, 0))
    assert summer.buy is None
    assert summer.period is None


def test_not_a_number_is_unknown_not_a_crash() -> None:
    """NaN and infinity (Python's JSON reader accepts them) are unknown values.

    A NaN state code used to stop the whole live status from parsing (no int of NaN), and a
    NaN power reached the sensor.
    """
    live = LiveStatus.from_api(
        json.loads(
            '{"response": {"solar_power": NaN, "load_power": Infinity, "battery_power": 250,'
            ' "wall_connectors": [{"din": "x", "wall_connector_state": NaN,'
            ' "wall_connector_fault_state": Infinity, "wall_connector_power": NaN}]}}'
        )
    )
    assert (live.solar_power, live.load_power, live.battery_power) == (None, None, 250)
    connector = live.wall_connectors["x"]
    assert (connector.state, connector.fault_state, connector.power) == (None, None, None)


def test_a_whole_number_sent_with_a_fraction_is_rounded() -> None:
    """2.7 batteries are 3, as every integration of this repository reads a count (not 2)."""
    info = SiteInfo.from_api({"response": {"battery_count": 2.7, "energy_site_id": 1001}})
    assert info.battery_count == 3
