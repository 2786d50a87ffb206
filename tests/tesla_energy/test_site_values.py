"""Values the core integrations show: grid services, VPP reserve, Wall Connector state and
vehicle, the tariff's current prices, and when the live data was last read."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
import homeassistant.components
from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.const import ATTR_ENTITY_ID, ATTR_UNIT_OF_MEASUREMENT, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.tesla_energy.api import SiteInfo
from custom_components.tesla_energy.coordinator import async_site_time_zone
from simulators.tesla import TeslaFleetSimulator

from .conftest import ACCOUNT, HOME_SITE, no_retry_wait
from .tariffs import pge_tariff

WC1 = "1457768-02-G--PGT00000000001"
WC2 = "1457768-02-G--PGT00000000002"
SITE_ZONE = ZoneInfo("America/Los_Angeles")


def _core_evse_states() -> dict[int, str]:
    """Return the Wall Connector state names of Home Assistant core's tesla_wall_connector.

    Read from its source (its library is not installed here): the names come from there,
    not from our code.
    """
    source = (
        Path(homeassistant.components.__path__[0]) / "tesla_wall_connector" / "sensor.py"
    ).read_text()
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "EVSE_STATE"
        ):
            table: dict[int, str] = ast.literal_eval(node.value)
            return table
    raise AssertionError("EVSE_STATE not found in core's tesla_wall_connector")


EVSE_STATE = _core_evse_states()


def state(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state."""
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


def live_reply(connectors: list[dict[str, Any]]) -> str:
    """Return a live_status reply of our own making, with the given Wall Connectors."""
    return json.dumps(
        {
            "response": {
                "solar_power": 1000,
                "percentage_charged": 50,
                "battery_power": 0,
                "load_power": 1000,
                "grid_power": 0,
                "grid_status": "Active",
                "grid_services_active": True,
                "island_status": "on_grid",
                "timestamp": "2026-11-20T10:00:00-08:00",
                "wall_connectors": connectors,
            }
        }
    )


async def refresh_live(entry: MockConfigEntry, hass: HomeAssistant) -> None:
    """Read the home site's live status now."""
    await entry.runtime_data.sites[HOME_SITE].live.async_refresh()
    await hass.async_block_till_done()


async def test_grid_services_and_vpp_reserve(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """Grid services enabled (settings) and active (live), and the VPP backup reserve."""
    # The simulator's site_info says grid services are not enabled, and its VPP reserve is
    # the backup reserve.
    assert state(hass, "binary_sensor.home_grid_services_enabled") == "off"
    assert (
        float(state(hass, "sensor.home_vpp_backup_reserve")) == sim.site(HOME_SITE).backup_reserve
    )
    assert state(hass, "binary_sensor.home_grid_services_active") == "off"
    sim.faults.inject("malformed", route=f"/{HOME_SITE}/live_status$", times=1, body=live_reply([]))
    await refresh_live(setup_integration, hass)
    assert state(hass, "binary_sensor.home_grid_services_active") == "on"


async def test_wall_connector_state_by_name_and_vehicle(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """States show by name (the local Wall Connector API's names); a vehicle shows its VIN."""
    sim.faults.inject(
        "malformed",
        route=f"/{HOME_SITE}/live_status$",
        times=1,
        body=live_reply(
            [
                {
                    "din": WC1,
                    "wall_connector_state": 11,
                    "wall_connector_fault_state": 2,
                    "wall_connector_power": 7000,
                    "vin": "TESTVIN0000000042",
                },
                {
                    "din": WC2,
                    "wall_connector_state": 1,
                    "wall_connector_fault_state": 2,
                    "wall_connector_power": 0,
                },
            ]
        ),
    )
    await refresh_live(setup_integration, hass)
    # Home Assistant core's tesla_wall_connector names the codes.
    assert state(hass, "sensor.home_wall_connector_0001_status") == EVSE_STATE[11]
    assert state(hass, "sensor.home_wall_connector_0002_status") == EVSE_STATE[1]
    assert state(hass, "sensor.home_wall_connector_0001_vehicle") == "TESTVIN0000000042"
    # No vehicle named: unknown, not an error.
    assert state(hass, "sensor.home_wall_connector_0002_vehicle") == "unknown"
    # The raw code is still there, disabled by default.
    code = er.async_get(hass).async_get("sensor.home_wall_connector_0001_state_code")
    assert code is not None
    assert code.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_unknown_wall_connector_code_is_a_clear_fallback(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """A code no table knows shows as unrecognized with the code beside it, not an error."""
    sim.faults.inject(
        "malformed",
        route=f"/{HOME_SITE}/live_status$",
        times=1,
        body=live_reply(
            [
                {
                    "din": WC1,
                    "wall_connector_state": 42,
                    "wall_connector_fault_state": 2,
                    "wall_connector_power": 0,
                }
            ]
        ),
    )
    await refresh_live(setup_integration, hass)
    assert 42 not in EVSE_STATE
    current = hass.states.get("sensor.home_wall_connector_0001_status")
    assert current is not None
    assert current.state == "unrecognized"
    assert current.attributes["code"] == 42
    # The Wall Connector missing from this reply is unavailable, as before.
    assert state(hass, "sensor.home_wall_connector_0002_status") == STATE_UNAVAILABLE


async def test_fault_codes_show_as_sent(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """No source names the fault codes: the sensor shows the number as sent, nothing more."""
    connectors = [
        {"din": WC1, "wall_connector_state": 2, "wall_connector_fault_state": 137},
        {"din": WC2, "wall_connector_state": 2},
    ]
    sim.faults.inject(
        "malformed", route=f"/{HOME_SITE}/live_status$", times=1, body=live_reply(connectors)
    )
    await refresh_live(setup_integration, hass)
    fault = hass.states.get("sensor.home_wall_connector_0001_fault_state_code")
    assert fault is not None
    assert fault.state == str(connectors[0]["wall_connector_fault_state"])
    assert "code" not in fault.attributes
    # A reply without the field: unknown, not a guess.
    assert state(hass, "sensor.home_wall_connector_0002_fault_state_code") == "unknown"


@pytest.mark.freeze_time("2026-07-16 00:30:00+00:00")
async def test_current_prices_from_the_site_tariff(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
) -> None:
    """Buy and sell prices of the site's own tariff at the site's time, with no extra call."""
    tariff = pge_tariff()
    sim.tariffs[HOME_SITE] = tariff
    await setup_integration.runtime_data.sites[HOME_SITE].info.async_refresh()
    await hass.async_block_till_done()
    # 15 July, 17:30 at the site: summer (June to September), 16:00-21:00 is ON_PEAK.
    assert dt_util.utcnow().astimezone(SITE_ZONE) == datetime(2026, 7, 15, 17, 30, tzinfo=SITE_ZONE)
    buy = hass.states.get("sensor.home_buy_price")
    sell = hass.states.get("sensor.home_sell_price")
    assert buy is not None
    assert sell is not None
    assert float(buy.state) == tariff["energy_charges"]["Summer"]["rates"]["ON_PEAK"]
    assert (
        float(sell.state) == tariff["sell_tariff"]["energy_charges"]["Summer"]["rates"]["ON_PEAK"]
    )
    assert buy.attributes[ATTR_UNIT_OF_MEASUREMENT] == f"{tariff['currency']}/kWh"
    assert buy.attributes["period"] == "ON_PEAK"
    site_info_calls = sim.log.count(f"/{HOME_SITE}/site_info")
    # 21:30 at the site: PARTIAL_PEAK (21:00-24:00); the clock alone moves the price.
    freezer.tick(timedelta(hours=4))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert (
        float(state(hass, "sensor.home_buy_price"))
        == (tariff["energy_charges"]["Summer"]["rates"]["PARTIAL_PEAK"])
    )
    # 03:30 the next morning: OFF_PEAK (until 15:00).
    freezer.tick(timedelta(hours=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert (
        float(state(hass, "sensor.home_sell_price"))
        == (tariff["sell_tariff"]["energy_charges"]["Summer"]["rates"]["OFF_PEAK"])
    )
    # Whatever the budget read meanwhile, the prices needed no call of their own.
    assert sim.log.count(f"/{HOME_SITE}/site_info") - site_info_calls <= 1
    assert sim.log.count("tariff") == 0


async def test_no_tariff_no_price(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """A site without a tariff in its settings shows no price (unavailable), not zero."""
    assert state(hass, "sensor.home_buy_price") == STATE_UNAVAILABLE
    assert state(hass, "sensor.home_sell_price") == STATE_UNAVAILABLE


async def test_live_data_read_time(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
) -> None:
    """Each site says when its live data was last read; a failed read leaves it as it was."""
    registry = er.async_get(hass)
    entry = registry.async_get("sensor.home_live_data_read")
    assert entry is not None
    assert entry.entity_category is er.EntityCategory.DIAGNOSTIC
    current = hass.states.get("sensor.home_live_data_read")
    assert current is not None
    assert current.attributes["device_class"] == "timestamp"
    first = sim.log.matching(f"/{HOME_SITE}/live_status$")[-1]
    read_at = dt_util.parse_datetime(current.state)
    assert read_at is not None
    assert abs(read_at.timestamp() - first.time) < 1
    assert hass.states.get("sensor.barn_live_data_read") is not None
    # A failed read: the time stays that of the last good one.
    no_retry_wait(setup_integration)
    freezer.tick(timedelta(minutes=5))
    sim.faults.inject("status", route=f"/{HOME_SITE}/live_status$", status=503)
    await refresh_live(setup_integration, hass)
    assert state(hass, "sensor.home_live_data_read") == current.state
    sim.faults.clear()
    freezer.tick(timedelta(minutes=5))
    await refresh_live(setup_integration, hass)
    later = dt_util.parse_datetime(state(hass, "sensor.home_live_data_read"))
    assert later is not None
    assert abs(later.timestamp() - sim.log.matching(f"/{HOME_SITE}/live_status$")[-1].time) < 1
    assert later > read_at


async def test_reserve_with_a_fraction_is_rounded_visibly(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """50.9 % is sent as 51 (never cut to 50), and the entity shows what was sent."""
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "number.home_backup_reserve", ATTR_VALUE: 50.9},
        blocking=True,
    )
    assert sim.site(HOME_SITE).backup_reserve == 51
    assert state(hass, "number.home_backup_reserve") == "51.0"


async def test_reserve_nan_is_refused(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """nan passes the number entity's range check: it gets a translated error, nothing sent."""
    before = sim.billing[ACCOUNT].commands
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: "number.home_backup_reserve", ATTR_VALUE: "nan"},
            blocking=True,
        )
    assert caught.value.translation_key == "not_a_number"
    assert sim.billing[ACCOUNT].commands == before


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Europe/Amsterdam", "Europe/Amsterdam"),
        # Real site_info replies may send an empty name: Home Assistant's zone is used.
        ("", None),
        ("Mars/Olympus_Mons", None),
        ("../../etc/passwd", None),
    ],
)
async def test_site_time_zone(hass: HomeAssistant, name: str, expected: str | None) -> None:
    """The site's zone is loaded off the event loop; one we cannot load is Home Assistant's."""
    info = SiteInfo.from_api({"response": {"installation_time_zone": name}})
    zone = await async_site_time_zone(info)
    assert zone == (ZoneInfo(expected) if expected else dt_util.get_default_time_zone())
