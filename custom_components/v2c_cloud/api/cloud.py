"""The V2C Cloud API: every call the integration makes to ``v2c.cloud``."""

from __future__ import annotations

from collections.abc import Mapping
import logging
import math
from typing import Any

import aiohttp

from ...energy_bridges_common.client.errors import AuthenticationError, InvalidResponseError
from ...energy_bridges_common.client.http import NO_RETRY, HttpClient, HttpResponse, RateLimitInfo
from ...energy_bridges_common.client.redact import Redactor
from .const import (
    CLOUD_BASE_URL,
    INVERTER_MAX_POWER_RANGE,
    TIMER_IDS,
    ChargerSetting,
    CodedChoice,
    InstallationType,
    Language,
    MeterType,
    PvChargeMode,
)
from .lan import InvalidCommandError, validate_write
from .models import (
    CloudState,
    Pairing,
    VersionInfo,
    normalize_payload,
    parse_pairings,
    parse_reported,
    parse_version,
)

_LOGGER = logging.getLogger(__name__)

type Params = Mapping[str, str | int | float]

# Settings the cloud can also write, for commands when the LAN is away.
CLOUD_WRITE_PATHS: dict[ChargerSetting, str] = {
    ChargerSetting.LOCKED: "/device/locked",
    ChargerSetting.DYNAMIC: "/device/dynamic",
    ChargerSetting.INTENSITY: "/device/intensity",
    ChargerSetting.MIN_INTENSITY: "/device/min_car_int",
    ChargerSetting.MAX_INTENSITY: "/device/max_car_int",
}
CLOUD_WRITABLE_SETTINGS: frozenset[ChargerSetting] = frozenset(
    {*CLOUD_WRITE_PATHS, ChargerSetting.PAUSED, ChargerSetting.LOGO_LED}
)


def _choice(choices: type[CodedChoice], what: str, value: Any) -> int:
    """Return ``value``'s code when we can name it, or raise ``InvalidCommandError``."""
    if not choices.is_known(value):
        raise InvalidCommandError(what, value, f"not one of {[c.value for c in choices]}")
    return int(value)


def whole_number(what: str, value: Any, low: int, high: int) -> int:
    """Return ``value`` as an int when it is a whole number in range; never truncate."""
    if isinstance(value, bool):
        raise InvalidCommandError(what, value, "not a whole number")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise InvalidCommandError(what, value, "not a whole number")
        value = int(value)
    if not isinstance(value, int):
        raise InvalidCommandError(what, value, "not a whole number")
    if not low <= value <= high:
        raise InvalidCommandError(what, value, f"outside {low}-{high}")
    return value


def _hhmm(what: str, value: str) -> str:
    hours, sep, minutes = value.partition(":")
    if (
        not sep
        or len(hours) != 2
        or len(minutes) != 2
        or not (hours.isdigit() and minutes.isdigit())
        or int(hours) > 23
        or int(minutes) > 59
    ):
        raise InvalidCommandError(what, value, "not a time as HH:MM")
    return value


class V2CCloudClient:
    """Talk to the V2C Cloud with one account's API key."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        *,
        base_url: str = CLOUD_BASE_URL,
        timeout: float = 15.0,
    ) -> None:
        """Prepare the client; nothing is sent yet."""
        self.http = HttpClient(
            session,
            base_url,
            timeout=timeout,
            # No second call for the same read: every call costs quota, and the next poll
            # (or the user) is the retry.
            retry=NO_RETRY,
            headers={"apikey": api_key},
            redactor=Redactor([api_key]),
            logger=_LOGGER,
        )

    @property
    def rate_limit(self) -> RateLimitInfo | None:
        """Return the latest ``RateLimit-*`` values the cloud sent."""
        return self.http.last_rate_limit

    async def _call(
        self,
        method: str,
        path: str,
        params: Params | None = None,
        *,
        json_body: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        # Every parameter is a query-string value sent as a string.
        query = {key: str(value) for key, value in (params or {}).items()}
        response: HttpResponse = await self.http.request(
            method, path, params=query, json_body=json_body, idempotent=idempotent
        )
        if response.status == 204:
            return None
        text = response.text.strip()
        if not text:
            return None
        try:
            return response.json()
        except InvalidResponseError:
            # Some endpoints answer plain text ("OK", "Device updated").
            return text

    # -- reads -------------------------------------------------------------------------------

    async def pairings(self) -> list[Pairing]:
        """Return the chargers paired with the account (also validates the key)."""
        payload = await self._call("GET", "/pairings/me")
        if isinstance(payload, str) and "invalid" in payload.lower():
            raise AuthenticationError("The cloud rejected the API key")
        return parse_pairings(payload)

    async def reported(self, charger_id: str) -> CloudState:
        """Return everything the cloud knows of a charger."""
        return parse_reported(await self._call("GET", "/device/reported", {"deviceId": charger_id}))

    async def current_state_charge(self, charger_id: str) -> CloudState:
        """Return the charge state; a read despite the POST (works for 4G-only chargers)."""
        payload = await self._call(
            "POST", "/device/currentstatecharge", {"deviceId": charger_id}, idempotent=True
        )
        return parse_reported(payload)

    async def version(self, charger_id: str) -> VersionInfo:
        """Return the firmware and model."""
        return parse_version(await self._call("GET", "/version", {"deviceId": charger_id}))

    async def rfid_cards(self, charger_id: str) -> Any:
        """Return the registered RFID cards."""
        return normalize_payload(await self._call("GET", "/device/rfid", {"deviceId": charger_id}))

    async def wifi_networks(self, charger_id: str) -> Any:
        """Ask the charger for the Wi-Fi networks it sees."""
        return normalize_payload(await self._call("GET", "/device/wifilist", {"id": charger_id}))

    async def power_profile(self, charger_id: str, updated_at: str) -> Any:
        """Return one personalised power profile."""
        return normalize_payload(
            await self._call(
                "GET",
                "/device/personalicepower/v2",
                {"deviceId": charger_id, "updateAt": updated_at},
            )
        )

    async def power_profiles(self, charger_id: str) -> Any:
        """Return every personalised power profile."""
        return normalize_payload(
            await self._call("GET", "/device/personalicepower/all", {"deviceId": charger_id})
        )

    async def device_statistics(
        self, charger_id: str, start: str | None = None, end: str | None = None
    ) -> Any:
        """Return the charger's charge statistics (dates as YYYY-MM-DD)."""
        params: dict[str, str] = {"deviceId": charger_id}
        if start:
            params["chargeDateStart"] = start
        if end:
            params["chargeDateEnd"] = end
        return normalize_payload(await self._call("GET", "/stadistic/device", params))

    async def global_statistics(self, start: str | None = None, end: str | None = None) -> Any:
        """Return the account's charge statistics (dates as YYYY-MM-DD)."""
        params: dict[str, str] = {}
        if start:
            params["endChargeDateStart"] = start
        if end:
            params["endChargeDateEnd"] = end
        return normalize_payload(await self._call("GET", "/stadistic/global/me", params))

    # -- commands ----------------------------------------------------------------------------

    async def command(self, path: str, params: Params, *, json_body: Any = None) -> Any:
        """Send a command (a POST); return what the cloud answered."""
        return normalize_payload(await self._call("POST", path, params, json_body=json_body))

    async def set_value(self, path: str, charger_id: str, value: int | str) -> None:
        """Send one of the ``deviceId`` + ``value`` commands."""
        await self.command(path, {"deviceId": charger_id, "value": value})

    async def set_id_value(self, path: str, charger_id: str, value: int | str) -> None:
        """Send one of the commands that name the charger ``id`` (OCPP, inverter)."""
        await self.command(path, {"id": charger_id, "value": value})

    async def start_charge(self, charger_id: str) -> None:
        """Resume charging."""
        await self.command("/device/startcharge", {"deviceId": charger_id})

    async def pause_charge(self, charger_id: str) -> None:
        """Pause charging."""
        await self.command("/device/pausecharge", {"deviceId": charger_id})

    async def reboot(self, charger_id: str) -> None:
        """Restart the charger."""
        await self.command("/device/reboot", {"deviceId": charger_id})

    async def trigger_update(self, charger_id: str) -> None:
        """Ask the charger to install the latest firmware."""
        await self.command("/device/update", {"deviceId": charger_id})

    async def set_wifi(self, charger_id: str, ssid: str, password: str) -> None:
        """Give the charger new Wi-Fi credentials."""
        await self.command(
            "/device/wifi", {"deviceId": charger_id, "ssid": ssid, "password": password}
        )

    async def program_timer(
        self, charger_id: str, timer_id: int, start: str, end: str, active: bool
    ) -> None:
        """Program one timer slot (times as HH:MM).

        The real cloud reads the slot from ``timer id`` (with a space, as V2C's API
        description spells it) and the times as ``start_time``/``end_time``; the client
        checked on live chargers also sends ``timerId`` and ``timeStart``/``timeEnd``: both.
        """
        slot = whole_number("timer_id", timer_id, TIMER_IDS.start, TIMER_IDS.stop - 1)
        start, end = _hhmm("start_time", start), _hhmm("end_time", end)
        await self.command(
            "/device/timer",
            {"deviceId": charger_id, "timerId": slot, "timer id": slot},
            json_body={
                "start_time": start,
                "end_time": end,
                "timeStart": start,
                "timeEnd": end,
                "active": bool(active),
            },
        )

    async def register_rfid(self, charger_id: str, tag: str) -> None:
        """Put the reader in learning mode: the next card is registered under ``tag``."""
        await self.command("/device/rfid", {"deviceId": charger_id, "tag": tag})

    async def add_rfid_card(self, charger_id: str, code: str, tag: str) -> None:
        """Register a card by its UID."""
        await self.command("/device/rfid/tag", {"deviceId": charger_id, "code": code, "tag": tag})

    async def rename_rfid_card(self, charger_id: str, code: str, tag: str) -> None:
        """Rename a registered card."""
        await self._call(
            "PUT", "/device/rfid/tag", {"deviceId": charger_id, "code": code, "tag": tag}
        )

    async def delete_rfid_card(self, charger_id: str, code: str) -> None:
        """Remove a registered card."""
        await self._call("DELETE", "/device/rfid", {"deviceId": charger_id, "code": code})

    async def start_charge_for_energy(self, charger_id: str, kwh: float) -> None:
        """Start a charge that stops after ``kwh``."""
        await self.command("/device/startchargekw", {"deviceId": charger_id, "kw": kwh})

    async def start_charge_for_minutes(self, charger_id: str, minutes: int) -> None:
        """Start a charge that stops after ``minutes``."""
        await self.command(
            "/device/startchargeminutes", {"deviceId": charger_id, "minutes": minutes}
        )

    async def save_power_profile(
        self, charger_id: str, name: str, updated_at: str, profile: Any
    ) -> Any:
        """Create a personalised power profile."""
        return await self.command(
            "/device/savepersonalicepower/v2",
            {"deviceId": charger_id, "name": name, "updateAt": updated_at},
            json_body=profile,
        )

    async def update_power_profile(
        self, charger_id: str, name: str, updated_at: str, profile: Any
    ) -> Any:
        """Replace a personalised power profile."""
        return await self.command(
            "/device/personalicepower/v2",
            {"id": charger_id, "name": name, "updateAt": updated_at},
            json_body=profile,
        )

    async def delete_power_profile(self, charger_id: str, name: str, updated_at: str) -> None:
        """Delete a personalised power profile."""
        await self._call(
            "DELETE",
            "/device/personalicepower/v2",
            {"deviceId": charger_id, "name": name, "updateAt": updated_at},
        )

    async def write_setting(self, charger_id: str, setting: ChargerSetting, value: int) -> None:
        """Write one of the LAN settings the cloud also accepts (the LAN being away)."""
        checked = validate_write(setting, value)
        if setting is ChargerSetting.PAUSED:
            await (self.pause_charge if checked else self.start_charge)(charger_id)
            return
        if setting is ChargerSetting.LOGO_LED:
            # The cloud switches the logo on or off; it knows no brightness.
            await self.set_logo_led(charger_id, checked > 0)
            return
        if (path := CLOUD_WRITE_PATHS.get(setting)) is None:
            raise InvalidCommandError(setting, value, "the cloud cannot write it")
        await self.set_value(path, charger_id, checked)

    async def set_rfid_reader(self, charger_id: str, enabled: bool) -> None:
        """Turn the RFID reader on or off."""
        await self.set_value("/device/set_rfid", charger_id, int(enabled))

    async def set_ocpp_enabled(self, charger_id: str, enabled: bool) -> None:
        """Turn OCPP on or off."""
        await self.set_id_value("/device/ocpp", charger_id, int(enabled))

    async def set_ocpp_id(self, charger_id: str, ocpp_id: str) -> None:
        """Set the OCPP charge point identifier."""
        await self.set_id_value("/device/ocpp_id", charger_id, ocpp_id)

    async def set_ocpp_address(self, charger_id: str, address: str) -> None:
        """Set the OCPP central system address."""
        await self.set_id_value("/device/ocpp_addr", charger_id, address)

    async def set_inverter_ip(self, charger_id: str, address: str) -> None:
        """Set the inverter's address."""
        await self.set_id_value("/device/inverter_ip", charger_id, address)

    async def set_installation_type(self, charger_id: str, value: InstallationType) -> None:
        """Set the installation type."""
        code = _choice(InstallationType, "installation_type", value)
        await self.set_value("/device/inst_type", charger_id, code)

    async def set_slave_type(self, charger_id: str, value: MeterType) -> None:
        """Set the meter (slave device) type."""
        await self.set_value("/device/slave_type", charger_id, _choice(MeterType, "meter", value))

    async def set_language(self, charger_id: str, value: Language) -> None:
        """Set the charger's display language."""
        await self.set_value("/device/language", charger_id, _choice(Language, "language", value))

    async def set_pv_charge_mode(self, charger_id: str, value: PvChargeMode) -> None:
        """Set how the charger follows the sun; 4G-only chargers too."""
        code = _choice(PvChargeMode, "pv_charge_mode", value)
        await self.set_value("/device/chargefvmode", charger_id, code)

    async def set_logo_led(self, charger_id: str, on: bool) -> None:
        """Switch the logo LED on or off through the cloud."""
        await self.set_value("/device/logo_led", charger_id, int(bool(on)))

    async def set_inverter_max_power(self, charger_id: str, watts: float) -> None:
        """Set the inverter's (Denka) maximum power, in W."""
        low, high = INVERTER_MAX_POWER_RANGE
        await self.set_value(
            "/device/denka/max_power",
            charger_id,
            whole_number("inverter_max_power", watts, low, high),
        )

    async def set_charge_stop_energy(self, charger_id: str, kwh: float) -> None:
        """Stop charging after ``kwh``."""
        await self.set_value("/device/charger_until_energy", charger_id, f"{kwh:g}")

    async def set_charge_stop_minutes(self, charger_id: str, minutes: int) -> None:
        """Stop charging after ``minutes``."""
        await self.set_value("/device/charger_until_minutes", charger_id, minutes)
