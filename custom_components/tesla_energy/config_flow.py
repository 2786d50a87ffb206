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
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import probatio as vol

from ..energy_bridges_common.client.budget import BudgetPeriod
from .api import (
    AppNotRegisteredError,
    BridgeApiError,
    InvalidResponseError,
    MissingScopeError,
    Scope,
    TeslaEnergyClient,
    decode_access_token,
)
from .budget import DAYS_PER_MONTH, budget_settings
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
from .registration import app_not_registered_placeholders

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
        """Sign in again to grant other scopes or pick up a region move."""
        return await self.async_step_user()

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> TeslaEnergyOptionsFlow:
        """Return the options flow."""
        return TeslaEnergyOptionsFlow()


class TeslaEnergyOptionsFlow(OptionsFlow):
    """Choose the Fleet API budget: a monthly amount or calls per day."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and check the budget."""
        errors: dict[str, str] = {}
        options = dict(self.config_entry.options)
        if user_input is not None:
            options.update(user_input)
            settings = budget_settings(options)
            runtime = getattr(self.config_entry, "runtime_data", None)
            sites = len(runtime.sites) if runtime is not None else 1
            days = 1 if settings.period is BudgetPeriod.DAY else DAYS_PER_MONTH
            # Each site needs its hourly history, a settings read now and then and a live
            # read at least hourly, or the budget buys nothing useful.
            if (settings.quota - settings.reserve) / days < max(sites, 1) * MIN_CALLS_PER_SITE:
                errors["base"] = "budget_too_small"
            else:
                return self.async_create_entry(data=options)
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
                    default=options.get(CONF_MONTHLY_AMOUNT, DEFAULT_MONTHLY_AMOUNT),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_MONTHLY_AMOUNT,
                        max=MAX_MONTHLY_AMOUNT,
                        step=0.5,
                        unit_of_measurement="USD",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                vol.Required(
                    CONF_CALLS_PER_DAY,
                    default=options.get(CONF_CALLS_PER_DAY, DEFAULT_CALLS_PER_DAY),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_CALLS_PER_DAY,
                        max=MAX_CALLS_PER_DAY,
                        step=1,
                        unit_of_measurement="calls",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema, errors=errors)
