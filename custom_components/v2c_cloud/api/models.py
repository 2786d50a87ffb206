"""Typed models, parsed once at the boundary.

The charger's LAN ``RealTimeData`` and the cloud's ``/device/reported`` describe the same
charger with different names and units (the cloud sends every value as a string, power in kW,
the contracted power in W/100, the LED brightness as a 0-1 fraction and the logo LED as on/off).
Both become a ``Realtime`` in SI units here, so the rest of the integration never knows which
one it is reading. Values the real cloud never sends (ready state, timer, pause dynamic, charge
mode, dynamic power mode, Wi-Fi signal) stay None in a cloud ``Realtime``: only the LAN has them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
import json
import re
from typing import Any, Final

from ...energy_bridges_common.client.errors import InvalidResponseError
from ...energy_bridges_common.client.parse import as_bool, as_float, as_int, as_str
from .const import (
    CHARGE_STATES,
    FAULT,
    OTHER_ERROR,
    SIGNAL_QUALITY,
    SLAVE_ERRORS,
    ChargeMode,
    DynamicPowerMode,
    InstallationType,
    Language,
    MeterType,
    PvChargeMode,
)


class Source(StrEnum):
    """Where a value came from."""

    LAN = "lan"
    CLOUD = "cloud"


def _scaled(value: Any, factor: float) -> float | None:
    number = as_float(value)
    return None if number is None else round(number * factor, 3)


@dataclass(frozen=True, slots=True)
class Realtime:
    """The charger's telemetry and LAN-writable settings, in SI units."""

    source: Source
    charger_id: str | None = None
    charge_state: int | None = None
    ready_state: int | None = None
    charge_power: float | None = None
    """W."""
    charge_energy: float | None = None
    """kWh of the current session."""
    charge_time: int | None = None
    """Seconds of the current session."""
    house_power: float | None = None
    pv_power: float | None = None
    battery_power: float | None = None
    grid_voltage: float | None = None
    slave_error: int | None = None
    paused: bool | None = None
    locked: bool | None = None
    timer: bool | None = None
    dynamic: bool | None = None
    pause_dynamic: bool | None = None
    intensity: int | None = None
    min_intensity: int | None = None
    max_intensity: int | None = None
    light_led: int | None = None
    """%."""
    logo_led: int | None = None
    """% (LAN only; the cloud knows only on/off)."""
    logo_led_on: bool | None = None
    """Whether the logo LED is lit: from ``logo_led`` on the LAN, the cloud's on/off else."""
    charge_mode: ChargeMode | None = None
    dynamic_power_mode: DynamicPowerMode | None = None
    contracted_power: int | None = None
    """W."""
    firmware_version: str | None = None
    ssid: str | None = None
    ip_address: str | None = None
    signal_status: int | None = None

    def __post_init__(self) -> None:
        """Derive the logo LED's on/off from its brightness where the LAN gave one."""
        if self.logo_led is not None:
            object.__setattr__(self, "logo_led_on", self.logo_led > 0)

    def with_values(self, **values: Any) -> Realtime:
        """Return a copy with some values replaced (read-backs, ``/read/`` supplements)."""
        return replace(self, **values)

    @property
    def charge_state_name(self) -> str | None:
        """Return the charge state by name (fault numbering differs by firmware: "fault")."""
        if self.charge_state is None:
            return None
        return CHARGE_STATES.get(self.charge_state, FAULT)

    @property
    def car_connected(self) -> bool | None:
        """Return whether a car is plugged in (every state but "disconnected")."""
        return None if self.charge_state is None else self.charge_state > 0

    @property
    def charging(self) -> bool | None:
        """Return whether the car is charging."""
        return None if self.charge_state is None else self.charge_state == 2

    @property
    def meter_error_name(self) -> str | None:
        """Return the meter (slave device) error by name."""
        if self.slave_error is None:
            return None
        return SLAVE_ERRORS.get(self.slave_error, OTHER_ERROR)

    @property
    def signal_quality(self) -> str | None:
        """Return the Wi-Fi signal by name."""
        return None if self.signal_status is None else SIGNAL_QUALITY.get(self.signal_status)


# LAN RealTimeData key -> (field, parser). Missing keys stay None: firmware differs.
_LAN_FIELDS: dict[str, tuple[str, Any]] = {
    "ID": ("charger_id", as_str),
    "ChargeState": ("charge_state", as_int),
    "ReadyState": ("ready_state", as_int),
    "ChargePower": ("charge_power", as_float),
    "ChargeEnergy": ("charge_energy", as_float),
    "ChargeTime": ("charge_time", as_int),
    "HousePower": ("house_power", as_float),
    "FVPower": ("pv_power", as_float),
    "BatteryPower": ("battery_power", as_float),
    "VoltageInstallation": ("grid_voltage", as_float),
    "SlaveError": ("slave_error", as_int),
    "Paused": ("paused", as_bool),
    "Locked": ("locked", as_bool),
    "Timer": ("timer", as_bool),
    "Dynamic": ("dynamic", as_bool),
    "PauseDynamic": ("pause_dynamic", as_bool),
    "Intensity": ("intensity", as_int),
    "MinIntensity": ("min_intensity", as_int),
    "MaxIntensity": ("max_intensity", as_int),
    "LightLED": ("light_led", as_int),
    "LogoLED": ("logo_led", as_int),
    "ChargeMode": ("charge_mode", ChargeMode.parse),
    "DynamicPowerMode": ("dynamic_power_mode", DynamicPowerMode.parse),
    "ContractedPower": ("contracted_power", as_int),
    "FirmwareVersion": ("firmware_version", as_str),
    "SSID": ("ssid", as_str),
    "IP": ("ip_address", as_str),
    "SignalStatus": ("signal_status", as_int),
}

LAN_FIELD_FOR_KEYWORD: dict[str, str] = {key: name for key, (name, _p) in _LAN_FIELDS.items()}


def lan_value(keyword: str, raw: Any) -> Any:
    """Parse one keyword's value (from ``/read/``) the way RealTimeData's is parsed."""
    return _LAN_FIELDS[keyword][1](raw)


def parse_realtime(payload: Any) -> Realtime:
    """Parse the LAN ``RealTimeData`` reply."""
    if not isinstance(payload, Mapping):
        raise InvalidResponseError(f"RealTimeData is not an object: {type(payload).__name__}")
    values = {
        name: parser(payload[key]) for key, (name, parser) in _LAN_FIELDS.items() if key in payload
    }
    if values.get("charge_state") is None and values.get("charge_power") is None:
        raise InvalidResponseError("RealTimeData has neither ChargeState nor ChargePower")
    return Realtime(source=Source.LAN, **values)


@dataclass(frozen=True, slots=True)
class Pairing:
    """A charger paired with the account."""

    charger_id: str
    name: str | None = None
    ip: str | None = None
    """Its LAN address as the cloud knows it (may carry a port); None for 4G-only chargers."""
    model: str | None = None


def parse_pairings(payload: Any) -> list[Pairing]:
    """Parse ``/pairings/me``: a list (or an object holding one) of pairings.

    An account without chargers answers ``null`` or an empty body: an empty list.
    """
    if payload is None or payload == "":
        return []
    if isinstance(payload, Mapping):
        payload = payload.get("pairings", payload.get("data"))
    if not isinstance(payload, list):
        raise InvalidResponseError("The pairing list is not a list")
    pairings: list[Pairing] = []
    seen: set[str] = set()
    for item in payload:
        if not isinstance(item, Mapping):
            continue
        charger_id = as_str(_first(item, CHARGER_ID_KEYS))
        if charger_id is None or charger_id in seen:
            continue
        seen.add(charger_id)
        pairings.append(
            Pairing(
                charger_id=charger_id,
                name=as_str(item.get("tag")),
                ip=as_str(item.get("ip")),
                model=as_str(item.get("modelName") or item.get("model")),
            )
        )
    if payload and not pairings:
        # Entries, none with a charger id: a reply gone wrong, not an account without
        # chargers (taking it would remove every charger).
        raise InvalidResponseError("The pairing list names no charger")
    return pairings


@dataclass(frozen=True, slots=True)
class CloudState:
    """What the cloud reports of a charger: telemetry plus the cloud-only settings."""

    realtime: Realtime
    connected: bool | None = None
    rfid_reader: bool | None = None
    ocpp_enabled: bool | None = None
    installation_type: InstallationType | None = None
    slave_type: MeterType | None = None
    language: Language | None = None
    latest_firmware: str | None = None
    """The newest firmware ``/version`` offers (asked once a day; see the docs)."""
    pv_charge_mode: PvChargeMode | None = None
    """Never reported by the cloud: the last value set from here (assumed state)."""
    inverter_max_power: int | None = None
    """W; never reported by the cloud: the last value set from here (assumed state)."""
    raw: Mapping[str, Any] = field(default_factory=dict)

    def with_values(self, **values: Any) -> CloudState:
        """Return a copy with some settings replaced (after a command the cloud accepted)."""
        return replace(self, **values)

    @property
    def missing_charge_values(self) -> frozenset[str]:
        """Return the values ``/device/currentstatecharge`` carries that this reply lacks."""
        return frozenset(
            name for name in CHARGE_STATE_FIELDS if getattr(self.realtime, name) is None
        )

    def filled_from(self, other: CloudState | None) -> CloudState:
        """Return a copy whose missing charge values come from ``other`` (currentstatecharge)."""
        if other is None:
            return self
        values = {
            name: getattr(other.realtime, name)
            for name in self.missing_charge_values
            if getattr(other.realtime, name) is not None
        }
        if not values:
            return self
        return replace(self, realtime=self.realtime.with_values(**values))


CHARGE_STATE_FIELDS: Final = (
    "grid_voltage",
    "charge_power",
    "charge_energy",
    "charge_time",
    "house_power",
    "pv_power",
    "battery_power",
    "slave_error",
    "intensity",
)
"""What ``/device/currentstatecharge`` reports (mains voltage among it, as ``cp_level``)."""


def _wifi_info(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return {}
        if isinstance(decoded, Mapping):
            return decoded
    return {}


# The real cloud's spellings of one value (seen on live chargers): the first one present wins.
CHARGER_ID_KEYS: Final = ("device_id", "deviceId")
SLAVE_ERROR_KEYS: Final = ("slave_error", "slaveerror", "error")
PAUSED_KEYS: Final = ("paused", "pause")
RFID_KEYS: Final = ("set_rfid", "rfid_enabled", "rfid")
OCPP_KEYS: Final = ("ocpp", "ocpp_enabled", "ocppactive")
CONNECTED_KEYS: Final = ("connected", "isconnected", "online")


def _first(payload: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    """Return the value of the first of ``keys`` that the payload has (not null)."""
    for key in keys:
        value = payload.get(key)
        if value is not None and value != "":
            return value
    return None


def parse_reported(payload: Any) -> CloudState:
    """Parse ``/device/reported`` or ``/device/currentstatecharge``.

    Strings everywhere, power in kW, the contracted power in W/100, the LED brightness a 0-1
    fraction, the logo LED on/off. The keys the real cloud never sends are not read.
    """
    if not isinstance(payload, Mapping):
        raise InvalidResponseError("The reported state is not an object")
    wifi = _wifi_info(payload.get("wifi_info"))
    led = _scaled(payload.get("light_led"), 100)
    contract = _scaled(payload.get("contract_power"), 100)
    realtime = Realtime(
        source=Source.CLOUD,
        charger_id=as_str(_first(payload, CHARGER_ID_KEYS)),
        charge_state=as_int(payload.get("charge_state")),
        charge_power=_scaled(payload.get("power"), 1000),
        charge_energy=as_float(payload.get("energy")),
        charge_time=as_int(payload.get("seconds")),
        house_power=_scaled(payload.get("house_power"), 1000),
        pv_power=_scaled(payload.get("sun_power"), 1000),
        battery_power=_scaled(payload.get("battery"), 1000),
        # "voltage" is an internal signal level: the mains voltage is "cp_level".
        grid_voltage=as_float(payload.get("cp_level")),
        slave_error=as_int(_first(payload, SLAVE_ERROR_KEYS)),
        paused=as_bool(_first(payload, PAUSED_KEYS)),
        locked=as_bool(payload.get("locked")),
        dynamic=as_bool(payload.get("dynamic")),
        intensity=as_int(payload.get("intensity")),
        min_intensity=as_int(payload.get("min_car_int")),
        max_intensity=as_int(payload.get("max_car_int")),
        light_led=None if led is None else round(led),
        # On/off in the cloud, never a brightness.
        logo_led_on=as_bool(payload.get("logo_led")),
        contracted_power=None if contract is None else round(contract),
        firmware_version=as_str(payload.get("version")),
        ssid=as_str(wifi.get("ssid")),
        ip_address=as_str(wifi.get("ip")),
    )
    state = CloudState(
        realtime=realtime,
        connected=as_bool(_first(payload, CONNECTED_KEYS)),
        rfid_reader=as_bool(_first(payload, RFID_KEYS)),
        ocpp_enabled=as_bool(_first(payload, OCPP_KEYS)),
        installation_type=InstallationType.parse(payload.get("inst_type")),
        slave_type=MeterType.parse(payload.get("slave_type")),
        language=Language.parse(payload.get("language")),
        raw=dict(payload),
    )
    if all(getattr(realtime, name) is None for name in _REALTIME_VALUES) and all(
        getattr(state, name) is None for name in _CLOUD_SETTINGS
    ):
        # Not one value we know: a reply gone wrong, not a charger whose every value is
        # unknown. As an error it keeps the last good state for the cloud's grace period.
        raise InvalidResponseError("The reported state has none of the known values")
    return state


_REALTIME_VALUES: Final = tuple(f.name for f in fields(Realtime) if f.name != "source")
_CLOUD_SETTINGS: Final = (
    "connected",
    "rfid_reader",
    "ocpp_enabled",
    "installation_type",
    "slave_type",
    "language",
)


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """What ``/version`` says of a charger."""

    firmware: str | None
    model: str | None

    @property
    def firmware_release(self) -> str | None:
        """Return the firmware only when it reads as a release ("2.4.6"), not as some id."""
        if self.firmware is None or _RELEASE.fullmatch(self.firmware) is None:
            return None
        return self.firmware


_RELEASE = re.compile(r"\d+(\.\d+){1,3}")


def parse_version(payload: Any) -> VersionInfo:
    """Parse ``/version``."""
    if not isinstance(payload, Mapping):
        return VersionInfo(firmware=as_str(payload), model=None)
    return VersionInfo(
        firmware=as_str(payload.get("versionId") or payload.get("version")),
        model=as_str(payload.get("commercialName") or payload.get("modelName")),
    )


def normalize_payload(payload: Any) -> Any:
    """Return a JSON payload as plain JSON types (for events and action responses)."""
    if isinstance(payload, Mapping):
        return {str(k): normalize_payload(v) for k, v in payload.items()}
    if isinstance(payload, list | tuple):
        return [normalize_payload(v) for v in payload]
    if payload is None or isinstance(payload, bool | int | float | str):
        return payload
    return str(payload)
