"""Tests for lenient value parsing."""

from __future__ import annotations

from datetime import UTC, datetime
import math
from typing import Any

from hypothesis import given, strategies as st
import pytest

from custom_components.energy_bridges_common.client.errors import InvalidResponseError
from custom_components.energy_bridges_common.client.parse import (
    as_bool,
    as_float,
    as_int,
    as_str,
    parse_timestamp,
    require_list,
    require_mapping,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1.0),
        (2.5, 2.5),
        ("248.000000", 248.0),
        (" 0.531181 ", 0.531181),
        ("25%", 25.0),
        ("", None),
        ("abc", None),
        (None, None),
        (True, None),
        (math.nan, None),
        ("inf", None),
        ([1], None),
    ],
)
def test_as_float(value: Any, expected: float | None) -> None:
    assert as_float(value) == expected


def test_as_int() -> None:
    assert as_int("6") == 6
    assert as_int(6.6) == 7
    assert as_int("x") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (0, False),
        (2, True),
        ("true", True),
        ("OFF", False),
        ("1", True),
        ("0.0", False),
        ("maybe", None),
        (None, None),
        (math.nan, None),
        ({}, None),
    ],
)
def test_as_bool(value: Any, expected: bool | None) -> None:
    assert as_bool(value) is expected


def test_as_str() -> None:
    assert as_str(" ssid ") == "ssid"
    assert as_str("  ") is None
    assert as_str(2.4) == "2.4"
    assert as_str(False) is None
    assert as_str(None) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_700_000_000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("1700000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        (1_700_000_000_000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T01:00:00+01:00", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01 12:00:00", datetime(2024, 1, 1, 12, tzinfo=UTC)),
        (0, None),
        ("soon", None),
        ("", None),
        (None, None),
        (1e300, None),
    ],
)
def test_parse_timestamp(value: Any, expected: datetime | None) -> None:
    assert parse_timestamp(value) == expected


def test_require() -> None:
    assert require_mapping({"a": 1}, "x") == {"a": 1}
    assert require_list([1], "x") == [1]
    with pytest.raises(InvalidResponseError, match="expected an object, got list"):
        require_mapping([], "reply")
    with pytest.raises(InvalidResponseError, match="expected a list, got NoneType"):
        require_list(None, "reply")


@given(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.lists(st.integers())
    )
)
def test_parsers_never_raise(value: Any) -> None:
    as_float(value)
    as_int(value)
    as_bool(value)
    as_str(value)
    parse_timestamp(value)
