"""Regions: the token's ``ou_code`` picks the server, a 421 walks on, China's token endpoint,
an application not registered in the region (412), and stand-in servers that never outlive
their variable."""

from __future__ import annotations

from collections.abc import AsyncIterator
import time
from typing import Any
from unittest.mock import patch

import aiohttp
from aiohttp.test_utils import TestServer
from homeassistant.components.application_credentials import ClientCredential
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.tesla_energy.api import (
    AppNotRegisteredError,
    TeslaEnergyClient,
    WrongRegionError,
    fleet_urls,
)
from custom_components.tesla_energy.api.const import (
    AUTHORIZE_URL,
    CHINA_TOKEN_URL,
    REGION_BASE_URLS,
    SERVER_OVERRIDE_ENV,
    TOKEN_URL,
)
from custom_components.tesla_energy.const import CONF_API_URL, CONF_REGION, DOMAIN
from custom_components.tesla_energy.oauth import TeslaEnergyImplementation
from custom_components.tesla_energy.registration import PARTNER_REGISTRATION_DOCS
from simulators.tesla import TeslaFleetSimulator

from .conftest import ACCOUNT, CLIENT_ID, CLIENT_SECRET, OTHER_ACCOUNT, base_url, issue_token
from .test_config_flow import sign_in

CN_ACCOUNT = "account-cn"
CN_SITE = 3001


# -- the stand-in switch ---------------------------------------------------------------------


def test_override_needs_the_loopback_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the loopback switch the variable is ignored: tokens only go to Tesla."""
    monkeypatch.delenv("HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK", raising=False)
    monkeypatch.setenv(SERVER_OVERRIDE_ENV, "http://127.0.0.1:8400")
    urls = fleet_urls()
    assert urls.token_url == TOKEN_URL
    assert urls.authorize_url == AUTHORIZE_URL
    assert urls.region_bases == REGION_BASE_URLS
    assert not urls.override


@pytest.mark.usefixtures("allow_loopback")
def test_override_must_be_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even with the switch, a server off this machine is never used."""
    monkeypatch.setenv(SERVER_OVERRIDE_ENV, "https://fleet.example.com")
    assert fleet_urls().token_url == TOKEN_URL


@pytest.mark.usefixtures("allow_loopback")
def test_trusted_base_is_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server named by the region lookup must be one of ours exactly, not a prefix of it."""
    monkeypatch.setenv(SERVER_OVERRIDE_ENV, "http://127.0.0.1:8400")
    urls = fleet_urls()
    assert urls.is_trusted_base("http://127.0.0.1:8400/eu")
    assert not urls.is_trusted_base("http://127.0.0.1:8400.evil.com/eu")
    assert not urls.is_trusted_base("http://127.0.0.1:84001/eu")
    assert not urls.is_trusted_base("http://127.0.0.1:8400/eu/../../x")
    monkeypatch.delenv(SERVER_OVERRIDE_ENV)
    urls = fleet_urls()
    assert urls.is_trusted_base(f"{REGION_BASE_URLS['eu']}/")
    assert not urls.is_trusted_base(f"{REGION_BASE_URLS['eu']}.evil.com")


# -- the client against the simulator --------------------------------------------------------


@pytest.fixture
async def session(server: TestServer) -> AsyncIterator[aiohttp.ClientSession]:
    """Return a plain HTTP session (the client needs no Home Assistant)."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def _client(
    session: aiohttp.ClientSession,
    sim: TeslaFleetSimulator,
    account: str,
    *,
    region: str | None = None,
    moved: list[str] | None = None,
) -> TeslaEnergyClient:
    token = issue_token(sim, account)["access_token"]

    async def provider(_fresh: bool) -> str:
        return str(token)

    return TeslaEnergyClient(
        session,
        provider,
        region=region,
        on_region_change=None if moved is None else moved.append,
    )


def _region_calls(sim: TeslaFleetSimulator) -> list[tuple[str, int]]:
    return [(r.path, r.status) for r in sim.log.matching(r"/users/region$")]


@pytest.mark.parametrize(("account", "region"), [(OTHER_ACCOUNT, "eu"), (CN_ACCOUNT, "cn")])
async def test_token_region_is_asked_first(
    session: aiohttp.ClientSession,
    server: TestServer,
    sim: TeslaFleetSimulator,
    account: str,
    region: str,
) -> None:
    """The token's ``ou_code`` names the server: it is the only one asked."""
    moved: list[str] = []
    client = _client(session, sim, account, moved=moved)
    found = await client.async_locate()
    assert found.region == sim.accounts[account].region == region
    assert found.base_url == f"{base_url(server)}/{region}"
    assert _region_calls(sim) == [(f"/{region}/api/1/users/region", 200)]
    assert moved == [region]
    sites = await client.async_energy_sites()
    assert [site.site_id for site in sites] == [s.site_id for s in sim.accounts[account].sites]


async def test_421_walks_the_other_regions(
    session: aiohttp.ClientSession, server: TestServer, sim: TeslaFleetSimulator
) -> None:
    """The token says NA, the account is now in China: NA and EU answer 421, CN answers."""
    moved: list[str] = []
    client = _client(session, sim, ACCOUNT, region="na", moved=moved)
    sim.accounts[ACCOUNT].region = "cn"
    sites = await client.async_energy_sites()
    assert {site.site_id for site in sites} == {s.site_id for s in sim.accounts[ACCOUNT].sites}
    assert _region_calls(sim) == [
        ("/na/api/1/users/region", 421),
        ("/eu/api/1/users/region", 421),
        ("/cn/api/1/users/region", 200),
    ]
    assert moved == ["cn"]
    assert client.base_url == f"{base_url(server)}/cn"


async def test_no_region_serves_the_account(
    session: aiohttp.ClientSession, server: TestServer, sim: TeslaFleetSimulator
) -> None:
    """When every server answers 421 the error says so (no endless walk)."""
    client = _client(session, sim, ACCOUNT)
    sim.accounts[ACCOUNT].region = "xx"
    with pytest.raises(WrongRegionError):
        await client.async_locate()
    assert len(_region_calls(sim)) == 3


async def test_412_is_an_unregistered_application(
    session: aiohttp.ClientSession, server: TestServer, sim: TeslaFleetSimulator
) -> None:
    """An application not registered in the account's region gets its own error."""
    sim.registered_regions = {"na"}
    client = _client(session, sim, OTHER_ACCOUNT, region="eu")
    with pytest.raises(AppNotRegisteredError) as caught:
        await client.async_energy_sites()
    assert caught.value.status == 412
    assert caught.value.region == "eu"
    assert not caught.value.transient


# -- China's token endpoint ------------------------------------------------------------------


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_china_account_signs_in_and_refreshes_at_china_token_endpoint(
    recorder_mock: Any,
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    server: TestServer,
    sim: TeslaFleetSimulator,
) -> None:
    """A China account's code and refresh token go to Tesla's Chinese token endpoint."""
    sim.login_as = CN_ACCOUNT
    with patch("custom_components.tesla_energy.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_REGION] == "cn"
    assert sim.log.count(r"^/cn/oauth2/v3/token$", "POST") == 1
    assert sim.log.count(r"^/oauth2/v3/token$", "POST") == 0

    implementation = TeslaEnergyImplementation(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET)
    )
    old = result["data"]["token"]
    new = await implementation.async_refresh_token(old)
    assert new["access_token"] != old["access_token"]
    assert sim.log.count(r"^/cn/oauth2/v3/token$", "POST") == 2
    assert sim.log.count(r"^/oauth2/v3/token$", "POST") == 0


@pytest.mark.usefixtures("allow_loopback")
def test_production_token_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """China's accounts use auth.tesla.cn; every other region the global endpoint."""
    monkeypatch.delenv(SERVER_OVERRIDE_ENV, raising=False)
    urls = fleet_urls()
    assert urls.token_url_for("cn") == CHINA_TOKEN_URL == "https://auth.tesla.cn/oauth2/v3/token"
    assert urls.token_url_for("eu") == urls.token_url_for(None) == TOKEN_URL


# -- the config flow and the setup -----------------------------------------------------------


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_flow_says_the_app_is_not_registered(
    recorder_mock: Any,
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    server: TestServer,
    sim: TeslaFleetSimulator,
) -> None:
    """A 412 ends the flow with its own reason, naming the region and the docs."""
    sim.login_as = OTHER_ACCOUNT
    sim.registered_regions = {"na"}
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "app_not_registered"
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert placeholders["region"] == "EU"
    assert placeholders["server"] == f"{base_url(server)}/eu"
    assert placeholders["docs_url"] == PARTNER_REGISTRATION_DOCS
    assert PARTNER_REGISTRATION_DOCS.startswith("https://developer.tesla.com/")
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_setup_says_the_app_is_not_registered(
    recorder_mock: Any,
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    sim: TeslaFleetSimulator,
) -> None:
    """At setup a 412 stops the entry (no retry can help) and opens a repair issue."""
    sim.registered_regions = {"eu"}
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert config_entry.reason is not None
    assert "partner" in config_entry.reason.lower()
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"app_not_registered_{config_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["region"] == "NA"
    assert issue.learn_more_url == PARTNER_REGISTRATION_DOCS

    # Registered: the next setup works and the issue goes away.
    sim.registered_regions = {"na", "eu", "cn"}
    await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.LOADED
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"app_not_registered_{config_entry.entry_id}")
        is None
    )


@pytest.mark.parametrize("stored", ["https://fleet.example.com/na", "http://127.0.0.1:9/na"])
async def test_stored_server_url_is_never_used(
    recorder_mock: Any,
    hass: HomeAssistant,
    credentials: None,
    server: TestServer,
    sim: TeslaFleetSimulator,
    stored: str,
) -> None:
    """An entry that kept a server URL (older versions) is served by its region's server."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home, Barn",
        unique_id=ACCOUNT,
        data={
            "auth_implementation": DOMAIN,
            "token": issue_token(sim),
            CONF_REGION: "na",
            CONF_API_URL: stored,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert CONF_API_URL not in entry.data
    assert entry.runtime_data.client.base_url == f"{base_url(server)}/na"


async def test_region_comes_from_the_token_at_setup(
    recorder_mock: Any,
    hass: HomeAssistant,
    credentials: None,
    server: TestServer,
    sim: TeslaFleetSimulator,
) -> None:
    """An entry without a stored region goes straight to the token's region's server."""
    token = issue_token(sim, OTHER_ACCOUNT)
    token["expires_at"] = time.time() + 3600
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Ferienhaus",
        unique_id=OTHER_ACCOUNT,
        data={"auth_implementation": DOMAIN, "token": token},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert sim.log.count(r"^/na/") == 0
    assert entry.runtime_data.client.base_url == f"{base_url(server)}/eu"
