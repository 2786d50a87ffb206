"""Config flow: OAuth2 with the user's own Fleet API application, region discovery, options."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.core import callback
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import probatio as vol

from ..energy_bridges_common.client.budget import BudgetPeriod
from ..energy_bridges_common.hass.validators import FiniteNumberSelector, PlainTextSelector
from .api import (
    AppNotRegisteredError,
    BridgeApiError,
    EnergySite,
    InvalidResponseError,
    MissingScopeError,
    Scope,
    TeslaEnergyClient,
    decode_access_token,
)
from .budget import DAYS_PER_MONTH, BudgetSettings, budget_settings, planned_intervals
from .const import (
    BUDGET_MODE_DAILY,
    BUDGET_MODE_MONTHLY,
    CONF_BUDGET_MODE,
    CONF_CALLS_PER_DAY,
    CONF_MONTHLY_AMOUNT,
    CONF_REGION,
    DEFAULT_CALLS_PER_DAY,
    DEFAULT_MONTHLY_AMOUNT,
    DOMAIN,
    LOGGER,
    MAX_CALLS_PER_DAY,
    MAX_MONTHLY_AMOUNT,
    MIN_CALLS_PER_DAY,
    MIN_MONTHLY_AMOUNT,
)
from .local_coordinator import (
    CONF_LOCAL_ACCESS,
    CONF_LOCAL_HOST,
    CONF_LOCAL_PASSWORD,
    local_access,
    store_session,
)
from .local_setup import (
    ERROR_INVALID_HOST,
    ERROR_NOT_PRIVATE,
    LocalSetupError,
    async_try_local,
    gateway_of_hostname,
    site_of_gateway,
)
from .local_source import LiveSource
from .registration import app_not_registered_placeholders

CONF_SITE = "site"
HOST_ERRORS = frozenset({ERROR_INVALID_HOST, ERROR_NOT_PRIVATE})

MIN_CALLS_PER_SITE = 24 + 24 + 4


class OAuth2FlowHandler(config_entry_oauth2_flow.AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Sign in to Tesla, find the account's region and energy sites."""

    DOMAIN = DOMAIN
    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing found."""
        super().__init__()
        self._data: dict[str, Any] = {}
        self._title = ""
        self._discovered: tuple[str, int, str, str] = ("", 0, "", "")

    @property
    def logger(self) -> logging.Logger:
        """Return the logger."""
        return LOGGER

    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Check the account, its scopes, region and sites; then create or update the entry."""
        try:
            claims = decode_access_token(data["token"]["access_token"])
        except InvalidResponseError:
            return self.async_abort(reason="oauth_error")
        await self.async_set_unique_id(claims.account_id)
        if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            self._abort_if_unique_id_mismatch(reason="account_mismatch")
        else:
            self._abort_if_unique_id_configured()
        if Scope.ENERGY_DEVICE_DATA not in claims.scopes:
            return self.async_abort(reason="missing_data_scope")

        access_token = str(data["token"]["access_token"])

        async def token(_fresh: bool) -> str:
            return access_token

        client = TeslaEnergyClient(async_get_clientsession(self.hass), token)
        try:
            region = await client.async_locate()
            sites = [site for site in await client.async_energy_sites() if site.is_useful]
        except MissingScopeError:
            return self.async_abort(reason="missing_data_scope")
        except AppNotRegisteredError as err:
            return self.async_abort(
                reason="app_not_registered",
                description_placeholders=app_not_registered_placeholders(err.region),
            )
        except BridgeApiError as err:
            LOGGER.debug("Region or product lookup failed: %s", err)
            return self.async_abort(reason="cannot_connect")
        if not sites:
            return self.async_abort(reason="no_energy_sites")
        # The region only, never the server's URL (derived again at every start).
        self._data = {**data, CONF_REGION: region.region}
        if self.source == SOURCE_REAUTH:
            return self.async_update_reload_and_abort(self._get_reauth_entry(), data=self._data)
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(), data=self._data
            )
        self._title = ", ".join(site.name for site in sites)
        if Scope.ENERGY_CMDS not in claims.scopes:
            return await self.async_step_missing_command_scope()
        return self.async_create_entry(title=self._title, data=self._data)

    async def async_step_missing_command_scope(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Warn that controls will be refused without the commands scope."""
        if user_input is not None:
            return self.async_create_entry(title=self._title, data=self._data)
        return self.async_show_form(
            step_id="missing_command_scope",
            description_placeholders={"scope": Scope.ENERGY_CMDS.value},
        )

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """Offer local access to the site a Powerwall gateway found on the LAN belongs to.

        The gateway is matched to a site by its DIN (the DHCP host name) against the
        product list's gateway ID; a Powerwall 3's host name is no DIN, so it is matched only
        where exactly one site has a Powerwall. Nothing is sent to the gateway until the
        user enters its password: guessing one could lock the gateway's login.
        """
        din = gateway_of_hostname(discovery_info.hostname)
        if din is None:
            return self.async_abort(reason="not_a_gateway")
        match = self._site_of_gateway(din)
        if match is None:
            return self.async_abort(reason="no_matching_site")
        entry, site = match
        if (known := local_access(entry, site.site_id)) is not None:
            return self._gateway_moved(entry, site.site_id, known, discovery_info.ip)
        await self.async_set_unique_id(f"gateway_{din or discovery_info.macaddress}")
        self._abort_if_unique_id_configured()
        self._discovered = (entry.entry_id, site.site_id, site.name, discovery_info.ip)
        self.context["title_placeholders"] = {"name": site.name}
        return await self.async_step_dhcp_confirm()

    def _gateway_moved(
        self, entry: ConfigEntry, site_id: int, known: tuple[str, str], address: str
    ) -> ConfigFlowResult:
        """Follow a known gateway to a new address, but only while the old one is silent.

        As Home Assistant core does: a working gateway's address is never changed by a DHCP
        host name (anyone on the LAN can claim one).
        """
        host, password = known
        site_data = entry.runtime_data.sites.get(site_id)
        local = site_data.local if site_data is not None else None
        if host == address or local is None or local.selector.source is not LiveSource.CLOUD:
            return self.async_abort(reason="local_access_configured")
        access = dict(entry.options.get(CONF_LOCAL_ACCESS) or {})
        access[str(site_id)] = {CONF_LOCAL_HOST: address, CONF_LOCAL_PASSWORD: password}
        self.hass.config_entries.async_update_entry(
            entry, options={**entry.options, CONF_LOCAL_ACCESS: access}
        )
        self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return self.async_abort(reason="local_access_updated")

    def _site_of_gateway(self, din: str) -> tuple[ConfigEntry, EnergySite] | None:
        loaded = [
            entry
            for entry in self.hass.config_entries.async_loaded_entries(DOMAIN)
            if getattr(entry, "runtime_data", None) is not None
        ]
        candidates = [
            (entry, data.site)
            for entry in loaded
            for data in entry.runtime_data.sites.values()
            if data.site.has_battery
        ]
        if din:
            site = site_of_gateway([c[1] for c in candidates], din)
            return next((c for c in candidates if c[1] is site), None)
        return candidates[0] if len(candidates) == 1 else None

    async def async_step_dhcp_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the gateway's customer password; check it before saving anything."""
        entry_id, site_id, site_name, host = self._discovered
        errors: dict[str, str] = {}
        if user_input is not None:
            password = str(user_input.get(CONF_LOCAL_PASSWORD) or "")
            entry = self.hass.config_entries.async_get_entry(entry_id)
            if entry is None:
                return self.async_abort(reason="no_matching_site")
            try:
                result = await async_try_local(self.hass, host, password)
            except LocalSetupError as err:
                errors["base"] = err.key
            else:
                access = dict(entry.options.get(CONF_LOCAL_ACCESS) or {})
                access[str(site_id)] = {CONF_LOCAL_HOST: host, CONF_LOCAL_PASSWORD: password}
                store_session(self.hass, entry, site_id, result.session)
                self.hass.config_entries.async_update_entry(
                    entry, options={**entry.options, CONF_LOCAL_ACCESS: access}
                )
                self.hass.config_entries.async_schedule_reload(entry_id)
                return self.async_abort(
                    reason="local_access_added", description_placeholders={"site": site_name}
                )
        return self.async_show_form(
            step_id="dhcp_confirm",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_LOCAL_PASSWORD): PlainTextSelector(
                        TextSelectorConfig(type=TextSelectorType.PASSWORD)
                    )
                }
            ),
            errors=errors,
            description_placeholders={"site": site_name, "host": host},
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Sign in again when the refresh token is no longer accepted."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before sending the user to Tesla."""
        if user_input is None:
            return self.async_show_form(
                step_id="reauth_confirm",
                description_placeholders={"account": self._get_reauth_entry().title},
            )
        return await self.async_step_user()

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before sending the user to Tesla to sign in again (other scopes, a region move)."""
        if user_input is None:
            return self.async_show_form(
                step_id="reconfigure",
                description_placeholders={"account": self._get_reconfigure_entry().title},
            )
        return await self.async_step_user()

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> TeslaEnergyOptionsFlow:
        """Return the options flow."""
        return TeslaEnergyOptionsFlow()


def _duration(seconds: float) -> str:
    """Return an interval as people say it: minutes below an hour and a half, else hours."""
    if seconds < 90 * 60:
        return f"{max(round(seconds / 60), 1)} min"
    return f"{round(seconds / 3600, 1):g} h"


class TeslaEnergyOptionsFlow(OptionsFlowWithReload):
    """Choose the Fleet API budget: a monthly amount or calls per day.

    The form says how often each site's data is read at the current budget; a new budget
    is shown the same way on a confirm step before it is saved.
    """

    def __init__(self) -> None:
        """Start with nothing to confirm."""
        self._pending: dict[str, Any] = {}

    def _sites(self) -> int:
        runtime = getattr(self.config_entry, "runtime_data", None)
        return max(len(runtime.sites), 1) if runtime is not None else 1

    def _placeholders(self, settings: BudgetSettings) -> dict[str, str]:
        sites = self._sites()
        plan = planned_intervals(settings, sites)
        return {
            "sites": str(sites),
            "live": _duration(plan.live),
            "site_info": _duration(plan.site_info),
            "history": _duration(plan.history),
        }

    def _check(self, options: dict[str, Any]) -> dict[str, str]:
        """Return the errors of the budget (empty when it is fine)."""
        errors: dict[str, str] = {}
        # The selectors refuse nan and inf; the bounds are checked here, where their errors
        # are translated (a selector's own bounds say "must be at least" in English).
        for key, low, high in (
            (CONF_MONTHLY_AMOUNT, MIN_MONTHLY_AMOUNT, MAX_MONTHLY_AMOUNT),
            (CONF_CALLS_PER_DAY, MIN_CALLS_PER_DAY, MAX_CALLS_PER_DAY),
        ):
            if key not in options:
                continue
            number = float(options[key])
            if not low <= number <= high:
                errors[key] = f"{key}_out_of_range"
            else:
                # Whole calls: a fraction is rounded, not cut, and stored as the integer used.
                options[key] = round(number) if key == CONF_CALLS_PER_DAY else number
        if errors:
            return errors
        settings = budget_settings(options)
        days = 1 if settings.period is BudgetPeriod.DAY else DAYS_PER_MONTH
        # Each site needs its hourly history, a settings read now and then and a live
        # read at least hourly, or the budget buys nothing useful.
        if (settings.quota - settings.reserve) / days < self._sites() * MIN_CALLS_PER_SITE:
            errors["base"] = "budget_too_small"
        return errors

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offer the budget, and local access to a site's gateway (issue 18)."""
        return self.async_show_menu(step_id="init", menu_options=["budget", "local_access"])

    def _gateway_sites(self) -> dict[str, str]:
        """Return site id -> name of the sites with a Powerwall (a gateway to reach)."""
        runtime = getattr(self.config_entry, "runtime_data", None)
        if runtime is None:
            return {}
        return {
            str(site_id): data.site.name
            for site_id, data in runtime.sites.items()
            if data.site.has_battery
        }

    async def async_step_local_access(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set (or, with an empty address, remove) a site's gateway address and password.

        The address must pass the LAN guard and the gateway must accept the password and
        answer its live values before anything is saved; the session it hands out is kept,
        so the integration does not log in again after the reload.
        """
        sites = self._gateway_sites()
        if not sites:
            return self.async_abort(reason="no_gateway_sites")
        errors: dict[str, str] = {}
        access = dict(self.config_entry.options.get(CONF_LOCAL_ACCESS) or {})
        if user_input is not None:
            site_id = str(user_input[CONF_SITE])
            host = str(user_input.get(CONF_LOCAL_HOST) or "").strip()
            if site_id not in sites:
                errors[CONF_SITE] = "unknown_site"
            elif not host:
                access.pop(site_id, None)
                store_session(self.hass, self.config_entry, int(site_id), None)
                return self.async_create_entry(
                    data={**self.config_entry.options, CONF_LOCAL_ACCESS: access}
                )
            else:
                password = str(user_input.get(CONF_LOCAL_PASSWORD) or "")
                try:
                    result = await async_try_local(self.hass, host, password)
                except LocalSetupError as err:
                    field = CONF_LOCAL_HOST if err.key in HOST_ERRORS else "base"
                    errors[field] = err.key
                else:
                    access[site_id] = {CONF_LOCAL_HOST: host, CONF_LOCAL_PASSWORD: password}
                    store_session(self.hass, self.config_entry, int(site_id), result.session)
                    return self.async_create_entry(
                        data={**self.config_entry.options, CONF_LOCAL_ACCESS: access}
                    )
        first = next(iter(sites))
        chosen = str((user_input or {}).get(CONF_SITE, first))
        current = access.get(chosen) or {}
        schema = vol.Schema(
            {
                vol.Required(CONF_SITE, default=chosen): SelectSelector(
                    SelectSelectorConfig(
                        options=[SelectOptionDict(value=k, label=v) for k, v in sites.items()],
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Optional(
                    CONF_LOCAL_HOST, default=current.get(CONF_LOCAL_HOST, "")
                ): PlainTextSelector(),
                vol.Optional(CONF_LOCAL_PASSWORD): PlainTextSelector(
                    TextSelectorConfig(type=TextSelectorType.PASSWORD)
                ),
            }
        )
        return self.async_show_form(step_id="local_access", data_schema=schema, errors=errors)

    async def async_step_budget(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the budget and what it buys; check a new one."""
        errors: dict[str, str] = {}
        current = dict(self.config_entry.options)
        options = dict(current)
        if user_input is not None:
            options.update(user_input)
            errors = self._check(options)
            if not errors:
                if budget_settings(options) == budget_settings(current):
                    return self.async_create_entry(data=options)
                self._pending = options
                return await self.async_step_confirm()
        shown = options if not errors else current
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_BUDGET_MODE, default=options.get(CONF_BUDGET_MODE, BUDGET_MODE_MONTHLY)
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=[BUDGET_MODE_MONTHLY, BUDGET_MODE_DAILY],
                        translation_key=CONF_BUDGET_MODE,
                        mode=SelectSelectorMode.LIST,
                    )
                ),
                vol.Required(
                    CONF_MONTHLY_AMOUNT,
                    default=shown.get(CONF_MONTHLY_AMOUNT, DEFAULT_MONTHLY_AMOUNT),
                ): vol.All(
                    FiniteNumberSelector(
                        NumberSelectorConfig(
                            step=0.5, unit_of_measurement="USD", mode=NumberSelectorMode.BOX
                        )
                    ),
                    # A translation key: the form shows "Enter a number." for nan or inf.
                    msg="not_a_number",
                ),
                vol.Required(
                    CONF_CALLS_PER_DAY,
                    default=shown.get(CONF_CALLS_PER_DAY, DEFAULT_CALLS_PER_DAY),
                ): vol.All(
                    FiniteNumberSelector(
                        NumberSelectorConfig(
                            step=1, unit_of_measurement="calls", mode=NumberSelectorMode.BOX
                        )
                    ),
                    msg="not_a_number",
                ),
            }
        )
        return self.async_show_form(
            step_id="budget",
            data_schema=schema,
            errors=errors,
            description_placeholders=self._placeholders(budget_settings(current)),
        )

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show what the new budget buys before it is saved."""
        if user_input is not None:
            return self.async_create_entry(data=self._pending)
        return self.async_show_form(
            step_id="confirm",
            description_placeholders=self._placeholders(budget_settings(self._pending)),
        )
