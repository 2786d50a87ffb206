"""Tests for the optimistic hold."""

from __future__ import annotations

from custom_components.energy_bridges_common.client.optimistic import OptimisticValue


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_holds_until_confirmed() -> None:
    clock = Clock()
    value: OptimisticValue[int] = OptimisticValue(20, clock=clock)
    assert value.resolve(6) == 6
    value.request(16)
    assert value.active
    assert value.resolve(6) == 16  # the device still reports the old value
    assert value.resolve(16) == 16  # confirmed: the hold ends
    assert not value.active
    assert value.resolve(10) == 10


def test_hold_expires() -> None:
    clock = Clock()
    value: OptimisticValue[str] = OptimisticValue(20, clock=clock)
    value.request("on")
    clock.now += 19
    assert value.remaining == 1
    assert value.resolve("off") == "on"
    clock.now += 1
    assert value.resolve("off") == "off"
    assert value.remaining == 0


def test_tolerance_for_numbers_and_custom_hold() -> None:
    clock = Clock()
    value: OptimisticValue[float] = OptimisticValue(20, tolerance=0.5, clock=clock)
    value.request(10.0, hold=90)
    assert value.remaining == 90
    assert value.resolve(9.0) == 10.0
    assert value.resolve(9.6) == 9.6


def test_booleans_are_not_numbers() -> None:
    value: OptimisticValue[object] = OptimisticValue(20, tolerance=1, clock=Clock())
    value.request(True)
    assert value.resolve(0) is True
    assert not value.matches(None)


def test_rollback() -> None:
    value: OptimisticValue[int] = OptimisticValue(20, clock=Clock())
    value.request(5)
    value.rollback()
    assert value.resolve(3) == 3
