"""DHCP: a charger on a new lease is followed; an unknown one offers its account's setup."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_DHCP
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.v2c_cloud.const import DOMAIN

from .conftest import V2CSim

MAC = "aabbccddeeff"


def _info(ip: str = "127.0.0.1") -> DhcpServiceInfo:
    return DhcpServiceInfo(ip=ip, hostname="v2c-trydan", macaddress=MAC)


@pytest.fixture
def lan_port(v2c_sim: V2CSim, monkeypatch: pytest.MonkeyPatch) -> int:
    port = int(v2c_sim.address(0).rsplit(":", 1)[1])
    monkeypatch.setattr("custom_components.v2c_cloud.config_flow.LAN_PORT", port)
    return port


async def test_known_charger_on_a_new_lease_is_followed(
    hass: HomeAssistant,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    lan_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = dr.async_get(hass)
    before = registry.async_get_device_by_identifier(
        (DOMAIN, "V2C00001"), init_integration.entry_id
    )
    assert before is not None
    known = (dr.CONNECTION_BLUETOOTH, "11:22:33:44:55:66")
    registry.async_update_device(before.id, new_connections={known})
    coordinator = init_integration.runtime_data.chargers["V2C00001"]
    coordinator.lan.set_address("127.0.0.1", 1)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_info()
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert coordinator.lan.address == f"127.0.0.1:{lan_port}"
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "V2C00001"), init_integration.entry_id
    )
    assert device is not None
    assert device.connections == {known, (dr.CONNECTION_NETWORK_MAC, "aa:bb:cc:dd:ee:ff")}
    # Home Assistant reports deprecated registry calls of custom integrations in the log.
    assert "will stop working" not in caplog.text


async def test_unknown_charger_offers_setup(
    hass: HomeAssistant, v2c_sim: V2CSim, lan_port: int
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_info()
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"


@pytest.mark.parametrize("firmware", [["1.6.11"]])
async def test_not_identifiable(
    hass: HomeAssistant, v2c_sim: V2CSim, firmware: list[str], lan_port: int
) -> None:
    for info in (_info(), _info("8.8.8.8")):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_DHCP}, data=info
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "not_v2c_device"


async def test_nothing_answers(
    hass: HomeAssistant, v2c_sim: V2CSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("custom_components.v2c_cloud.config_flow.LAN_PORT", 1)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_info()
    )
    assert result["reason"] == "not_v2c_device"
