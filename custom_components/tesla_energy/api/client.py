"""The Fleet API energy client: every energy endpoint, the region lookup and the errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
import logging
from typing import Any

import aiohttp

from ...energy_bridges_common.client.http import HttpClient, HttpResponse, RetryPolicy
from ...energy_bridges_common.client.redact import Redactor
from .const import FleetUrls, Scope, fleet_urls, known_region
from .errors import (
    AppNotRegisteredError,
    AuthenticationError,
    BridgeApiError,
    CommandRejectedError,
    InvalidResponseError,
    MissingScopeError,
    PermissionDeniedError,
    UntrustedServerError,
    WrongRegionError,
)
from .models import (
    BackupEvent,
    ChargeSession,
    EnergyInterval,
    EnergySite,
    ExportRule,
    LiveStatus,
    OperationMode,
    Region,
    SiteInfo,
    parse_backup_history,
    parse_charge_history,
    parse_command_result,
    parse_energy_history,
    parse_products,
)
from .tariff import validate_tariff
from .token import decode_access_token

_LOGGER = logging.getLogger(__name__)

type TokenProvider = Callable[[bool], Awaitable[str]]
"""Return a valid access token; ``True`` asks for a fresh one (after a 401)."""


class FleetHttpClient(HttpClient):
    """The shared HTTP client, taught what Tesla's statuses mean."""

    urls: FleetUrls | None = None
    """The regional servers: a 412 names the region of the server that answered it."""

    def error_for_response(self, response: HttpResponse) -> BridgeApiError | None:
        """Return the error a reply stands for: 421 and 412 are the account's region."""
        where = f"{response.method} {self.redactor.url(response.url)}"
        if response.status == 421:
            return WrongRegionError(f"{where}: wrong region (421)")
        if response.status == 412:
            region = self.urls.region_of_url(response.url) if self.urls is not None else None
            return AppNotRegisteredError(
                f"{where}: application not registered in region {(region or '?').upper()} (412)",
                region,
            )
        return super().error_for_response(response)


def _period_params(
    start: datetime, end: datetime, time_zone: str, period: str | None = None
) -> dict[str, str]:
    params = {
        "start_date": start.isoformat(timespec="seconds"),
        "end_date": end.isoformat(timespec="seconds"),
        "time_zone": time_zone,
    }
    if period is not None:
        params["period"] = period
    return params


class TeslaEnergyClient:
    """Talk to one account's energy sites through its regional Fleet API server."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token_provider: TokenProvider,
        *,
        region: str | None = None,
        urls: FleetUrls | None = None,
        on_region_change: Callable[[str], None] | None = None,
        timeout: float = 20.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        """Set up the client; ``region`` is the account's (``na``, ``eu``, ``cn``) when known.

        Without one, the first request's 421 (or ``async_locate``) finds it.
        """
        self.urls = urls or fleet_urls()
        self.redactor = Redactor()
        self.region = known_region(region)
        self.http = FleetHttpClient(
            session,
            self.urls.base_for(self.region),
            timeout=timeout,
            retry=retry or RetryPolicy(attempts=2, base_delay=1.0, max_delay=5.0),
            redactor=self.redactor,
            logger=_LOGGER,
        )
        self.http.urls = self.urls
        self._token_provider = token_provider
        self._token_redacted: str | None = None
        self._on_region_change = on_region_change

    @property
    def base_url(self) -> str:
        """Return the regional server in use."""
        return self.http.base_url

    async def _token(self, fresh: bool = False) -> str:
        token = await self._token_provider(fresh)
        if token != self._token_redacted:
            # Only the token in use can show from now on (headers are redacted by name
            # anyway): the one it replaced is forgotten, or each refresh adds one for good.
            self.redactor.discard_secret(self._token_redacted)
            self.redactor.add_secret(token)
            self._token_redacted = token
        return token

    async def _request(
        self,
        method: str,
        path: str,
        *,
        scope: Scope,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> Any:
        refreshed = relocated = False
        while True:
            token = await self._token(fresh=refreshed)
            try:
                response = await self.http.request(
                    method,
                    path,
                    params=params,
                    json_body=json_body,
                    headers={"Authorization": f"Bearer {token}"},
                )
            except PermissionDeniedError as err:
                raise MissingScopeError(str(err), scope.value) from err
            except AuthenticationError:
                # An access token can be revoked before it expires: try one fresh token.
                if refreshed:
                    raise
                refreshed = True
                continue
            except WrongRegionError:
                if relocated:
                    raise
                relocated = True
                await self.async_locate()
                continue
            return response.json()

    def _regions_to_ask(self, token: str) -> list[str]:
        """Return the regions to ask, the one the token names (``ou_code``) first."""
        try:
            hint = known_region(decode_access_token(token).region)
        except BridgeApiError:
            hint = None
        first = [hint] if hint is not None else []
        if self.region is not None and self.region not in first:
            first.append(self.region)
        return first + [region for region in self.urls.region_bases if region not in first]

    async def async_region(self) -> Region:
        """Ask which region and server the account belongs to.

        The token's ``ou_code`` names the region; its server is asked first. A server that
        does not serve the account answers 421: the next region's is asked then.
        """
        token = await self._token()
        wrong: WrongRegionError | None = None
        for region in self._regions_to_ask(token):
            try:
                payload = await self.http.get_json(
                    f"{self.urls.region_bases[region]}/api/1/users/region",
                    headers={"Authorization": f"Bearer {token}"},
                )
            except WrongRegionError as err:
                _LOGGER.debug("The %s server does not serve the account", region.upper())
                wrong = err
                continue
            named = Region.from_api(payload)
            found = self.urls.region_of_base(named.base_url)
            if found is None:
                raise UntrustedServerError(
                    f"Region lookup named an unknown server for {named.region}"
                )
            return Region(region=found, base_url=self.urls.region_bases[found])
        raise wrong if wrong is not None else InvalidResponseError("No region to ask")

    async def async_locate(self) -> Region:
        """Look the region up and use its server from now on."""
        region = await self.async_region()
        self.http.base_url = region.base_url
        if region.region != self.region:
            _LOGGER.debug("Account served from the %s region", region.region.upper())
            self.region = region.region
            if self._on_region_change is not None:
                self._on_region_change(region.region)
        return region

    # -- reads -------------------------------------------------------------------------------

    async def async_energy_sites(self) -> list[EnergySite]:
        """Return the account's energy sites."""
        return parse_products(
            await self._request("GET", "/api/1/products", scope=Scope.ENERGY_DEVICE_DATA)
        )

    def _site(self, site_id: int, endpoint: str) -> str:
        return f"/api/1/energy_sites/{int(site_id)}/{endpoint}"

    async def async_site_info(self, site_id: int) -> SiteInfo:
        """Return the site's settings and features."""
        return SiteInfo.from_api(
            await self._request(
                "GET", self._site(site_id, "site_info"), scope=Scope.ENERGY_DEVICE_DATA
            )
        )

    async def async_live_status(self, site_id: int) -> LiveStatus:
        """Return the site's live power flows."""
        return LiveStatus.from_api(
            await self._request(
                "GET", self._site(site_id, "live_status"), scope=Scope.ENERGY_DEVICE_DATA
            )
        )

    async def async_energy_history(
        self,
        site_id: int,
        start: datetime,
        end: datetime,
        time_zone: str,
        period: str = "day",
    ) -> list[EnergyInterval]:
        """Return the energy that flowed from ``start`` to ``end`` (5-minute steps by day)."""
        params = {"kind": "energy", **_period_params(start, end, time_zone, period)}
        return parse_energy_history(
            await self._request(
                "GET",
                self._site(site_id, "calendar_history"),
                scope=Scope.ENERGY_DEVICE_DATA,
                params=params,
            )
        )

    async def async_backup_history(
        self,
        site_id: int,
        start: datetime,
        end: datetime,
        time_zone: str,
        period: str = "day",
    ) -> list[BackupEvent]:
        """Return the site's off-grid events."""
        params = {"kind": "backup", **_period_params(start, end, time_zone, period)}
        return parse_backup_history(
            await self._request(
                "GET",
                self._site(site_id, "calendar_history"),
                scope=Scope.ENERGY_DEVICE_DATA,
                params=params,
            )
        )

    async def async_charge_history(
        self, site_id: int, start: datetime, end: datetime, time_zone: str
    ) -> list[ChargeSession]:
        """Return the Wall Connectors' charging sessions."""
        params = {"kind": "charge", **_period_params(start, end, time_zone)}
        return parse_charge_history(
            await self._request(
                "GET",
                self._site(site_id, "telemetry_history"),
                scope=Scope.ENERGY_DEVICE_DATA,
                params=params,
            )
        )

    # -- commands ----------------------------------------------------------------------------

    async def _command(self, site_id: int, endpoint: str, body: Mapping[str, Any]) -> None:
        payload = await self._request(
            "POST", self._site(site_id, endpoint), scope=Scope.ENERGY_CMDS, json_body=dict(body)
        )
        if (failure := parse_command_result(payload)) is not None:
            raise CommandRejectedError(failure)

    async def async_set_backup_reserve(self, site_id: int, percent: int) -> None:
        """Set the share of the battery kept for outages."""
        _check_percent(percent)
        await self._command(site_id, "backup", {"backup_reserve_percent": int(percent)})

    async def async_set_operation_mode(self, site_id: int, mode: OperationMode) -> None:
        """Set how the battery is used."""
        await self._command(site_id, "operation", {"default_real_mode": OperationMode(mode).value})

    async def async_set_storm_watch(self, site_id: int, enabled: bool) -> None:
        """Turn Storm Watch on or off."""
        await self._command(site_id, "storm_mode", {"enabled": bool(enabled)})

    async def async_set_grid_import_export(
        self,
        site_id: int,
        *,
        allow_charge_from_grid: bool | None = None,
        export_rule: ExportRule | None = None,
    ) -> None:
        """Allow or forbid charging from the grid, and choose what may be exported."""
        body: dict[str, Any] = {}
        if allow_charge_from_grid is not None:
            body["disallow_charge_from_grid_with_solar_installed"] = not allow_charge_from_grid
        if export_rule is not None:
            body["customer_preferred_export_rule"] = ExportRule(export_rule).value
        if not body:
            raise ValueError("Nothing to change")
        await self._command(site_id, "grid_import_export", body)

    async def async_set_off_grid_vehicle_charging_reserve(self, site_id: int, percent: int) -> None:
        """Set the battery share below which vehicles stop charging during an outage."""
        _check_percent(percent)
        await self._command(
            site_id,
            "off_grid_vehicle_charging_reserve",
            {"off_grid_vehicle_charging_reserve_percent": int(percent)},
        )

    async def async_set_time_of_use(self, site_id: int, tariff: Mapping[str, Any]) -> None:
        """Send a tariff after checking every rule Tesla enforces (``TariffError`` if broken)."""
        validate_tariff(tariff)
        await self._command(
            site_id, "time_of_use_settings", {"tou_settings": {"tariff_content_v2": dict(tariff)}}
        )


def _check_percent(percent: int) -> None:
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ValueError(f"A percentage from 0 to 100 is needed, not {percent!r}")
