"""Setup, unload and reload of cloud and local entries."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powervault.const import CLOUD_URL_ENV, DOMAIN, cloud_base_url
from simulators.framework import FaultKind
from simulators.powervault import PowervaultCloud, PowervaultLocal

from .conftest import CLOUD_UNIT, LOCAL_UNIT, setup_entry, state_value


async def test_cloud_setup_unload_reload(hass: HomeAssistant, cloud_entry: MockConfigEntry) -> None:
    await setup_entry(hass, cloud_entry)
    assert cloud_entry.state is ConfigEntryState.LOADED
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, CLOUD_UNIT), cloud_entry.entry_id
    )
    assert device is not None
    assert (device.manufacturer, device.model) == ("Powervault", "P4")
    assert float(state_value(hass, "sensor", f"{CLOUD_UNIT}_state_of_charge")) > 0

    assert await hass.config_entries.async_reload(cloud_entry.entry_id)
    await hass.async_block_till_done()
    assert cloud_entry.state is ConfigEntryState.LOADED

    assert await hass.config_entries.async_unload(cloud_entry.entry_id)
    await hass.async_block_till_done()
    assert cloud_entry.state is ConfigEntryState.NOT_LOADED


async def test_local_setup_unload(hass: HomeAssistant, local_entry: MockConfigEntry) -> None:
    await setup_entry(hass, local_entry)
    assert local_entry.state is ConfigEntryState.LOADED
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, LOCAL_UNIT), local_entry.entry_id
    )
    assert device is not None
    assert device.model == "P3X"
    assert float(state_value(hass, "sensor", f"{LOCAL_UNIT}_inverter_frequency")) > 49
    assert await hass.config_entries.async_unload(local_entry.entry_id)
    assert local_entry.state is ConfigEntryState.NOT_LOADED


async def test_cloud_bad_key_starts_reauth(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    cloud_app.api_key = "rotated-key"
    await hass.config_entries.async_setup(cloud_entry.entry_id)
    await hass.async_block_till_done()
    assert cloud_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_unit_unreachable_at_setup_retries(
    hass: HomeAssistant, local_entry: MockConfigEntry, local_app: PowervaultLocal
) -> None:
    local_app.faults.inject(FaultKind.RESET)
    await hass.config_entries.async_setup(local_entry.entry_id)
    await hass.async_block_till_done()
    assert local_entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.parametrize("status", [401, 403])
async def test_local_unit_refusing_at_setup_retries_without_reauth(
    hass: HomeAssistant, local_entry: MockConfigEntry, local_app: PowervaultLocal, status: int
) -> None:
    """The local API has no credentials: nothing for the user to enter, the setup retries."""
    local_app.faults.inject(FaultKind.STATUS, status=status)
    await hass.config_entries.async_setup(local_entry.entry_id)
    await hass.async_block_till_done()
    assert local_entry.state is ConfigEntryState.SETUP_RETRY
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_options_change_reloads_with_new_budget(
    hass: HomeAssistant, cloud_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, cloud_entry)
    result = await hass.config_entries.options.async_init(cloud_entry.entry_id)
    await hass.config_entries.options.async_configure(
        result["flow_id"], {"daily_budget": 1000, "override_hours": 3}
    )
    await hass.async_block_till_done()
    assert cloud_entry.state is ConfigEntryState.LOADED
    runtime = cloud_entry.runtime_data
    assert runtime.budget is not None
    assert runtime.budget.quota == 1000
    # The fastest the budget may pace them: a bucket, and an hour for the schedule.
    assert runtime.data.consumer.min_interval == 300
    assert runtime.control.consumer.min_interval == 3600


async def test_old_interval_options_are_dropped(
    hass: HomeAssistant, local_entry: MockConfigEntry
) -> None:
    """Entries from when users set the intervals load, and lose those options."""
    hass.config_entries.async_update_entry(
        local_entry,
        options={"scan_interval": 15, "control_interval": 2, "override_hours": 5},
        minor_version=1,
    )
    await setup_entry(hass, local_entry)
    assert local_entry.state is ConfigEntryState.LOADED
    assert local_entry.minor_version == 2
    assert dict(local_entry.options) == {"override_hours": 5}
    runtime = local_entry.runtime_data
    assert runtime.data.update_interval == timedelta(seconds=30)
    assert runtime.control.update_interval == timedelta(minutes=5)


async def test_newer_entries_are_refused(hass: HomeAssistant, local_entry: MockConfigEntry) -> None:
    hass.config_entries.async_update_entry(local_entry, version=2)
    await hass.config_entries.async_setup(local_entry.entry_id)
    await hass.async_block_till_done()
    assert local_entry.state is ConfigEntryState.MIGRATION_ERROR


def test_cloud_url_override_needs_the_loopback_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CLOUD_URL_ENV, "http://127.0.0.1:8100/v4")
    monkeypatch.delenv("HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK", raising=False)
    assert cloud_base_url() == "https://rest-api.powervault.co.uk/v4"
    monkeypatch.setenv("HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK", "1")
    assert cloud_base_url() == "http://127.0.0.1:8100/v4"
