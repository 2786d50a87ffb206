"""Every path of the config flow, reauth, reconfigure and options."""

from __future__ import annotations

from unittest.mock import patch

from aiohttp.test_utils import TestServer
from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY, SOURCE_USER
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powervault.const import (
    CONF_ACCOUNT_ID,
    CONF_CONNECTION,
    CONF_DAILY_BUDGET,
    CONF_MODEL,
    CONF_OVERRIDE_HOURS,
    CONF_UNIT_ID,
    CONF_UNITS,
    DOMAIN,
)
from simulators.framework import FaultKind
from simulators.powervault import PowervaultCloud, PowervaultLocal
from tests.conftest import serve_simulator

from .conftest import API_KEY, CLOUD_UNIT, LOCAL_UNIT


async def _start(hass: HomeAssistant, step: str) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["cloud", "local"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == step
    return result["flow_id"]


async def test_cloud_flow_two_units(hass: HomeAssistant, cloud_url: str) -> None:
    flow_id = await _start(hass, "cloud")
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: "bad-key-000"})
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: f" {API_KEY} "})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "units"
    assert result["description_placeholders"] == {"account": "Simulated household"}

    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_UNITS: []})
    assert result["errors"] == {"base": "no_unit_chosen"}

    with patch("custom_components.powervault.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_UNITS: [CLOUD_UNIT, "pvsim-1002"]}
        )
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Powervault {CLOUD_UNIT}"
    assert result["data"] == {
        CONF_CONNECTION: "cloud",
        CONF_API_KEY: API_KEY,
        CONF_ACCOUNT_ID: "4242",
        CONF_UNIT_ID: CLOUD_UNIT,
        CONF_MODEL: "P4",
    }
    entries = hass.config_entries.async_entries(DOMAIN)
    assert sorted(entry.unique_id for entry in entries) == [CLOUD_UNIT, "pvsim-1002"]

    # Every unit is set up: a new flow aborts instead of offering nothing.
    flow_id = await _start(hass, "cloud")
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: API_KEY})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_cloud_flow_only_new_units_offered(
    hass: HomeAssistant, cloud_entry: MockConfigEntry
) -> None:
    flow_id = await _start(hass, "cloud")
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: API_KEY})
    schema = result["data_schema"].schema
    [key] = schema
    options = schema[key].config["options"]
    assert [option["value"] for option in options] == ["pvsim-1002"]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"kind": FaultKind.RESET}, "cannot_connect"),
        ({"kind": FaultKind.STATUS, "status": 500}, "cannot_connect"),
        ({"kind": FaultKind.MALFORMED}, "cannot_connect"),
        ({"kind": FaultKind.RATE_LIMIT, "seconds": 60}, "rate_limited"),
    ],
)
async def test_cloud_flow_errors(
    hass: HomeAssistant, cloud_url: str, cloud_app: PowervaultCloud, fault: dict, error: str
) -> None:
    flow_id = await _start(hass, "cloud")
    cloud_app.faults.inject(route="customerAccount", **fault)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: API_KEY})
    assert result["errors"] == {"base": error}
    cloud_app.faults.clear()
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: API_KEY})
    assert result["step_id"] == "units"


async def test_cloud_flow_no_units_and_unknown(
    hass: HomeAssistant, cloud_url: str, cloud_app: PowervaultCloud
) -> None:
    flow_id = await _start(hass, "cloud")
    units = cloud_app.units
    cloud_app.units = {}
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: API_KEY})
    assert result["errors"] == {"base": "no_units"}
    cloud_app.units = units
    with patch(
        "custom_components.powervault.config_flow.PowervaultCloudClient.get_account",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: API_KEY})
    assert result["errors"] == {"base": "unknown"}


async def test_local_flow(
    hass: HomeAssistant, local_server: TestServer, allow_loopback: None
) -> None:
    flow_id = await _start(hass, "local")
    with patch("custom_components.powervault.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOST: f"127.0.0.1:{local_server.port}"}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == LOCAL_UNIT
    assert result["data"] == {
        CONF_CONNECTION: "local",
        CONF_HOST: "127.0.0.1",
        CONF_PORT: local_server.port,
        CONF_UNIT_ID: LOCAL_UNIT,
        CONF_MODEL: "P3X",
    }
    # The same unit again is refused.
    flow_id = await _start(hass, "local")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: f"127.0.0.1:{local_server.port}"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("host", "error"),
    [
        ("not a host", {CONF_HOST: "invalid_host"}),
        ("8.8.8.8", {CONF_HOST: "not_private_address"}),
        ("169.254.1.1", {CONF_HOST: "not_private_address"}),
        ("127.0.0.1:1", {"base": "cannot_connect"}),
    ],
)
async def test_local_flow_address_errors(
    hass: HomeAssistant, allow_loopback: None, socket_enabled: None, host: str, error: dict
) -> None:
    flow_id = await _start(hass, "local")
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: host})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == error
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_local_flow_loopback_refused_by_default(
    hass: HomeAssistant, local_server: TestServer
) -> None:
    flow_id = await _start(hass, "local")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: f"127.0.0.1:{local_server.port}"}
    )
    assert result["errors"] == {CONF_HOST: "not_private_address"}


async def test_local_flow_unhealthy_and_unknown(
    hass: HomeAssistant,
    local_server: TestServer,
    local_app: PowervaultLocal,
    allow_loopback: None,
) -> None:
    flow_id = await _start(hass, "local")
    host = f"127.0.0.1:{local_server.port}"
    local_app.faults.inject(FaultKind.MALFORMED, "/api/health", body='{"status": "degraded"}')
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: host})
    assert result["errors"] == {"base": "unhealthy"}
    local_app.faults.clear()
    local_app.faults.inject(FaultKind.MISSING_KEYS, "/api/unit-id")
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: host})
    assert result["errors"] == {"base": "cannot_connect"}
    local_app.faults.clear()
    with patch(
        "custom_components.powervault.config_flow.PowervaultLocalClient.get_platform",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: host})
    assert result["errors"] == {"base": "unknown"}


async def test_reauth(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    cloud_app.api_key = "new-key-456789"
    result = await cloud_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"]["unit_id"] == CLOUD_UNIT
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: API_KEY}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    with patch("custom_components.powervault.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_API_KEY: "new-key-456789"}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert cloud_entry.data[CONF_API_KEY] == "new-key-456789"


async def test_reauth_key_of_another_account(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    cloud_app.units = {"other-1": cloud_app.units[CLOUD_UNIT]}
    result = await cloud_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: API_KEY}
    )
    assert result["errors"] == {"base": "unit_not_on_account"}


async def test_reconfigure_cloud(hass: HomeAssistant, cloud_entry: MockConfigEntry) -> None:
    result = await cloud_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_cloud"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "nope-nope-nope"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    with patch("custom_components.powervault.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_API_KEY: API_KEY}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"


async def test_reconfigure_local(
    hass: HomeAssistant, local_entry: MockConfigEntry, local_server: TestServer
) -> None:
    result = await local_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "8.8.8.8"}
    )
    assert result["errors"] == {CONF_HOST: "not_private_address"}

    other = PowervaultLocal(unit_id="ffff0000")
    async for server in serve_simulator(other):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: f"127.0.0.1:{server.port}"}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "wrong_device"

    result = await local_entry.start_reconfigure_flow(hass)
    with patch("custom_components.powervault.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: f"http://127.0.0.1:{local_server.port}/"}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert local_entry.data[CONF_HOST] == "127.0.0.1"
    assert local_entry.data[CONF_PORT] == local_server.port


async def test_options_cloud(hass: HomeAssistant, cloud_entry: MockConfigEntry) -> None:
    with patch("custom_components.powervault.async_setup_entry", return_value=True):
        result = await hass.config_entries.options.async_init(cloud_entry.entry_id)
        assert result["step_id"] == "cloud"
        # Budgets and the override are the user's; the intervals are ours.
        assert set(result["data_schema"].schema) == {CONF_DAILY_BUDGET, CONF_OVERRIDE_HOURS}
        with pytest.raises(InvalidData):
            await hass.config_entries.options.async_configure(
                result["flow_id"], {CONF_DAILY_BUDGET: 10, CONF_OVERRIDE_HOURS: 24}
            )
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_DAILY_BUDGET: 1000, CONF_OVERRIDE_HOURS: 4}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert cloud_entry.options == {CONF_DAILY_BUDGET: 1000, CONF_OVERRIDE_HOURS: 4}


async def test_options_local(hass: HomeAssistant, local_entry: MockConfigEntry) -> None:
    with patch("custom_components.powervault.async_setup_entry", return_value=True):
        result = await hass.config_entries.options.async_init(local_entry.entry_id)
        assert result["step_id"] == "local"
        assert set(result["data_schema"].schema) == {CONF_OVERRIDE_HOURS}
        with pytest.raises(InvalidData):
            await hass.config_entries.options.async_configure(
                result["flow_id"], {CONF_OVERRIDE_HOURS: 0}
            )
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_OVERRIDE_HOURS: 12.0}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert local_entry.options == {CONF_OVERRIDE_HOURS: 12}


async def test_second_unit_flow_aborts_when_configured(
    hass: HomeAssistant, cloud_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data=dict(cloud_entry.data),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_cloud_key_of_another_account(
    hass: HomeAssistant, cloud_entry: MockConfigEntry, cloud_app: PowervaultCloud
) -> None:
    cloud_app.units = {"other-1": cloud_app.units[CLOUD_UNIT]}
    result = await cloud_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: API_KEY}
    )
    assert result["errors"] == {"base": "unit_not_on_account"}
    assert cloud_entry.data[CONF_API_KEY] == API_KEY
