"""What the demo knows about each vendor: simulator, config flow answers, energy sensors.

One ``Vendor`` per integration. A vendor is *available* when both its integration (with a
config flow) and its simulator package are in the tree; the demo skips the others.

``answers`` maps a config flow step id to a function of the simulator URLs that returns the
user input for that step, exactly what a person would type in the form. ``energy`` maps an
Energy dashboard role to the translation keys of the sensors that fill it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]

type Urls = Mapping[str, str]
"""Simulator app name -> base URL, from the simulator's ``ready`` line."""

type Form = Mapping[str, Any]
"""A config flow result of type ``form`` or ``menu`` (``data_schema``, ``menu_options``...)."""

type Answer = Callable[[Urls, Form], dict[str, Any]]

# Energy dashboard roles.
GRID_IMPORT = "grid_import"
GRID_EXPORT = "grid_export"
SOLAR = "solar"
BATTERY_IN = "battery_in"  # energy into the battery (charged)
BATTERY_OUT = "battery_out"  # energy out of the battery (discharged)
DEVICE = "device"  # an individual consumer (the EV charger)


def host_port(url: str) -> str:
    """Return ``host:port`` of a URL."""
    return urlsplit(url).netloc


def first(urls: Urls, *hints: str) -> str:
    """Return the URL of the first app whose name contains one of the hints (or the first)."""
    for hint in hints:
        for name, url in urls.items():
            if hint in name:
                return url
    return next(iter(urls.values()))


def defaults(form: Form) -> dict[str, Any]:
    """Return the defaults the form offers (what a person gets by clicking Submit)."""
    return {
        field["name"]: field["default"]
        for field in form.get("data_schema", [])
        if "default" in field
    }


def answer(**values: Any) -> Answer:
    """Return an answer that types fixed values over the form's defaults."""
    return lambda _urls, form: {**defaults(form), **values}


def menu(option: str) -> Answer:
    """Return an answer that picks a menu option."""
    return lambda _urls, _form: {"next_step_id": option}


@dataclass(frozen=True, slots=True)
class WrongValue:
    """One wrong value a person might type, and the error the form must show for it."""

    step_id: str
    field: str
    value: Any
    error: str  # the translation key of the error the form shows (config.error.<key>)


@dataclass(frozen=True, slots=True)
class DemoAction:
    """An action the browser test calls from Developer tools, and the entity it changes."""

    service: str  # "domain.service"
    # The action's data, from the entry's ids: ``config_entry_id``, translation key ->
    # entity id, ``device:<translation key>`` -> that entity's device id.
    data: Callable[[Mapping[str, str]], dict[str, Any]]
    entity_key: str  # translation key of the entity whose state changes
    expected: str  # its state afterwards


@dataclass(frozen=True, slots=True)
class Vendor:
    """One integration and its simulator."""

    domain: str
    simulator: str
    title: str
    answers: Mapping[str, Answer]
    energy: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Energy roles filled by the integration's external statistics (``<domain>:..._<suffix>``).
    energy_statistics: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    power: tuple[str, ...] = ()  # translation keys of the power sensors the demo graphs
    simulator_args: tuple[str, ...] = ()
    application_credentials: tuple[str, str] | None = None  # client id, secret
    hass_env: Callable[[Urls], dict[str, str]] | None = None
    wrong: tuple[WrongValue, ...] = ()  # at most one per form
    action: DemoAction | None = None
    # Part of the demo house (its Energy dashboard); the others are shown on their own.
    house: bool = False

    @property
    def available(self) -> bool:
        """Return whether the integration and its simulator are in the tree."""
        integration = REPO / "custom_components" / self.domain
        simulator = REPO / "simulators" / self.simulator / "__init__.py"
        return (
            (integration / "manifest.json").is_file()
            and (integration / "config_flow.py").is_file()
            and (integration / "__init__.py").is_file()
            and simulator.is_file()
        )


# The Powervault simulator's cloud port (its default).
POWERVAULT_CLOUD_PORT = 8100
# The V2C simulator's chargers' LAN ports (its defaults: the cloud on 8200, charger n on 8200+n).
V2C_CHARGER_PORTS = (8201, 8202)
# What each charger draws: the V2C simulator's default intensity (16 A) at its voltage (230 V).
V2C_CHARGER_WATTS = 16 * 230
# The house's routine: both cars charge every evening, in these hours (British time). The
# V2C simulator plugs the cars in and out by it, the Powervault's history counts it in the
# home load before its first reading of the chargers, and the demo imports the same sessions
# as the chargers' statistics (scripts/demo/history.py): one house, past and present.
EV_EVENING = "18:00-21:30"

POWERVAULT = Vendor(
    domain="powervault",
    simulator="powervault",
    title="Powervault",
    # The demo house: its Powervault measures the grid, the solar panels and the home, so it
    # is the house's one grid meter; its cloud's history fills the hours before the start.
    # The V2C chargers charge in the same house: the home load includes their power.
    house=True,
    simulator_args=(
        "--set",
        "powervault.linked_load="
        + ",".join(f"http://127.0.0.1:{port}/RealTimeData" for port in V2C_CHARGER_PORTS),
        "--set",
        f"powervault.linked_history={EV_EVENING}@{V2C_CHARGER_WATTS * len(V2C_CHARGER_PORTS)}",
    ),
    # The cloud connection (P4/P5 units); the simulator's key, its first unit.
    answers={
        "user": menu("cloud"),
        "cloud": answer(api_key="sim-powervault-key"),
        "units": answer(),
    },
    hass_env=lambda urls: {
        "POWERVAULT_CLOUD_BASE_URL": first(urls, "cloud") + "/v4",
    },
    power=("battery_power", "grid_power", "solar_power", "home_power"),
    energy={
        GRID_IMPORT: ("grid_import_energy",),
        GRID_EXPORT: ("grid_export_energy",),
        SOLAR: ("solar_energy",),
        BATTERY_IN: ("battery_charge_energy",),
        BATTERY_OUT: ("battery_discharge_energy",),
    },
    wrong=(WrongValue("cloud", "api_key", "not-a-powervault-key", "invalid_auth"),),
    # Force discharge: the unit's default schedule never sets it (it force-charges every
    # night from 00:30 to 04:30, so a force-charge would change nothing then).
    action=DemoAction(
        service="powervault.set_battery_state",
        data=lambda ids: {"config_entry_id": ids["config_entry_id"], "state": "force-discharge"},
        entity_key="battery_mode",
        expected="force_discharge",
    ),
)

V2C = Vendor(
    domain="v2c_cloud",
    simulator="v2c",
    title="V2C Cloud",
    # The house's two chargers (their load is part of the Powervault's home load); their
    # house and photovoltaic readings are the Powervault's (its control API).
    house=True,
    simulator_args=(
        "--set",
        f"v2c.house_meter=http://127.0.0.1:{POWERVAULT_CLOUD_PORT}/_sim/state",
        "--set",
        f"v2c.car_window={EV_EVENING}",
    ),
    answers={"user": answer(api_key="sim-api-key")},
    hass_env=lambda urls: {"HOME_ENERGY_BRIDGES_V2C_CLOUD_URL": first(urls, "cloud")},
    energy={DEVICE: ("charge_energy",)},
    power=("charge_power",),
    wrong=(WrongValue("user", "api_key", "not-a-v2c-key", "invalid_auth"),),
    action=DemoAction(
        service="v2c_cloud.set_ocpp_enabled",
        data=lambda ids: {"device_id": ids["device:ocpp"], "enabled": True},
        entity_key="ocpp",
        expected="on",
    ),
)

ENPHASE = Vendor(
    domain="enphase_gateway",
    simulator="enphase",
    title="Enphase IQ Gateway",
    # One gateway: firmware 8 with CTs, IQ Batteries and a System Controller (token auth,
    # the token fetched with the simulated Enlighten account).
    # A tenth of the real gateways' latencies: the first full read takes seconds, not 12 s.
    # Its cloud does not put storage settings back: the demo's action sticks.
    simulator_args=(
        "--set",
        "enphase.profile=8x",
        "--set",
        "enphase.latency=0.1",
        "--set",
        "enphase.cloud_override=0",
    ),
    answers={
        "user": answer(host="127.0.0.1:8304"),
        "auth": menu("cloud_login"),
        "cloud_login": answer(username="owner@example.com", password="correct horse battery"),  # noqa: S106
    },
    hass_env=lambda urls: {
        "ENPHASE_GATEWAY_ENLIGHTEN_BASE_URL": first(urls, "cloud"),
        "ENPHASE_GATEWAY_TOKEN_BASE_URL": first(urls, "cloud"),
    },
    energy={SOLAR: ("production_lifetime",)},
    power=("production_power", "consumption_power"),
    wrong=(
        # A public address: the LAN guard refuses it before anything is sent.
        WrongValue("user", "host", "8.8.8.8", "not_private_address"),
        WrongValue("cloud_login", "password", "not my password", "invalid_auth"),
    ),
    action=DemoAction(
        service="enphase_gateway.set_storage_settings",
        data=lambda ids: {"config_entry_id": ids["config_entry_id"], "mode": "backup"},
        entity_key="storage_mode",
        expected="backup",
    ),
)

# One price all year, every hour: the demo's action shows the same price whatever the time.
FLAT_TARIFF: dict[str, Any] = {
    "currency": "USD",
    "seasons": {
        "Year": {
            "fromMonth": 1,
            "fromDay": 1,
            "toMonth": 12,
            "toDay": 31,
            "tou_periods": {"OFF_PEAK": {"periods": [{"toDayOfWeek": 6}]}},
        }
    },
    "energy_charges": {"Year": {"rates": {"OFF_PEAK": 0.25}}},
}

TESLA = Vendor(
    domain="tesla_energy",
    simulator="tesla",
    title="Tesla Energy",
    # The demo's sites are in the demo home's time zone, so their sun rises with the others'.
    simulator_args=("--set", "tesla.time_zone=Europe/London"),
    # OAuth: the simulator's authorize page approves at once and redirects back.
    answers={"missing_command_scope": answer(), "reauth_confirm": answer()},
    application_credentials=("demo-client-id", "demo-client-secret"),
    hass_env=lambda urls: {"TESLA_ENERGY_FLEET_SERVER": first(urls)},
    power=("solar_power", "battery_power", "grid_power", "load_power"),
    # The site's hourly history, imported as long-term statistics.
    energy_statistics={
        SOLAR: ("solar_production",),
        BATTERY_IN: ("battery_charge",),
        BATTERY_OUT: ("battery_discharge",),
    },
    # The settings have entities (and no actions of their own): the action is the tariff's,
    # whose current buy price then shows on the site.
    action=DemoAction(
        service="tesla_energy.set_time_of_use",
        data=lambda ids: {"device_id": ids["device:buy_price"], "tariff": FLAT_TARIFF},
        entity_key="buy_price",
        expected="0.25",
    ),
)

# The demo house (``house``): the Powervault (grid meter, solar, battery) and the two V2C
# chargers, whose load the Powervault sees. Enphase and Tesla each simulate a home of their
# own (their own sun, load and meter): adding them up would balance nothing, so they are
# shown apart, on the demo dashboard's "Other homes" view, not on the Energy dashboard.
VENDORS: tuple[Vendor, ...] = (POWERVAULT, ENPHASE, TESLA, V2C)


def available_vendors(only: set[str] | None = None) -> list[Vendor]:
    """Return the vendors the demo can run now (optionally only some domains)."""
    return [
        vendor for vendor in VENDORS if vendor.available and (only is None or vendor.domain in only)
    ]
