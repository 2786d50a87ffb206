"""Tesla: our ``tesla_energy`` and core's ``tesla_fleet`` (tesla-fleet-api) on one Fleet account.

One simulated Fleet API (``simulators/tesla``) is served on two ports; both integrations hold a
token of the same account (its sites have Powerwalls and solar). Core's library is pointed at
its port by its own region table (``tesla_fleet_api.const.SERVERS``), its token refresh at the
simulator's token endpoint; ours by its stand-in URL. Ours runs twice: at its default budget
(the US$10 monthly credit) and with a daily budget that buys core's live freshness.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.api.const import SERVER_OVERRIDE_ENV
from custom_components.tesla_energy.const import (
    BUDGET_MODE_DAILY,
    CONF_BUDGET_MODE,
    CONF_CALLS_PER_DAY,
    CONF_REGION,
)
from simulators.framework import SimClock
from simulators.tesla import TeslaFleetSimulator
from simulators.tesla.app import Account
from simulators.tesla.physics import SiteModel

from .harness import CORE, OURS, AgeSampler, CpuMeter
from .pairs import (
    number_action,
    number_entity,
    pair_run,
    prepare,
    run_period,
    setup_pair,
    summarize,
)

CLIENT_ID = "bench-client-id"
CLIENT_SECRET = "bench-client-secret"  # noqa: S105 - the simulator's, not a secret
ACCOUNT = "bench-account"
STEP = 10.0
DAY = 86400.0
PERIOD = float(os.environ.get("BENCH_TESLA_HOURS", "24")) * 3600
PLATFORMS = ("binary_sensor", "button", "number", "select", "sensor", "switch", "update")
LIVE = "/live_status"
CORE_LIVE_SECONDS = 60
DATA_PRICE = 1 / 500
COMMAND_PRICE = 1 / 1000


class HomeAssistantClock(SimClock):
    """The simulator's clock follows Home Assistant's (so time travel moves both)."""

    def timestamp(self) -> float:
        """Return Home Assistant's now."""
        return dt_util.utcnow().timestamp()


@pytest.fixture
def mock_recorder_before_hass(recorder_db_url: str) -> None:
    """Prepare the recorder's database before Home Assistant starts (ours needs it)."""
    # Its SQL echo would flood the output (and cost the run time).
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


def _sites(count: int) -> list[SiteModel]:
    return [
        SiteModel(
            site_id=5001 + index,
            name=f"Site {index + 1}",
            time_zone="America/Los_Angeles",
            solar_peak=7600.0,
            battery_count=2,
            energy_left=18_000.0,
        )
        for index in range(count)
    ]


def _token(sim: TeslaFleetSimulator) -> dict[str, Any]:
    token = sim._issue(  # noqa: SLF001
        ACCOUNT, ("openid", "offline_access", "energy_device_data", "energy_cmds"), CLIENT_ID
    )
    token["expires_at"] = time.time() + token["expires_in"]
    return token


@pytest.mark.parametrize("budget", ["default", "core-freshness"])
@pytest.mark.parametrize("sites", [1, 3])
async def test_tesla(  # noqa: PLR0917
    recorder_mock: Any,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    socket_enabled: None,
    allow_loopback: None,
    monkeypatch: pytest.MonkeyPatch,
    cpu: CpuMeter,
    sites: int,
    budget: str,
) -> None:
    """One simulated day of both integrations polling the same account."""
    from homeassistant.components.tesla_fleet import oauth as core_oauth
    from tesla_fleet_api.const import SERVERS

    options: dict[str, Any] = {}
    if budget == "core-freshness":
        # Core reads live status every 60 s: 1,440 calls per site per day, plus site info and
        # history at ours' hourly floor, plus the command reserve.
        options = {CONF_BUDGET_MODE: BUDGET_MODE_DAILY, CONF_CALLS_PER_DAY: 1600 * sites}
    result: dict[str, Any] = {
        "pair": "tesla",
        "profile": f"{sites} site{'s' if sites > 1 else ''} (Powerwalls + solar), "
        + (
            "ours at its default budget (US$10/month)"
            if budget == "default"
            else f"ours at {1600 * sites} calls/day (core's live freshness)"
        ),
        "devices": sites,
        "device_unit": "site",
        "hours": PERIOD / 3600,
        "budget": budget,
    }
    name = f"tesla-{sites}-{budget}"
    async with pair_run(hass, name, result, ("tesla_energy", "tesla_fleet")) as traffic:
        sim = TeslaFleetSimulator(
            clock=HomeAssistantClock(),
            accounts=[Account(ACCOUNT, "na", _sites(sites))],
            rate_limit_per_minute=0,
        )
        ours_server = await traffic.serve(sim, OURS, "cloud")
        core_server = await traffic.serve(sim, CORE, "cloud")
        monkeypatch.setenv(SERVER_OVERRIDE_ENV, f"http://127.0.0.1:{ours_server.port}")
        core_base = f"http://127.0.0.1:{core_server.port}"
        for region in list(SERVERS):
            monkeypatch.setitem(SERVERS, region, f"{core_base}/{region}")
        monkeypatch.setattr(core_oauth, "TOKEN_URL", f"{core_base}/oauth2/v3/token")

        assert await async_setup_component(hass, "application_credentials", {})
        for domain in ("tesla_energy", "tesla_fleet"):
            await async_import_client_credential(
                hass, domain, ClientCredential(CLIENT_ID, CLIENT_SECRET), domain
            )
        ours_entry = MockConfigEntry(
            domain="tesla_energy",
            title="Tesla (ours)",
            unique_id=ACCOUNT,
            data={"auth_implementation": "tesla_energy", "token": _token(sim), CONF_REGION: "na"},
            options=options,
        )
        core_entry = MockConfigEntry(
            domain="tesla_fleet",
            title="Tesla (core)",
            unique_id=ACCOUNT,
            data={"auth_implementation": "tesla_fleet", "token": _token(sim)},
        )

        await prepare(
            hass,
            PLATFORMS,
            ("homeassistant.components.tesla_fleet", "custom_components.tesla_energy"),
        )
        await setup_pair(hass, result, [ours_entry], [core_entry])
        result["setup_calls"] = {c: len(traffic.of(c)) for c in (OURS, CORE)}

        sampler = _SiteAgeSampler(traffic, {OURS: LIVE, CORE: LIVE}, ["cloud"])
        period = await run_period(
            hass,
            freezer=freezer,
            cpu=cpu,
            result=result,
            sampler=sampler,
            period=PERIOD,
            step=STEP,
        )
        result["freshness_value"] = "site power (live_status)"

        registry = er.async_get(hass)
        projected = [
            hass.states.get(e.entity_id)
            for e in er.async_entries_for_config_entry(registry, ours_entry.entry_id)
            if e.unique_id.endswith("_projected_monthly_cost")
        ]
        if projected and projected[0] is not None:
            result["ours_projected_monthly_cost"] = {
                "state": projected[0].state,
                **projected[0].attributes,
            }
        site = sim.accounts[ACCOUNT].sites[0]
        result["action"] = await number_action(
            hass,
            freezer=freezer,
            traffic=traffic,
            targets=(
                (OURS, number_entity(hass, ours_entry, "backup_reserve"), 35),
                (CORE, number_entity(hass, core_entry, "backup_reserve_percent"), 45),
            ),
            confirmed=lambda value: round(site.backup_reserve) == value,
            read_route="/site_info",
            write_routes=("/backup",),
            limit=900.0,
            step=STEP,
        )
        result["action_name"] = "set the backup reserve (number.set_value)"

        # Ours' first day is not a month's 1/30: it carries setup and the week of history it
        # backfills, and the budget spreads what is left over the remaining days of the
        # calendar month (a 4-day run, 3 sites: 166 calls on day 1, then 143-145 a day). So
        # ours' month is its own projection (the ledger's calls this month plus the planned
        # intervals until the month ends, what the budget actually holds to); the first day
        # x 30 stays as a separate figure. Core polls at a fixed rate from the start, so
        # its day x 30 is its month.
        ours_month: float | None = None
        if "ours_projected_monthly_cost" in result:
            try:
                ours_month = float(result["ours_projected_monthly_cost"]["state"])
            except TypeError, ValueError:
                ours_month = None
        extra: dict[str, dict[str, Any]] = {}
        for client in (OURS, CORE):
            hits = [
                h for h in traffic.hits[: period.hits] if h.client == client and h.at > period.start
            ]
            billed = [h for h in hits if "/api/1/" in h.route and h.status < 500]
            data = sum(1 for h in billed if h.method == "GET")
            commands = len(billed) - data
            history = [h for h in hits if "calendar_history" in h.route]
            live = sum(1 for h in hits if LIVE in h.route)
            day_x30 = (data * DATA_PRICE + commands * COMMAND_PRICE) * DAY / PERIOD * 30
            extra[client] = {
                "monthly_cost_usd": ours_month
                if client == OURS and ours_month is not None
                else day_x30,
                "first_day_x30_usd": day_x30,
                "live_interval_seconds": PERIOD * sites / max(1, live),
                "history_calls_per_day": len(history) * DAY / PERIOD,
                "history_calls_failed": sum(1 for h in history if h.status >= 400),
            }
        result["extra"] = extra
        summarize(
            hass,
            result,
            traffic,
            period,
            entries={OURS: [ours_entry], CORE: [core_entry]},
            refresh_route=LIVE,
        )


class _SiteAgeSampler(AgeSampler):
    """Live status per site: the site id is in the path, the device is the whole cloud."""

    def sample(self, now: float) -> None:
        for hit in self.traffic.hits[self._seen :]:
            route = self.routes.get(hit.client)
            if route and route in hit.route and 200 <= hit.status < 300:
                self._last[hit.client, hit.path] = hit.at
        self._seen = len(self.traffic.hits)
        for (client, _site), last in self._last.items():
            self.ages[client].append(now - last)
