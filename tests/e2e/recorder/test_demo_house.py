"""One house, past and present: the demo's imported history continues what the simulators do.

The demo imports the chargers' past minutes (``history.charger_minutes``) and the
Powervault's past buckets (its own simulated day, which counts the chargers in the home load
before it first reads them). Here the simulators are built with the demo's own arguments
(``vendors.py``) on a frozen clock at several start times, and what they do live, from the
start on, is checked against the history the demo imports for the hours before it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
import sys
from zoneinfo import ZoneInfo

import pytest

from simulators import powervault, v2c
from simulators.framework import SimClock
from simulators.powervault import PowervaultCloud
from simulators.v2c import CloudApp

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "scripts" / "demo"))

from history import charger_minutes, history_start  # noqa: E402
from vendors import POWERVAULT, V2C  # noqa: E402

LONDON = ZoneInfo("Europe/London")
MINUTE = 60
# Before, inside (mid-session) and after the evening window, and at a window's edge; winter
# and summer time.
STARTS = [
    datetime(2026, 12, 2, 4, 0, 7, tzinfo=LONDON),
    datetime(2026, 12, 2, 19, 12, 31, tzinfo=LONDON),
    datetime(2026, 12, 2, 18, 0, 0, tzinfo=LONDON),
    datetime(2026, 12, 2, 21, 45, 0, tzinfo=LONDON),
    datetime(2026, 7, 1, 20, 5, 0, tzinfo=LONDON),
]


def options(args: tuple[str, ...], simulator: str) -> dict[str, str]:
    """Return the ``--set simulator.KEY=VALUE`` options of a vendor's simulator arguments."""
    found = {}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        assert flag == "--set"
        key, _, text = value.partition("=")
        found[key.removeprefix(f"{simulator}.")] = text
    return found


def chargers_at(start: datetime) -> tuple[SimClock, CloudApp]:
    clock = SimClock(start=start)
    clock.freeze()
    served = v2c.build(options(V2C.simulator_args, "v2c"), clock)
    cloud = served[0].app
    assert isinstance(cloud, CloudApp)
    return clock, cloud


@pytest.mark.parametrize("start", STARTS, ids=lambda s: s.strftime("%m-%d_%H%M"))
def test_the_chargers_go_on_as_the_history_says(start: datetime) -> None:
    """Every minute of the next day the live chargers draw what the history's routine says."""
    clock, cloud = chargers_at(start)
    now = clock.timestamp()
    origin = history_start(now, LONDON)
    # The history's whole minutes before the start's (the demo imports whole hours: more).
    past = charger_minutes(origin, now - now % MINUTE)
    chargers = list(cloud.chargers.values())
    assert len(chargers) == 2
    for charger in chargers:
        charger.tick(now)
        # The session running at the start is the one the history imported for today's
        # evening: its energy is the history's since the window opened.
        session = 0.0
        for _minute, wh in reversed(past):
            if not wh:
                break
            session += wh
        partial = charger.charge_power * (now % MINUTE) / 3600
        assert charger.energy * 1000 == pytest.approx(session + partial, abs=0.01)
    # The live chargers, minute by minute from the start, against the same routine.
    future = charger_minutes(now, now + 86400)
    for minute, wh in future[1:]:
        clock.set(datetime.fromtimestamp(minute + 30, LONDON))
        for charger in chargers:
            charger.tick(clock.timestamp())
            assert charger.charge_power * MINUTE / 3600 == pytest.approx(wh), (
                datetime.fromtimestamp(minute, LONDON)
            )


@pytest.mark.parametrize("start", STARTS, ids=lambda s: s.strftime("%m-%d_%H%M"))
def test_the_powervault_history_counts_the_chargers_as_they_charge(start: datetime) -> None:
    """Before its first reading of the chargers, the Powervault's home load holds their past."""
    clock, cloud = chargers_at(start)
    now = clock.timestamp()
    served = powervault.build(options(POWERVAULT.simulator_args, "powervault"), clock)
    battery = served[0].app
    assert isinstance(battery, PowervaultCloud)
    unit = next(iter(battery.units.values()))
    assert unit.linked_load is not None
    origin = history_start(now, LONDON)
    for charger in cloud.chargers.values():
        charger.tick(now)
    for minute, wh in charger_minutes(origin, now):
        # Both chargers, as the history imports them.
        assert unit.linked_load(minute + 30) == pytest.approx(2 * wh * 3600 / MINUTE)
    # Its first reading (the chargers' live power) continues the history's last minute,
    # unless the window opened or shut just then.
    live = sum(charger.charge_power for charger in cloud.chargers.values())
    last_minute = now - now % MINUTE
    assert live == pytest.approx(2 * charger_minutes(last_minute, now + 1)[0][1] * 60)
    battery.linked_load.add(now, live)
    assert unit.linked_load(now) == live
    # The unit simulated the whole history with that load: its buckets are the house's.
    unit.advance_to(now)
    assert unit.buckets_between(origin, origin + 300)
    assert start - timedelta(minutes=5) <= datetime.fromtimestamp(unit.now, LONDON) <= start


def test_a_car_unplugged_by_hand_stays_out_until_the_next_evening() -> None:
    """The window moves the car only when it opens or shuts; a new evening is a new session."""
    clock, cloud = chargers_at(datetime(2026, 12, 2, 19, 0, tzinfo=LONDON))
    charger = next(iter(cloud.chargers.values()))
    assert charger.charging
    evening = charger.energy
    charger.car_connected = False
    clock.set(datetime(2026, 12, 2, 20, 0, tzinfo=LONDON))
    charger.tick(clock.timestamp())
    assert not charger.car_connected
    assert charger.energy == evening
    clock.set(datetime(2026, 12, 3, 18, 30, tzinfo=LONDON))
    charger.tick(clock.timestamp())
    assert charger.charging
    assert charger.sessions[-1]["energy"] == round(evening, 3)
    # Half an hour since the window opened at 18:00, at the charger's power.
    assert charger.energy * 1000 == pytest.approx(charger.charge_power / 2)
