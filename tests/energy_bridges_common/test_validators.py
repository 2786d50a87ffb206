"""Tests for the shared finite-number validator."""

from __future__ import annotations

from typing import Any

import probatio as vol
import pytest

from custom_components.energy_bridges_common.hass.validators import finite_number


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), float("-inf"), "nan", "inf", "1e400", 10**400, True, None, "x"],
)
def test_non_numbers_are_invalid(value: Any) -> None:
    with pytest.raises(vol.Invalid):
        finite_number()(value)
    # Through a schema, as flows and actions use it.
    with pytest.raises(vol.Invalid):
        vol.Schema({vol.Required("n"): finite_number(0, 100)})({"n": value})


def test_range_and_whole_numbers() -> None:
    check = finite_number(5, 60)
    assert check(5) == 5.0
    assert check("60") == 60.0
    for outside in (4.99, 60.01):
        with pytest.raises(vol.Invalid):
            check(outside)
    whole = finite_number(0, 100, integer=True)
    assert whole(50.0) == 50
    assert isinstance(whole(50.0), int)
    with pytest.raises(vol.Invalid, match="whole"):
        whole(50.9)
