"""Writes: every control is verified by reading back; an ignored write is an error."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.enphase_gateway.const import DOMAIN
from simulators.enphase.gateway import GatewaySimulator

from .conftest import SimFactory, setup_entry

CONTROLLER = "122300000901"


def _entity(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None
    return entity_id


@pytest.fixture
async def full(
    hass: HomeAssistant, gateway_factory: SimFactory
) -> tuple[GatewaySimulator, MockConfigEntry]:
    sim, server = await gateway_factory("8x")
    entry = await setup_entry(hass, "8x", server.port)
    entry.runtime_data.client.verify_delay = 0
    return sim, entry


async def test_grid_relay(
    hass: HomeAssistant, full: tuple[GatewaySimulator, MockConfigEntry]
) -> None:
    sim, _entry = full
    switch = _entity(hass, "switch", f"{CONTROLLER}_grid_enabled")
    await hass.services.async_call(
        "switch", SERVICE_TURN_OFF, {ATTR_ENTITY_ID: switch}, blocking=True
    )
    assert sim.relay_admin == "open"
    assert hass.states.get(switch).state == "off"  # type: ignore[union-attr]
    await hass.services.async_call(
        "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: switch}, blocking=True
    )
    assert sim.relay_admin == "closed"
    # The gateway accepts the command but nothing changes: the user is told.
    sim.ignore_writes = True
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "switch", SERVICE_TURN_OFF, {ATTR_ENTITY_ID: switch}, blocking=True
        )
    assert err.value.translation_key == "write_not_applied"
    assert hass.states.get(switch).state == "on"  # type: ignore[union-attr]


async def test_dry_contact(
    hass: HomeAssistant, full: tuple[GatewaySimulator, MockConfigEntry]
) -> None:
    sim, _entry = full
    switch = _entity(hass, "switch", f"{CONTROLLER}_dry_contact_nc1")
    await hass.services.async_call(
        "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: switch}, blocking=True
    )
    assert sim.dry_contacts[0]["status"] == "closed"
    assert hass.states.get(switch).state == "on"  # type: ignore[union-attr]
    sim.ignore_writes = True
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "switch", SERVICE_TURN_OFF, {ATTR_ENTITY_ID: switch}, blocking=True
        )
    assert sim.dry_contacts[0]["status"] == "closed"


async def test_storage_controls(
    hass: HomeAssistant,
    full: tuple[GatewaySimulator, MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim, entry = full
    serial = sim.profile.serial
    select = _entity(hass, "select", f"{serial}_storage_mode")
    number = _entity(hass, "number", f"{serial}_battery_reserve")
    switch = _entity(hass, "switch", f"{serial}_charge_from_grid")
    await hass.services.async_call(
        "select",
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: select, ATTR_OPTION: "backup"},
        blocking=True,
    )
    assert sim.house.mode == "backup"
    assert hass.states.get(select).state == "backup"  # type: ignore[union-attr]
    await hass.services.async_call(
        "number", SERVICE_SET_VALUE, {ATTR_ENTITY_ID: number, ATTR_VALUE: 35}, blocking=True
    )
    assert sim.house.reserve == 35
    assert float(hass.states.get(number).state) == 35  # type: ignore[union-attr]
    await hass.services.async_call(
        "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: switch}, blocking=True
    )
    assert sim.house.charge_from_grid is True
    # The whole tariff went back: other parts are untouched.
    assert sim._tariff_body()["tariff"]["currency"] == {"code": "GBP"}
    # While optimised schedules are on, the gateway ignores storage writes: the write turns
    # them off, as the user asked for these settings, and says so.
    sim.opt_schedules = True
    entry.runtime_data.poller.force_detail()
    await hass.services.async_call(
        "number", SERVICE_SET_VALUE, {ATTR_ENTITY_ID: number, ATTR_VALUE: 50}, blocking=True
    )
    assert sim.house.reserve == 50
    assert sim.opt_schedules is False
    sim.opt_schedules = True
    response = await hass.services.async_call(
        DOMAIN,
        "set_storage_settings",
        {"config_entry_id": entry.entry_id, "reserve": 45},
        blocking=True,
        return_response=True,
    )
    assert sim.house.reserve == 45
    assert sim.opt_schedules is False
    assert response == {
        "mode": {"self-consumption": "self_consumption", "savings-mode": "savings"}.get(
            sim.house.mode, sim.house.mode
        ),
        "reserve": 45.0,
        "charge_from_grid": sim.house.charge_from_grid,
        "optimised_schedules_turned_off": True,
    }
    assert "Turning off the optimised schedules" in caplog.text


async def test_storage_write_ignored(
    hass: HomeAssistant, full: tuple[GatewaySimulator, MockConfigEntry]
) -> None:
    sim, _entry = full
    sim.ignore_writes = True
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_storage_settings",
            {"config_entry_id": _entry.entry_id, "mode": "backup", "reserve": 40},
            blocking=True,
        )
    assert err.value.translation_key == "write_not_applied"
    assert err.value.translation_placeholders["setting"] == "storage_mode"


async def test_cloud_puts_storage_back(
    hass: HomeAssistant,
    full: tuple[GatewaySimulator, MockConfigEntry],
    freezer: FrozenDateTimeFactory,
) -> None:
    sim, entry = full
    await hass.services.async_call(
        DOMAIN,
        "set_storage_settings",
        {"config_entry_id": entry.entry_id, "reserve": 60, "charge_from_grid": True},
        blocking=True,
    )
    assert sim.house.reserve == 60
    # 8.2.42xx: the cloud writes the old settings back within 1-2 minutes.
    freezer.tick(timedelta(seconds=160))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert sim.house.reserve == 20
    issues = ir.async_get(hass)
    assert issues.async_get_issue(DOMAIN, f"storage_settings_reverted_{entry.entry_id}") is not None
    number = _entity(hass, "number", f"{sim.profile.serial}_battery_reserve")
    assert float(hass.states.get(number).state) == 20  # type: ignore[union-attr]


async def test_generator_mode(
    hass: HomeAssistant, full: tuple[GatewaySimulator, MockConfigEntry]
) -> None:
    sim, _entry = full
    select = _entity(hass, "select", f"{CONTROLLER}_generator_mode")
    await hass.services.async_call(
        "select", SERVICE_SELECT_OPTION, {ATTR_ENTITY_ID: select, ATTR_OPTION: "on"}, blocking=True
    )
    assert sim.gen_mode == "on"
    sim.ignore_writes = True
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "select",
            SERVICE_SELECT_OPTION,
            {ATTR_ENTITY_ID: select, ATTR_OPTION: "off"},
            blocking=True,
        )
    assert hass.states.get(select).state == "on"  # type: ignore[union-attr]


async def test_dry_contact_settings_action(
    hass: HomeAssistant, full: tuple[GatewaySimulator, MockConfigEntry]
) -> None:
    sim, entry = full
    await hass.services.async_call(
        DOMAIN,
        "set_dry_contact_settings",
        {
            "config_entry_id": entry.entry_id,
            "contact": "NC2",
            "name": "Sauna",
            "soc_low": 30,
            "soc_high": 40,
        },
        blocking=True,
    )
    # The whole settings were posted (a partial post would have crashed the gateway).
    assert sim.dry_contacts[1]["load_name"] == "Sauna"
    assert sim.dry_contacts[1]["soc_low"] == 30
    assert sim.dry_contacts[1]["grid_action"] == "apply"
    assert not sim.rebooting
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_dry_contact_settings",
            {"config_entry_id": entry.entry_id, "contact": "NC9", "name": "x"},
            blocking=True,
        )
    assert err.value.translation_key == "unknown_dry_contact"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_dry_contact_settings",
            {"config_entry_id": entry.entry_id, "contact": "NC1", "soc_low": 50, "soc_high": 40},
            blocking=True,
        )
    assert err.value.translation_key == "soc_range"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_dry_contact_settings",
            {"config_entry_id": entry.entry_id, "contact": "NC1"},
            blocking=True,
        )
    assert err.value.translation_key == "nothing_to_set"
    sim.ignore_writes = True
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_dry_contact_settings",
            {"config_entry_id": entry.entry_id, "contact": "NC1", "mode": "soc"},
            blocking=True,
        )
    assert err.value.translation_key == "write_not_applied"


async def test_action_validation(
    hass: HomeAssistant, full: tuple[GatewaySimulator, MockConfigEntry]
) -> None:
    sim, entry = full
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_storage_settings",
            {"config_entry_id": "nope", "reserve": 10},
            blocking=True,
        )
    assert err.value.translation_key == "entry_not_found"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "set_storage_settings", {"config_entry_id": entry.entry_id}, blocking=True
        )
    assert err.value.translation_key == "nothing_to_set"
    with pytest.raises(Exception, match="reserve"):
        await hass.services.async_call(
            DOMAIN,
            "set_storage_settings",
            {"config_entry_id": entry.entry_id, "reserve": 140},
            blocking=True,
        )
    assert sim.house.reserve == 20
    await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_storage_settings",
            {"config_entry_id": entry.entry_id, "reserve": 10},
            blocking=True,
        )
    assert err.value.translation_key == "entry_not_loaded"


async def test_storage_action_without_batteries(
    hass: HomeAssistant, gateway_factory: SimFactory
) -> None:
    _sim, server = await gateway_factory("7x")
    entry = await setup_entry(hass, "7x", server.port)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_storage_settings",
            {"config_entry_id": entry.entry_id, "reserve": 10},
            blocking=True,
        )
    assert err.value.translation_key == "storage_settings_not_supported"
    assert err.value.translation_placeholders == {"title": entry.title}


async def test_get_raw_data(
    hass: HomeAssistant, full: tuple[GatewaySimulator, MockConfigEntry]
) -> None:
    sim, entry = full
    response = await hass.services.async_call(
        DOMAIN,
        "get_raw_data",
        {"config_entry_id": entry.entry_id, "endpoint": "/ivp/ensemble/inventory"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    text = str(response)
    assert "ENCHARGE" in text
    assert "122550000000" not in text  # serials redacted
    info = await hass.services.async_call(
        DOMAIN,
        "get_raw_data",
        {"config_entry_id": entry.entry_id, "endpoint": "/info"},
        blocking=True,
        return_response=True,
    )
    assert "envoy_info" in str(info)
    assert sim.profile.serial not in str(info)
    with pytest.raises(Exception, match="endpoint"):
        await hass.services.async_call(
            DOMAIN,
            "get_raw_data",
            {"config_entry_id": entry.entry_id, "endpoint": "/etc/passwd"},
            blocking=True,
            return_response=True,
        )
