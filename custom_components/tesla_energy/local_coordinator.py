"""The local coordinator of a site with LAN access to its Powerwall gateway.

It polls the gateway every ``LOCAL_INTERVAL`` seconds on the shared ``BridgeCoordinator``,
feeds the ``SourceSelector`` and, while the LAN is the source, hands each reading to the
site's live coordinator (``LiveSink``), whose own Fleet API polling then waits. Unlike the
shared coordinator it never turns a refused password into a reauthentication of the whole
entry: the Fleet API login is fine, only the gateway's password is not; the site falls back to
the cloud and the user is asked (repair issue) for the gateway's password.

Data kept in the entry (``entry.data[CONF_LOCAL][site id]``): the gateway's session, so that a
restart does not log in again (Home Assistant core's ``powerwall`` does the same).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Final, Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    RateLimitedError,
)
from ..energy_bridges_common.hass.coordinator import BridgeCoordinator
from .api.local import PowerwallLocalClient
from .api.local_models import LocalSession, LocalSnapshot
from .const import DOMAIN, LOGGER
from .local_source import LOCAL_GRACE, LOCAL_INTERVAL, LiveSource, SourceSelector

CONF_LOCAL: Final = "local"
"""In ``entry.data``: per site id, what the gateway gave (its session)."""
KEY_SESSION: Final = "session"
CONF_LOCAL_ACCESS: Final = "local_access"
"""In ``entry.options``: per site id, the gateway's address and customer password."""
CONF_LOCAL_HOST: Final = "host"
CONF_LOCAL_PASSWORD: Final = "password"  # noqa: S105 - the key's name


def local_access(entry: ConfigEntry, site_id: int) -> tuple[str, str] | None:
    """Return (address, password) of a site's gateway where the user set local access up."""
    sites = entry.options.get(CONF_LOCAL_ACCESS)
    if not isinstance(sites, Mapping):
        return None
    site = sites.get(str(site_id))
    if not isinstance(site, Mapping):
        return None
    host, password = site.get(CONF_LOCAL_HOST), site.get(CONF_LOCAL_PASSWORD)
    if not isinstance(host, str) or not host or not isinstance(password, str):
        return None
    return host, password


class LiveSink(Protocol):
    """The site's live coordinator, as the local one sees it."""

    def local_values(self, snapshot: LocalSnapshot) -> None:
        """Take a reading from the LAN (it is now the live values' source)."""

    def local_source_changed(self, source: LiveSource) -> None:
        """Learn that the live values now come from ``source``."""


def stored_session(entry: ConfigEntry, site_id: int) -> LocalSession | None:
    """Return the gateway session kept in the entry for a site."""
    local = entry.data.get(CONF_LOCAL)
    if not isinstance(local, Mapping):
        return None
    site = local.get(str(site_id))
    if not isinstance(site, Mapping):
        return None
    return LocalSession.from_dict(site.get(KEY_SESSION))


@callback
def store_session(
    hass: HomeAssistant, entry: ConfigEntry, site_id: int, session: LocalSession | None
) -> None:
    """Keep (or forget, with None) a site's gateway session in the entry."""
    local = dict(entry.data.get(CONF_LOCAL) or {})
    site = dict(local.get(str(site_id)) or {})
    if session is None:
        site.pop(KEY_SESSION, None)
    else:
        site[KEY_SESSION] = session.as_dict()
    local[str(site_id)] = site
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_LOCAL: local})


class TeslaEnergyLocalCoordinator(BridgeCoordinator[LocalSnapshot]):
    """Poll one site's gateway on the LAN and decide where its live values come from."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: PowerwallLocalClient,
        site_id: int,
        sink: LiveSink,
        *,
        selector: SourceSelector | None = None,
    ) -> None:
        """Set up the poll; nothing is sent yet."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"local {site_id}",
            update_interval=timedelta(seconds=LOCAL_INTERVAL),
            stale_after=timedelta(seconds=LOCAL_GRACE),
            max_backoff=timedelta(minutes=5),
        )
        self.client = client
        self.site_id = site_id
        self.sink = sink
        self.selector = selector or SourceSelector()
        client.on_session_change = self._session_changed
        self._unsubscribe: Callable[[], None] | None = None
        # A repair from an earlier run is cleared by the first answer.
        self._asked = True

    @callback
    def _session_changed(self, session: LocalSession | None) -> None:
        store_session(self.hass, self.config_entry, self.site_id, session)

    @property
    def issue_id(self) -> str:
        """Return the repair issue's id for this site's gateway password."""
        return f"local_password_{self.config_entry.entry_id}_{self.site_id}"

    @callback
    def async_start(self) -> None:
        """Poll on the interval for as long as the entry is loaded (no entity listens here)."""
        self._unsubscribe = self.async_add_listener(lambda: None)

    @callback
    def async_stop(self) -> None:
        """Stop polling."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    async def _async_fetch(self) -> LocalSnapshot:
        # The operation mode and reserve are not read here: their entities take them from
        # site_info (one source per value), so asking the gateway would be a wasted request.
        return await self.client.poll(operation=False)

    async def _async_update_data(self) -> LocalSnapshot:
        before = self.selector.source
        try:
            snapshot = await self._async_fetch()
        except AuthenticationError as err:
            self.selector.local_unusable(str(err))
            self._source_changed(before)
            self._ask_for_password()
            # Nothing to retry until the user acts: the client sends nothing anyway.
            self.update_interval = timedelta(hours=1)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="local_authentication_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        except BridgeApiError as err:
            self.selector.local_failed(str(err))
            self._source_changed(before)
            try:
                return self._failed(err)
            except UpdateFailed:
                # The shared messages speak of the cloud: this one is about the gateway.
                raise UpdateFailed(
                    translation_domain=DOMAIN,
                    translation_key="local_rate_limited"
                    if isinstance(err, RateLimitedError)
                    else "local_communication_error",
                    translation_placeholders={"error": str(err)},
                ) from err
        self.selector.local_succeeded()
        self._source_changed(before)
        if self._asked:
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
            self._asked = False
        self.consecutive_failures = 0
        self.last_success = dt_util.utcnow()
        self.last_error = None
        self.update_interval = self.base_interval
        if self.selector.source is LiveSource.LOCAL:
            self.sink.local_values(snapshot)
        return snapshot

    def _source_changed(self, before: LiveSource) -> None:
        if self.selector.source is not before:
            LOGGER.info(
                "Site %s: live values now come from the %s",
                self.site_id,
                "gateway on the LAN" if self.selector.source is LiveSource.LOCAL else "Fleet API",
            )
            self.sink.local_source_changed(self.selector.source)

    def _ask_for_password(self) -> None:
        self._asked = True
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self.issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="local_password",
            translation_placeholders={"site": str(self.site_id)},
        )

    def diagnostics(self) -> dict[str, Any]:
        """Return what the diagnostics show of local access (no secrets)."""
        capabilities = self.client.capabilities
        return {
            **self.selector.as_dict(),
            "reduced": None if capabilities is None else capabilities.reduced,
            "missing_endpoints": sorted(e.value for e in self.client.missing),
            "backing_off_for": round(self.client.backing_off_for),
            "logins": self.client.logins,
            "requests": self.client.stats,
        }
