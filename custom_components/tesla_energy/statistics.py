"""Hourly energy history as long-term statistics for the Energy dashboard.

Tesla's history comes in five-minute steps per local day. Each update reads the days from
the last imported hour up to now (in the site's time zone), sums them into whole hours, and
adds the hours that are complete to external statistics, continuing each running sum. After
Home Assistant was down, the next update fills the gap the same way; nothing is imported
twice and nothing is lost, unlike daily-total sensors that attribute a whole day to the hour
they were read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import EnergyConverter

from .api import EnergySite, TeslaEnergyClient
from .const import BACKFILL_DAYS, DOMAIN, MAX_BACKFILL_DAYS, MAX_HISTORY_DAYS_PER_UPDATE

STEP = timedelta(minutes=5)
HOUR = timedelta(hours=1)

# Flow -> the name shown in the Energy dashboard after the site's name.
FLOW_NAMES: dict[str, str] = {
    "grid_import": "grid import",
    "grid_export": "grid export",
    "solar_production": "solar production",
    "battery_charge": "battery charge",
    "battery_discharge": "battery discharge",
    "home_usage": "home usage",
    "generator_production": "generator production",
}


def flows_for(site: EnergySite) -> list[str]:
    """Return the flows worth a statistic at this site."""
    flows = ["home_usage"]
    if site.has_grid or site.has_battery:
        flows += ["grid_import", "grid_export"]
    if site.has_solar:
        flows.append("solar_production")
    if site.has_battery:
        flows += ["battery_charge", "battery_discharge"]
    return flows


def statistic_id(site_id: int, flow: str) -> str:
    """Return the external statistic id of a site's flow."""
    return f"{DOMAIN}:site_{site_id}_{flow}"


@dataclass(frozen=True, slots=True)
class HistoryData:
    """What the last history update found."""

    last_hour: datetime | None
    """Start of the newest hour in the statistics."""
    imported_hours: int = 0
    days_read: int = 0
    today: dict[str, float] = field(default_factory=dict)
    """Energy of the site's current day per flow (Wh), as far as this update read it."""


class StatisticsImporter:
    """Turn a site's energy history into statistics, picking up where the last import ended."""

    def __init__(self, hass: HomeAssistant, site_name: str) -> None:
        """Remember the name the statistics are shown with."""
        self.hass = hass
        self.site_name = site_name
        self._imported: dict[str, tuple[datetime, float]] = {}
        """The newest hour (and sum) this importer added per statistic.

        The recorder writes in its own thread: the next update may come before it committed
        the last one (a busy machine, a refresh soon after). Reading its last row alone then
        read days again that were already imported: more calls than the budget planned.
        """

    async def _async_last(self, statistic: str) -> tuple[datetime, float] | None:
        result = await get_instance(self.hass).async_add_executor_job(
            get_last_statistics, self.hass, 1, statistic, True, {"sum"}
        )
        rows = result.get(statistic)
        stored = (
            (dt_util.utc_from_timestamp(rows[0]["start"]), float(rows[0].get("sum") or 0.0))
            if rows
            else None
        )
        mine = self._imported.get(statistic)
        if mine is not None and (stored is None or mine[0] > stored[0]):
            return mine
        return stored

    async def async_import(
        self, client: TeslaEnergyClient, site: EnergySite, zone: tzinfo, now: datetime
    ) -> HistoryData:
        """Read what is missing from the statistics and add it; return what was found."""
        flows = flows_for(site)
        last = {flow: await self._async_last(statistic_id(site.site_id, flow)) for flow in flows}
        local_now = now.astimezone(zone)
        today = local_now.date()
        first_setup = datetime.combine(today - timedelta(days=BACKFILL_DAYS), time(), zone)
        oldest = datetime.combine(today - timedelta(days=MAX_BACKFILL_DAYS), time(), zone)
        starts = {
            flow: max(found[0] + HOUR, oldest) if found else first_setup
            for flow, found in last.items()
        }
        first_missing = min(starts.values())
        # The newest hour that can be complete ends at the top of this hour. Read up to the
        # day that hour ends in, not up to today: just after the site's midnight, today has
        # no complete hour yet, and reading it too made the first update of every day cost
        # two calls (25 a day where the budget planned 24).
        last_complete_end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        if first_missing + HOUR > last_complete_end:
            # No hour can have completed since the last import (a second update within the
            # hour, a reload): reading would cost a call and add nothing.
            return HistoryData(last_hour=_newest(last))
        first_day = first_missing.astimezone(zone).date()
        last_day = (last_complete_end - timedelta(microseconds=1)).astimezone(zone).date()
        days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)][
            :MAX_HISTORY_DAYS_PER_UPDATE
        ]

        hours: dict[datetime, dict[str, float]] = defaultdict(lambda: dict.fromkeys(flows, 0.0))
        covered_until: datetime | None = None
        for day in days:
            start = datetime.combine(day, time(), zone)
            # An end exactly at midnight makes Tesla answer zeros: stop a second before.
            end = min(
                datetime.combine(day + timedelta(days=1), time(), zone) - timedelta(seconds=1),
                local_now,
            )
            for interval in await client.async_energy_history(
                site.site_id, start, end, _zone_name(zone), "day"
            ):
                hour = interval.start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
                bucket = hours[hour]
                for flow in flows:
                    bucket[flow] += interval.flows.get(flow, 0.0)
                step_end = interval.start + STEP
                if covered_until is None or step_end > covered_until:
                    covered_until = step_end

        complete = sorted(
            hour
            for hour in hours
            if covered_until is not None and hour + HOUR <= min(covered_until, now)
        )
        imported = 0
        newest: datetime | None = None
        for flow in flows:
            found = last[flow]
            running = found[1] if found else 0.0
            rows: list[StatisticData] = []
            for hour in complete:
                if hour < starts[flow]:
                    continue
                energy = hours[hour][flow] / 1000
                running += energy
                rows.append(
                    StatisticData(start=hour, state=round(energy, 4), sum=round(running, 4))
                )
            if rows:
                async_add_external_statistics(self.hass, self._metadata(site, flow), rows)
                self._imported[statistic_id(site.site_id, flow)] = (
                    rows[-1]["start"],
                    float(rows[-1]["sum"] or 0.0),
                )
                imported = max(imported, len(rows))
                newest = max(newest or rows[-1]["start"], rows[-1]["start"])
            elif found is not None:
                newest = max(newest or found[0], found[0])
        today_totals = {
            flow: sum(
                values[flow]
                for hour, values in hours.items()
                if hour.astimezone(zone).date() == today
            )
            for flow in flows
        }
        return HistoryData(
            last_hour=newest, imported_hours=imported, days_read=len(days), today=today_totals
        )

    def _metadata(self, site: EnergySite, flow: str) -> StatisticMetaData:
        return StatisticMetaData(
            mean_type=StatisticMeanType.NONE,
            has_sum=True,
            name=f"{self.site_name} {FLOW_NAMES[flow]}",
            source=DOMAIN,
            statistic_id=statistic_id(site.site_id, flow),
            unit_class=EnergyConverter.UNIT_CLASS,
            unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        )


def _newest(last: dict[str, tuple[datetime, float] | None]) -> datetime | None:
    """Return the start of the newest hour any flow has in the statistics."""
    return max((found[0] for found in last.values() if found is not None), default=None)


def _zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def local_day(when: datetime, zone: tzinfo) -> date:
    """Return the site's calendar day of a moment."""
    return when.astimezone(zone).date()
