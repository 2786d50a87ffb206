"""Tests for the shared finite-number and strict boolean validators."""

from __future__ import annotations

from typing import Any

from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    NumberSelectorConfig,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol
import pytest

from custom_components.energy_bridges_common.hass.validators import (
    FiniteNumberSelector,
    PlainTextSelector,
    finite_number,
    strict_boolean,
)


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


def test_finite_number_selector_is_drawn_as_a_number_selector() -> None:
    selector = FiniteNumberSelector(NumberSelectorConfig(min=5, max=600, step=1), integer=True)
    schema = vol.Schema({vol.Required("interval", default=10): selector})
    fields = vol.to_field_list(schema, custom_serializer=cv.custom_serializer)
    assert fields[0]["selector"] == {"number": selector.config}
    assert schema({"interval": 10.0}) == {"interval": 10}
    for value in (float("nan"), float("inf"), 4, 601, 10.5):
        with pytest.raises(vol.Invalid):
            schema({"interval": value})
    # A selector without bounds is only finite.
    assert FiniteNumberSelector()(-3.5) == -3.5


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        0,
        1,
        "on",
        "off",
        "ON",
        " Off ",
        "true",
        "False",
        "yes",
        "no",
        "enable",
        "disable",
        "1",
        "0",
    ],
)
def test_strict_boolean_takes_what_cv_boolean_takes_as_a_boolean(value: Any) -> None:
    assert strict_boolean(value) is cv.boolean(value)
    assert vol.Schema({vol.Required("b"): strict_boolean})({"b": value}) == {"b": cv.boolean(value)}


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        0.5,
        1.0,
        0.0,
        2,
        -1,
        10**30,
        None,
        [],
        [True],
        {},
        "",
        "nan",
        "inf",
        "maybe",
        "\x00",
        b"on",
    ],
)
def test_strict_boolean_refuses_junk(value: Any) -> None:
    with pytest.raises(vol.Invalid):
        strict_boolean(value)
    with pytest.raises(vol.Invalid):
        vol.Schema({vol.Required("b"): strict_boolean})({"b": value})


@pytest.mark.parametrize("value", ["abc-123", "192.168.1.20:5000", "ünïcødé 💥", "x" * 255, ""])
def test_plain_text_takes_one_line_of_printable_text(value: str) -> None:
    assert PlainTextSelector()(value) == value
    assert vol.Schema({vol.Required("t"): PlainTextSelector()})({"t": value}) == {"t": value}


@pytest.mark.parametrize(
    "value",
    ["x" * 256, "a\x00b", "key\r\nX-Injected: 1", "tab\there", "\x7f", "\x85", None, 5, ["a"]],
)
def test_plain_text_refuses_control_characters_huge_text_and_non_text(value: Any) -> None:
    with pytest.raises(vol.Invalid):
        PlainTextSelector()(value)
    with pytest.raises(vol.Invalid):
        vol.Schema({vol.Required("t"): PlainTextSelector()})({"t": value})


def test_plain_text_length_and_multiple() -> None:
    assert PlainTextSelector(max_length=1000)("x" * 1000) == "x" * 1000
    with pytest.raises(vol.Invalid):
        PlainTextSelector(max_length=3)("abcd")
    # A selector that takes several texts returns a list: not what this one is for.
    with pytest.raises(vol.Invalid):
        PlainTextSelector(TextSelectorConfig(multiple=True))(["a", "b"])


def test_plain_text_selector_is_drawn_as_a_text_selector() -> None:
    config = TextSelectorConfig(type=TextSelectorType.PASSWORD)
    assert PlainTextSelector(config).serialize() == {
        "selector": {"text": {"type": "password", "multiline": False, "multiple": False}}
    }
