"""Which source a site's live values come from: the gateway on the LAN, or the Fleet API.

One source per value at a time, and no flapping between them:

- while the gateway answers, the live values come from the LAN (and ``live_status`` is not
  polled, so the call budget goes to history, ``site_info`` and commands);
- a LAN failure is ridden out for ``grace`` seconds (the last LAN values are served); only when
  the gateway has been away longer (or has not answered since the start) does the site fall
  back to the cloud;
- back on the cloud, the gateway must answer without a single failure for ``settle`` seconds
  before the values move to the LAN again, so a gateway that answers every other poll does not
  switch the source at every poll.

No Home Assistant imports: the coordinator feeds it results and asks it for the source.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
import time
from typing import Any

LOCAL_INTERVAL = 15.0
"""Seconds between LAN polls (the gateway wants at least 5; Home Assistant core uses 30)."""
LOCAL_GRACE = 120.0
"""Seconds the LAN may be away before the live values come from the cloud."""
LOCAL_SETTLE = 300.0
"""Seconds the LAN must answer without failing before the values move back to it."""


def _monotonic() -> float:
    return time.monotonic()


class LiveSource(StrEnum):
    """Where a site's live values come from."""

    LOCAL = "local"
    CLOUD = "cloud"


class SourceSelector:
    """Decide the source of one site's live values from the LAN's successes and failures."""

    def __init__(
        self,
        *,
        grace: float = LOCAL_GRACE,
        settle: float = LOCAL_SETTLE,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Start on the LAN: setup found the gateway answering."""
        self.grace = grace
        self.settle = settle
        # Looked up at each call (not bound here), so that a test's frozen clock reaches it.
        self._clock = clock or _monotonic
        self.source = LiveSource.LOCAL
        self.last_local_success: float | None = None
        self.last_local_error: str | None = None
        self.switches = 0
        """How often the source changed (diagnostics; the tests prove it does not flap)."""
        self._answering_since: float | None = None
        self._first_failure: float | None = None

    def local_succeeded(self) -> LiveSource:
        """Record an answer from the gateway; return the source from now on."""
        now = self._clock()
        self.last_local_success = now
        self.last_local_error = None
        self._first_failure = None
        if self.source is LiveSource.CLOUD:
            if self._answering_since is None:
                self._answering_since = now
            if now - self._answering_since >= self.settle:
                self._switch(LiveSource.LOCAL)
        return self.source

    def local_failed(self, error: str) -> LiveSource:
        """Record a failed LAN poll; return the source from now on."""
        now = self._clock()
        self.last_local_error = error
        self._answering_since = None
        if self._first_failure is None:
            self._first_failure = now
        if self.source is LiveSource.LOCAL and (
            # Nothing from the LAN yet (a start while it is away): nothing to ride out on.
            self.last_local_success is None or now - self._first_failure >= self.grace
        ):
            self._switch(LiveSource.CLOUD)
        return self.source

    def local_unusable(self, error: str) -> LiveSource:
        """Move to the cloud at once (the gateway refused the password: the user must act)."""
        self.last_local_error = error
        self._answering_since = None
        if self.source is LiveSource.LOCAL:
            self._switch(LiveSource.CLOUD)
        return self.source

    def _switch(self, source: LiveSource) -> None:
        self.source = source
        self.switches += 1
        self._answering_since = None
        self._first_failure = None

    def as_dict(self) -> dict[str, Any]:
        """Return the state for diagnostics (no secrets in it)."""
        return {
            "source": self.source.value,
            "switches": self.switches,
            "last_local_error": self.last_local_error,
        }
