"""Tests for the call budget's accounting and pacing (no Home Assistant)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import random
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.energy_bridges_common.client.budget import (
    BudgetConsumer,
    BudgetPeriod,
    CallBudget,
    CallKind,
    allocate_intervals,
    command_calls,
    current_call_kind,
)
from custom_components.energy_bridges_common.client.errors import (
    BudgetExhaustedError,
    RateLimitedError,
)
from custom_components.energy_bridges_common.client.http import HttpResponse, RateLimitInfo


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def reply(
    status: int = 200,
    headers: dict[str, str] | None = None,
    rate_limit: RateLimitInfo | None = None,
) -> HttpResponse:
    return HttpResponse(
        method="GET",
        url="http://cloud.test/x",
        status=status,
        headers=headers or {},
        body=b"{}",
        elapsed=0.1,
        rate_limit=rate_limit,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))


def spend(budget: CallBudget, calls: int) -> int:
    sent = 0
    for _ in range(calls):
        try:
            budget.before_request("GET", "http://cloud.test/x")
        except BudgetExhaustedError:
            break
        sent += 1
    return sent


def test_polls_keep_the_reserve_and_commands_may_use_it(clock: Clock) -> None:
    budget = CallBudget(quota=10, reserve=3, now=clock)
    assert spend(budget, 20) == 7
    assert budget.poll_remaining == 0
    assert budget.remaining == 3
    assert not budget.can_spend(1, CallKind.POLL)
    with command_calls():
        assert current_call_kind() is CallKind.COMMAND
        assert budget.can_spend(3)
        assert spend(budget, 5) == 3
    assert current_call_kind() is CallKind.POLL
    assert budget.used == 10
    assert budget.used_by_kind == {"poll": 7, "command": 3}
    assert budget.refused == 2
    with pytest.raises(BudgetExhaustedError) as err:
        budget.before_request("GET", "x")
    assert err.value.retry_after == budget.seconds_left


def test_period_rolls_over_at_local_midnight(clock: Clock) -> None:
    budget = CallBudget(quota=5, reserve=0, now=clock, time_zone=ZoneInfo("Europe/Madrid"))
    spend(budget, 5)
    assert budget.remaining == 0
    # 12:00 UTC -> midnight in Madrid (UTC+1 in March) is 23:00 UTC.
    assert budget.period_end == datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    clock.advance(10 * 3600 + 59 * 60)
    assert budget.remaining == 0
    clock.advance(60)
    assert budget.remaining == 5
    assert budget.used_by_kind == {"poll": 0, "command": 0}


def test_daylight_saving_day_is_23_hours(clock: Clock) -> None:
    clock.now = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # Europe/Madrid springs forward
    budget = CallBudget(quota=5, now=clock, time_zone=ZoneInfo("Europe/Madrid"))
    assert budget.period_end - budget.period_start == timedelta(hours=23)


def test_monthly_period(clock: Clock) -> None:
    budget = CallBudget(quota=100, period=BudgetPeriod.MONTH, now=clock)
    assert budget.period_start == datetime(2026, 3, 1, tzinfo=UTC)
    assert budget.period_end == datetime(2026, 4, 1, tzinfo=UTC)
    spend(budget, 40)
    clock.now = datetime(2026, 3, 31, 23, 59, tzinfo=UTC)
    assert budget.remaining == 60
    clock.now = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
    assert budget.remaining == 100
    clock.now = datetime(2026, 12, 15, tzinfo=UTC)
    assert budget.period_end == datetime(2027, 1, 1, tzinfo=UTC)


def test_server_count_only_makes_it_stricter(clock: Clock) -> None:
    budget = CallBudget(quota=1000, reserve=50, now=clock)
    spend(budget, 10)
    budget.after_response(reply(rate_limit=RateLimitInfo(limit=1000, remaining=400, reset=None)))
    assert budget.remaining == 400
    spend(budget, 1)
    assert budget.remaining == 399
    budget.after_response(reply(rate_limit=RateLimitInfo(limit=1000, remaining=990, reset=None)))
    assert budget.remaining == 1000 - 11  # our own count is stricter now
    assert budget.server_limit == 1000


def test_server_says_none_left_blocks_until_reset(clock: Clock) -> None:
    budget = CallBudget(quota=1000, now=clock)
    budget.after_response(reply(rate_limit=RateLimitInfo(limit=1000, remaining=0, reset=120)))
    with pytest.raises(RateLimitedError) as err:
        budget.before_request("GET", "x")
    assert err.value.retry_after == 120
    clock.advance(121)
    assert budget.retry_after() is None


def test_429_with_retry_after_blocks_everything(clock: Clock) -> None:
    budget = CallBudget(quota=1000, reserve=10, now=clock)
    budget.after_response(reply(429, {"Retry-After": "300"}))
    assert budget.retry_after() == 300
    assert not budget.can_spend(1, CallKind.COMMAND)
    with command_calls(), pytest.raises(RateLimitedError):
        budget.before_request("POST", "x")
    budget.register(BudgetConsumer("poll", 1, 60))
    assert budget.interval_for("poll") == 300
    clock.advance(301)
    budget.before_request("GET", "x")
    assert budget.refused == 1


def test_429_without_retry_after_backs_off_exponentially_and_resets(clock: Clock) -> None:
    budget = CallBudget(quota=1000, now=clock, base_backoff=60, max_backoff=600)
    waits = []
    for _ in range(6):
        budget.after_response(reply(429))
        waits.append(budget.retry_after())
        clock.advance(waits[-1] or 0)
    assert waits == [60, 120, 240, 480, 600, 600]
    budget.after_response(reply(200))
    assert budget.consecutive_429 == 0
    budget.after_response(reply(429))
    assert budget.retry_after() == 60


def test_unbilled_statuses_are_refunded(clock: Clock) -> None:
    budget = CallBudget(quota=10, now=clock)
    budget.refund_status(lambda status: status < 500)
    budget.after_response(reply(200, rate_limit=RateLimitInfo(None, 9, None)))
    spend(budget, 2)
    budget.after_response(reply(503))
    assert budget.used == 1
    assert budget.server_remaining == 8
    budget.after_response(reply(200))
    assert budget.used == 1


def test_configure_and_validation(clock: Clock) -> None:
    with pytest.raises(ValueError):
        CallBudget(quota=0, now=clock)
    with pytest.raises(ValueError):
        CallBudget(quota=10, reserve=10, now=clock)
    budget = CallBudget(quota=10, reserve=2, now=clock)
    seen: list[int] = []
    remove = budget.add_listener(lambda: seen.append(budget.used))
    budget.configure(quota=20, reserve=5)
    assert (budget.quota, budget.reserve, budget.poll_remaining) == (20, 5, 15)
    with pytest.raises(ValueError):
        budget.configure(quota=20, reserve=20)
    spend(budget, 1)
    remove()
    remove()
    spend(budget, 1)
    assert seen == [0, 1]
    # The same period keeps the count; another period starts a new one.
    budget.configure(quota=20, reserve=5, period=BudgetPeriod.DAY)
    assert budget.used == 2
    budget.configure(quota=600, reserve=5, period=BudgetPeriod.MONTH)
    assert (budget.period, budget.used, budget.remaining) == (BudgetPeriod.MONTH, 0, 600)
    assert budget.period_start == datetime(2026, 3, 1, tzinfo=UTC)


def test_persistence_round_trip(clock: Clock) -> None:
    budget = CallBudget(quota=100, reserve=10, now=clock)
    spend(budget, 30)
    with command_calls():
        spend(budget, 2)
    budget.after_response(reply(429, {"Retry-After": "60"}))
    budget.after_response(reply(rate_limit=RateLimitInfo(100, 60, None)))
    budget.register(BudgetConsumer("live", 1, 60))
    data = budget.as_dict()
    assert data["used"] == 32
    assert data["consumers"]["live"]["min_interval"] == 60

    restored = CallBudget(quota=100, reserve=10, now=clock)
    restored.restore(data)
    assert restored.used == 32
    assert restored.used_by_kind == {"poll": 30, "command": 2}
    assert restored.remaining == 60
    assert restored.retry_after() == 60

    # A count from an earlier period is ignored; garbage too.
    clock.advance(86400)
    fresh = CallBudget(quota=100, now=clock)
    fresh.restore(data)
    assert fresh.used == 0
    fresh.restore({"used": "many", "period_start": "x"})
    fresh.restore({})
    assert fresh.used == 0
    same_period = dict(fresh.as_dict(), used=3, used_by_kind={"poll": "x"}, blocked_until="bad")
    fresh.restore(same_period)
    assert fresh.used == 3


def test_allocation_everyone_at_their_fastest_when_it_fits() -> None:
    consumers = {
        "live": BudgetConsumer("live", 1, 60),
        "info": BudgetConsumer("info", 1, 3600),
    }
    assert allocate_intervals(consumers, 10_000, 86400, max_interval=3600) == {
        "live": 60,
        "info": 3600,
    }


def test_allocation_water_fills_by_weight() -> None:
    consumers = {
        "live": BudgetConsumer("live", 1, 30, weight=3),
        "info": BudgetConsumer("info", 1, 3600, weight=1),
        "stats": BudgetConsumer("stats", 2, 60, weight=1),
    }
    result = allocate_intervals(consumers, 1000, 86400, max_interval=7200)
    # info needs 24 calls at its fastest, less than its share: it polls at its fastest and
    # the rest is split 3:1 between live and stats.
    assert result["info"] == 3600
    left = 1000 - 24
    assert result["live"] == pytest.approx(86400 / int(left * 3 / 4), rel=1e-9)
    assert result["stats"] == pytest.approx(86400 / int(left / 4 / 2), rel=1e-9)


def test_allocation_with_nothing_left() -> None:
    consumers = {"live": BudgetConsumer("live", 2, 60)}
    assert allocate_intervals(consumers, 1, 86400, max_interval=3600) == {"live": 3600}
    assert allocate_intervals({}, 100, 86400, max_interval=3600) == {}


@settings(max_examples=200, deadline=None)
@given(
    consumers=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=4),
            st.floats(min_value=5, max_value=7200),
            st.floats(min_value=0.1, max_value=10),
        ),
        min_size=1,
        max_size=6,
    ),
    available=st.integers(min_value=0, max_value=50_000),
    seconds_left=st.floats(min_value=60, max_value=31 * 86400),
)
def test_allocation_never_plans_more_than_available(
    consumers: list[tuple[int, float, float]], available: int, seconds_left: float
) -> None:
    table = {
        f"c{i}": BudgetConsumer(f"c{i}", calls, interval, weight)
        for i, (calls, interval, weight) in enumerate(consumers)
    }
    max_interval = 10 * 86400  # long enough that a starved consumer plans (almost) nothing
    result = allocate_intervals(table, available, seconds_left, max_interval=max_interval)
    planned = sum(
        (seconds_left / result[name]) * c.calls_per_update
        for name, c in table.items()
        if result[name] < max_interval
    )
    assert planned <= available + 1e-6
    for name, c in table.items():
        assert result[name] >= c.min_interval or result[name] == max_interval


def test_a_simulated_week_never_exceeds_the_daily_quota(clock: Clock) -> None:
    """Three consumers poll at what the budget allows, through random 429s and commands."""
    rng = random.Random(7)
    quota, reserve = 1000, 50
    budget = CallBudget(quota=quota, reserve=reserve, now=clock)
    consumers = [
        BudgetConsumer("realtime", 2, 30, weight=4),
        BudgetConsumer("settings", 1, 600),
        BudgetConsumer("stats", 1, 3600),
    ]
    for consumer in consumers:
        budget.register(consumer)
    next_due = dict.fromkeys([c.name for c in consumers], clock.now)
    per_day: dict[str, int] = {}
    end = clock.now + timedelta(days=7)
    while clock.now < end:
        day = clock.now.date().isoformat()
        for consumer in consumers:
            if clock.now < next_due[consumer.name]:
                continue
            if budget.can_spend(consumer.calls_per_update):
                for _ in range(consumer.calls_per_update):
                    try:
                        budget.before_request("GET", "x")
                    except RateLimitedError:
                        break  # the update fails; the coordinator tries again later
                    per_day[day] = per_day.get(day, 0) + 1
                    budget.after_response(reply(429 if rng.random() < 0.01 else 200))
            next_due[consumer.name] = clock.now + timedelta(
                seconds=budget.interval_for(consumer.name)
            )
        if rng.random() < 0.002:  # a user command now and then
            with command_calls():
                if budget.can_spend(1):
                    budget.before_request("POST", "x")
                    per_day[day] = per_day.get(day, 0) + 1
        clock.advance(10)
    assert len(per_day) >= 7
    assert max(per_day.values()) <= quota
    # ... and the budget was actually used, not starved: most of each full day's polls.
    full_days = list(per_day.values())[1:-1]
    assert min(full_days) >= 0.8 * (quota - reserve)
    assert budget.projected_calls_per_period() > quota


def test_the_day_counts_replies_as_they_are_billed(clock: Clock) -> None:
    """Reads, a command's writes and unbilled replies of the user's day, apart from the period."""
    budget = CallBudget(
        quota=1000,
        period=BudgetPeriod.MONTH,
        reserve=10,
        day_time_zone=ZoneInfo("America/Los_Angeles"),
        now=clock,
    )
    budget.refund_status(lambda status: status < 500)
    post = HttpResponse(
        method="POST", url="http://cloud.test/x", status=200, headers={}, body=b"", elapsed=0.1
    )
    for response in (reply(), reply(503), post):
        budget.before_request(response.method, response.url)
        budget.after_response(response)
    with command_calls():
        # A command's read-back is a read; its write is a command.
        for response in (reply(), post):
            budget.before_request(response.method, response.url)
            budget.after_response(response)
    today = budget.today
    # 12:00 UTC is 05:00 in Los Angeles.
    assert today.day.isoformat() == "2026-03-10"
    assert (today.data, today.commands, today.unbilled, today.billed) == (3, 1, 1, 4)
    assert budget.used == 4
    assert budget.as_dict()["today"] == {
        "day": "2026-03-10",
        "data": 3,
        "commands": 1,
        "unbilled": 1,
    }
    # A restart the same day takes the count back; the period's count is unchanged by it.
    stored = budget.as_dict()
    again = CallBudget(
        quota=1000,
        period=BudgetPeriod.MONTH,
        day_time_zone=ZoneInfo("America/Los_Angeles"),
        now=clock,
    )
    again.restore(stored)
    assert again.today == today
    # Los Angeles' midnight (08:00 UTC next day): a new day, the same month.
    clock.advance(20 * 3600)
    assert budget.today.billed == 0
    assert budget.today.day.isoformat() == "2026-03-11"
    assert budget.used == 4
    # A count of another day, or a broken one, is not taken back.
    later = CallBudget(quota=1000, period=BudgetPeriod.MONTH, now=clock)
    for bad in (stored["today"], {"day": "nonsense"}, {"data": 3}, "today", None):
        later.restore({**stored, "today": bad})
        assert later.today.billed == 0
    later.restore({**stored, "today": {**stored["today"], "day": "2026-03-11", "data": "x"}})
    assert later.today.billed == 0
