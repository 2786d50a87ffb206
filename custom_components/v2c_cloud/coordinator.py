"""Coordinators: one LAN coordinator per charger, one budgeted cloud coordinator per account.

A charger's entities follow its LAN coordinator only. Its data (a ``ChargerSnapshot``) merges
the LAN's ``RealTimeData`` with what the cloud last reported: LAN values win while they are
fresh, the cloud fills what the firmware does not send, and when the LAN has been away longer
than ``stale_after`` the cloud's values take over, so a flaky Wi-Fi never makes entities flap
between values and "unavailable". The cloud coordinator pushes each reply into the chargers'
coordinators, and takes its state back when it has failed past its own grace (``stale_after``),
so the cloud-only values go unavailable with the cloud, not with the LAN.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.budget import CallBudget
from ..energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    RateLimitedError,
    UnreachableError,
)
from ..energy_bridges_common.client.http import RateLimitInfo
from ..energy_bridges_common.hass.coordinator import BridgeCoordinator, BudgetedCoordinator
from .api import (
    Charger,
    CloudState,
    LocalAccessRefusedError,
    Pairing,
    Realtime,
    Source,
    V2CCloudClient,
    V2CLocalClient,
)
from .const import (
    CHARGE_STATE_EVERY,
    CLOUD_MIN_INTERVAL,
    DOMAIN,
    FIRMWARE_CHECK_INTERVAL,
    LAN_INTERVAL,
    LAN_REFUSED_REPAIR_AFTER,
    LAN_STALE_MIN,
    LOGGER,
    PAIRINGS_REFRESH,
    PAIRINGS_REFRESH_ON_TROUBLE,
    SESSION_LAG,
)

type V2CConfigEntry = ConfigEntry[V2CRuntimeData]

_REALTIME_FIELDS = tuple(f.name for f in fields(Realtime) if f.name != "source")


@dataclass(frozen=True, slots=True)
class ChargerSnapshot:
    """One charger's values, each from the best source, and where each came from."""

    charger_id: str
    realtime: Realtime | None
    sources: Mapping[str, Source]
    cloud: CloudState | None
    lan_updated: datetime | None
    cloud_updated: datetime | None

    @property
    def source(self) -> Source | None:
        """Return where the telemetry came from (LAN while it is fresh, else the cloud)."""
        return None if self.realtime is None else self.realtime.source


def merge_realtime(
    lan: Realtime | None, cloud: Realtime | None
) -> tuple[Realtime | None, dict[str, Source]]:
    """Return LAN values completed with the cloud's where the LAN has none."""
    if lan is None:
        if cloud is None:
            return None, {}
        return cloud, {n: Source.CLOUD for n in _REALTIME_FIELDS if getattr(cloud, n) is not None}
    sources = {n: Source.LAN for n in _REALTIME_FIELDS if getattr(lan, n) is not None}
    if cloud is None:
        return lan, sources
    missing = {
        n: getattr(cloud, n)
        for n in _REALTIME_FIELDS
        if getattr(lan, n) is None and getattr(cloud, n) is not None
    }
    sources.update(dict.fromkeys(missing, Source.CLOUD))
    return (lan.with_values(**missing) if missing else lan), sources


class SessionEnergyGuard:
    """Keep the session energy from going back when the other source takes it over.

    The LAN rounds the session energy to 0.01 kWh, the cloud does not, and the cloud's value
    is as old as its last poll: when one source takes over from the other in the middle of a
    session, its value may be a little lower than the one shown, which a ``total_increasing``
    sensor takes for a new session (a meter reset in the statistics). And right after a new
    session began, the cloud's last value may still be the old session's.

    So sessions are counted per source (each time its own counter goes back), and the value
    shown belongs to the latest session any source has shown. A source that has counted
    fewer sessions has not seen the new one yet: its values are held back, unless it read
    them ``SESSION_LAG`` after that session began (then it missed a short session on the
    way). A source that has counted as many sessions is in the same session: a lower value
    from it is held at the one shown until it catches up. One that has counted more has seen
    a session the other has not (a new car while the LAN was away): its value shows. A drop
    within one source is passed on (the energy sensor tells a glitch from a new session).
    """

    def __init__(self) -> None:
        """Start with nothing shown."""
        self._shown: float | None = None
        self._source: Source | None = None
        self._session = 0
        self._session_began: datetime | None = None
        self._last: dict[Source, float] = {}
        self._sessions: dict[Source, int] = {}
        self._read_at: dict[Source, datetime] = {}

    def reading(self, source: Source, value: float | None, now: datetime) -> None:
        """Take a new reading of one source (each poll's once)."""
        if value is None:
            return
        last = self._last.get(source)
        if last is not None and value < last:
            self._sessions[source] = self._sessions.get(source, 0) + 1
        self._last[source] = value
        self._read_at[source] = now

    def shown(
        self, source: Source | None, value: float | None, now: datetime
    ) -> tuple[float | None, Source | None]:
        """Return the value to show, and its source, for the merged value of ``source``."""
        if value is None or source is None:
            return value, source
        held = (self._shown, self._source) if self._shown is not None else None
        session = self._sessions.get(source, 0)
        if session < self._session:
            read_at = self._read_at.get(source)
            began = self._session_began
            if began is None or read_at is None or read_at - began < SESSION_LAG:
                return held or (value, source)
            session = self._sessions[source] = self._session
        if session > self._session:
            self._session = session
            self._session_began = now
        elif held is not None and source is not self._source and value < held[0]:
            return held
        self._shown, self._source = value, source
        return value, source


class PairingRegistry:
    """The account's chargers, persisted so that start-up works while the cloud is down."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Use the entry's store."""
        self._store: Store[dict[str, Any]] = Store(hass, 1, f"{DOMAIN}.{entry_id}.pairings")
        self.pairings: list[Pairing] = []
        self.refreshed: datetime | None = None
        self.refresh_requested = False

    @property
    def charger_ids(self) -> list[str]:
        """Return the chargers' ids."""
        return [p.charger_id for p in self.pairings]

    async def async_load(self) -> bool:
        """Load the stored pairings; return whether there were some."""
        stored = await self._store.async_load()
        if not stored:
            return False
        self.pairings = [
            Pairing(
                charger_id=str(item["charger_id"]),
                name=item.get("name"),
                ip=item.get("ip"),
                model=item.get("model"),
            )
            for item in stored.get("pairings", [])
            if isinstance(item, dict) and item.get("charger_id")
        ]
        # A restart does not make the list older: no extra cloud call for it.
        self.refreshed = dt_util.parse_datetime(str(stored.get("refreshed") or ""))
        return bool(self.pairings)

    async def async_set(self, pairings: list[Pairing]) -> None:
        """Take a fresh list from the cloud and store it."""
        self.pairings = pairings
        self.refreshed = dt_util.utcnow()
        self.refresh_requested = False
        await self._store.async_save(
            {
                "pairings": [
                    {"charger_id": p.charger_id, "name": p.name, "ip": p.ip, "model": p.model}
                    for p in pairings
                ],
                "refreshed": self.refreshed.isoformat(),
            }
        )

    def refresh_due(self) -> bool:
        """Return whether the list should be fetched again."""
        if self.refreshed is None:
            return True
        age = dt_util.utcnow() - self.refreshed
        if self.refresh_requested and age >= PAIRINGS_REFRESH_ON_TROUBLE:
            return True
        return age >= PAIRINGS_REFRESH

    async def async_remove(self) -> None:
        """Delete the store (the entry is removed)."""
        await self._store.async_remove()


class V2CChargerCoordinator(BridgeCoordinator[ChargerSnapshot]):
    """Poll one charger's ``RealTimeData`` on the LAN; fall back to the cloud's values."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: V2CConfigEntry,
        *,
        pairing: Pairing,
        charger: Charger,
        on_lan_trouble: Callable[[], None] | None = None,
    ) -> None:
        """Set up the charger's coordinator (a 4G-only charger has no LAN client)."""
        # A 4G charger has nothing to poll: its refresh only re-checks staleness.
        base = LAN_INTERVAL if charger.lan is not None else timedelta(seconds=60)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {pairing.charger_id}",
            update_interval=base,
            stale_after=max(base * 3, LAN_STALE_MIN),
            max_backoff=timedelta(minutes=5),
        )
        self.charger_id = pairing.charger_id
        self.pairing = pairing
        self.charger = charger
        self.address_overridden = False
        self._lan_data: Realtime | None = None
        self._lan_updated: datetime | None = None
        self._cloud: CloudState | None = None
        self._cloud_received: CloudState | None = None
        self._cloud_updated: datetime | None = None
        self._lan_error: str | None = None
        self._lan_refused_since: datetime | None = None
        self._refusal_issue: bool | None = None
        """Whether the refusal repair is raised (None: unknown, one may survive a restart)."""
        self._energy = SessionEnergyGuard()
        self._on_lan_trouble = on_lan_trouble
        self._commanded: dict[str, Any] = {}
        """Settings the cloud took but never reports: kept over every new cloud reply."""

    @property
    def lan(self) -> V2CLocalClient | None:
        """Return the charger's LAN client (None for a 4G-only charger)."""
        return self.charger.lan

    def _lan_fresh(self) -> bool:
        return (
            self._lan_data is not None
            and self._lan_updated is not None
            and dt_util.utcnow() - self._lan_updated < self.stale_after
        )

    def _snapshot(self) -> ChargerSnapshot:
        lan = self._lan_data if self._lan_fresh() else None
        cloud = self._cloud.realtime if self._cloud is not None else None
        if lan is None and cloud is None:
            # Nothing better: the last LAN values, however old, until the cloud answers.
            lan = self._lan_data
        realtime, sources = merge_realtime(lan, cloud)
        if realtime is not None:
            energy, source = self._energy.shown(
                sources.get("charge_energy"), realtime.charge_energy, dt_util.utcnow()
            )
            if source is not None and energy != realtime.charge_energy:
                realtime = realtime.with_values(charge_energy=energy)
                sources = {**sources, "charge_energy": source}
        return ChargerSnapshot(
            charger_id=self.charger_id,
            realtime=realtime,
            sources=sources,
            cloud=self._cloud,
            lan_updated=self._lan_updated,
            cloud_updated=self._cloud_updated,
        )

    async def _async_fetch(self) -> ChargerSnapshot:
        if self.lan is None:
            if self._cloud is None:
                raise UnreachableError("No LAN address and no cloud data yet")
            return self._snapshot()
        self._take_lan(await self.lan.realtime())
        return self._snapshot()

    def _take_lan(self, realtime: Realtime) -> None:
        if self._lan_error is not None:
            LOGGER.info("Charger %s is back on the LAN", self.charger_id)
        self._lan_data = realtime
        self._lan_updated = dt_util.utcnow()
        self._lan_error = None
        self._lan_refused_since = None
        self._energy.reading(Source.LAN, realtime.charge_energy, self._lan_updated)
        if self._refusal_issue is not False:
            self._refusal_issue = False
            ir.async_delete_issue(self.hass, DOMAIN, self._refusal_issue_id)

    @property
    def _refusal_issue_id(self) -> str:
        return f"charger_refuses_local_access_{self.config_entry.entry_id}_{self.charger_id}"

    def _refused(self, err: LocalAccessRefusedError) -> None:
        """Log a refusal once; raise a repair when it has lasted (the user can act on it)."""
        now = dt_util.utcnow()
        if self._lan_refused_since is None:
            self._lan_refused_since = now
            LOGGER.warning(
                "Charger %s refuses access to its LAN API (HTTP %s): its values come from the "
                "cloud until it answers again",
                self.charger_id,
                err.status,
            )
        if self._refusal_issue is not True and now - self._lan_refused_since >= (
            LAN_REFUSED_REPAIR_AFTER
        ):
            self._refusal_issue = True
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._refusal_issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="charger_refuses_local_access",
                translation_placeholders={
                    "charger": self.charger_id,
                    "address": self.lan.address if self.lan is not None else "",
                    "status": str(err.status),
                },
            )

    def _failed(self, err: BridgeApiError) -> ChargerSnapshot:
        if isinstance(err, LocalAccessRefusedError):
            self._refused(err)
        else:
            self._lan_refused_since = None
            if self._lan_error is None:
                LOGGER.info("Charger %s is not answering on the LAN: %s", self.charger_id, err)
        self._lan_error = str(err)
        if (
            self.lan is not None
            and isinstance(err, UnreachableError)
            and self._on_lan_trouble is not None
        ):
            # It may have a new DHCP lease: the cloud's pairing list knows its address.
            self._on_lan_trouble()
        try:
            return super()._failed(err)
        except UpdateFailed:
            if self._cloud is not None:
                return self._snapshot()
            raise

    @callback
    def async_cloud_update(self, state: CloudState | None) -> None:
        """Take what the cloud reported of this charger (a failed poll repeats the old one)."""
        if state is None or state is self._cloud_received:
            return
        self._cloud_received = state
        self._cloud = self._with_commanded(state)
        self._cloud_updated = dt_util.utcnow()
        self._energy.reading(Source.CLOUD, state.realtime.charge_energy, self._cloud_updated)
        self.async_set_updated_data(self._snapshot())

    @callback
    def async_cloud_lost(self) -> None:
        """Drop the cloud's state: the cloud has failed past its grace, or lost this charger.

        The cloud-only values go unavailable, and the cloud no longer stands in for an absent
        LAN. The LAN's own state (success or failure) is left as it is: the listeners only
        see the values change.
        """
        if self._cloud is None:
            return
        self._cloud = None
        self._cloud_received = None
        self._cloud_updated = None
        if self.data is not None:
            self.data = self._snapshot()
            self.async_update_listeners()

    def _with_commanded(self, state: CloudState) -> CloudState:
        values = {k: v for k, v in self._commanded.items() if getattr(state, k) is None}
        return state.with_values(**values) if values else state

    @callback
    def async_remember(self, name: str, value: Any) -> None:
        """Keep a setting the cloud does not report (restored after a restart, or just set)."""
        self._commanded[name] = value
        if self._cloud is not None:
            self._cloud = self._with_commanded(self._cloud)
            self.async_set_updated_data(self._snapshot())

    def lan_covers(self, names: frozenset[str]) -> bool:
        """Return whether the LAN gives all of these values now (no cloud call needed for them)."""
        lan = self._lan_data
        return (
            lan is not None
            and self._lan_fresh()
            and all(getattr(lan, n) is not None for n in names)
        )

    def set_address(self, host: str, port: int | None) -> None:
        """Follow the charger to a new LAN address."""
        if self.lan is not None and (self.lan.host, self.lan.port) != (host, port):
            LOGGER.info("Charger %s moved to a new LAN address", self.charger_id)
            self.lan.set_address(host, port)

    async def async_read_back(self) -> None:
        """Read the charger back after a command, unless that command found its LAN away.

        The cloud then took the change and reports it on its next poll; asking the LAN again
        would only wait for another timeout (the regular polls keep trying it).
        """
        if not self.charger.lan_away:
            await super().async_read_back()

    @callback
    def async_cloud_took(self, **values: Any) -> None:
        """Show settings a cloud command just changed, before the cloud's next poll."""
        if self._cloud is not None:
            self._cloud = self._cloud.with_values(**values)
            self.async_set_updated_data(self._snapshot())


@dataclass(frozen=True, slots=True)
class CloudData:
    """What the cloud last reported of every charger."""

    states: Mapping[str, CloudState]
    rate_limit: RateLimitInfo | None
    errors: Mapping[str, str] = field(default_factory=dict)


class V2CCloudCoordinator(BudgetedCoordinator[CloudData]):
    """Poll the cloud for every charger, as often as the account's daily budget allows."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: V2CConfigEntry,
        *,
        client: V2CCloudClient,
        budget: CallBudget,
        pairings: PairingRegistry,
        on_pairings: Callable[[list[Pairing]], Awaitable[None]],
        lan_covers: Callable[[str, frozenset[str]], bool] | None = None,
    ) -> None:
        """One ``/device/reported`` per charger per update, now and then a charge state."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} cloud",
            budget=budget,
            # Every CHARGE_STATE_EVERY-th update of a charger also asks its charge state.
            calls_per_update=max(len(pairings.pairings), 1) * (1 + 1 / CHARGE_STATE_EVERY),
            min_interval=CLOUD_MIN_INTERVAL,
            # Cloud values fill in for a LAN that is away; a day-old copy is still useful.
            stale_after=timedelta(hours=24),
        )
        self.client = client
        self.pairings = pairings
        self._on_pairings = on_pairings
        self._lan_covers = lan_covers or (lambda _charger_id, _names: False)
        self._charge_states: dict[str, CloudState] = {}
        self._since_charge_state: dict[str, int] = {}
        self._firmware: dict[str, tuple[str | None, datetime]] = {}
        self._reported_at: dict[str, datetime] = {}

    async def async_refresh_pairings(self) -> list[Pairing]:
        """Fetch the pairing list again and apply it."""
        pairings = await self.client.pairings()
        await self.pairings.async_set(pairings)
        await self._on_pairings(pairings)
        return pairings

    def seconds_to_next_poll(self) -> float:
        """Return about how long until the cloud is polled again."""
        if self.last_success is None or self.update_interval is None:
            return 0.0
        due = self.last_success + self.update_interval
        return max((due - dt_util.utcnow()).total_seconds(), 0.0)

    async def _async_fetch(self) -> CloudData:
        if self.pairings.refresh_due():
            await self.async_refresh_pairings()
        previous = self.data.states if self.data is not None else {}
        states = dict(previous)
        errors: dict[str, str] = {}
        for charger_id in self.pairings.charger_ids:
            try:
                reported = await self.client.reported(charger_id)
                state = await self._with_charge_state(charger_id, reported)
                states[charger_id] = state.with_values(
                    latest_firmware=await self._latest_firmware(charger_id)
                )
                self._reported_at[charger_id] = dt_util.utcnow()
            except AuthenticationError, RateLimitedError:
                raise
            except BridgeApiError as err:
                errors[charger_id] = str(err)
                LOGGER.debug("Cloud state of %s failed: %s", charger_id, err)
        if errors and len(errors) == len(self.pairings.charger_ids):
            raise UnreachableError(next(iter(errors.values())))
        # One charger the cloud keeps failing for, while it answers for the others, gets the
        # same grace as a cloud that is away: past it, its cloud state is dropped.
        now = dt_util.utcnow()
        for charger_id in [c for c in states if c in errors]:
            last_report = self._reported_at.get(charger_id)
            if last_report is None or now - last_report >= self.stale_after:
                del states[charger_id]
        return CloudData(states=states, rate_limit=self.client.rate_limit, errors=errors)

    async def _latest_firmware(self, charger_id: str) -> str | None:
        """Return the firmware ``/version`` offers, asked at most once a day per charger."""
        known = self._firmware.get(charger_id)
        now = dt_util.utcnow()
        if known is not None and now - known[1] < FIRMWARE_CHECK_INTERVAL:
            return known[0]
        try:
            # A "versionId" that is no release number (a database id?) says nothing.
            version = (await self.client.version(charger_id)).firmware_release
        except AuthenticationError, RateLimitedError:
            raise
        except BridgeApiError as err:
            LOGGER.debug("Firmware check of %s failed: %s", charger_id, err)
            version = None if known is None else known[0]
        self._firmware[charger_id] = (version, now)
        return version

    async def _with_charge_state(self, charger_id: str, reported: CloudState) -> CloudState:
        """Fill what ``/reported`` lacks (the mains voltage) from ``/currentstatecharge``.

        Asked only for a charger whose LAN does not give those values, and then only every
        ``CHARGE_STATE_EVERY``-th update (mains voltage moves slowly): between two asks the
        last answer fills in, so the extra call costs about a sixth of a poll.
        """
        cached = self._charge_states.get(charger_id)
        missing = reported.missing_charge_values
        if not missing or self._lan_covers(charger_id, missing):
            return reported.filled_from(cached)
        since = self._since_charge_state.get(charger_id, 0)
        if cached is not None and since < CHARGE_STATE_EVERY:
            self._since_charge_state[charger_id] = since + 1
            return reported.filled_from(cached)
        try:
            fresh = await self.client.current_state_charge(charger_id)
        except AuthenticationError, RateLimitedError:
            raise
        except BridgeApiError as err:
            LOGGER.debug("Charge state of %s failed: %s", charger_id, err)
            return reported.filled_from(cached)
        self._charge_states[charger_id] = fresh
        self._since_charge_state[charger_id] = 1
        return reported.filled_from(fresh)


@dataclass
class V2CRuntimeData:
    """Everything an entry runs on."""

    account_id: str
    client: V2CCloudClient
    budget: CallBudget
    pairings: PairingRegistry
    cloud: V2CCloudCoordinator
    chargers: dict[str, V2CChargerCoordinator]
