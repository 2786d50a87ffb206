"""Bounds on what a server may make us do: how long to wait, how much to read.

A server (or anything answering in its place) decides the numbers in ``Retry-After``,
``RateLimit-Reset`` and the size of a reply. Taken as is, one reply could stop an account
for years, crash a timer with ``nan`` or fill the memory; every such number goes through here.
"""

from __future__ import annotations

import math

MAX_SERVER_WAIT = 86400.0
"""The longest a server may make us wait (a day): quotas start afresh within a day."""

DEFAULT_MAX_BODY = 4 * 1024 * 1024
"""The largest reply body read by default (4 MiB; the largest real reply seen is ~32 KB)."""


def bounded_wait(seconds: float | None) -> float | None:
    """Return a server's wait as a number we can obey: at most a day, never negative.

    A wait that is not a finite number (``nan``, ``inf``) means nothing: None, as if absent.
    """
    if seconds is None:
        return None
    try:
        value = float(seconds)
    except TypeError, ValueError, OverflowError:
        return None
    if not math.isfinite(value):
        return None
    return min(max(value, 0.0), MAX_SERVER_WAIT)
