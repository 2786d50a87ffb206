"""The OAuth2 flow end to end against the simulated Tesla, reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestServer
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.tesla_energy.const import (
    BUDGET_MODE_DAILY,
    BUDGET_MODE_MONTHLY,
    CONF_API_URL,
    CONF_BUDGET_MODE,
    CONF_CALLS_PER_DAY,
    CONF_MONTHLY_AMOUNT,
    CONF_REGION,
    DOMAIN,
)
from simulators.tesla import TeslaFleetSimulator

from .conftest import ACCOUNT, OTHER_ACCOUNT


@pytest.fixture(autouse=True)
def no_setup(recorder_mock: Any) -> Iterator[None]:
    """Create entries without setting them up (the setup has its own tests)."""
    with patch("custom_components.tesla_energy.async_setup_entry", return_value=True):
        yield


async def sign_in(
    hass: HomeAssistant, client_factory: ClientSessionGenerator, result: ConfigFlowResult
) -> ConfigFlowResult:
    """Follow Tesla's authorize page (it approves at once) back to Home Assistant."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    query = parse_qs(urlsplit(result["url"]).query)
    assert query["scope"] == ["openid offline_access energy_device_data energy_cmds"]
    assert query["prompt_missing_scopes"] == ["true"]
    session = async_get_clientsession(hass)
    async with session.get(result["url"], allow_redirects=False) as response:
        assert response.status == 302
        location = response.headers["Location"]
    callback = parse_qs(urlsplit(location).query)
    client = await client_factory()
    response = await client.get(
        f"/auth/external/callback?code={callback['code'][0]}&state={callback['state'][0]}"
    )
    assert response.status == 200
    return await hass.config_entries.flow.async_configure(result["flow_id"])


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_full_flow(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    server: TestServer,
    sim: TeslaFleetSimulator,
) -> None:
    """Sign-in, region lookup and product list make an entry named after the sites."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Home, Barn"
    data = result["data"]
    assert data[CONF_REGION] == "na"
    # Only the region: a stand-in server's URL must not outlive its variable.
    assert CONF_API_URL not in data
    assert data["token"]["refresh_token"].startswith("sim-refresh-")
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert entry.unique_id == ACCOUNT
    # The lookup and the product list: nothing else was spent.
    assert sim.billing[ACCOUNT].data == 2


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_eu_account_gets_its_region(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    server: TestServer,
    sim: TeslaFleetSimulator,
) -> None:
    """An account in Europe is served by the EU server."""
    sim.login_as = OTHER_ACCOUNT
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_REGION] == "eu"
    assert CONF_API_URL not in result["data"]


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_already_configured(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    server: TestServer,
) -> None:
    """The same account cannot be added twice."""
    MockConfigEntry(domain=DOMAIN, unique_id=ACCOUNT, data={}).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_missing_data_scope_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    server: TestServer,
    sim: TeslaFleetSimulator,
) -> None:
    """Without energy_device_data there is nothing to show: the flow says so."""
    sim.grant_scopes = ("openid", "offline_access", "energy_cmds")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_data_scope"


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_missing_command_scope_warns_then_creates(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    server: TestServer,
    sim: TeslaFleetSimulator,
) -> None:
    """Without energy_cmds the user is told that controls will be refused."""
    sim.grant_scopes = ("openid", "offline_access", "energy_device_data")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "missing_command_scope"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_no_energy_sites(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    server: TestServer,
    sim: TeslaFleetSimulator,
) -> None:
    """An account with only a bare gateway has nothing to set up."""
    sim.accounts[ACCOUNT].sites = [sim.site(1003)]
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_energy_sites"


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_cloud_down_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    server: TestServer,
    sim: TeslaFleetSimulator,
) -> None:
    """A failing region lookup ends the flow with a clear reason."""
    sim.faults.inject("status", route="/users/region", status=503)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_reauth_same_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    config_entry: MockConfigEntry,
) -> None:
    """Reauth with the same account stores the new token and keeps the entry."""
    old_refresh = config_entry.data["token"]["refresh_token"]
    result = await config_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert config_entry.data["token"]["refresh_token"] != old_refresh


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_reauth_other_account_refused(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    config_entry: MockConfigEntry,
    sim: TeslaFleetSimulator,
) -> None:
    """Signing in with another Tesla account is refused and changes nothing."""
    old_token = dict(config_entry.data["token"])
    sim.login_as = OTHER_ACCOUNT
    result = await config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "account_mismatch"
    assert config_entry.data["token"] == old_token


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_reconfigure_grants_scopes(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    config_entry: MockConfigEntry,
) -> None:
    """Reconfigure asks first, then signs in again (to allow commands) for the same account."""
    result = await config_entry.start_reconfigure_flow(hass)
    # A confirm step before Tesla's page, as core's OAuth reauth has.
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["description_placeholders"] == {"account": config_entry.title}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"


def _options(mode: str, **values: Any) -> dict[str, Any]:
    return {CONF_BUDGET_MODE: mode, CONF_MONTHLY_AMOUNT: 10.0, CONF_CALLS_PER_DAY: 160, **values}


@pytest.mark.parametrize(
    ("user_input", "error"),
    [
        (_options(BUDGET_MODE_MONTHLY, monthly_amount=25.0), None),
        (_options(BUDGET_MODE_DAILY, calls_per_day=1600), None),
        (_options(BUDGET_MODE_MONTHLY, monthly_amount=1.0), "budget_too_small"),
        (_options(BUDGET_MODE_DAILY, calls_per_day=30), "budget_too_small"),
    ],
)
async def test_options(hass: HomeAssistant, user_input: dict[str, Any], error: str | None) -> None:
    """The budget is a monthly amount or calls per day; one that buys nothing is refused."""
    entry = MockConfigEntry(domain=DOMAIN, unique_id=ACCOUNT, data={})
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(result["flow_id"], user_input)
    if error is None:
        # A new budget is shown with what it buys before it is saved.
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "confirm"
        assert entry.options == {}
        result = await hass.config_entries.options.async_configure(result["flow_id"], {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert entry.options == user_input
    else:
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": error}
        assert entry.options == {}
