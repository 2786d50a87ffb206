"""The Tesla Energy integration: Tesla energy sites through the Fleet API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from functools import partial

import aiohttp
from homeassistant.const import CONF_TOKEN, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import (
    config_entry_oauth2_flow,
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.budget import BudgetPeriod
from ..energy_bridges_common.hass.budget import (
    account_key,
    async_get_account_budget,
    async_release_account_budget,
)
from ..energy_bridges_common.hass.errors import setup_errors
from ..energy_bridges_common.hass.lan import loopback_allowed
from .api import (
    AppNotRegisteredError,
    AuthenticationError,
    BridgeApiError,
    InvalidResponseError,
    Scope,
    TeslaEnergyClient,
    TokenProvider,
    UnreachableError,
    decode_access_token,
)
from .api.local import PowerwallLocalClient
from .budget import budget_settings
from .const import CONF_API_URL, CONF_REGION, DOMAIN, LOGGER, MAX_INTERVAL
from .coordinator import (
    TeslaEnergyConfigEntry,
    TeslaEnergyHistoryCoordinator,
    TeslaEnergyInfoCoordinator,
    TeslaEnergyLiveCoordinator,
    TeslaEnergyRuntimeData,
    TeslaEnergySiteData,
    site_command_target,
)
from .local_coordinator import TeslaEnergyLocalCoordinator, local_access, stored_session
from .registration import clear_app_not_registered, raise_app_not_registered
from .services import async_setup_services
from .statistics import StatisticsImporter

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

# New sites and Wall Connectors are rare: one product-list call a day finds them.
PRODUCTS_INTERVAL = timedelta(days=1)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions."""
    async_setup_services(hass)
    return True


def _token_provider(
    hass: HomeAssistant,
    entry: TeslaEnergyConfigEntry,
    session: config_entry_oauth2_flow.OAuth2Session,
) -> TokenProvider:
    """Return the client's token source: Home Assistant's OAuth2 session."""

    async def token(fresh: bool) -> str:
        if fresh:
            # The server rejected a token that had not expired (revoked): refresh it now.
            hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_TOKEN: {**entry.data[CONF_TOKEN], "expires_at": 0}}
            )
        try:
            await session.async_ensure_token_valid()
        except OAuth2TokenRequestReauthError as err:
            raise AuthenticationError("The refresh token was refused") from err
        except (aiohttp.ClientError, TimeoutError) as err:
            raise UnreachableError(f"Token refresh failed: {type(err).__name__}") from err
        return str(session.token["access_token"])

    return token


async def async_setup_entry(hass: HomeAssistant, entry: TeslaEnergyConfigEntry) -> bool:
    """Set up the account's energy sites."""
    try:
        implementation = await config_entry_oauth2_flow.async_get_config_entry_implementation(
            hass, entry
        )
    except config_entry_oauth2_flow.ImplementationUnavailableError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="credentials_unavailable"
        ) from err
    session = config_entry_oauth2_flow.OAuth2Session(hass, entry, implementation)
    token = _token_provider(hass, entry, session)
    try:
        await token(False)
        claims = decode_access_token(session.token["access_token"])
    except (AuthenticationError, InvalidResponseError) as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="authentication_failed",
            translation_placeholders={"error": str(err)},
        ) from err
    except UnreachableError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="communication_error",
            translation_placeholders={"error": str(err)},
        ) from err
    if Scope.ENERGY_DEVICE_DATA not in claims.scopes:
        raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="missing_data_scope")
    _update_scope_issue(hass, entry, claims.scopes)

    key = account_key(claims.account_id)
    settings = budget_settings(entry.options)
    budget = await async_get_account_budget(
        hass,
        domain=DOMAIN,
        account_id=key,
        entry_id=entry.entry_id,
        quota=settings.quota,
        reserve=settings.reserve,
        period=settings.period,
        max_interval=MAX_INTERVAL.total_seconds(),
        # Tesla bills by calendar month; a daily quota follows the user's day.
        time_zone=dt_util.UTC
        if settings.period is BudgetPeriod.MONTH
        else dt_util.get_default_time_zone(),
    )
    # Tesla does not bill replies of 500 and above.
    budget.refund_status(lambda status: status < 500)

    # Only the region is stored: the server's URL is derived from it at every start, so a
    # stand-in server's address never outlives its variable. Entries of older versions kept
    # the URL itself: forget it.
    if CONF_API_URL in entry.data:
        hass.config_entries.async_update_entry(
            entry, data={k: v for k, v in entry.data.items() if k != CONF_API_URL}
        )

    def _moved(region: str) -> None:
        hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_REGION: region})

    client = TeslaEnergyClient(
        async_get_clientsession(hass),
        token,
        region=claims.region or entry.data.get(CONF_REGION),
        on_region_change=_moved,
    )
    entry.async_on_unload(client.http.add_observer(budget))

    async def _release() -> None:
        await async_release_account_budget(
            hass, domain=DOMAIN, account_id=key, entry_id=entry.entry_id
        )

    entry.async_on_unload(_release)

    with setup_errors(DOMAIN):
        try:
            sites = [site for site in await client.async_energy_sites() if site.is_useful]
        except AppNotRegisteredError as err:
            raise_app_not_registered(hass, entry, err)
    clear_app_not_registered(hass, entry)

    account_device = DeviceInfo(
        identifiers={(DOMAIN, f"account_{key}")},
        name="Tesla Fleet API",
        manufacturer="Tesla",
        model="Fleet API account",
        entry_type=DeviceEntryType.SERVICE,
    )
    runtime = TeslaEnergyRuntimeData(
        client=client,
        budget=budget,
        account_key=key,
        scopes=claims.scopes,
        account_device=account_device,
    )
    device_registry = dr.async_get(hass)
    for site in sites:
        info = TeslaEnergyInfoCoordinator(hass, entry, client, budget, site)
        live = TeslaEnergyLiveCoordinator(hass, entry, client, budget, site)
        history = TeslaEnergyHistoryCoordinator(
            hass,
            entry,
            client,
            budget,
            site,
            StatisticsImporter(hass, site.name),
            _zone_of(info),
        )
        local = await _async_setup_local(hass, entry, site.site_id, live)
        await info.async_config_entry_first_refresh()
        await live.async_config_entry_first_refresh()
        device_info = DeviceInfo(
            identifiers={(DOMAIN, str(site.site_id))},
            name=site.name,
            manufacturer="Tesla",
            model="Powerwall" if site.has_battery else "Solar",
            serial_number=site.gateway_id,
            sw_version=info.data.version if info.data else None,
        )
        device_registry.async_get_or_create(config_entry_id=entry.entry_id, **device_info)
        runtime.sites[site.site_id] = TeslaEnergySiteData(
            site=site,
            live=live,
            info=info,
            history=history,
            device_info=device_info,
            command=site_command_target(hass, entry, info),
            local=local,
        )
    entry.runtime_data = runtime
    _remove_stale_devices(hass, entry, runtime)
    entry.async_on_unload(
        async_track_time_interval(
            hass, partial(_async_check_products, hass, entry), PRODUCTS_INTERVAL
        )
    )
    # Each site's coordinators took their interval when they were made, before the later
    # sites had joined the budget: pace them all by the whole account now.
    for site_data in runtime.sites.values():
        for coordinator in (site_data.live, site_data.info, site_data.history):
            coordinator.update_interval = coordinator.next_interval()
    # History goes to statistics only: it need not hold up the setup. No entity listens to
    # it, so a listener of its own keeps its schedule running.
    for site_data in runtime.sites.values():
        entry.async_on_unload(site_data.history.async_add_listener(_no_op))
        entry.async_create_background_task(
            hass, site_data.history.async_refresh(), f"{DOMAIN} history {site_data.site_id}"
        )
    # A new budget reloads through the options flow (OptionsFlowWithReload).
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def _async_setup_local(
    hass: HomeAssistant,
    entry: TeslaEnergyConfigEntry,
    site_id: int,
    live: TeslaEnergyLiveCoordinator,
) -> TeslaEnergyLocalCoordinator | None:
    """Start reading a site's gateway on the LAN, where the user set local access up.

    Its first reading comes before the live coordinator's first refresh, so that a site whose
    gateway answers makes no ``live_status`` call at all; one that does not falls back to the
    cloud at once.
    """
    if (access := local_access(entry, site_id)) is None:
        return None
    host, password = access
    client = PowerwallLocalClient(
        async_get_clientsession(hass),
        host,
        password,
        stored_session=stored_session(entry, site_id),
        allow_loopback=loopback_allowed(),
    )
    local = TeslaEnergyLocalCoordinator(hass, entry, client, site_id, live)
    live.use_local()
    await local.async_refresh()
    local.async_start()
    entry.async_on_unload(local.async_stop)
    return local


@callback
def _no_op() -> None:
    """Listen to nothing (keeps a coordinator without entities polling)."""


def _known_identifiers(runtime: TeslaEnergyRuntimeData) -> set[str]:
    known = {next(iter(runtime.account_device["identifiers"]))[1]}
    for site_data in runtime.sites.values():
        known.add(str(site_data.site_id))
        known.update(site_data.site.wall_connectors)
        if site_data.live.data is not None:
            known.update(site_data.live.data.wall_connectors)
    return known


def _remove_stale_devices(
    hass: HomeAssistant, entry: TeslaEnergyConfigEntry, runtime: TeslaEnergyRuntimeData
) -> None:
    """Remove the devices of sites and Wall Connectors the account no longer has."""
    registry = dr.async_get(hass)
    known = _known_identifiers(runtime)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        ours = {value for domain, value in device.identifiers if domain == DOMAIN}
        if ours and not ours & known:
            registry.async_remove_device(device.id)


async def _async_check_products(
    hass: HomeAssistant, entry: TeslaEnergyConfigEntry, _now: datetime
) -> None:
    """Reload when the account gained or lost a site or a Wall Connector."""
    runtime = entry.runtime_data
    try:
        sites = {site.site_id: site for site in await runtime.client.async_energy_sites()}
    except BridgeApiError as err:
        LOGGER.debug("Product list check failed: %s", err)
        return
    current = {
        site_id: set(site.wall_connectors) for site_id, site in sites.items() if site.is_useful
    }
    loaded = {
        site_id: set(site_data.site.wall_connectors) for site_id, site_data in runtime.sites.items()
    }
    if current != loaded:
        LOGGER.info("The Tesla account's energy sites changed: reloading")
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: TeslaEnergyConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user remove a device the account no longer has."""
    ours = {value for domain, value in device.identifiers if domain == DOMAIN}
    return not ours & _known_identifiers(entry.runtime_data)


def _zone_of(info: TeslaEnergyInfoCoordinator) -> Callable[[], tzinfo]:
    return lambda: info.time_zone


def _update_scope_issue(
    hass: HomeAssistant, entry: TeslaEnergyConfigEntry, scopes: frozenset[str]
) -> None:
    issue_id = f"missing_command_scope_{entry.entry_id}"
    if Scope.ENERGY_CMDS in scopes:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="missing_command_scope",
        translation_placeholders={"title": entry.title},
    )


async def async_unload_entry(hass: HomeAssistant, entry: TeslaEnergyConfigEntry) -> bool:
    """Unload the account's sites."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: TeslaEnergyConfigEntry) -> None:
    """Forget the scope issue of a removed entry."""
    ir.async_delete_issue(hass, DOMAIN, f"missing_command_scope_{entry.entry_id}")
    clear_app_not_registered(hass, entry)
