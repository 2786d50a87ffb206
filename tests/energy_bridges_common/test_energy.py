"""Tests for monotonic energy totals."""

from __future__ import annotations

import math

from hypothesis import given, strategies as st
import pytest

from custom_components.energy_bridges_common.client.energy import MonotonicTotal


def feed(total: MonotonicTotal, readings: list[float | None]) -> list[float | None]:
    return [total.update(r) for r in readings]


def test_rises_and_ignores_missing_values() -> None:
    total = MonotonicTotal()
    assert feed(total, [None, 1.0, 2.0, None, math.nan, -5.0, math.inf, 3.0]) == [
        None,
        1.0,
        2.0,
        2.0,
        2.0,
        2.0,
        2.0,
        3.0,
    ]


def test_transient_zero_is_ignored() -> None:
    total = MonotonicTotal()
    assert feed(total, [100.0, 0.0, 0.0, 101.0]) == [100.0, 100.0, 100.0, 101.0]


def test_brief_step_back_is_ignored() -> None:
    total = MonotonicTotal()
    assert feed(total, [100.0, 99.5, 100.2]) == [100.0, 100.0, 100.2]


def test_jitter_within_tolerance_is_ignored() -> None:
    total = MonotonicTotal(jitter=0.5, confirm_readings=1)
    assert feed(total, [100.0, 99.8, 90.0]) == [100.0, 100.0, 90.0]


def test_real_reset_is_accepted_after_confirmation() -> None:
    total = MonotonicTotal(confirm_readings=3)
    assert feed(total, [500.0, 1.0, 2.0, 3.0, 4.0]) == [500.0, 500.0, 500.0, 3.0, 4.0]


def test_reset_confirmation_restarts_when_readings_disagree() -> None:
    total = MonotonicTotal(confirm_readings=2)
    # 5 then 1 disagree (1 < 5): the count starts again from 1.
    assert feed(total, [500.0, 5.0, 1.0, 2.0]) == [500.0, 500.0, 500.0, 2.0]


def test_zeros_never_confirm_a_reset() -> None:
    total = MonotonicTotal(confirm_readings=2)
    assert feed(total, [500.0, 0.0, 0.0, 0.0]) == [500.0] * 4


def test_wrapping_counter_keeps_rising() -> None:
    wrap = 1_193_046.0  # old Envoys' register, in Wh
    total = MonotonicTotal(wrap_at=wrap)
    values = feed(total, [wrap - 100, wrap - 10, 5.0, 50.0])
    assert values == [wrap - 100, wrap - 10, wrap + 5, wrap + 50]
    assert total.offset == wrap


def test_a_drop_that_is_not_a_wrap_is_held() -> None:
    total = MonotonicTotal(wrap_at=1000.0)
    assert feed(total, [500.0, 5.0]) == [500.0, 500.0]


def test_restore() -> None:
    total = MonotonicTotal()
    total.restore(250.0, 10.0)
    assert total.update(0.0) == 250.0
    assert total.update(245.0) == 255.0
    bad = MonotonicTotal()
    bad.restore(math.nan, 1.0)
    assert bad.value is None
    bad.restore(5.0, -1.0)
    assert (bad.value, bad.offset) == (5.0, 0.0)


def test_confirm_readings_must_be_positive() -> None:
    with pytest.raises(ValueError):
        MonotonicTotal(confirm_readings=0)


@given(
    st.lists(
        st.one_of(st.none(), st.floats(min_value=-10, max_value=1e6), st.just(math.nan)),
        max_size=60,
    )
)
def test_never_goes_back_without_a_confirmed_reset(readings: list[float | None]) -> None:
    """Whatever the device sends, a decrease only follows 3 agreeing lower readings."""
    total = MonotonicTotal(confirm_readings=3)
    previous: float | None = None
    lower_streak: list[float] = []
    for reading in readings:
        value = total.update(reading)
        if previous is not None:
            assert value is not None
            if value < previous:
                assert len(lower_streak) >= 2
                assert reading is not None and value == reading
        if (
            reading is not None
            and previous is not None
            and math.isfinite(reading)
            and 0 <= reading < previous
        ):
            lower_streak.append(reading)
        elif reading is not None and math.isfinite(reading) and reading >= 0:
            lower_streak = []
        previous = value
