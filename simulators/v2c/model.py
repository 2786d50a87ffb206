"""A simulated V2C Trydan charger: its state, its firmware's quirks, its charging session."""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from typing import Any

from ..framework.house import DailyWindow

WRITABLE: dict[str, tuple[int, int]] = {
    "Paused": (0, 1),
    "Locked": (0, 1),
    "Timer": (0, 1),
    "Dynamic": (0, 1),
    "PauseDynamic": (0, 1),
    "Intensity": (6, 32),
    "MinIntensity": (6, 32),
    "MaxIntensity": (6, 32),
    "LightLED": (0, 100),
    "LogoLED": (0, 100),
    "ChargeMode": (0, 2),
    "DynamicPowerMode": (0, 5),
    "ContractedPower": (0, 100_000),
    "VoltageInstallation": (100, 450),
}

# RealTimeData key -> attribute of Charger.
KEYWORD_ATTRS: dict[str, str] = {
    "Paused": "paused",
    "Locked": "locked",
    "Timer": "timer",
    "Dynamic": "dynamic",
    "PauseDynamic": "pause_dynamic",
    "Intensity": "intensity",
    "MinIntensity": "min_intensity",
    "MaxIntensity": "max_intensity",
    "LightLED": "light_led",
    "LogoLED": "logo_led",
    "ChargeMode": "charge_mode",
    "DynamicPowerMode": "dynamic_power_mode",
    "ContractedPower": "contracted_power",
    "VoltageInstallation": "voltage",
}


@dataclass(frozen=True, slots=True)
class Firmware:
    """What a firmware version puts in RealTimeData and whether it has ``/read/``."""

    version: str
    has_id: bool = True
    has_voltage: bool = True
    has_leds: bool = True
    has_charge_mode: bool = False
    has_wifi_keys: bool = False
    read_supported: bool = True
    stray_percent: bool = False


FIRMWARES: dict[str, Firmware] = {
    "1.6.11": Firmware("1.6.11", has_id=False, has_voltage=False, has_leds=False),
    "2.1.7": Firmware("2.1.7", stray_percent=True),
    "2.1.17": Firmware("2.1.17", has_wifi_keys=True, has_charge_mode=True),
    "2.3.20": Firmware("2.3.20", has_wifi_keys=True, read_supported=False),
    "2.4.6": Firmware("2.4.6", has_wifi_keys=True, has_leds=False),
}


@dataclass
class Charger:
    """One charger, shared by its LAN app and the cloud app."""

    charger_id: str
    name: str
    firmware: Firmware
    ip: str = ""
    """The address the cloud's pairing list shows ("" for a 4G-only charger)."""
    has_lan: bool = True
    cloud_connected: bool = True
    car_connected: bool = True
    paused: int = 0
    locked: int = 0
    timer: int = 0
    dynamic: int = 0
    pause_dynamic: int = 0
    intensity: int = 16
    min_intensity: int = 6
    max_intensity: int = 32
    light_led: int = 25
    logo_led: int = 75
    charge_mode: int = 0
    dynamic_power_mode: int = 2
    contracted_power: int = 4600
    voltage: int = 230
    house_power: float = 850.0
    pv_power: float = 1200.0
    battery_power: float = 0.0
    slave_error: int = 0
    ssid: str = "HomeWifi"
    signal: int = 3
    energy: float = 0.0
    """kWh of the current session."""
    charge_time: float = 0.0
    last_tick: float = 0.0
    rfid_reader: int = 1
    ocpp: int = 0
    ocpp_id: str = ""
    ocpp_addr: str = ""
    inverter_ip: str = ""
    inst_type: int = 0
    slave_type: int = 0
    language: int = 0
    """0 English (the real cloud's codes: 0 English ... 9 Catalan)."""
    fv_mode: int = 0
    max_power: int = 7400
    stop_energy: float = 0.0
    stop_minutes: int = 0
    wifi_password: str = ""
    rfid_cards: list[dict[str, str]] = field(default_factory=list)
    learning_tag: str | None = None
    timers: dict[int, dict[str, Any]] = field(default_factory=dict)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    timer_requests: list[dict[str, Any]] = field(default_factory=list)
    """What each accepted ``/device/timer`` carried (query and body), for tests."""
    offered_firmware: str | None = None
    """A newer firmware the cloud's ``/version`` offers (None: the installed one)."""
    refuse_writes: bool = False
    """The LAN answers ``/write/`` with an error text (not ``OK``) and changes nothing."""
    reboots: int = 0
    updates: int = 0
    plug_window: DailyWindow | None = None
    """When the car is plugged in every day (the demo house's routine); None: by hand only."""
    window_plugged: bool | None = None
    """Whether the window was open at the last tick (the car moves only when it opens/shuts)."""

    # -- the session --------------------------------------------------------------------------

    @property
    def charging(self) -> bool:
        """Return whether current flows to the car."""
        return bool(self.car_connected and not self.paused and not self.locked)

    @property
    def charge_power(self) -> float:
        """Return the power (W): it follows the intensity."""
        if not self.charging:
            return 0.0
        phases = 3 if self.charge_mode == 1 else 1
        return float(self.intensity * self.voltage * phases)

    @property
    def charge_state(self) -> int:
        """Return 0 disconnected, 1 connected, 2 charging."""
        if not self.car_connected:
            return 0
        return 2 if self.charging else 1

    def follow_window(self, window: DailyWindow, now: float) -> None:
        """Plug the car in and out by a daily window from now on.

        Started inside the window, the session is already running since it opened: what
        the house's past (the demo's imported history) says the car charged.
        """
        self.plug_window = window
        self.window_plugged = now in window
        self.car_connected = self.window_plugged
        self.reset_session()
        self.last_tick = now
        opened = window.opened(now)
        if opened is not None and self.charging:
            self.charge_time = now - opened
            self.energy = self.charge_power * self.charge_time / 3_600_000

    def _follow(self, ts: float) -> None:
        """Plug the car in or out when the window opens or shuts (hand-made changes stay)."""
        if self.plug_window is None:
            return
        plugged = ts in self.plug_window
        if plugged == self.window_plugged:
            return
        self.window_plugged = plugged
        if plugged and not self.car_connected:
            self.reset_session()
        self.car_connected = plugged

    def tick(self, now: float) -> None:
        """Move the session forward to ``now`` (energy accumulates while charging)."""
        if self.last_tick == 0.0:
            self.last_tick = now
            self._follow(now)
            return
        moment = self.last_tick
        # Minute by minute with a window (its edges are whole minutes, as the demo's history
        # counts them), in one go without.
        while moment < now:
            upto = min(moment - moment % 60 + 60, now) if self.plug_window else now
            self._follow(moment)
            if self.charging:
                self.energy += self.charge_power * (upto - moment) / 3_600_000
                self.charge_time += upto - moment
            moment = upto
        self.last_tick = now
        self._follow(now)

    def reset_session(self) -> None:
        """Start a new session (a car plugged in, or a reboot)."""
        if self.energy:
            self.sessions.append({"energy": round(self.energy, 3), "seconds": self.charge_time})
        self.energy = 0.0
        self.charge_time = 0.0

    # -- the LAN view -------------------------------------------------------------------------

    def realtime(self) -> dict[str, Any]:
        """Return RealTimeData as this firmware sends it."""
        fw = self.firmware
        data: dict[str, Any] = {}
        if fw.has_id:
            data["ID"] = self.charger_id
        data.update(
            {
                "ChargeState": self.charge_state,
                # Real chargers say 1 while a car is connected and not charging.
                "ReadyState": int(self.car_connected and not self.charging),
                "ChargePower": round(self.charge_power, 2),
                "ChargeEnergy": round(self.energy, 2),
                "SlaveError": self.slave_error,
                "ChargeTime": int(self.charge_time),
                "HousePower": self.house_power,
                "FVPower": self.pv_power,
                "BatteryPower": self.battery_power,
                "Paused": self.paused,
                "Locked": self.locked,
                "Timer": self.timer,
                "Intensity": self.intensity,
                "Dynamic": self.dynamic,
                "MinIntensity": self.min_intensity,
                "MaxIntensity": self.max_intensity,
                "PauseDynamic": self.pause_dynamic,
                "FirmwareVersion": fw.version,
                "DynamicPowerMode": self.dynamic_power_mode,
                "ContractedPower": self.contracted_power,
            }
        )
        if fw.has_voltage:
            data["VoltageInstallation"] = self.voltage
        if fw.has_leds:
            data["LightLED"] = self.light_led
            data["LogoLED"] = self.logo_led
        if fw.has_charge_mode:
            data["ChargeMode"] = self.charge_mode
        if fw.has_wifi_keys:
            data["SSID"] = self.ssid
            data["IP"] = self.ip.split(":", 1)[0]
            data["SignalStatus"] = self.signal
        return data

    def read(self, keyword: str) -> float | None:
        """Return a keyword's value as ``/read/`` does, or None when unknown."""
        attr = KEYWORD_ATTRS.get(keyword)
        if attr is None:
            return None
        value: float = getattr(self, attr)
        return value

    def write(self, keyword: str, value: int) -> None:
        """Apply a validated write."""
        setattr(self, KEYWORD_ATTRS[keyword], value)

    # -- the cloud view -----------------------------------------------------------------------

    def reported(self) -> dict[str, str]:
        """Return ``/device/reported`` with the real cloud's shape.

        Every value a string; power in kW; ``contract_power`` in W/100; ``light_led`` a 0-1
        fraction; ``logo_led`` on/off; ``device_id`` names the charger. No ready state, timer,
        pause dynamic, charge mode, dynamic power mode or Wi-Fi signal (only the LAN has them),
        and no mains voltage (``cp_level`` comes through ``/device/currentstatecharge``).
        """
        values: dict[str, Any] = {
            "device_id": self.charger_id,
            "connected": int(self.cloud_connected),
            "charge_state": self.charge_state,
            "power": f"{self.charge_power / 1000:.6f}",
            "energy": f"{self.energy:.6f}",
            "seconds": int(self.charge_time),
            "house_power": f"{self.house_power / 1000:.6f}",
            "sun_power": f"{self.pv_power / 1000:.6f}",
            "battery": f"{self.battery_power / 1000:.6f}",
            "grid_power": f"{(self.house_power - self.pv_power) / 1000:.6f}",
            "voltage": "0.232050",
            "slave_error": self.slave_error,
            "paused": self.paused,
            "locked": self.locked,
            "dynamic": self.dynamic,
            "intensity": self.intensity,
            "min_car_int": self.min_intensity,
            "max_car_int": self.max_intensity,
            "light_led": f"{self.light_led / 100:.2f}",
            "logo_led": int(self.logo_led > 0),
            "contract_power": f"{self.contracted_power / 100:g}",
            "version": self.firmware.version,
            "wifi_info": json.dumps(
                {
                    "ssid": self.ssid,
                    "ip": self.ip.split(":", 1)[0],
                    "static_mode": "0",
                    "status": "1" if self.has_lan else "0",
                }
            ),
            "set_rfid": self.rfid_reader,
            "ocpp": self.ocpp,
            "inst_type": self.inst_type,
            "slave_type": self.slave_type,
            "language": self.language,
        }
        return {key: str(value) for key, value in values.items()}

    def current_state_charge(self) -> dict[str, str]:
        """Return ``/device/currentstatecharge`` (Trydan Pro 4G, firmware 2.4.2 shape)."""
        values: dict[str, Any] = {
            "seconds": int(self.charge_time),
            "error": self.slave_error,
            "voltage": "0.232050",
            "phases": 3 if self.charge_mode == 1 and self.charging else int(self.charging),
            "battery": f"{self.battery_power / 1000:.6f}",
            "intensity": self.intensity if self.charging else 0,
            "energy": f"{self.energy:.6f}",
            "power": f"{self.charge_power / 1000:.6f}",
            "house_power": f"{self.house_power / 1000:.6f}",
            "sun_power": f"{self.pv_power / 1000:.6f}",
            "grid_power": f"{(self.house_power - self.pv_power) / 1000:.6f}",
            "photovoltaic_on": int(self.pv_power > 0),
            "cp_level": f"{self.voltage:.6f}",
        }
        return {key: str(value) for key, value in values.items()}

    def pairing(self) -> dict[str, str]:
        """Return the charger's entry in ``/pairings/me``."""
        return {
            "deviceId": self.charger_id,
            "ip": self.ip if self.has_lan else "",
            "tag": self.name,
            "modelName": "Trydan Pro" if not self.has_lan else "Trydan",
        }

    def summary(self) -> dict[str, Any]:
        """Return the state for the control API."""
        return {
            "charger_id": self.charger_id,
            "firmware": self.firmware.version,
            "ip": self.ip,
            "has_lan": self.has_lan,
            "car_connected": self.car_connected,
            "charge_power": self.charge_power,
            "energy": round(self.energy, 4),
            **{keyword: getattr(self, attr) for keyword, attr in KEYWORD_ATTRS.items()},
            "rfid_reader": self.rfid_reader,
            "ocpp": self.ocpp,
            "inst_type": self.inst_type,
            "slave_type": self.slave_type,
            "language": self.language,
            "fv_mode": self.fv_mode,
            "max_power": self.max_power,
            "rfid_cards": list(self.rfid_cards),
        }
