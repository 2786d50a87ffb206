"""Config flow: an API key, checked against the account's pairings; reauth, reconfigure, options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_API_KEY, CONF_HOST
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
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

from ..energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    RateLimitedError,
)
from ..energy_bridges_common.client.lan import LanAddressError, LanAddressReason
from ..energy_bridges_common.hass.budget import account_key
from ..energy_bridges_common.hass.lan import async_validate_device_host, format_host
from ..energy_bridges_common.hass.validators import FiniteNumberSelector, PlainTextSelector
from .api import Pairing, V2CCloudClient, V2CLocalClient
from .const import (
    CONF_ACCOUNT_ID,
    CONF_CHARGER,
    CONF_CHARGER_HOSTS,
    CONF_COMMAND_RESERVE,
    DEFAULT_COMMAND_RESERVE,
    DOMAIN,
    LOGGER,
    MAX_COMMAND_RESERVE,
    MIN_COMMAND_RESERVE,
    cloud_base_url,
)
from .coordinator import PairingRegistry

NO_ADDRESS = "-"
"""Shown as the address in use of a charger reached through the cloud only."""

LAN_PORT = 80
"""The charger's HTTP API port (DHCP gives an address only)."""

API_KEY_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_API_KEY): PlainTextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        )
    }
)


def lan_error_key(reason: LanAddressReason) -> str:
    """Return the form error for an address the LAN guard refused."""
    if reason is LanAddressReason.INVALID:
        return "invalid_host"
    if reason is LanAddressReason.UNRESOLVABLE:
        return "cannot_resolve"
    return "not_private_address"


async def _async_known_chargers(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    if entry.state is ConfigEntryState.LOADED:
        return set(entry.runtime_data.pairings.charger_ids)
    registry = PairingRegistry(hass, entry.entry_id)
    await registry.async_load()
    return set(registry.charger_ids)


def _async_remember_mac(hass: HomeAssistant, entry: ConfigEntry, charger_id: str, mac: str) -> None:
    """Add the charger's MAC to its device: its next lease is recognised by it."""
    registry = dr.async_get(hass)
    device = registry.async_get_device_by_identifier((DOMAIN, charger_id), entry.entry_id)
    if device is not None and mac:
        # new_connections is the full set (merge_connections stops working in 2027.9).
        registry.async_update_device(
            device.id,
            new_connections=device.connections | {(dr.CONNECTION_NETWORK_MAC, dr.format_mac(mac))},
        )


class V2CCloudConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a V2C Cloud account."""

    VERSION = 1

    async def _async_validate(self, api_key: str) -> tuple[list[Pairing], dict[str, str]]:
        client = V2CCloudClient(
            async_get_clientsession(self.hass), api_key, base_url=cloud_base_url()
        )
        try:
            pairings = await client.pairings()
        except AuthenticationError:
            return [], {"base": "invalid_auth"}
        except RateLimitedError:
            return [], {"base": "rate_limited"}
        except BridgeApiError as err:
            LOGGER.debug("Checking the API key failed: %s", err)
            return [], {"base": "cannot_connect"}
        except Exception:  # noqa: BLE001 - the form must show an error, never crash
            LOGGER.exception("Unexpected error checking the API key")
            return [], {"base": "unknown"}
        if not pairings:
            return [], {"base": "no_chargers"}
        return pairings, {}

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """Follow a charger to a new DHCP lease, or offer to set up its account."""
        try:
            host, _port = await async_validate_device_host(discovery_info.ip)
        except LanAddressError:
            return self.async_abort(reason="not_v2c_device")
        client = V2CLocalClient(async_get_clientsession(self.hass), host, LAN_PORT, timeout=5)
        try:
            realtime = await client.realtime()
        except BridgeApiError:
            return self.async_abort(reason="not_v2c_device")
        charger_id = realtime.charger_id
        if charger_id is None:
            # Firmware 1.6.x does not say who it is: the cloud's pairing list will.
            return self.async_abort(reason="not_v2c_device")
        for entry in self._async_current_entries(include_ignore=False):
            if charger_id not in await _async_known_chargers(self.hass, entry):
                continue
            if entry.state is ConfigEntryState.LOADED:
                coordinator = entry.runtime_data.chargers.get(charger_id)
                if coordinator is not None and not coordinator.address_overridden:
                    coordinator.set_address(host, LAN_PORT)
                _async_remember_mac(self.hass, entry, charger_id, discovery_info.macaddress)
            return self.async_abort(reason="already_configured")
        await self.async_set_unique_id(charger_id)
        self._abort_if_unique_id_configured()
        self.context["title_placeholders"] = {"name": f"Trydan {charger_id}"}
        return await self.async_step_user()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the API key."""
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key = user_input[CONF_API_KEY].strip()
            pairings, errors = await self._async_validate(api_key)
            if not errors:
                account_id = account_key(api_key)
                await self.async_set_unique_id(account_id)
                self._abort_if_unique_id_configured()
                ids = {p.charger_id for p in pairings}
                for entry in self._async_current_entries(include_ignore=False):
                    if ids & await _async_known_chargers(self.hass, entry):
                        return self.async_abort(reason="already_configured")
                return self.async_create_entry(
                    title="V2C Cloud",
                    data={CONF_API_KEY: api_key, CONF_ACCOUNT_ID: account_id},
                )
        return self.async_show_form(
            step_id="user",
            data_schema=API_KEY_SCHEMA,
            errors=errors,
            description_placeholders={"url": "https://v2c.cloud/home/user"},
        )

    async def _async_replace_key(
        self, entry: ConfigEntry, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key = user_input[CONF_API_KEY].strip()
            pairings, errors = await self._async_validate(api_key)
            if not errors:
                known = await _async_known_chargers(self.hass, entry)
                if known and not known & {p.charger_id for p in pairings}:
                    return self.async_abort(reason="wrong_account")
                # The unique id stays: entities, devices and the call budget are kept.
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_API_KEY: api_key}
                )
        return self.async_show_form(
            step_id=step_id,
            data_schema=API_KEY_SCHEMA,
            errors=errors,
            description_placeholders={"url": "https://v2c.cloud/home/user"},
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start over with a new key after the cloud refused the old one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new key."""
        return await self._async_replace_key(self._get_reauth_entry(), "reauth_confirm", user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the key without losing entities."""
        return await self._async_replace_key(
            self._get_reconfigure_entry(), "reconfigure", user_input
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> V2CCloudOptionsFlow:
        """Return the options flow."""
        return V2CCloudOptionsFlow()


class V2CCloudOptionsFlow(OptionsFlowWithReload):
    """The commands' reserve, and a LAN address per charger (one charger at a time).

    Older versions also stored a LAN scan interval here; the next save drops it.
    """

    def __init__(self) -> None:
        """Start with nothing chosen."""
        self._settings: dict[str, int] = {}
        self._charger: str | None = None

    def _hosts(self) -> dict[str, str]:
        return dict(self.config_entry.options.get(CONF_CHARGER_HOSTS, {}))

    async def _chargers(self) -> dict[str, str]:
        """Return each charger's id and the name the user knows it by (its device's name)."""
        entry = self.config_entry
        registry = dr.async_get(self.hass)
        names: dict[str, str] = {}
        pairings = {}
        if entry.state is ConfigEntryState.LOADED:
            pairings = {p.charger_id: p for p in entry.runtime_data.pairings.pairings}
        for charger_id in sorted(await _async_known_chargers(self.hass, entry)):
            device = registry.async_get_device_by_identifier((DOMAIN, charger_id), entry.entry_id)
            pairing = pairings.get(charger_id)
            names[charger_id] = (
                (device and (device.name_by_user or device.name))
                or (pairing and pairing.name)
                or f"Trydan {charger_id}"
            )
        return names

    def _address_in_use(self, charger_id: str) -> str:
        entry = self.config_entry
        if entry.state is ConfigEntryState.LOADED:
            coordinator = entry.runtime_data.chargers.get(charger_id)
            if coordinator is not None and coordinator.lan is not None:
                address: str = coordinator.lan.address
                return address
            return NO_ADDRESS
        return self._hosts().get(charger_id) or NO_ADDRESS

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the commands' reserve and offer to change a charger's LAN address."""
        entry = self.config_entry
        chargers = await self._chargers()
        if user_input is not None:
            self._settings = {CONF_COMMAND_RESERVE: user_input[CONF_COMMAND_RESERVE]}
            charger = user_input.get(CONF_CHARGER)
            if charger in chargers:
                self._charger = charger
                return await self.async_step_charger()
            return self.async_create_entry(
                data={**self._settings, CONF_CHARGER_HOSTS: self._hosts()}
            )
        schema: dict[Any, Any] = {
            vol.Required(
                CONF_COMMAND_RESERVE,
                default=entry.options.get(CONF_COMMAND_RESERVE, DEFAULT_COMMAND_RESERVE),
            ): vol.All(
                FiniteNumberSelector(
                    NumberSelectorConfig(
                        min=MIN_COMMAND_RESERVE,
                        max=MAX_COMMAND_RESERVE,
                        step=10,
                        mode=NumberSelectorMode.BOX,
                    ),
                    integer=True,
                ),
                # A translation key: the form shows "Enter a number." for nan or inf.
                msg="not_a_number",
            ),
        }
        if chargers:
            schema[vol.Optional(CONF_CHARGER)] = SelectSelector(
                SelectSelectorConfig(
                    options=[
                        SelectOptionDict(value=charger_id, label=name)
                        for charger_id, name in chargers.items()
                    ],
                    mode=SelectSelectorMode.DROPDOWN,
                )
            )
        return self.async_show_form(step_id="init", data_schema=vol.Schema(schema))

    async def async_step_charger(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask one charger's LAN address (empty: the one the cloud reports)."""
        assert self._charger is not None
        charger_id = self._charger
        hosts = self._hosts()
        errors: dict[str, str] = {}
        suggested = hosts.get(charger_id, "")
        if user_input is not None:
            value = str(user_input.get(CONF_HOST) or "").strip()
            if value:
                try:
                    host, port = await async_validate_device_host(value)
                except LanAddressError as err:
                    errors[CONF_HOST] = lan_error_key(err.reason)
                else:
                    # The checked address's one spelling, never the typed text.
                    hosts[charger_id] = format_host(host, port)
            else:
                hosts.pop(charger_id, None)
            if not errors:
                return self.async_create_entry(data={**self._settings, CONF_CHARGER_HOSTS: hosts})
            suggested = value
        name = (await self._chargers()).get(charger_id, charger_id)
        return self.async_show_form(
            step_id="charger",
            data_schema=vol.Schema(
                {
                    vol.Optional(
                        CONF_HOST, description={"suggested_value": suggested}
                    ): PlainTextSelector()
                }
            ),
            errors=errors,
            description_placeholders={
                "name": name,
                "address": self._address_in_use(charger_id),
            },
        )
