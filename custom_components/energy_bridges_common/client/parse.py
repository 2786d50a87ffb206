"""Lenient value parsing for vendor replies (no Home Assistant imports).

Vendors send numbers as strings ("248.000000"), booleans as 0/1 or "true", timestamps as
epoch seconds, milliseconds or ISO text. These turn one value into a Python value or None,
never raising, so a model can be built from whatever arrived; ``require_*`` raise
``InvalidResponseError`` where a reply's shape is wrong as a whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
import math
from typing import Any

from .errors import InvalidResponseError

_TRUE = frozenset({"true", "1", "yes", "on", "y"})
_FALSE = frozenset({"false", "0", "no", "off", "n"})
# Epoch values above this are milliseconds (year 2286 in seconds).
_MILLISECONDS_THRESHOLD = 1e10


def as_float(value: Any) -> float | None:
    """Return a finite float from a number or numeric text, else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().rstrip("%"))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def as_int(value: Any) -> int | None:
    """Return an int (rounded) from a number or numeric text, else None."""
    number = as_float(value)
    return None if number is None else round(number)


def as_bool(value: Any) -> bool | None:
    """Return a bool from a bool, 0/1, or text such as "true"/"off", else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and math.isfinite(value):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        number = as_float(text)
        return None if number is None else number != 0
    return None


def as_str(value: Any) -> str | None:
    """Return non-empty text from text or a number, else None."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def parse_timestamp(value: Any) -> datetime | None:
    """Return an aware UTC datetime from epoch seconds or milliseconds, or ISO 8601 text."""
    number = as_float(value)
    if number is not None:
        if number <= 0:
            return None
        if number > _MILLISECONDS_THRESHOLD:
            number /= 1000
        try:
            return datetime.fromtimestamp(number, UTC)
        except OverflowError, OSError, ValueError:
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def require_mapping(value: Any, what: str) -> Mapping[str, Any]:
    """Return the value if it is an object, else raise ``InvalidResponseError``."""
    if not isinstance(value, Mapping):
        raise InvalidResponseError(f"{what}: expected an object, got {type(value).__name__}")
    return value


def require_list(value: Any, what: str) -> list[Any]:
    """Return the value if it is a list, else raise ``InvalidResponseError``."""
    if not isinstance(value, list):
        raise InvalidResponseError(f"{what}: expected a list, got {type(value).__name__}")
    return value
