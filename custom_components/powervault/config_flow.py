"""Config flow of the Powervault integration: cloud (API key) or local (address)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    SOURCE_INTEGRATION_DISCOVERY,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from ..energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    RateLimitedError,
)
from ..energy_bridges_common.client.lan import LanAddressError, LanAddressReason
from ..energy_bridges_common.hass.lan import async_validate_device_host
from ..energy_bridges_common.hass.validators import FiniteNumberSelector, PlainTextSelector
from .api import LOCAL_PORT, Account, PowervaultCloudClient, PowervaultLocalClient, Unit
from .const import (
    CONF_ACCOUNT_ID,
    CONF_CONNECTION,
    CONF_DAILY_BUDGET,
    CONF_MODEL,
    CONF_OVERRIDE_HOURS,
    CONF_UNIT_ID,
    CONF_UNITS,
    CONNECTION_CLOUD,
    CONNECTION_LOCAL,
    DEFAULT_DAILY_BUDGET,
    DEFAULT_OVERRIDE_HOURS,
    DOMAIN,
    LOGGER,
    MAX_DAILY_BUDGET,
    MAX_OVERRIDE_HOURS,
    MIN_DAILY_BUDGET,
    MIN_OVERRIDE_HOURS,
    cloud_base_url,
)

# Control characters and huge text are refused by the schema: nothing is sent with them.
API_KEY_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_API_KEY): PlainTextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        )
    }
)


def _host_schema(default: str = "") -> vol.Schema:
    return vol.Schema({vol.Required(CONF_HOST, default=default): PlainTextSelector()})


class _UnitNotOnAccountError(Exception):
    """The key works but belongs to an account without this unit."""


class PowervaultConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a Powervault unit over the cloud or the LAN."""

    VERSION = 1
    MINOR_VERSION = 2

    def __init__(self) -> None:
        """Start with nothing known."""
        self._api_key: str | None = None
        self._account: Account | None = None
        self._units: dict[str, Unit] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> PowervaultOptionsFlow:
        """Return the options flow."""
        return PowervaultOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask how the unit is reached."""
        return self.async_show_menu(
            step_id="user", menu_options=[CONNECTION_CLOUD, CONNECTION_LOCAL]
        )

    # -- cloud ------------------------------------------------------------------------------

    async def _async_check_key(self, api_key: str) -> tuple[Account, list[Unit]]:
        client = PowervaultCloudClient(
            async_get_clientsession(self.hass), api_key, base_url=cloud_base_url()
        )
        account = await client.get_account()
        return account, await client.get_units(account.id)

    async def _async_key_errors(
        self, api_key: str, errors: dict[str, str], *, unit_id: str | None = None
    ) -> tuple[Account, list[Unit]] | None:
        try:
            account, units = await self._async_check_key(api_key)
            if unit_id is not None and unit_id not in {unit.id for unit in units}:
                raise _UnitNotOnAccountError  # noqa: TRY301
        except AuthenticationError:
            errors["base"] = "invalid_auth"
        except RateLimitedError:
            errors["base"] = "rate_limited"
        except _UnitNotOnAccountError:
            errors["base"] = "unit_not_on_account"
        except BridgeApiError:
            errors["base"] = "cannot_connect"
        except Exception:  # noqa: BLE001
            LOGGER.exception("Unexpected error checking the API key")
            errors["base"] = "unknown"
        else:
            return account, units
        return None

    async def async_step_cloud(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Take the API key and find the account's units."""
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key = user_input[CONF_API_KEY].strip()
            if (found := await self._async_key_errors(api_key, errors)) is not None:
                account, units = found
                configured = self._async_current_ids(include_ignore=False)
                self._units = {unit.id: unit for unit in units if unit.id not in configured}
                if not units:
                    errors["base"] = "no_units"
                elif not self._units:
                    return self.async_abort(reason="already_configured")
                else:
                    self._api_key = api_key
                    self._account = account
                    return await self.async_step_units()
        return self.async_show_form(step_id="cloud", data_schema=API_KEY_SCHEMA, errors=errors)

    async def async_step_units(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the unit(s): each becomes its own entry."""
        errors: dict[str, str] = {}
        if user_input is not None:
            chosen = [unit_id for unit_id in user_input[CONF_UNITS] if unit_id in self._units]
            if not chosen:
                errors["base"] = "no_unit_chosen"
            else:
                for unit_id in chosen[1:]:
                    discovery_flow.async_create_flow(
                        self.hass,
                        DOMAIN,
                        context={"source": SOURCE_INTEGRATION_DISCOVERY},
                        data=self._cloud_entry_data(self._units[unit_id]),
                    )
                unit = self._units[chosen[0]]
                await self.async_set_unique_id(unit.id)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=_title(unit.id), data=self._cloud_entry_data(unit)
                )
        options = [
            SelectOptionDict(
                value=unit.id, label=f"{unit.id} ({unit.model})" if unit.model else unit.id
            )
            for unit in self._units.values()
        ]
        return self.async_show_form(
            step_id="units",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_UNITS, default=[options[0]["value"]]): SelectSelector(
                        SelectSelectorConfig(options=options, multiple=True)
                    )
                }
            ),
            errors=errors,
            description_placeholders={"account": (self._account and self._account.name) or ""},
        )

    def _cloud_entry_data(self, unit: Unit) -> dict[str, Any]:
        assert self._account is not None
        return {
            CONF_CONNECTION: CONNECTION_CLOUD,
            CONF_API_KEY: self._api_key,
            CONF_ACCOUNT_ID: self._account.id,
            CONF_UNIT_ID: unit.id,
            CONF_MODEL: unit.model,
        }

    async def async_step_integration_discovery(
        self, discovery_info: dict[str, Any]
    ) -> ConfigFlowResult:
        """Add another unit chosen in the same cloud setup (no questions asked)."""
        await self.async_set_unique_id(discovery_info[CONF_UNIT_ID])
        self._abort_if_unique_id_configured()
        return self.async_create_entry(
            title=_title(discovery_info[CONF_UNIT_ID]), data=discovery_info
        )

    # -- local ------------------------------------------------------------------------------

    async def _async_check_host(
        self, value: str, errors: dict[str, str]
    ) -> tuple[str, int | None, str, str] | None:
        """Return (host, port, unit id, platform) of a unit, or fill ``errors``."""
        try:
            host, port = await async_validate_device_host(value)
        except LanAddressError as err:
            errors[CONF_HOST] = (
                "invalid_host"
                if err.reason in (LanAddressReason.INVALID, LanAddressReason.UNRESOLVABLE)
                else "not_private_address"
            )
            return None
        client = PowervaultLocalClient(async_get_clientsession(self.hass), host, port)
        try:
            healthy = await client.get_health()
            unit_id = await client.get_unit_id()
            platform = await client.get_platform()
        except BridgeApiError:
            errors["base"] = "cannot_connect"
            return None
        except Exception:  # noqa: BLE001
            LOGGER.exception("Unexpected error checking the unit")
            errors["base"] = "unknown"
            return None
        if not healthy:
            errors["base"] = "unhealthy"
            return None
        return host, port if port not in (None, LOCAL_PORT) else None, unit_id, platform

    async def async_step_local(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Take a legacy unit's address and check it is a Powervault."""
        errors: dict[str, str] = {}
        if (
            user_input is not None
            and (found := await self._async_check_host(user_input[CONF_HOST], errors)) is not None
        ):
            host, port, unit_id, platform = found
            await self.async_set_unique_id(unit_id)
            self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
            return self.async_create_entry(
                title=_title(unit_id),
                data={
                    CONF_CONNECTION: CONNECTION_LOCAL,
                    CONF_HOST: host,
                    CONF_PORT: port,
                    CONF_UNIT_ID: unit_id,
                    CONF_MODEL: platform.upper(),
                },
            )
        return self.async_show_form(
            step_id="local",
            data_schema=self.add_suggested_values_to_schema(_host_schema(), user_input),
            errors=errors,
        )

    # -- reauth and reconfigure ---------------------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Ask for a new key after the cloud rejected the stored one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Take a new API key for the same unit."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key = user_input[CONF_API_KEY].strip()
            if await self._async_key_errors(api_key, errors, unit_id=entry.unique_id) is not None:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_API_KEY: api_key}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=API_KEY_SCHEMA,
            errors=errors,
            description_placeholders={"unit_id": entry.unique_id or ""},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Take a new key (cloud) or a new address (local)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if entry.data[CONF_CONNECTION] == CONNECTION_LOCAL:
            if user_input is not None:
                found = await self._async_check_host(user_input[CONF_HOST], errors)
                if found is not None:
                    host, port, unit_id, _platform = found
                    await self.async_set_unique_id(unit_id)
                    self._abort_if_unique_id_mismatch(reason="wrong_device")
                    return self.async_update_reload_and_abort(
                        entry, data_updates={CONF_HOST: host, CONF_PORT: port}
                    )
            return self.async_show_form(
                step_id="reconfigure",
                data_schema=self.add_suggested_values_to_schema(
                    _host_schema(), user_input or {CONF_HOST: entry.data[CONF_HOST]}
                ),
                errors=errors,
            )
        if user_input is not None:
            api_key = user_input[CONF_API_KEY].strip()
            found_key = await self._async_key_errors(api_key, errors, unit_id=entry.unique_id)
            if found_key is not None:
                return self.async_update_reload_and_abort(
                    entry,
                    data_updates={CONF_API_KEY: api_key, CONF_ACCOUNT_ID: found_key[0].id},
                )
        return self.async_show_form(
            step_id="reconfigure_cloud", data_schema=API_KEY_SCHEMA, errors=errors
        )

    async def async_step_reconfigure_cloud(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Take a new API key for a cloud unit."""
        return await self.async_step_reconfigure(user_input)


def _title(unit_id: str) -> str:
    return f"Powervault {unit_id}"


def _number(minimum: int, maximum: int, unit: str) -> NumberSelector:
    # Refuses nan and inf (the plain selector lets them through to int()).
    return FiniteNumberSelector(
        NumberSelectorConfig(
            min=minimum, max=maximum, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement=unit
        ),
        integer=True,
    )


class PowervaultOptionsFlow(OptionsFlowWithReload):
    """The cloud budget and the select's override duration (the intervals are ours)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options of the unit's connection."""
        if user_input is not None:
            return self.async_create_entry(data={k: int(v) for k, v in user_input.items()})
        local = self.config_entry.data[CONF_CONNECTION] == CONNECTION_LOCAL
        options = self.config_entry.options
        fields: dict[vol.Marker, Any] = {}
        if not local:
            fields[
                vol.Required(
                    CONF_DAILY_BUDGET,
                    default=options.get(CONF_DAILY_BUDGET, DEFAULT_DAILY_BUDGET),
                )
            ] = _number(MIN_DAILY_BUDGET, MAX_DAILY_BUDGET, "calls")
        fields[
            vol.Required(
                CONF_OVERRIDE_HOURS,
                default=options.get(CONF_OVERRIDE_HOURS, DEFAULT_OVERRIDE_HOURS),
            )
        ] = _number(MIN_OVERRIDE_HOURS, MAX_OVERRIDE_HOURS, "h")
        return self.async_show_form(
            step_id="cloud" if not local else "local", data_schema=vol.Schema(fields)
        )

    async def async_step_cloud(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Take the cloud options."""
        return await self.async_step_init(user_input)

    async def async_step_local(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Take the local options."""
        return await self.async_step_init(user_input)
