"""Fuzz every action field of an integration with junk drawn by hypothesis.

For each field of ``services.yaml`` the other fields get a plausible value (from the selector)
and the field gets junk: nan, infinities, huge and negative numbers, wrong types, long and
odd strings (NUL, unicode). Asserted for each call: only a translated validation error comes
out (``ServiceValidationError``/``HomeAssistantError`` with a translation key, or the schema's
``vol.Invalid``); no write reached the simulators (their request logs); no entity changed.
A value the field's selector accepts (a finite number in range, an option, a plain string) is
not junk and is skipped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
import json
import math
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from hypothesis import HealthCheck, given, settings, strategies as st
import probatio as vol
import yaml

from simulators.framework import SimulatorApp

ROOT = Path(__file__).parents[2] / "custom_components"

SAMPLES: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    10**30,
    -(10**30),
    -1,
    -0.5,
    "",
    "\x00",
    "a\x00b",
    "x" * 5000,
    "ünïcødé 💥",
    "nan",
    "inf",
    None,
    [],
    {},
    [1, 2],
    {"a": 1},
    "2026-13-45T99:99:99",
]
"""Junk every form field gets (hypothesis's draws below add more)."""

JUNK = st.one_of(
    st.sampled_from(SAMPLES),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=3),
)


BOOLEAN_WORDS = frozenset(
    {"1", "true", "yes", "on", "enable", "0", "false", "no", "off", "disable"}
)


def services(domain: str) -> dict[str, dict[str, Any]]:
    """Return the integration's actions and their fields."""
    data = yaml.safe_load((ROOT / domain / "services.yaml").read_text(encoding="utf-8"))
    return {name: (spec or {}).get("fields", {}) or {} for name, spec in data.items()}


def _selector(field: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    selector = field.get("selector") or {}
    if not selector:
        return "object", {}
    kind, config = next(iter(selector.items()))
    return kind, config or {}


def _options(config: dict[str, Any]) -> list[str]:
    return [o["value"] if isinstance(o, dict) else o for o in config.get("options", [])]


def plausible(field: dict[str, Any], targets: dict[str, Any]) -> Any:
    """Return a value the field's selector would offer."""
    kind, config = _selector(field)
    if kind in targets:
        return targets[kind]
    if "example" in field and kind != "number":
        return field["example"]
    if kind == "number":
        low, high = float(config.get("min", 0)), float(config.get("max", 100))
        value = (low + high) / 2
        return int(value) if float(config.get("step", 1)) >= 1 else round(value, 1)
    if kind == "boolean":
        return True
    if kind == "select":
        return _options(config)[0]
    if kind == "time":
        return "10:00:00"
    if kind == "datetime":
        return (dt_util.now() + timedelta(hours=1)).isoformat()
    if kind == "date":
        return dt_util.now().date().isoformat()
    if kind == "duration":
        return {"hours": 1}
    return "abc"


def accepted(field: dict[str, Any], value: Any) -> bool:
    """Return whether the selector takes the value as valid (so it is no junk)."""
    kind, config = _selector(field)
    if kind == "number":
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            return False
        # A fraction of a whole-number field may be rounded visibly (issue 14): not junk.
        low, high = config.get("min"), config.get("max")
        if float(config.get("step", 1)) >= 1:
            value = math.floor(value + 0.5)
        return (low is None or value >= low) and (high is None or value <= high)
    if kind == "boolean":
        # A plain on/off: a bool, 0 or 1, or one of Home Assistant's boolean words. Any other
        # number is junk (cv.boolean would take 0.5, -7 or nan as "on").
        if isinstance(value, bool) or (type(value) is int and value in (0, 1)):
            return True
        return isinstance(value, str) and value.strip().lower() in BOOLEAN_WORDS
    if kind == "select":
        return value in _options(config)
    if kind in ("text", "object", "device", "config_entry", "entity"):
        # A plain string is a legitimate name, SSID or tag (a number becomes one, as Home
        # Assistant's cv.string does); only NUL, huge strings and containers are junk.
        if isinstance(value, int | float) and not isinstance(value, bool):
            return True
        return isinstance(value, str) and "\x00" not in value and len(value) <= 255
    if kind in ("time", "datetime", "date"):
        if not isinstance(value, str):
            return False
        from homeassistant.helpers import config_validation as cv

        checker = {"time": cv.time, "datetime": cv.datetime, "date": cv.date}[kind]
        try:
            checker(value)
        except vol.Invalid:
            return False
        return True
    return False


def draw_junk(n: int) -> list[Any]:
    """Return ``n`` junk values drawn by hypothesis (derandomized: the same every run)."""
    drawn: list[Any] = []

    @settings(
        max_examples=n,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(JUNK)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


def writes(apps: list[SimulatorApp]) -> int:
    """Return how many requests that change something the simulators have served."""
    return sum(
        1
        for app in apps
        for record in app.log.records
        # History reads carry the action's values too (Tesla's dates).
        if record.method != "GET" or "/write" in record.path or "history" in record.path
    )


def translated(err: BaseException) -> bool:
    """Return whether the error is one the user sees as a translated validation message."""
    if isinstance(err, vol.Invalid):
        return True
    return isinstance(err, HomeAssistantError) and bool(getattr(err, "translation_key", None))


async def fuzz_actions(
    hass: HomeAssistant,
    domain: str,
    apps: list[SimulatorApp],
    targets: dict[str, Any],
    *,
    examples: int = 30,
    skip: Callable[[str, str], bool] = lambda _s, _f: False,
    known: frozenset[tuple[str, str]] = frozenset(),
) -> tuple[int, list[str], set[tuple[str, str]]]:
    """Fuzz every field of every action.

    Return the calls made, the problems found, and which of the ``known`` (action, field)
    problems showed up (those are left out of the problems: the caller asserts they still do,
    so that a fix is noticed and the list shortened).
    """
    seen: set[tuple[str, str]] = set()
    junk = draw_junk(examples)
    problems: list[str] = []
    calls = 0
    states = {s.entity_id: s.state for s in hass.states.async_all()}
    for service, fields in services(domain).items():
        base = {name: plausible(field, targets) for name, field in fields.items()}
        for name, field in fields.items():
            kind, _config = _selector(field)
            if kind in ("device", "config_entry") or skip(service, name):
                continue
            for value in junk:
                if accepted(field, value):
                    continue
                before = writes(apps)
                calls += 1
                found = len(problems)
                try:
                    await hass.services.async_call(
                        domain,
                        service,
                        {**base, name: value},
                        blocking=True,
                        return_response=_returns(hass, domain, service),
                    )
                except Exception as err:  # noqa: BLE001 - the error's kind is the check
                    if not translated(err):
                        problems.append(
                            f"{service}.{name}={value!r:.40}: {type(err).__name__}: {err}"[:200]
                        )
                else:
                    problems.append(f"{service}.{name}={value!r:.40}: accepted")
                if writes(apps) != before:
                    problems.append(f"{service}.{name}={value!r:.40}: a write reached the device")
                if (service, name) in known and len(problems) > found:
                    del problems[found:]
                    seen.add((service, name))
    after = {s.entity_id: s.state for s in hass.states.async_all()}
    changed = [e for e in states if after.get(e) != states[e]]
    if changed and not seen:
        problems.append(f"entities changed: {changed[:5]}")
    return calls, problems, seen


def _returns(hass: HomeAssistant, domain: str, service: str) -> bool:
    from homeassistant.core import SupportsResponse

    supports = hass.services.supports_response(domain, service)
    return supports is SupportsResponse.ONLY


def flow_errors(domain: str, flow: str = "config") -> set[str]:
    """Return the error keys a flow (``config`` or ``options``) has translations for."""
    strings = json.loads((ROOT / domain / "translations" / "en.json").read_text(encoding="utf-8"))
    return set(strings.get(flow, {}).get("error", {}))


def text_accepted(value: Any) -> bool:
    """Return whether a text field may take the value as a real one (no junk)."""
    return isinstance(value, str) and "\x00" not in value and len(value) <= 255


def requests(apps: list[SimulatorApp]) -> int:
    """Return how many requests the simulators have served, of any kind."""
    return sum(len(app.log.records) for app in apps)


async def fuzz_form(
    manager: Any,
    open_form: Callable[[], Awaitable[dict[str, Any]]],
    plausible: dict[str, Any],
    apps: list[SimulatorApp],
    known_errors: set[str],
    snapshot: Callable[[], Any],
    *,
    fields: tuple[str, ...] | None = None,
    examples: int = 30,
    undo: Callable[[], Awaitable[None]] | None = None,
) -> tuple[int, list[str]]:
    """Submit junk to each field of one flow form, the others plausible.

    Asserted for each submission: a schema error (``vol.Invalid``) or the form again with
    errors that all have a translation (``unknown``, the catch-all, is not one); what
    ``snapshot`` returns (entries, options) unchanged; and for a value no text field could
    take (NUL, over 255 characters, not a string) no request reached a simulator. Where
    ``undo`` is given, a value a user may type that creates an entry is no problem: ``undo``
    removes what it created.
    """
    problems: list[str] = []
    calls = 0
    first = await open_form()
    manager.async_abort(first["flow_id"])
    step = first["step_id"]
    names = fields or tuple(str(key) for key in first["data_schema"].schema)
    before = snapshot()
    for name in names:
        for value in [*SAMPLES, *draw_junk(examples)]:
            flow = await open_form()
            sent = requests(apps)
            calls += 1
            label = f"{step}.{name}={value!r:.40}"
            result: dict[str, Any] | None = None
            try:
                result = dict(
                    await manager.async_configure(flow["flow_id"], {**plausible, name: value})
                )
            except vol.Invalid:
                pass
            except Exception as err:  # noqa: BLE001 - the kind is the check
                problems.append(f"{label}: {type(err).__name__}: {err}"[:200])
            finally:
                if any(f["flow_id"] == flow["flow_id"] for f in manager.async_progress()):
                    manager.async_abort(flow["flow_id"])
            if result is not None:
                errors = set((result.get("errors") or {}).values())
                if result["type"] == "create_entry" and text_accepted(value) and undo is not None:
                    # A value a user may type (a blank password that is then derived, say).
                    await undo()
                elif result["type"] != "form" or result.get("step_id") != step:
                    problems.append(f"{label}: {result['type']} {result.get('reason', '')}")
                elif not errors or not errors <= known_errors - {"unknown"}:
                    problems.append(f"{label}: form errors {errors}")
            if not text_accepted(value) and requests(apps) != sent:
                problems.append(f"{label}: a request reached a simulator")
            if snapshot() != before:
                problems.append(f"{label}: something was created or changed")
                break
    return calls, problems
