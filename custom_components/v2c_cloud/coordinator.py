"""Coordinators: one LAN coordinator per charger, one budgeted cloud coordinator per account.

A charger's entities follow its LAN coordinator only. Its data (a ``ChargerSnapshot``) merges
the LAN's ``RealTimeData`` with what the cloud last reported: LAN values win while they are
fresh, the cloud fills what the firmware does not send, and when the LAN has been away longer
than ``stale_after`` the cloud's values take over, so a flaky Wi-Fi never makes entities flap
between values and "unavailable". The cloud coordinator pushes each reply into the chargers'
coordinators.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.budget import CallBudget, command_calls
from ..energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    RateLimitedError,
    UnreachableError,
)
from ..energy_bridges_common.client.http import RateLimitInfo
from ..energy_bridges_common.hass.coordinator import BridgeCoordinator, BudgetedCoordinator
from .api import CloudState, Pairing, Realtime, Source, V2CCloudClient, V2CLocalClient
from .api.cloud import CLOUD_WRITABLE_KEYWORDS
from .api.lan import validate_write
from .const import (
    CHARGE_STATE_EVERY,
    CLOUD_MIN_INTERVAL,
    DOMAIN,
    FIRMWARE_CHECK_INTERVAL,
    LAN_STALE_MIN,
    LOGGER,
    PAIRINGS_REFRESH,
    PAIRINGS_REFRESH_ON_TROUBLE,
    WRITE_FAILED_REFRESH,
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
    lan_error: str | None

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

    def get(self, charger_id: str) -> Pairing | None:
        """Return a charger's pairing."""
        return next((p for p in self.pairings if p.charger_id == charger_id), None)

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
        lan: V2CLocalClient | None,
        cloud_client: V2CCloudClient,
        interval: timedelta,
        on_lan_trouble: Callable[[], None] | None = None,
    ) -> None:
        """Set up the charger's coordinator (``lan`` None for a 4G-only charger)."""
        # A 4G charger has nothing to poll: its refresh only re-checks staleness.
        base = interval if lan is not None else timedelta(seconds=60)
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
        self.lan = lan
        self.cloud_client = cloud_client
        self.address_overridden = False
        self._lan_data: Realtime | None = None
        self._lan_updated: datetime | None = None
        self._cloud: CloudState | None = None
        self._cloud_received: CloudState | None = None
        self._cloud_updated: datetime | None = None
        self._lan_error: str | None = None
        self._on_lan_trouble = on_lan_trouble
        self._retry_timer: Callable[[], None] | None = None
        self._commanded: dict[str, Any] = {}
        """Settings the cloud took but never reports: kept over every new cloud reply."""

    # -- data -----------------------------------------------------------------------------------

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
        return ChargerSnapshot(
            charger_id=self.charger_id,
            realtime=realtime,
            sources=sources,
            cloud=self._cloud,
            lan_updated=self._lan_updated,
            cloud_updated=self._cloud_updated,
            lan_error=self._lan_error,
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

    def _failed(self, err: BridgeApiError) -> ChargerSnapshot:
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
        self.async_set_updated_data(self._snapshot())

    def _with_commanded(self, state: CloudState) -> CloudState:
        values = {k: v for k, v in self._commanded.items() if getattr(state, k) is None}
        return state.with_values(**values) if values else state

    @callback
    def async_remember(self, **values: Any) -> None:
        """Keep settings the cloud does not report (restored after a restart, or just set)."""
        self._commanded.update(values)
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

    # -- writes ---------------------------------------------------------------------------------

    async def async_write(self, keyword: str, value: Any) -> Source:
        """Write a setting: on the LAN, confirmed by reading the charger back, else by the cloud.

        Returns where it went; raises ``BridgeApiError`` (``InvalidCommandError`` for a keyword
        or value the charger does not accept).
        """
        checked = validate_write(keyword, value)
        lan_error: BridgeApiError | None = None
        if self.lan is not None:
            try:
                await self.lan.write(keyword, checked)
            except UnreachableError as err:
                lan_error = err
                self._schedule_retry_refresh()
            else:
                LOGGER.debug("%s: wrote %s=%s over the LAN", self.charger_id, keyword, checked)
                await self._read_back()
                return Source.LAN
        if keyword not in CLOUD_WRITABLE_KEYWORDS:
            raise lan_error or UnreachableError(f"{keyword} can only be set over the LAN")
        with command_calls():
            await self.cloud_client.write_keyword(self.charger_id, keyword, checked)
        LOGGER.debug("%s: wrote %s=%s through the cloud", self.charger_id, keyword, checked)
        return Source.CLOUD

    async def _read_back(self) -> None:
        assert self.lan is not None
        try:
            self._take_lan(await self.lan.realtime())
        except BridgeApiError as err:
            LOGGER.debug("Reading %s back after a write failed: %s", self.charger_id, err)
            self._schedule_retry_refresh()
            return
        self.async_set_updated_data(self._snapshot())

    def _schedule_retry_refresh(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer()

        @callback
        def _refresh(_now: datetime) -> None:
            self._retry_timer = None
            self.hass.async_create_task(self.async_request_refresh())

        self._retry_timer = async_call_later(self.hass, WRITE_FAILED_REFRESH, _refresh)

    async def async_cloud_command(
        self,
        command: Callable[[], Awaitable[Any]],
        *,
        remember: Mapping[str, Any] | None = None,
        **cloud_values: Any,
    ) -> Any:
        """Run a cloud command for this charger; remember the settings it changed.

        ``remember`` holds settings the cloud never reports back: they stay until changed.
        """
        with command_calls():
            result = await command()
        if remember:
            self._commanded.update(remember)
            cloud_values = {**cloud_values, **remember}
        if cloud_values and self._cloud is not None:
            self._cloud = self._cloud.with_values(**cloud_values)
            self.async_set_updated_data(self._snapshot())
        return result

    async def async_shutdown(self) -> None:
        """Cancel the retry timer."""
        if self._retry_timer is not None:
            self._retry_timer()
            self._retry_timer = None
        await super().async_shutdown()


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
            except AuthenticationError, RateLimitedError:
                raise
            except BridgeApiError as err:
                errors[charger_id] = str(err)
                LOGGER.debug("Cloud state of %s failed: %s", charger_id, err)
        if errors and len(errors) == len(self.pairings.charger_ids):
            raise UnreachableError(next(iter(errors.values())))
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
