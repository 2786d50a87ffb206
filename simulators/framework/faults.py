"""Scripted fault injection: make any route misbehave the way real devices and clouds do."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
import re
from typing import Any


class FaultKind(StrEnum):
    """What a fault does to a matching request."""

    DELAY = "delay"
    """Answer normally after ``seconds``."""
    TIMEOUT = "timeout"
    """Hold the request for ``seconds`` (default 120) so the client gives up."""
    RESET = "reset"
    """Drop the connection without an answer."""
    STATUS = "status"
    """Answer with ``status`` (and ``body``)."""
    RATE_LIMIT = "rate_limit"
    """Answer 429 with ``Retry-After: seconds`` (omitted when ``seconds`` is None)."""
    MALFORMED = "malformed"
    """Answer 200 with a body that is not what the route returns (``body``, or HTML)."""
    TRUNCATED = "truncated"
    """Answer with the first half of the real body."""
    WRONG_TYPES = "wrong_types"
    """Answer with the real JSON, its values of the wrong type (only ``keys``, if given)."""
    MISSING_KEYS = "missing_keys"
    """Answer with the real JSON, ``keys`` removed everywhere (all keys when none given)."""
    REBOOT = "reboot"
    """Reboot the device: unreachable for ``seconds``, then it comes back from a restart."""


@dataclass(slots=True)
class Fault:
    """One scripted fault: which requests it hits, how often, and what it does."""

    kind: FaultKind
    route: str = ".*"
    """A regular expression searched in the request path."""
    method: str | None = None
    times: int | None = None
    """How many matching requests it hits; None for every one until cleared."""
    skip: int = 0
    """How many matching requests pass untouched before it starts."""
    seconds: float | None = None
    status: int = 500
    body: str | None = None
    keys: list[str] = field(default_factory=list)
    hits: int = 0
    seen: int = 0

    def __post_init__(self) -> None:
        """Accept the kind as a plain string (from the control API)."""
        self.kind = FaultKind(self.kind)
        re.compile(self.route)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        """Build a fault from the control API's JSON."""
        allowed = {"kind", "route", "method", "times", "skip", "seconds", "status", "body", "keys"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**data)

    def matches(self, method: str, path: str) -> bool:
        """Return whether the request is one this fault is about."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return re.search(self.route, path) is not None

    @property
    def exhausted(self) -> bool:
        """Return whether the fault has hit as often as it should."""
        return self.times is not None and self.hits >= self.times

    def as_dict(self) -> dict[str, Any]:
        """Return the fault as JSON for the control API."""
        data = asdict(self)
        data["kind"] = self.kind.value
        return data


class FaultInjector:
    """The faults scripted on one simulator, first added first applied."""

    def __init__(self) -> None:
        """Start with no faults."""
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Script a fault; return it (its ``hits`` count shows what it did)."""
        self.faults.append(fault)
        return fault

    def inject(self, kind: FaultKind | str, route: str = ".*", **kwargs: Any) -> Fault:
        """Script a fault from keyword arguments."""
        return self.add(Fault(kind=FaultKind(kind), route=route, **kwargs))

    def clear(self) -> None:
        """Remove every fault."""
        self.faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Return the fault that hits this request, counting it, or None."""
        for fault in self.faults:
            if fault.exhausted or not fault.matches(method, path):
                continue
            fault.seen += 1
            if fault.seen <= fault.skip:
                continue
            fault.hits += 1
            return fault
        return None


def wrong_types(value: Any, keys: list[str] | None = None, *, key: str | None = None) -> Any:
    """Return the JSON value with its leaves of the wrong type (only ``keys`` if given)."""
    if isinstance(value, dict):
        return {k: wrong_types(v, keys, key=k) for k, v in value.items()}
    if isinstance(value, list):
        return [wrong_types(v, keys, key=key) for v in value]
    if keys and key not in keys:
        return value
    if isinstance(value, bool):
        return "maybe"
    if isinstance(value, int | float):
        return f"{value}x"
    if isinstance(value, str):
        return {"unexpected": value}
    if value is None:
        return []
    return value


def missing_keys(value: Any, keys: list[str] | None = None) -> Any:
    """Return the JSON value with ``keys`` removed everywhere (every key when none given)."""
    if isinstance(value, dict):
        if not keys:
            return {}
        return {k: missing_keys(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [missing_keys(v, keys) for v in value]
    return value
