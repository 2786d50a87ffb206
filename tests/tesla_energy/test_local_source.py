"""The live values' source (LAN or cloud) and the gateway's values in the Fleet API's model."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.tesla_energy.api import IslandStatus, LiveStatus
from custom_components.tesla_energy.api.local_models import (
    LOCAL_LIVE_FIELDS,
    GridState,
    LivePower,
    LocalSnapshot,
    Operation,
    StateOfEnergy,
    live_status_from_local,
)
from custom_components.tesla_energy.local_source import LiveSource, SourceSelector


class Clock:
    """A clock moved by hand."""

    def __init__(self) -> None:
        """Start somewhere."""
        self.now = 100.0

    def __call__(self) -> float:
        """Return the time."""
        return self.now


def _selector(clock: Clock) -> SourceSelector:
    return SourceSelector(grace=120, settle=300, clock=clock)


def test_a_short_lan_outage_is_ridden_out() -> None:
    """Failures shorter than the grace period keep the LAN as the source."""
    clock = Clock()
    selector = _selector(clock)
    assert selector.local_succeeded() is LiveSource.LOCAL
    for _ in range(7):
        clock.now += 15
        assert selector.local_failed("timeout") is LiveSource.LOCAL
    clock.now += 15
    assert selector.local_succeeded() is LiveSource.LOCAL
    assert selector.switches == 0


def test_a_long_outage_falls_back_and_a_flaky_lan_does_not_flap() -> None:
    """Away past the grace: cloud. Back only after answering the whole settle time."""
    clock = Clock()
    selector = _selector(clock)
    selector.local_succeeded()
    clock.now += 15
    selector.local_failed("timeout")
    clock.now += 120
    assert selector.local_failed("timeout") is LiveSource.CLOUD
    # Answering every other poll for an hour never brings the values back to the LAN.
    for poll in range(240):
        clock.now += 15
        if poll % 2:
            assert selector.local_failed("reset") is LiveSource.CLOUD
        else:
            assert selector.local_succeeded() is LiveSource.CLOUD
    assert selector.switches == 1
    # Answering for the settle time does.
    for _ in range(20):
        clock.now += 15
        assert selector.local_succeeded() is LiveSource.CLOUD
    clock.now += 15
    assert selector.local_succeeded() is LiveSource.LOCAL
    assert selector.switches == 2
    assert selector.as_dict() == {"source": "local", "switches": 2, "last_local_error": None}


def test_no_lan_at_start_means_cloud_at_once() -> None:
    """Nothing to serve from the LAN yet: the cloud's values, without waiting."""
    selector = _selector(Clock())
    assert selector.local_failed("unreachable") is LiveSource.CLOUD


def test_a_refused_password_moves_to_the_cloud_at_once() -> None:
    """The user must act; meanwhile the cloud serves the values."""
    clock = Clock()
    selector = _selector(clock)
    selector.local_succeeded()
    assert selector.local_unusable("password refused") is LiveSource.CLOUD
    assert selector.as_dict()["last_local_error"] == "password refused"


def _snapshot(meters: dict[str, Any], soe: float, grid: str, services: bool) -> LocalSnapshot:
    return LocalSnapshot(
        power=LivePower.from_api(meters),
        soe=StateOfEnergy.from_api({"percentage": soe}),
        grid=GridState.from_api({"grid_status": grid, "grid_services_active": services}),
        operation=Operation.from_api({"real_mode": "backup", "backup_reserve_percent": 24}),
    )


def _meter(power: float) -> dict[str, Any]:
    return {"instant_power": power, "last_communication_time": "2026-06-15T12:00:00.5+01:00"}


METERS = {
    "site": _meter(-1200.5),
    "battery": _meter(-800.0),
    "load": _meter(950.25),
    "solar": _meter(2950.75),
}


def test_local_values_in_the_cloud_model() -> None:
    """The gateway's flows and charge replace the cloud's; the cloud-only values stay."""
    cloud = LiveStatus.from_api(
        {
            "response": {
                "solar_power": 1,
                "percentage_charged": 10,
                "grid_status": "Active",
                "island_status": "on_grid",
                "storm_mode_active": True,
                "energy_left": 5000,
                "wall_connectors": [{"din": "wc-1", "wall_connector_power": 7000}],
            }
        }
    )
    live = live_status_from_local(
        _snapshot(METERS, soe=52.5, grid="SystemIslandedActive", services=True), cloud
    )
    assert live.grid_power == METERS["site"]["instant_power"]
    assert live.battery_power == METERS["battery"]["instant_power"]
    assert live.load_power == METERS["load"]["instant_power"]
    assert live.solar_power == METERS["solar"]["instant_power"]
    assert live.generator_power is None
    assert live.battery_level == pytest.approx((52.5 - 5) / 0.95)
    assert live.grid_connected is False
    assert live.island_status is IslandStatus.OFF_GRID
    assert live.grid_services_active is True
    assert (
        live.timestamp is not None
        and live.timestamp.isoformat() == "2026-06-15T11:00:00.500000+00:00"
    )
    # Only the cloud knows these: kept from its last reading.
    assert live.storm_active is True
    assert live.energy_left == 5000
    assert set(live.wall_connectors) == {"wc-1"}

    first = live_status_from_local(
        _snapshot(METERS, soe=4.0, grid="SystemGridConnected", services=False), None
    )
    assert first.battery_level == 0.0  # inside the hidden buffer
    assert first.grid_connected is True
    assert first.island_status is IslandStatus.ON_GRID
    assert first.storm_active is None and first.wall_connectors == {}
    unknown = live_status_from_local(
        _snapshot(METERS, soe=50, grid="SystemNewState", services=False), None
    )
    assert unknown.grid_connected is None
    assert unknown.island_status is IslandStatus.UNKNOWN


def test_the_local_fields_are_fields_of_the_cloud_model() -> None:
    """The diagnostic's list of LAN-sourced values names real ``LiveStatus`` fields."""
    assert set(LiveStatus.__dataclass_fields__) >= LOCAL_LIVE_FIELDS
