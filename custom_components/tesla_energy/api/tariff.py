"""Check a time-of-use tariff (``tariff_content_v2``) against the rules Tesla enforces.

Tesla accepts a broken tariff with HTTP 200 and the app then shows "Invalid schedule", so
every rule is checked here, before the call, with one problem per broken rule:

- the currency is USD, EUR or GBP;
- there is at least one season, and the seasons cover the year without gaps or overlaps;
- in every season each day of the week is covered for exactly 24 hours, with no two periods
  at the same time;
- every priced season and period has dates and times, and every timed period has a price
  (a rate named ``ALL`` prices every period of its season, a season named ``ALL`` every
  season);
- no price is negative;
- the sell price is never above the buy price;
- every number is finite and within bounds (prices up to ``MAX_PRICE``; months, days, hours
  and minutes as whole numbers in their ranges), the daily charges included.

Time periods: days of the week 0 (Monday) to 6, ``from`` inclusive, ``to`` exclusive,
``toHour`` 24 allowed; a ``to`` before ``from`` wraps past midnight (the window covers the
end and the start of each day in its range), ``from`` equal to ``to`` is the whole day, and
``fromDayOfWeek`` after ``toDayOfWeek`` wraps the week. Keys left out are zero (Tesla sends
its tariffs that way).

Each problem is data only (a ``TariffCode`` and its values as plain text): the application
says it in its user's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
import math
from typing import Any

CURRENCIES = frozenset({"USD", "EUR", "GBP"})
DAYS_PER_WEEK = 7
MINUTES_PER_DAY = 24 * 60
ALL = "ALL"
# A leap year, so that a season may end on 29 February; the check for gaps skips that day
# when a season boundary falls right before it (Tesla's own tariffs end February on the 28th).
_YEAR = 2024
_DAYS_IN_YEAR = 366
_LEAP_DAY = (date(_YEAR, 2, 29) - date(_YEAR, 1, 1)).days
_MAX_LISTED = 3
# Bounds of every number in a tariff. Beyond them a value is a mistake (a fromDay of 1e30
# overflowed the date arithmetic): it is told as an invalid field, never a traceback.
_MAX_INT = 10_000
MAX_PRICE = 1_000.0
"""The highest price accepted: per kWh (energy), per kW (demand) or per day (daily charge)."""


class TariffRule(StrEnum):
    """The rules; each broken one gives one problem (per season where that applies)."""

    NOT_AN_OBJECT = "not_an_object"
    INVALID_CURRENCY = "invalid_currency"
    NO_SEASONS = "no_seasons"
    INVALID_SEASON = "invalid_season"
    SEASON_GAP = "season_gap"
    SEASON_OVERLAP = "season_overlap"
    INVALID_PERIOD = "invalid_period"
    PERIOD_GAP = "period_gap"
    PERIOD_OVERLAP = "period_overlap"
    PRICE_WITHOUT_TIMES = "price_without_times"
    TIMES_WITHOUT_PRICE = "times_without_price"
    INVALID_PRICE = "invalid_price"
    NEGATIVE_PRICE = "negative_price"
    SELL_ABOVE_BUY = "sell_above_buy"


class TariffCode(StrEnum):
    """The form a problem takes: its rule, or the rule and how it is broken."""

    NOT_AN_OBJECT = "not_an_object"
    INVALID_CURRENCY = "invalid_currency"
    NO_SEASONS = "no_seasons"
    INVALID_SEASON = "invalid_season"
    INVALID_SEASON_NOT_OBJECT = "invalid_season_not_object"
    SEASON_GAP = "season_gap"
    SEASON_OVERLAP = "season_overlap"
    INVALID_PERIOD = "invalid_period"
    INVALID_PERIOD_NOT_LIST = "invalid_period_not_list"
    PERIOD_GAP = "period_gap"
    PERIOD_OVERLAP = "period_overlap"
    PRICE_WITHOUT_TIMES = "price_without_times"
    PRICE_WITHOUT_TIMES_NO_DATES = "price_without_times_no_dates"
    TIMES_WITHOUT_PRICE = "times_without_price"
    INVALID_PRICE = "invalid_price"
    INVALID_PRICE_OUT_OF_RANGE = "invalid_price_out_of_range"
    INVALID_PRICE_DEMAND = "invalid_price_demand"
    INVALID_PRICE_DEMAND_OUT_OF_RANGE = "invalid_price_demand_out_of_range"
    INVALID_PRICE_DAILY = "invalid_price_daily"
    NEGATIVE_PRICE = "negative_price"
    NEGATIVE_PRICE_DEMAND = "negative_price_demand"
    SELL_ABOVE_BUY = "sell_above_buy"


@dataclass(frozen=True, slots=True)
class TariffProblem:
    """One broken rule, as data: no words, so that any language can say it.

    ``details`` holds the values as plain text that needs no translation: season and period
    names as the tariff writes them (``periods`` joins several with ", "), prices as plain
    numbers (``0.3``), a bad value as written (``currency``, ``price``, ``window``).
    ``items`` are the places the problem lists, at most three (``more`` counts the others):

    - ``season_gap``, ``season_overlap``: ``from_month``, ``from_day``, ``to_month``,
      ``to_day`` (numbers; one day when from and to are equal);
    - ``period_gap``, ``period_overlap``: ``weekday`` (0 is Monday, as in the tariff),
      ``start``, ``end`` (``"07:00"``, the end exclusive, up to ``"24:00"``);
    - ``sell_above_buy``: ``weekday``, ``time``, ``season`` (of the buy tariff), ``sell``,
      ``buy`` (prices).

    ``sell_tariff`` is true for a problem of the sell tariff.
    """

    rule: TariffRule
    code: TariffCode
    details: Mapping[str, str] = field(default_factory=dict, hash=False)
    items: tuple[Mapping[str, str], ...] = field(default=(), hash=False)
    more: int = 0
    sell_tariff: bool = False

    @property
    def values(self) -> dict[str, str]:
        """Return every value a message of this problem may use.

        The details, the first place listed (its keys as in ``items``), and ``count``: how
        many places there are in all.
        """
        values = dict(self.details)
        if self.items:
            values.update(self.items[0])
            values["count"] = str(len(self.items) + self.more)
        return values

    def __str__(self) -> str:
        """Return the problem as data (for logs)."""
        part = "sell_tariff." if self.sell_tariff else ""
        return f"{part}{self.code.value} {self.values}"


class TariffError(ValueError):
    """A tariff breaks one or more rules; ``problems`` says which and where."""

    def __init__(self, problems: list[TariffProblem]) -> None:
        """Keep the problems; the message lists them all, as data."""
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def validate_tariff(tariff: Any) -> None:
    """Raise ``TariffError`` when the tariff breaks any rule."""
    if problems := tariff_problems(tariff):
        raise TariffError(problems)


def tariff_problems(tariff: Any) -> list[TariffProblem]:
    """Return every broken rule of the tariff (empty when it is valid)."""
    if not isinstance(tariff, Mapping):
        return [TariffProblem(TariffRule.NOT_AN_OBJECT, TariffCode.NOT_AN_OBJECT)]
    checker = _Checker()
    currency = tariff.get("currency")
    if currency not in CURRENCIES:
        allowed = ", ".join(sorted(CURRENCIES))
        checker.add(
            TariffRule.INVALID_CURRENCY,
            TariffCode.INVALID_CURRENCY,
            currency=currency if isinstance(currency, str) else _brief(currency),
            currencies=allowed,
        )
    buy = checker.schedule(tariff)
    sell_source = tariff.get("sell_tariff")
    if isinstance(sell_source, Mapping) and sell_source:
        borrowed = not isinstance(sell_source.get("seasons"), Mapping) or not sell_source["seasons"]
        if borrowed:
            # A sell tariff without seasons of its own follows the buy tariff's (whose
            # problems are already told).
            sell_source = {**sell_source, "seasons": tariff.get("seasons")}
        checker.mute = _STRUCTURE if borrowed else frozenset()
        checker.sell_tariff = True
        sell = checker.schedule(sell_source)
        checker.sell_tariff = False
        checker.mute = frozenset()
        if buy is not None and sell is not None:
            checker.compare(buy, sell)
    return checker.problems


# --- the checks ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Season:
    name: str
    days: list[int]
    """Days of the year (0-based, in a leap year) the season covers."""
    grid: list[list[str | None]]
    """Per weekday, per minute, the period that applies (None where none does)."""


@dataclass(slots=True)
class _Schedule:
    seasons: dict[str, _Season]
    prices: dict[str, dict[str, float]]
    """Season -> period -> price, with the ``ALL`` fallbacks resolved."""

    def season_by_day(self) -> list[str | None]:
        owner: list[str | None] = [None] * _DAYS_IN_YEAR
        for season in self.seasons.values():
            for day in season.days:
                owner[day] = season.name
        return owner


_STRUCTURE = frozenset(
    {
        TariffRule.NO_SEASONS,
        TariffRule.INVALID_SEASON,
        TariffRule.SEASON_GAP,
        TariffRule.SEASON_OVERLAP,
        TariffRule.INVALID_PERIOD,
        TariffRule.PERIOD_GAP,
        TariffRule.PERIOD_OVERLAP,
    }
)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[TariffProblem] = []
        self.mute: frozenset[TariffRule] = frozenset()
        self.sell_tariff = False

    def add(
        self,
        rule: TariffRule,
        code: TariffCode,
        *,
        items: tuple[Mapping[str, str], ...] = (),
        more: int = 0,
        **details: str,
    ) -> None:
        if rule not in self.mute:
            self.problems.append(
                TariffProblem(
                    rule,
                    code,
                    details=details,
                    items=items,
                    more=more,
                    sell_tariff=self.sell_tariff,
                )
            )

    # -- a whole schedule (the buy tariff or the sell tariff) ---------------------------------

    def schedule(self, tariff: Mapping[str, Any]) -> _Schedule | None:
        seasons_raw = tariff.get("seasons")
        if not isinstance(seasons_raw, Mapping) or not seasons_raw:
            self.add(TariffRule.NO_SEASONS, TariffCode.NO_SEASONS)
            seasons_raw = {}
        seasons: dict[str, _Season] = {}
        for name, raw in seasons_raw.items():
            season = self.season(str(name), raw)
            if season is not None:
                seasons[season.name] = season
        if seasons and len(seasons) == len(seasons_raw):
            self.year_coverage(seasons)
        prices = self.prices(tariff, seasons_raw)
        if seasons and len(seasons) == len(seasons_raw):
            return _Schedule(seasons=seasons, prices=prices)
        return None

    def season(self, name: str, raw: Any) -> _Season | None:
        if not isinstance(raw, Mapping):
            self.add(
                TariffRule.INVALID_SEASON,
                TariffCode.INVALID_SEASON_NOT_OBJECT,
                season=name,
            )
            return None
        bounds = [_int(raw.get(key, 0)) for key in ("fromMonth", "fromDay", "toMonth", "toDay")]
        start = _day_of_year(bounds[0], bounds[1])
        end = _day_of_year(bounds[2], bounds[3])
        if start is None or end is None:
            self.add(
                TariffRule.INVALID_SEASON,
                TariffCode.INVALID_SEASON,
                season=name,
            )
            return None
        days = (
            list(range(start, end + 1))
            if start <= end
            else [*range(start, _DAYS_IN_YEAR), *range(end + 1)]
        )
        grid = self.week(raw.get("tou_periods"), name)
        return _Season(name=name, days=days, grid=grid)

    def week(self, periods_raw: Any, season: str) -> list[list[str | None]]:
        grid: list[list[str | None]] = [[None] * MINUTES_PER_DAY for _ in range(DAYS_PER_WEEK)]
        overlaps: list[list[bool]] = [[False] * MINUTES_PER_DAY for _ in range(DAYS_PER_WEEK)]
        overlapping: set[str] = set()
        if not isinstance(periods_raw, Mapping):
            periods_raw = {}
        for label, entry in periods_raw.items():
            windows = entry.get("periods") if isinstance(entry, Mapping) else entry
            if not isinstance(windows, list):
                self.add(
                    TariffRule.INVALID_PERIOD,
                    TariffCode.INVALID_PERIOD_NOT_LIST,
                    season=season,
                    period=str(label),
                )
                continue
            for window in windows:
                spans = _spans(window)
                if spans is None:
                    self.add(
                        TariffRule.INVALID_PERIOD,
                        TariffCode.INVALID_PERIOD,
                        season=season,
                        period=str(label),
                        window=_brief(window),
                    )
                    continue
                for day, start, end in spans:
                    row, marks = grid[day], overlaps[day]
                    for minute in range(start, end):
                        if row[minute] is not None:
                            marks[minute] = True
                            overlapping.update((str(row[minute]), str(label)))
                        row[minute] = str(label)
        gaps = _runs(grid, lambda day, minute: grid[day][minute] is None)
        if gaps:
            items, more = _run_items(gaps)
            self.add(
                TariffRule.PERIOD_GAP,
                TariffCode.PERIOD_GAP,
                items=items,
                more=more,
                season=season,
            )
        clashes = _runs(overlaps, lambda day, minute: overlaps[day][minute])
        if clashes:
            items, more = _run_items(clashes)
            periods = ", ".join(sorted(overlapping))
            self.add(
                TariffRule.PERIOD_OVERLAP,
                TariffCode.PERIOD_OVERLAP,
                items=items,
                more=more,
                season=season,
                periods=periods,
            )
        return grid

    def year_coverage(self, seasons: Mapping[str, _Season]) -> None:
        count = [0] * _DAYS_IN_YEAR
        for season in seasons.values():
            for day in season.days:
                count[day] += 1
        if count[_LEAP_DAY] == 0 and count[_LEAP_DAY - 1] and count[_LEAP_DAY + 1]:
            count[_LEAP_DAY] = 1
        items, more = _day_runs(i for i, c in enumerate(count) if c == 0)
        if items:
            self.add(
                TariffRule.SEASON_GAP,
                TariffCode.SEASON_GAP,
                items=items,
                more=more,
            )
        items, more = _day_runs(i for i, c in enumerate(count) if c > 1)
        if items:
            self.add(
                TariffRule.SEASON_OVERLAP,
                TariffCode.SEASON_OVERLAP,
                items=items,
                more=more,
            )

    def prices(
        self, tariff: Mapping[str, Any], seasons_raw: Mapping[str, Any]
    ) -> dict[str, dict[str, float]]:
        charges = tariff.get("energy_charges")
        charges = charges if isinstance(charges, Mapping) else {}
        rates: dict[str, dict[str, float]] = {}
        for season_name, entry in charges.items():
            raw_rates = entry.get("rates") if isinstance(entry, Mapping) else None
            if not isinstance(raw_rates, Mapping):
                raw_rates = {}
            season_rates: dict[str, float] = {}
            for period, price in raw_rates.items():
                value = _price(price)
                if value is None:
                    self.add(
                        TariffRule.INVALID_PRICE,
                        TariffCode.INVALID_PRICE,
                        season=str(season_name),
                        period=str(period),
                        price=_brief(price),
                    )
                    continue
                # Kept even when out of range, so that its periods are not told as unpriced.
                out_of_range = TariffCode.INVALID_PRICE_OUT_OF_RANGE
                if not self.out_of_range(out_of_range, str(season_name), str(period), value) and (
                    value < 0
                ):
                    self.add(
                        TariffRule.NEGATIVE_PRICE,
                        TariffCode.NEGATIVE_PRICE,
                        season=str(season_name),
                        period=str(period),
                        price=f"{value:g}",
                    )
                season_rates[str(period)] = value
            rates[str(season_name)] = season_rates
        self.other_charges(tariff)
        # Priced seasons and periods must have dates and times.
        for season_name, season_rates in rates.items():
            if season_name == ALL:
                continue
            season_raw = seasons_raw.get(season_name)
            if not isinstance(season_raw, Mapping):
                if season_rates:
                    self.add(
                        TariffRule.PRICE_WITHOUT_TIMES,
                        TariffCode.PRICE_WITHOUT_TIMES_NO_DATES,
                        season=season_name,
                    )
                continue
            timed = season_raw.get("tou_periods")
            timed = timed if isinstance(timed, Mapping) else {}
            untimed = sorted(p for p in season_rates if p != ALL and p not in timed)
            if untimed:
                self.add(
                    TariffRule.PRICE_WITHOUT_TIMES,
                    TariffCode.PRICE_WITHOUT_TIMES,
                    season=season_name,
                    periods=", ".join(untimed),
                )
        # Timed periods must have prices.
        resolved: dict[str, dict[str, float]] = {}
        for season_name, season_raw in seasons_raw.items():
            if not isinstance(season_raw, Mapping):
                continue
            timed = season_raw.get("tou_periods")
            timed = timed if isinstance(timed, Mapping) else {}
            season_prices: dict[str, float] = {}
            missing = []
            for period in timed:
                price = _lookup(rates, str(season_name), str(period))
                if price is None:
                    missing.append(str(period))
                else:
                    season_prices[str(period)] = price
            if missing:
                self.add(
                    TariffRule.TIMES_WITHOUT_PRICE,
                    TariffCode.TIMES_WITHOUT_PRICE,
                    season=str(season_name),
                    periods=", ".join(sorted(missing)),
                )
            resolved[str(season_name)] = season_prices
        return resolved

    def out_of_range(self, code: TariffCode, season: str, period: str, value: float) -> bool:
        """Tell a price beyond ``MAX_PRICE`` (either sign); return whether it was one."""
        if abs(value) <= MAX_PRICE:
            return False
        self.add(
            TariffRule.INVALID_PRICE,
            code,
            season=season,
            period=period,
            price=f"{value:g}",
            max=f"{MAX_PRICE:g}",
        )
        return True

    def other_charges(self, tariff: Mapping[str, Any]) -> None:
        demand = tariff.get("demand_charges")
        if isinstance(demand, Mapping):
            for season_name, entry in demand.items():
                raw_rates = entry.get("rates") if isinstance(entry, Mapping) else None
                for period, price in (
                    (raw_rates or {}).items() if isinstance(raw_rates, Mapping) else ()
                ):
                    value = _price(price)
                    if value is None:
                        self.add(
                            TariffRule.INVALID_PRICE,
                            TariffCode.INVALID_PRICE_DEMAND,
                            season=str(season_name),
                            period=str(period),
                            price=_brief(price),
                        )
                    elif (
                        not self.out_of_range(
                            TariffCode.INVALID_PRICE_DEMAND_OUT_OF_RANGE,
                            str(season_name),
                            str(period),
                            value,
                        )
                        and value < 0
                    ):
                        self.add(
                            TariffRule.NEGATIVE_PRICE,
                            TariffCode.NEGATIVE_PRICE_DEMAND,
                            season=str(season_name),
                            period=str(period),
                            price=f"{value:g}",
                        )
        daily = tariff.get("daily_charges")
        for charge in daily if isinstance(daily, list) else ():
            if not isinstance(charge, Mapping) or "amount" not in charge:
                continue
            amount = _price(charge["amount"])
            if amount is None or abs(amount) > MAX_PRICE:
                name = charge.get("name")
                shown = _brief(charge["amount"]) if amount is None else f"{amount:g}"
                self.add(
                    TariffRule.INVALID_PRICE,
                    TariffCode.INVALID_PRICE_DAILY,
                    charge=name if isinstance(name, str) else _brief(name),
                    price=shown,
                    max=f"{MAX_PRICE:g}",
                )

    # -- sell against buy ----------------------------------------------------------------------

    def compare(self, buy: _Schedule, sell: _Schedule) -> None:
        buy_days, sell_days = buy.season_by_day(), sell.season_by_day()
        pairs = sorted({(b, s) for b, s in zip(buy_days, sell_days, strict=True) if b and s})
        worst: list[tuple[str, str, int, int, float, float]] = []
        for buy_name, sell_name in pairs:
            buy_season, sell_season = buy.seasons[buy_name], sell.seasons[sell_name]
            for day in range(DAYS_PER_WEEK):
                buy_row, sell_row = buy_season.grid[day], sell_season.grid[day]
                for minute in range(MINUTES_PER_DAY):
                    buy_label, sell_label = buy_row[minute], sell_row[minute]
                    if buy_label is None or sell_label is None:
                        continue
                    buy_price = buy.prices.get(buy_name, {}).get(buy_label)
                    sell_price = sell.prices.get(sell_name, {}).get(sell_label)
                    if buy_price is None or sell_price is None or sell_price <= buy_price:
                        continue
                    worst.append((buy_name, sell_name, day, minute, sell_price, buy_price))
                    break
        if worst:
            items = tuple(
                {
                    "weekday": str(day),
                    "time": _hhmm(minute),
                    "season": buy_name,
                    "sell": f"{sell_price:g}",
                    "buy": f"{buy_price:g}",
                }
                for buy_name, _sell, day, minute, sell_price, buy_price in worst[:_MAX_LISTED]
            )
            more = max(len(worst) - _MAX_LISTED, 0)
            self.add(
                TariffRule.SELL_ABOVE_BUY,
                TariffCode.SELL_ABOVE_BUY,
                items=items,
                more=more,
            )


# --- helpers ---------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    """Return a whole number within ``_MAX_INT`` (``2.0`` counts), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        value = int(value)
    if not isinstance(value, int) or abs(value) > _MAX_INT:
        return None
    return value


def _price(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value):
        return None
    return float(value)


def _lookup(rates: Mapping[str, Mapping[str, float]], season: str, period: str) -> float | None:
    for season_key, period_key in ((season, period), (season, ALL), (ALL, period), (ALL, ALL)):
        if (price := rates.get(season_key, {}).get(period_key)) is not None:
            return price
    return None


def _day_of_year(month: int | None, day: int | None) -> int | None:
    if month is None or day is None or not 1 <= month <= 12:
        return None
    try:
        return (date(_YEAR, month, day) - date(_YEAR, 1, 1)).days
    except ValueError:
        return None


def _spans(window: Any) -> list[tuple[int, int, int]] | None:
    """Return (weekday, start minute, end minute) spans of a time window, or None if invalid."""
    if not isinstance(window, Mapping):
        return None
    fields = {
        key: _int(window.get(key, 0))
        for key in ("fromDayOfWeek", "toDayOfWeek", "fromHour", "fromMinute", "toHour", "toMinute")
    }
    if any(value is None for value in fields.values()):
        return None
    f: dict[str, int] = {k: v for k, v in fields.items() if v is not None}
    if not (0 <= f["fromDayOfWeek"] <= 6 and 0 <= f["toDayOfWeek"] <= 6):
        return None
    if not (0 <= f["fromHour"] <= 23 and 0 <= f["toHour"] <= 24):
        return None
    if not (0 <= f["fromMinute"] <= 59 and 0 <= f["toMinute"] <= 59):
        return None
    start = f["fromHour"] * 60 + f["fromMinute"]
    end = f["toHour"] * 60 + f["toMinute"]
    if end > MINUTES_PER_DAY:
        return None
    if end == MINUTES_PER_DAY:
        end = 0
    first, last = f["fromDayOfWeek"], f["toDayOfWeek"]
    days = list(range(first, last + 1)) if first <= last else [*range(first, 7), *range(last + 1)]
    if start < end:
        minutes = [(start, end)]
    elif start == end:
        minutes = [(0, MINUTES_PER_DAY)]
    else:
        minutes = [(start, MINUTES_PER_DAY), (0, end)] if end else [(start, MINUTES_PER_DAY)]
    return [(day, a, b) for day in days for a, b in minutes]


def _runs(grid: list[list[Any]], hit: Any) -> list[tuple[int, int, int]]:
    runs: list[tuple[int, int, int]] = []
    for day in range(len(grid)):
        start: int | None = None
        for minute in range(MINUTES_PER_DAY + 1):
            inside = minute < MINUTES_PER_DAY and hit(day, minute)
            if inside and start is None:
                start = minute
            elif not inside and start is not None:
                runs.append((day, start, minute))
                start = None
    return runs


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _run_items(runs: list[tuple[int, int, int]]) -> tuple[tuple[dict[str, str], ...], int]:
    """Return the first runs (weekday, start, end) as items, and how many are not shown."""
    items = tuple(
        {"weekday": str(day), "start": _hhmm(a), "end": _hhmm(b)}
        for day, a, b in runs[:_MAX_LISTED]
    )
    return items, max(len(runs) - _MAX_LISTED, 0)


def _day_runs(days: Iterable[int]) -> tuple[tuple[dict[str, str], ...], int]:
    """Return the first runs of days of the year as items, and how many are not shown."""
    runs: list[tuple[int, int]] = []
    for day in days:
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    first = date(_YEAR, 1, 1)
    items = []
    for a, b in runs[:_MAX_LISTED]:
        start, end = first + timedelta(days=a), first + timedelta(days=b)
        items.append(
            {
                "from_month": str(start.month),
                "from_day": str(start.day),
                "to_month": str(end.month),
                "to_day": str(end.day),
            }
        )
    return tuple(items), max(len(runs) - _MAX_LISTED, 0)


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."
