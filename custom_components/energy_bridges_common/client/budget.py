"""Call-budget accounting for a cloud account (no Home Assistant imports).

One ``CallBudget`` stands for one account's quota (calls per day or per month). Every client
of that account reports each request it is about to send (``before_request``): the budget
counts it, and refuses it when it would break the quota. Polls may not touch a reserve kept
for user commands; commands may. The server's ``RateLimit-*`` headers can only make our count
stricter, and a 429 blocks every call until its ``Retry-After`` has passed.

Coordinators register as consumers; ``interval_for`` spreads what is left of the period over
them by weight (water-filling: a consumer that needs less than its share at its fastest
interval gives the rest to the others), so the budget lasts to the end of the period.

Beside the period's count the budget keeps the user's day (``today``): the replies of the day
as the vendor bills them (reads, a command's writes, and what it does not bill), persisted
with the rest, so one ledger per account says both what the quota has left and what the day
cost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
import math
from typing import Any

from .errors import BudgetExhaustedError, RateLimitedError
from .http import HttpResponse
from .limits import MAX_SERVER_WAIT, bounded_wait


class BudgetPeriod(StrEnum):
    """How often the quota starts afresh."""

    DAY = "day"
    MONTH = "month"


class CallKind(StrEnum):
    """What a call is for: polls may not spend the commands' reserve."""

    POLL = "poll"
    COMMAND = "command"


_CALL_KIND: ContextVar[CallKind] = ContextVar("energy_bridges_call_kind", default=CallKind.POLL)


@contextmanager
def command_calls() -> Iterator[None]:
    """Count the calls made inside this block as user commands (they may use the reserve)."""
    token = _CALL_KIND.set(CallKind.COMMAND)
    try:
        yield
    finally:
        _CALL_KIND.reset(token)


@contextmanager
def poll_calls() -> Iterator[None]:
    """Count the calls made inside this block as polls, whatever the caller's block was.

    Tasks and timers copy the context they were created in: a refresh scheduled from inside
    ``command_calls()`` would otherwise keep spending the commands' reserve.
    """
    token = _CALL_KIND.set(CallKind.POLL)
    try:
        yield
    finally:
        _CALL_KIND.reset(token)


def current_call_kind() -> CallKind:
    """Return the kind the calls made here count as."""
    return _CALL_KIND.get()


@dataclass(frozen=True, slots=True)
class BudgetConsumer:
    """A coordinator that spends the budget on polls."""

    name: str
    calls_per_update: float
    min_interval: float
    """The fastest it wants to poll, in seconds."""
    weight: float = 1.0


@dataclass(slots=True)
class DayCount:
    """The replies of one day (the user's), as the vendor bills them."""

    day: date
    data: int = 0
    """Billed replies of reads: polls, read-backs, what an action asked to see."""
    commands: int = 0
    """Billed replies of a user command's writes (some vendors bill them apart)."""
    unbilled: int = 0
    """Replies the vendor does not bill (``CallBudget.refund_status``)."""

    @property
    def billed(self) -> int:
        """Return the day's billed calls."""
        return self.data + self.commands

    def as_dict(self) -> dict[str, Any]:
        """Return the count to persist and show."""
        return {
            "day": self.day.isoformat(),
            "data": self.data,
            "commands": self.commands,
            "unbilled": self.unbilled,
        }


def allocate_intervals(
    consumers: Mapping[str, BudgetConsumer],
    available_calls: float,
    seconds_left: float,
    *,
    max_interval: float,
) -> dict[str, float]:
    """Return each consumer's interval so that their calls fit ``available_calls``.

    Water-filling by weight: a consumer whose demand at ``min_interval`` fits in its share
    polls at that interval and leaves the rest of its share to the others.
    """
    result: dict[str, float] = {}
    active = dict(consumers)
    budget = max(available_calls, 0.0)
    seconds_left = max(seconds_left, 1.0)
    while active:
        total_weight = sum(c.weight for c in active.values()) or 1.0
        satisfied = {
            name: c
            for name, c in active.items()
            if seconds_left / c.min_interval * c.calls_per_update
            <= budget * c.weight / total_weight
        }
        if not satisfied:
            break
        for name, c in satisfied.items():
            result[name] = c.min_interval
            budget -= seconds_left / c.min_interval * c.calls_per_update
            del active[name]
    total_weight = sum(c.weight for c in active.values()) or 1.0
    for name, c in active.items():
        share = budget * c.weight / total_weight
        if share < c.calls_per_update:
            result[name] = max_interval
            continue
        # Whole updates only: floor the count so that the spacing never spends more.
        updates = math.floor(share / c.calls_per_update)
        result[name] = min(max(seconds_left / updates, c.min_interval), max_interval)
    return result


class CallBudget:
    """One account's quota, its count, and the pacing of its consumers."""

    def __init__(
        self,
        *,
        quota: int,
        period: BudgetPeriod = BudgetPeriod.DAY,
        reserve: int = 0,
        time_zone: tzinfo = UTC,
        day_time_zone: tzinfo | None = None,
        now: Callable[[], datetime] | None = None,
        max_interval: float = 3600.0,
        base_backoff: float = 60.0,
        max_backoff: float = 900.0,
    ) -> None:
        """Start an empty count for the current period.

        ``day_time_zone`` is where ``today`` begins (the period's time zone when not given):
        a monthly quota may follow the vendor's calendar while the day is the user's.
        """
        if quota <= 0:
            raise ValueError("quota must be positive")
        if not 0 <= reserve < quota:
            raise ValueError("reserve must be at least 0 and less than the quota")
        self.quota = quota
        self.period = period
        self.reserve = reserve
        self.time_zone = time_zone
        self.day_time_zone = day_time_zone or time_zone
        self.max_interval = max_interval
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self._now = now or (lambda: datetime.now(UTC))
        self.period_start = self._period_bounds(self._now())[0]
        self.used = 0
        self.used_by_kind: dict[str, int] = {kind.value: 0 for kind in CallKind}
        self.refused = 0
        self._today = DayCount(self._day())
        self.blocked_until: datetime | None = None
        self.consecutive_429 = 0
        self.server_limit: int | None = None
        self.server_remaining: int | None = None
        self.server_seen_at: datetime | None = None
        self._consumers: dict[str, BudgetConsumer] = {}
        self._listeners: list[Callable[[], None]] = []
        self._counts_status: Callable[[int], bool] = lambda status: True

    # -- configuration -------------------------------------------------------------------

    def configure(self, *, quota: int, reserve: int, period: BudgetPeriod | None = None) -> None:
        """Change the quota, the reserve and the period (from the integration's options).

        A new period starts a new count: what was spent was counted against another quota.
        """
        if quota <= 0 or not 0 <= reserve < quota:
            raise ValueError("reserve must be at least 0 and less than a positive quota")
        self.quota = quota
        self.reserve = reserve
        if period is not None and period is not self.period:
            self.period = period
            self.period_start = self._period_bounds(self._now())[0]
            self.used = 0
            self.used_by_kind = {kind.value: 0 for kind in CallKind}
            self.refused = 0
        self._notify()

    def refund_status(self, billed: Callable[[int], bool]) -> None:
        """Give back calls whose reply status the vendor does not bill (Tesla's 5xx)."""
        self._counts_status = billed

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` whenever the count or the state changes."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    # -- the period -----------------------------------------------------------------------

    def _period_bounds(self, now: datetime) -> tuple[datetime, datetime]:
        local = now.astimezone(self.time_zone)
        if self.period is BudgetPeriod.DAY:
            start = local.replace(hour=0, minute=0, second=0, microsecond=0)
            end = (start + timedelta(days=1, hours=2)).replace(hour=0)
        else:
            start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            end = (start + timedelta(days=32)).replace(day=1)
        return start.astimezone(UTC), end.astimezone(UTC)

    def _roll(self) -> None:
        start, _end = self._period_bounds(self._now())
        if start != self.period_start:
            self.period_start = start
            self.used = 0
            self.used_by_kind = {kind.value: 0 for kind in CallKind}
            self.refused = 0
            self.server_remaining = None
            self.server_seen_at = None
            self._notify()

    def _day(self) -> date:
        return self._now().astimezone(self.day_time_zone).date()

    @property
    def today(self) -> DayCount:
        """Return the replies of the user's day so far."""
        if (day := self._day()) != self._today.day:
            self._today = DayCount(day)
        return self._today

    @property
    def period_end(self) -> datetime:
        """Return when the current period ends (the quota starts afresh)."""
        return self._period_bounds(self._now())[1]

    @property
    def seconds_left(self) -> float:
        """Return the seconds until the quota starts afresh."""
        return max((self.period_end - self._now()).total_seconds(), 0.0)

    # -- counting --------------------------------------------------------------------------

    @property
    def remaining(self) -> int:
        """Return the calls left in this period, for anything (commands included)."""
        self._roll()
        left = self.quota - self.used
        if self.server_remaining is not None:
            left = min(left, self.server_remaining)
        return max(left, 0)

    @property
    def poll_remaining(self) -> int:
        """Return the calls left for polls (the commands' reserve kept aside)."""
        return max(self.remaining - self.reserve, 0)

    def retry_after(self) -> float | None:
        """Return the seconds until a 429 block ends, or None when not blocked."""
        if self.blocked_until is None:
            return None
        left = (self.blocked_until - self._now()).total_seconds()
        return left if left > 0 else None

    def can_spend(self, calls: float = 1, kind: CallKind | None = None) -> bool:
        """Return whether ``calls`` calls of this kind may go out now."""
        if self.retry_after() is not None:
            return False
        kind = kind or current_call_kind()
        left = self.remaining if kind is CallKind.COMMAND else self.poll_remaining
        return calls <= left

    def before_request(self, method: str, url: str) -> None:
        """Count a call about to go out, or refuse it (``RequestObserver``)."""
        kind = current_call_kind()
        if (wait := self.retry_after()) is not None:
            self.refused += 1
            raise RateLimitedError(f"Rate limited by the server for {wait:.0f} s more", wait)
        if not self.can_spend(1, kind):
            self.refused += 1
            self._notify()
            raise BudgetExhaustedError(
                f"Call budget for this {self.period} is used up ({self.used}/{self.quota}, "
                f"{self.reserve} kept for commands)",
                self.seconds_left,
            )
        self.used += 1
        self.used_by_kind[kind.value] += 1
        if self.server_remaining is not None:
            self.server_remaining -= 1
        self._notify()

    def after_response(self, response: HttpResponse) -> None:
        """Learn from a reply: the server's own count, a 429 (``RequestObserver``)."""
        now = self._now()
        today = self.today
        if not self._counts_status(response.status):
            today.unbilled += 1
            if self.used > 0:
                self.used -= 1
                kind = current_call_kind().value
                self.used_by_kind[kind] = max(self.used_by_kind[kind] - 1, 0)
                if self.server_remaining is not None:
                    self.server_remaining += 1
        elif current_call_kind() is CallKind.COMMAND and response.method != "GET":
            today.commands += 1
        else:
            today.data += 1
        if (info := response.rate_limit) is not None and info.remaining is not None:
            self.server_limit = info.limit
            self.server_remaining = info.remaining
            self.server_seen_at = now
            if info.remaining <= 0 and info.reset:
                self._block(info.reset)
        if response.status == 429:
            self.consecutive_429 += 1
            wait = response.retry_after
            if wait is None:
                wait = min(self.base_backoff * 2 ** (self.consecutive_429 - 1), self.max_backoff)
            self._block(wait)
        elif response.status < 400:
            self.consecutive_429 = 0
        self._notify()

    def _block(self, seconds: float) -> None:
        # A server's wait is at most a day: one reply must not stop the account for good.
        if (wait := bounded_wait(seconds)) is None:
            return
        until = self._now() + timedelta(seconds=wait)
        if self.blocked_until is None or until > self.blocked_until:
            self.blocked_until = until

    # -- pacing ----------------------------------------------------------------------------

    def register(self, consumer: BudgetConsumer) -> Callable[[], None]:
        """Add a polling consumer; return a function that removes it."""
        self._consumers[consumer.name] = consumer

        def remove() -> None:
            self._consumers.pop(consumer.name, None)

        return remove

    @property
    def consumers(self) -> Mapping[str, BudgetConsumer]:
        """Return the registered consumers."""
        return self._consumers

    def interval_for(self, name: str) -> float:
        """Return the seconds the named consumer should wait before its next update."""
        return self.intervals().get(name, self._blocked(self.max_interval))

    def intervals(self) -> dict[str, float]:
        """Return every consumer's interval (one allocation for all of them)."""
        intervals = allocate_intervals(
            self._consumers,
            self.poll_remaining,
            self.seconds_left,
            max_interval=self.max_interval,
        )
        return {name: self._blocked(interval) for name, interval in intervals.items()}

    def _blocked(self, interval: float) -> float:
        if (wait := self.retry_after()) is not None:
            return max(interval, wait)
        return interval

    def projected_calls_per_period(self) -> float:
        """Return what the consumers would spend in a whole period at their fastest."""
        period_seconds = 86400.0 if self.period is BudgetPeriod.DAY else 86400.0 * 30.4375
        return sum(
            period_seconds / c.min_interval * c.calls_per_update for c in self._consumers.values()
        )

    # -- persistence and diagnostics -------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """Return the state to persist and to show in diagnostics (no secrets in it)."""
        self._roll()
        intervals = self.intervals()
        return {
            "quota": self.quota,
            "period": self.period.value,
            "reserve": self.reserve,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "used": self.used,
            "used_by_kind": dict(self.used_by_kind),
            "remaining": self.remaining,
            "refused": self.refused,
            "today": self.today.as_dict(),
            "blocked_until": self.blocked_until.isoformat() if self.blocked_until else None,
            "consecutive_429": self.consecutive_429,
            "server_limit": self.server_limit,
            "server_remaining": self.server_remaining,
            "server_seen_at": self.server_seen_at.isoformat() if self.server_seen_at else None,
            "consumers": {
                name: {
                    "calls_per_update": c.calls_per_update,
                    "min_interval": c.min_interval,
                    "interval": round(intervals.get(name, self.max_interval), 1),
                }
                for name, c in self._consumers.items()
            },
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Take back a persisted count; one from an earlier period (or day) is ignored."""
        self._restore_today(data.get("today"))
        try:
            start = datetime.fromisoformat(str(data["period_start"]))
            used = int(data["used"])
        except KeyError, TypeError, ValueError, OverflowError:
            return
        current_start, _end = self._period_bounds(self._now())
        if start != current_start:
            return
        self.used = max(self.used, used)
        by_kind = data.get("used_by_kind")
        if isinstance(by_kind, Mapping):
            for kind in CallKind:
                try:
                    self.used_by_kind[kind.value] = max(
                        self.used_by_kind[kind.value], int(by_kind.get(kind.value, 0))
                    )
                except TypeError, ValueError, OverflowError:
                    continue
        blocked = data.get("blocked_until")
        if isinstance(blocked, str):
            try:
                self._block_until(datetime.fromisoformat(blocked))
            except ValueError:
                pass
        server_remaining = data.get("server_remaining")
        if isinstance(server_remaining, int):
            self.server_remaining = server_remaining

    def _restore_today(self, stored: Any) -> None:
        if not isinstance(stored, Mapping):
            return
        today = self.today
        try:
            if date.fromisoformat(str(stored["day"])) != today.day:
                return
            counts = [int(stored.get(name, 0)) for name in ("data", "commands", "unbilled")]
        except KeyError, TypeError, ValueError, OverflowError:
            return
        today.data = max(today.data, counts[0])
        today.commands = max(today.commands, counts[1])
        today.unbilled = max(today.unbilled, counts[2])

    def _block_until(self, when: datetime) -> None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        now = self._now()
        # A block stored by an older version may reach years ahead: never more than a day.
        when = min(when, now + timedelta(seconds=MAX_SERVER_WAIT))
        if when > now and (self.blocked_until is None or when > self.blocked_until):
            self.blocked_until = when
