"""Options on a loaded entry: the budget says what it buys, bad numbers, the reload path."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.tesla_energy.const import (
    BUDGET_MODE_DAILY,
    BUDGET_MODE_MONTHLY,
    CONF_BUDGET_MODE,
    CONF_CALLS_PER_DAY,
    CONF_MONTHLY_AMOUNT,
)

from .test_config_flow import sign_in


def _minutes(text: str) -> float:
    """Return a shown interval ("25 min", "1.5 h") in minutes."""
    number, unit = text.split()
    return float(number) * (60 if unit == "h" else 1)


async def test_form_states_the_intervals_of_the_current_budget(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """At the default budget, two sites get live data about every 25 minutes: the form says so."""
    entry = setup_integration
    assert len(entry.runtime_data.sites) == 2
    result = await hass.config_entries.options.async_init(entry.entry_id)
    # The options open on a menu: the budget, or local access to a gateway.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "budget"}
    )
    assert result["type"] is FlowResultType.FORM
    shown = result["description_placeholders"]
    assert shown["sites"] == "2"
    # The figure the issue measured on a two-site account at the default US$10 a month.
    assert 20 <= _minutes(shown["live"]) <= 30
    # Settings are read less often than live data, and history at most hourly.
    assert _minutes(shown["site_info"]) > _minutes(shown["live"])
    assert _minutes(shown["history"]) >= 60


async def test_shown_intervals_are_what_the_coordinators_run(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """The form's live interval is the one the running budget gives the live coordinators."""
    entry = setup_integration
    result = await hass.config_entries.options.async_init(entry.entry_id)
    # The options open on a menu: the budget, or local access to a gateway.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "budget"}
    )
    shown = _minutes(result["description_placeholders"]["live"])
    for site in entry.runtime_data.sites.values():
        # What each live coordinator is scheduled with now, the first site's included (it
        # was made before the second site had joined the budget).
        assert site.live.update_interval is not None
        running = site.live.update_interval.total_seconds() / 60
        # The running budget spreads what is left of this month; the form a whole month.
        assert shown == pytest.approx(running, rel=0.15)


async def test_new_budget_is_confirmed_with_its_intervals_then_reloads(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """A bigger budget is shown with its (shorter) intervals before it is saved; then reloads."""
    entry = setup_integration
    result = await hass.config_entries.options.async_init(entry.entry_id)
    # The options open on a menu: the budget, or local access to a gateway.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "budget"}
    )
    before = _minutes(result["description_placeholders"]["live"])
    user_input = {
        CONF_BUDGET_MODE: BUDGET_MODE_DAILY,
        CONF_MONTHLY_AMOUNT: 10.0,
        CONF_CALLS_PER_DAY: 3200,
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "confirm"
    after = result["description_placeholders"]
    # 3,200 calls a day for two sites: live data as fast as it goes (every minute).
    assert after["live"] == "1 min"
    assert _minutes(after["live"]) < before
    assert entry.options == {}
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options == user_input
    assert entry.state is ConfigEntryState.LOADED
    # Reloaded: the running budget is the new one.
    assert entry.runtime_data.budget.quota == 3200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (CONF_MONTHLY_AMOUNT, "nan"),
        (CONF_MONTHLY_AMOUNT, "inf"),
        (CONF_MONTHLY_AMOUNT, "-inf"),
        (CONF_CALLS_PER_DAY, "nan"),
        (CONF_CALLS_PER_DAY, "inf"),
        (CONF_MONTHLY_AMOUNT, float("nan")),
    ],
)
async def test_non_finite_numbers_are_refused(
    hass: HomeAssistant, setup_integration: MockConfigEntry, field: str, value: Any
) -> None:
    """nan and inf get a translated error on their field and change nothing."""
    entry = setup_integration
    result = await hass.config_entries.options.async_init(entry.entry_id)
    # The options open on a menu: the budget, or local access to a gateway.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "budget"}
    )
    user_input = {
        CONF_BUDGET_MODE: BUDGET_MODE_MONTHLY,
        CONF_MONTHLY_AMOUNT: 20.0,
        CONF_CALLS_PER_DAY: 500,
        field: value,
    }
    # Refused by the form's schema (the shared finite-number selector), with the translated
    # error on the field, before the step runs.
    with pytest.raises(InvalidData) as caught:
        await hass.config_entries.options.async_configure(result["flow_id"], user_input)
    assert caught.value.schema_errors == {field: "not_a_number"}
    assert entry.options == {}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        (CONF_MONTHLY_AMOUNT, 0.5, "monthly_amount_out_of_range"),
        (CONF_MONTHLY_AMOUNT, 1e9, "monthly_amount_out_of_range"),
        (CONF_CALLS_PER_DAY, 10, "calls_per_day_out_of_range"),
        (CONF_CALLS_PER_DAY, 10**9, "calls_per_day_out_of_range"),
    ],
)
async def test_out_of_range_numbers_are_refused(
    hass: HomeAssistant, setup_integration: MockConfigEntry, field: str, value: Any, error: str
) -> None:
    """A number outside the allowed range gets a translated error and changes nothing."""
    entry = setup_integration
    result = await hass.config_entries.options.async_init(entry.entry_id)
    # The options open on a menu: the budget, or local access to a gateway.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "budget"}
    )
    user_input = {
        CONF_BUDGET_MODE: BUDGET_MODE_MONTHLY,
        CONF_MONTHLY_AMOUNT: 20.0,
        CONF_CALLS_PER_DAY: 500,
        field: value,
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], user_input)
    assert result["errors"] == {field: error}
    assert entry.options == {}


async def test_no_update_listener(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """The options flow reloads the entry itself: no update listener is left behind."""
    assert setup_integration.update_listeners == []


@pytest.mark.usefixtures("current_request_with_host")
async def test_reauth_of_a_loaded_entry_logs_no_deprecation(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
    server: TestServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Signing in again reloads the entry without Home Assistant's update-listener warning."""
    entry = setup_integration
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert "update listener" not in caplog.text
    assert "2026.12" not in caplog.text
