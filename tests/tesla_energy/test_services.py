"""Actions: the tariff (validated first), histories with response data, explicit commands."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_energy.const import DOMAIN
from simulators.tesla import TeslaFleetSimulator

from .conftest import ACCOUNT, HOME_SITE
from .tariffs import pge_tariff


def site_device(hass: HomeAssistant, entry: MockConfigEntry, site_id: int = HOME_SITE) -> str:
    """Return the device id of a site."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, str(site_id)), entry.entry_id
    )
    assert device is not None
    return device.id


async def call(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = False
) -> Any:
    """Call one of the integration's actions."""
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )


async def test_set_time_of_use(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """A valid tariff reaches the site, and the server finds nothing to complain about."""
    tariff = pge_tariff()
    await call(
        hass,
        "set_time_of_use",
        {"device_id": site_device(hass, setup_integration), "tariff": tariff},
    )
    assert sim.tariffs[HOME_SITE]["code"] == "EV2-A"
    assert sim.invalid_schedule[HOME_SITE] == []
    info = setup_integration.runtime_data.sites[HOME_SITE].info.data
    assert info is not None
    assert info.tariff is not None
    assert info.tariff["code"] == "EV2-A"


async def test_broken_tariff_is_refused_before_any_call(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """The error tells the first broken rule and counts them; nothing is sent or billed."""
    tariff = pge_tariff()
    tariff["currency"] = "JPY"
    tariff["energy_charges"]["Winter"]["rates"]["OFF_PEAK"] = -0.1
    before = sim.billing[ACCOUNT].commands
    with pytest.raises(ServiceValidationError) as caught:
        await call(
            hass,
            "set_time_of_use",
            {"device_id": site_device(hass, setup_integration), "tariff": tariff},
        )
    # The first problem in words, the others counted: the currency, the negative price and
    # the sell price (0.05) now above it.
    assert caught.value.translation_key == "tariff_invalid_currency"
    assert caught.value.translation_placeholders == {
        "currency": "JPY",
        "currencies": "EUR, GBP, USD",
        "problems": "3",
    }
    assert HOME_SITE not in sim.tariffs
    assert sim.billing[ACCOUNT].commands == before


async def test_get_energy_history(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """The energy history comes back as response data in the user's names."""
    now = dt_util.utcnow()
    result = await call(
        hass,
        "get_energy_history",
        {
            "device_id": site_device(hass, setup_integration),
            "start": now - timedelta(hours=6),
            "end": now,
        },
        response=True,
    )
    assert result["unit"] == "Wh"
    assert result["time_zone"] == "America/Los_Angeles"
    assert len(result["intervals"]) >= 70
    assert set(result["totals"]) >= {"solar_production", "grid_import", "home_usage"}
    assert result["totals"]["home_usage"] > 0


async def test_get_backup_history(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """Outages come back as events with their durations."""
    sim.outages.append(
        (
            HOME_SITE,
            (dt_util.utcnow() - timedelta(hours=3)).timestamp(),
            (dt_util.utcnow() - timedelta(hours=2)).timestamp(),
        )
    )
    result = await call(
        hass,
        "get_backup_history",
        {
            "device_id": site_device(hass, setup_integration),
            "start": dt_util.utcnow() - timedelta(days=1),
        },
        response=True,
    )
    assert result["total_events"] == 1
    assert result["events"][0]["duration_seconds"] == 3600


async def test_get_charge_history(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """Wall Connector sessions come back with their energy."""
    result = await call(
        hass,
        "get_charge_history",
        {
            "device_id": site_device(hass, setup_integration),
            "start": dt_util.utcnow() - timedelta(days=3),
        },
        response=True,
    )
    assert len(result["sessions"]) >= 2
    assert result["sessions"][0]["energy_added_wh"] == 33000
    assert result["total_energy_wh"] == 33000 * len(result["sessions"])


async def test_history_range_must_be_forward(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """An end before the start is refused with a translated error."""
    now = dt_util.utcnow()
    with pytest.raises(ServiceValidationError) as caught:
        await call(
            hass,
            "get_energy_history",
            {
                "device_id": site_device(hass, setup_integration),
                "start": now,
                "end": now - timedelta(hours=1),
            },
            response=True,
        )
    assert caught.value.translation_key == "invalid_range"


@pytest.mark.parametrize(
    "service",
    [
        "set_backup_reserve",
        "set_operation_mode",
        "set_storm_watch",
        "set_grid_import_export",
        "set_off_grid_vehicle_charging_reserve",
    ],
)
async def test_actions_that_duplicate_entities_are_gone(
    hass: HomeAssistant, setup_integration: MockConfigEntry, service: str
) -> None:
    """Settings an entity controls have no action of their own (the entity's action does it)."""
    assert not hass.services.has_service(DOMAIN, service)
    assert hass.services.has_service(DOMAIN, "set_time_of_use")
    assert hass.services.has_service(DOMAIN, "get_energy_history")


async def test_unknown_device(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """A device that is not an energy site is refused."""
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "set_time_of_use", {"device_id": "nope", "tariff": pge_tariff()})
    assert caught.value.translation_key == "invalid_device"


async def test_unloaded_entry(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """An action on a site whose entry is not loaded says so."""
    device_id = site_device(hass, setup_integration)
    await hass.config_entries.async_unload(setup_integration.entry_id)
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "set_time_of_use", {"device_id": device_id, "tariff": pge_tariff()})
    assert caught.value.translation_key == "entry_not_loaded"


@pytest.mark.parametrize(
    ("service", "start", "end", "key"),
    [
        # Year 9999 overflowed in the time-zone arithmetic (OverflowError), and 0001-9999
        # reached the server.
        (
            "get_energy_history",
            "0001-01-01T00:00:00",
            "9999-12-31T23:59:59",
            "history_date_out_of_range",
        ),
        ("get_charge_history", "9999-12-31T23:59:59", None, "history_date_out_of_range"),
        ("get_backup_history", "0001-01-01T00:00:00", None, "history_too_early"),
        # 1900 to now ran for minutes: before any Tesla energy product existed.
        ("get_energy_history", "1900-01-01T00:00:00", None, "history_too_early"),
        # Far beyond tomorrow.
        ("get_energy_history", "2026-01-01T00:00:00", "2100-01-01T00:00:00", "history_in_future"),
        # Longer than a year in one call.
        ("get_backup_history", "2020-01-01T00:00:00", "2022-01-01T00:00:00", "history_too_long"),
    ],
)
@pytest.mark.freeze_time("2026-11-20 12:00:00+00:00")
async def test_history_range_is_bounded(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
    service: str,
    start: str,
    end: str | None,
    key: str,
) -> None:
    """Extreme or endless ranges get a translated error, and nothing reaches Tesla."""
    sim.log.clear()
    data: dict[str, Any] = {"device_id": site_device(hass, setup_integration), "start": start}
    if end is not None:
        data["end"] = end
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, service, data, response=True)
    assert caught.value.translation_key == key
    assert sim.log.count("history") == 0


@pytest.mark.freeze_time("2026-11-20 12:00:00+00:00")
async def test_a_year_of_history_is_allowed(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """A whole year back from now is within the bounds and reaches the site once."""
    sim.log.clear()
    result = await call(
        hass,
        "get_backup_history",
        {
            "device_id": site_device(hass, setup_integration),
            "start": "2025-11-21T00:00:00+00:00",
            "end": "2026-11-20T12:00:00+00:00",
        },
        response=True,
    )
    assert result["total_events"] == 0
    assert sim.log.count("calendar_history") == 1


async def test_demo_action_works(
    hass: HomeAssistant, setup_integration: MockConfigEntry, sim: TeslaFleetSimulator
) -> None:
    """The demo's browser test calls a kept action, and its entity changes as it expects."""
    from scripts.demo.vendors import TESLA

    action = TESLA.action
    assert action is not None
    domain, service = action.service.split(".")
    registry = er.async_get(hass)
    entity_id = next(
        e.entity_id
        for e in er.async_entries_for_config_entry(registry, setup_integration.entry_id)
        if e.translation_key == action.entity_key
    )
    device_id = registry.async_get(entity_id).device_id
    assert hass.states.get(entity_id).state != action.expected
    await hass.services.async_call(
        domain, service, action.data({f"device:{action.entity_key}": device_id}), blocking=True
    )
    assert hass.states.get(entity_id).state == action.expected
    assert sim.invalid_schedule[HOME_SITE] == []
