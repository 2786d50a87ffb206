"""Schema validators for flows and actions (``probatio``, imported as ``vol``).

``finite_number(min, max, integer=...)`` for action schemas; ``FiniteNumberSelector`` (the
same check, drawn as a number selector) for config and options flow forms; ``strict_boolean``
for an action's on/off fields; ``PlainTextSelector`` for a form's keys and addresses.
"""

from __future__ import annotations

from collections.abc import Callable
import math
from typing import Any
import unicodedata

from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    TextSelector,
    TextSelectorConfig,
)
import probatio as vol


def finite_number(
    min_value: float | None = None,
    max_value: float | None = None,
    *,
    integer: bool = False,
) -> Callable[[Any], float]:
    """Return a validator for a finite number in ``[min_value, max_value]``.

    ``vol.Coerce(float)`` and ``vol.Range`` let ``nan`` through (every comparison with it is
    false) and ``inf`` crashes ``int()``; this refuses both with ``vol.Invalid``, so a flow or
    action shows its translated validation error. With ``integer=True`` the value must be a
    whole number (``3.9`` is refused, not truncated to 3) and comes back as an ``int``.
    """

    def validate(value: Any) -> float:
        if isinstance(value, bool):
            raise vol.Invalid("expected a number")
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError) as err:
            raise vol.Invalid("expected a number") from err
        if not math.isfinite(number):
            raise vol.Invalid("expected a finite number")
        if min_value is not None and number < min_value:
            raise vol.Invalid(f"must be at least {min_value}")
        if max_value is not None and number > max_value:
            raise vol.Invalid(f"must be at most {max_value}")
        if integer:
            if not number.is_integer():
                raise vol.Invalid("expected a whole number")
            return int(number)
        return number

    return validate


_TRUE = frozenset({"1", "true", "yes", "on", "enable"})
_FALSE = frozenset({"0", "false", "no", "off", "disable"})


def strict_boolean(value: Any) -> bool:
    """Return an on/off value as a bool; refuse anything that is not plainly one.

    ``cv.boolean`` takes every number as ``bool(number)``, so ``nan``, ``inf``, ``0.5`` or
    ``-7`` turn a setting on. This takes ``True``/``False``, the integers 0 and 1, and the
    words ``cv.boolean`` takes ("on", "off", "true", "false", "yes", "no", "enable",
    "disable", "1", "0", any case, spaces around), and raises ``vol.Invalid`` for the rest.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise vol.Invalid("expected a boolean (true or false)")


class FiniteNumberSelector(NumberSelector):
    """A ``NumberSelector`` for flow forms that refuses ``nan``, ``inf`` (and fractions).

    Home Assistant's own number selector checks its range with comparisons that ``nan``
    passes, so a flow that then calls ``int()`` crashes. This one validates with
    ``finite_number`` and is drawn like any number selector (it serializes as ``number``).
    """

    def __init__(
        self, config: NumberSelectorConfig | None = None, *, integer: bool = False
    ) -> None:
        """Take the usual number selector config; ``integer`` returns whole numbers only."""
        super().__init__(config)
        self._validate = finite_number(
            self.config.get("min"), self.config.get("max"), integer=integer
        )

    def __call__(self, data: Any) -> float:
        """Validate the value."""
        return self._validate(data)


class PlainTextSelector(TextSelector):
    """A ``TextSelector`` for a form's API key or address: one line, printable, not huge.

    A control character cannot travel in an HTTP header (aiohttp raises an error that the
    flow would report as "unexpected") and no key or address has one; nor is a key thousands
    of characters long. Both are refused by the schema, before anything is sent. It is drawn
    like any text selector (it serializes as ``text``).
    """

    def __init__(self, config: TextSelectorConfig | None = None, *, max_length: int = 255) -> None:
        """Take the usual text selector config and the longest text accepted."""
        super().__init__(config)
        self._max_length = max_length

    def __call__(self, data: Any) -> str:
        """Validate the value."""
        text = super().__call__(data)
        if not isinstance(text, str):
            raise vol.Invalid("expected one text")
        if len(text) > self._max_length:
            raise vol.Invalid(f"must be at most {self._max_length} characters")
        if any(unicodedata.category(char) == "Cc" for char in text):
            raise vol.Invalid("must not contain control characters")
        return text
