"""Config flow: discovery or a typed address, then digest credentials or a token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import probatio as vol

from ..energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    InvalidResponseError,
)
from ..energy_bridges_common.client.lan import LanAddressError, LanAddressReason, check_lan_ip
from ..energy_bridges_common.hass.lan import (
    async_validate_device_host,
    format_host,
    loopback_allowed,
)
from ..energy_bridges_common.hass.validators import PlainTextSelector
from .api import EnphaseGateway, MfaRequiredError, UnsupportedFirmwareError, decode_token
from .api.auth import INSTALLER_USER
from .api.models import GatewayInfo
from .const import (
    CONF_MANUAL_TOKEN,
    DOMAIN,
    MANUAL_TOKEN_URL,
    OPTION_DIAGNOSTICS_RAW,
    OPTION_DISABLE_KEEP_ALIVE,
    cloud_urls,
)
from .coordinator import EnphaseConfigEntry

# Control characters and huge text are refused by the schema, before anything is sent. A
# pasted token is longer than a password and is checked (as a JWT) before it is sent.
_PASSWORD = PlainTextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_TOKEN = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_EMAIL = PlainTextSelector(TextSelectorConfig(type=TextSelectorType.EMAIL, autocomplete="username"))
_USERNAME = PlainTextSelector()


def _host_error(err: LanAddressError) -> str:
    if err.reason in (LanAddressReason.INVALID, LanAddressReason.UNRESOLVABLE):
        return "invalid_host"
    return "not_private_address"


class EnphaseGatewayConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a gateway."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing known."""
        self._host: str | None = None
        self._info: GatewayInfo | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: EnphaseConfigEntry) -> EnphaseOptionsFlow:
        """Return the options flow."""
        return EnphaseOptionsFlow()

    def _client(self, **auth: Any) -> EnphaseGateway:
        assert self._host is not None
        login_url, token_url = cloud_urls()
        return EnphaseGateway(
            async_get_clientsession(self.hass, verify_ssl=False),
            self._host,
            login_url=login_url,
            token_url=token_url,
            **auth,
        )

    async def _read_info(self, host: str, errors: dict[str, str]) -> GatewayInfo | None:
        """Check the address and read who answers there."""
        try:
            address, port = await async_validate_device_host(host)
        except LanAddressError as err:
            errors[CONF_HOST] = _host_error(err)
            return None
        # Store the checked address's one spelling (and a typed scheme), never the raw text.
        typed = host.strip()
        scheme = typed.split("://", 1)[0].lower() if "://" in typed else None
        self._host = (
            f"{scheme}://{format_host(address, port)}" if scheme else format_host(address, port)
        )
        try:
            return await self._client().setup()
        except InvalidResponseError:
            errors["base"] = "not_enphase"
        except BridgeApiError:
            errors["base"] = "cannot_connect"
        return None

    # -- discovery and the address ----------------------------------------------------------

    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """Handle a gateway announced on the network."""
        if discovery_info.ip_address.version != 4:
            return self.async_abort(reason="not_ipv4_address")
        serial = discovery_info.properties.get("serialnum")
        if not serial:
            return self.async_abort(reason="not_enphase")
        try:
            # Anyone on the LAN can announce a gateway's serial: never follow it (nor send
            # the gateway's token) to an address the LAN guard refuses.
            check_lan_ip(discovery_info.host, allow_loopback=loopback_allowed())
        except LanAddressError:
            return self.async_abort(reason="not_private_address")
        await self.async_set_unique_id(serial)
        # A gateway that moved to a new address: follow it.
        self._abort_if_unique_id_configured(updates={CONF_HOST: discovery_info.host})
        self._host = discovery_info.host
        self.context["title_placeholders"] = {"serial": serial, "host": discovery_info.host}
        return await self.async_step_zeroconf_confirm()

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm a discovered gateway, then ask for credentials."""
        assert self._host is not None
        if user_input is None:
            return self.async_show_form(
                step_id="zeroconf_confirm",
                description_placeholders={"serial": str(self.unique_id), "host": self._host},
            )
        errors: dict[str, str] = {}
        self._info = await self._read_info(self._host, errors)
        if self._info is None:
            return self.async_abort(reason=errors.get("base", "cannot_connect"))
        return await self._async_step_auth()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the gateway's address."""
        errors: dict[str, str] = {}
        if user_input is not None:
            info = await self._read_info(user_input[CONF_HOST], errors)
            if info is not None:
                self._info = info
                await self.async_set_unique_id(info.serial)
                self._abort_if_unique_id_configured(updates={CONF_HOST: self._host})
                return await self._async_step_auth()
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema({vol.Required(CONF_HOST): str}), user_input
            ),
            errors=errors,
        )

    async def async_step_auth(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the sign-in choices again (the menu's own step)."""
        return await self._async_step_auth()

    async def _async_step_auth(self) -> ConfigFlowResult:
        """Ask for what this firmware wants: a token (7 and later) or digest credentials."""
        assert self._info is not None
        if self._info.uses_token:
            return self.async_show_menu(
                step_id="auth",
                menu_options=["cloud_login", "manual_token"],
                description_placeholders={"firmware": self._info.firmware},
            )
        return await self.async_step_digest()

    # -- credentials ------------------------------------------------------------------------

    async def async_step_digest(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Firmware before 7: the installer (or envoy) user, password derived if blank."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {
                CONF_USERNAME: user_input.get(CONF_USERNAME) or INSTALLER_USER,
                CONF_PASSWORD: user_input.get(CONF_PASSWORD, ""),
                CONF_MANUAL_TOKEN: False,
            }
            client = self._client(username=data[CONF_USERNAME], password=data[CONF_PASSWORD])
            if await self._try_auth(client, errors):
                return await self._finish(data)
        return self.async_show_form(
            step_id="digest",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Optional(CONF_USERNAME, default=INSTALLER_USER): _USERNAME,
                        vol.Optional(CONF_PASSWORD): _PASSWORD,
                    }
                ),
                {k: v for k, v in (user_input or {}).items() if k != CONF_PASSWORD},
            ),
            errors=errors,
            description_placeholders={"firmware": self._info.firmware if self._info else "?"},
        )

    async def async_step_cloud_login(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Firmware 7 and later: the Enlighten account fetches (and renews) the token."""
        errors: dict[str, str] = {}
        if user_input is not None:
            client = self._client(
                username=user_input[CONF_USERNAME], password=user_input[CONF_PASSWORD]
            )
            if await self._try_auth(client, errors):
                return await self._finish(
                    {
                        CONF_USERNAME: user_input[CONF_USERNAME],
                        CONF_PASSWORD: user_input[CONF_PASSWORD],
                        CONF_TOKEN: client.token,
                        CONF_MANUAL_TOKEN: False,
                    }
                )
        return self.async_show_form(
            step_id="cloud_login",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {vol.Required(CONF_USERNAME): _EMAIL, vol.Required(CONF_PASSWORD): _PASSWORD}
                ),
                {k: v for k, v in (user_input or {}).items() if k != CONF_PASSWORD},
            ),
            errors=errors,
        )

    async def async_step_manual_token(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """For accounts with multi-factor authentication: paste a token."""
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_TOKEN].strip()
            try:
                decode_token(token)
            except AuthenticationError:
                errors[CONF_TOKEN] = "invalid_token"
            else:
                client = self._client(token=token, manual_token=True)
                if await self._try_auth(client, errors, auth_error="token_rejected"):
                    return await self._finish(
                        {
                            CONF_USERNAME: "",
                            CONF_PASSWORD: "",
                            CONF_TOKEN: token,
                            CONF_MANUAL_TOKEN: True,
                        }
                    )
        return self.async_show_form(
            step_id="manual_token",
            data_schema=vol.Schema({vol.Required(CONF_TOKEN): _TOKEN}),
            errors=errors,
            description_placeholders={"token_url": MANUAL_TOKEN_URL},
        )

    async def _try_auth(
        self, client: EnphaseGateway, errors: dict[str, str], auth_error: str = "invalid_auth"
    ) -> bool:
        """Test the credentials before anything is saved."""
        try:
            info = await client.setup()
            if self.unique_id is not None and info.serial != self.unique_id:
                errors["base"] = "wrong_gateway"
                return False
            await client.authenticate()
            await client.check_supported()
        except UnsupportedFirmwareError:
            errors["base"] = "unsupported_firmware"
        except MfaRequiredError:
            errors["base"] = "mfa_required"
        except AuthenticationError:
            errors["base"] = auth_error
        except BridgeApiError:
            errors["base"] = "cannot_connect"
        else:
            return True
        return False

    async def _finish(self, auth: dict[str, Any]) -> ConfigFlowResult:
        assert self._info is not None
        assert self._host is not None
        if self.source == SOURCE_REAUTH:
            return self.async_update_reload_and_abort(self._get_reauth_entry(), data_updates=auth)
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(), data_updates={CONF_HOST: self._host, **auth}
            )
        return self.async_create_entry(
            title=f"Envoy {self._info.serial}", data={CONF_HOST: self._host, **auth}
        )

    # -- reauth and reconfigure -------------------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication: the gateway or the cloud refused the credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Tell the user, then ask for credentials again."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            await self.async_set_unique_id(entry.unique_id)
            self._info = await self._read_info(entry.data[CONF_HOST], errors)
            if self._info is not None:
                return await self._async_step_auth()
        return self.async_show_form(
            step_id="reauth_confirm",
            errors=errors,
            description_placeholders={"title": entry.title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address (and credentials) of a configured gateway."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            info = await self._read_info(user_input[CONF_HOST], errors)
            if info is not None:
                await self.async_set_unique_id(info.serial)
                self._abort_if_unique_id_mismatch(reason="wrong_gateway")
                self._info = info
                # The stored credentials usually still work: only ask when they do not.
                stored = {
                    key: entry.data[key]
                    for key in (CONF_USERNAME, CONF_PASSWORD, CONF_TOKEN, CONF_MANUAL_TOKEN)
                    if key in entry.data
                }
                client = self._client(
                    username=stored.get(CONF_USERNAME, ""),
                    password=stored.get(CONF_PASSWORD, ""),
                    token=stored.get(CONF_TOKEN),
                    manual_token=stored.get(CONF_MANUAL_TOKEN, False),
                )
                if await self._try_auth(client, {}):
                    if client.token:
                        stored[CONF_TOKEN] = client.token
                    return await self._finish(stored)
                return await self._async_step_auth()
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema({vol.Required(CONF_HOST): str}),
                user_input or {CONF_HOST: entry.data[CONF_HOST]},
            ),
            errors=errors,
        )


class EnphaseOptionsFlow(OptionsFlowWithReload):
    """Keep-alive and diagnostics (the polling intervals are ours, as core requires)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        options = self.config_entry.options
        schema = vol.Schema(
            {
                vol.Required(
                    OPTION_DISABLE_KEEP_ALIVE,
                    default=options.get(OPTION_DISABLE_KEEP_ALIVE, False),
                ): bool,
                vol.Required(
                    OPTION_DIAGNOSTICS_RAW, default=options.get(OPTION_DIAGNOSTICS_RAW, False)
                ): bool,
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)
