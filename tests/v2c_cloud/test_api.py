"""The api package against the simulator: no Home Assistant involved."""

from __future__ import annotations

import ast
from pathlib import Path

import aiohttp
import pytest

from custom_components.energy_bridges_common.client.errors import (
    AuthenticationError,
    InvalidResponseError,
    RateLimitedError,
    RequestError,
    UnreachableError,
)
from custom_components.v2c_cloud.api import (
    Charger,
    ChargerSetting,
    InstallationType,
    InvalidCommandError,
    MeterType,
    Source,
    V2CCloudClient,
    V2CLocalClient,
    validate_write,
)
from custom_components.v2c_cloud.api.lan import lan_base_url
from custom_components.v2c_cloud.api.models import (
    as_bool,
    as_float,
    parse_pairings,
    parse_realtime,
    parse_reported,
)

from .conftest import API_KEY, V2CSim

API_DIR = Path(__file__).parents[2] / "custom_components" / "v2c_cloud" / "api"


def test_api_has_no_home_assistant_import() -> None:
    for path in API_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n.startswith("homeassistant") for n in names), path


def _lan(session: aiohttp.ClientSession, address: str) -> V2CLocalClient:
    host, _, port = address.partition(":")
    return V2CLocalClient(session, host, int(port))


@pytest.mark.parametrize(
    ("firmware", "expect_led", "expect_id"),
    [
        (["2.1.17"], 25, "V2C00001"),  # LEDs in RealTimeData
        (["2.4.6"], 25, "V2C00001"),  # LEDs read with /read/
        (["2.3.20"], 25, "V2C00001"),  # LEDs present, /read/ 404
        (["1.6.11"], 25, None),  # no ID, no LEDs, /read/ works
        (["2.1.7"], 25, "V2C00001"),  # stray %
    ],
)
async def test_realtime_on_every_firmware(
    v2c_sim: V2CSim, firmware: list[str], expect_led: int, expect_id: str | None
) -> None:
    async with aiohttp.ClientSession() as session:
        client = _lan(session, v2c_sim.address())
        data = await client.realtime()
    assert data.source is Source.LAN
    assert data.charger_id == expect_id
    assert data.light_led == expect_led
    assert data.logo_led == 75
    assert data.intensity == 16
    assert data.charge_state == 2
    assert data.charge_power == 16 * 230
    assert data.paused is False


@pytest.mark.parametrize("firmware", [["2.3.20"]])
async def test_read_404_is_remembered(v2c_sim: V2CSim, firmware: list[str]) -> None:
    async with aiohttp.ClientSession() as session:
        client = _lan(session, v2c_sim.address())
        assert await client.read("ChargeMode") is None
        assert await client.read("ChargeMode") is None
        await client.realtime()
        await client.realtime()
    assert "ChargeMode" in client.unsupported_reads
    assert v2c_sim.lan_calls(0, "/read/ChargeMode") == 1


@pytest.mark.parametrize("firmware", [["2.4.6"]])
async def test_read_supplements_are_cached(v2c_sim: V2CSim, firmware: list[str]) -> None:
    async with aiohttp.ClientSession() as session:
        client = _lan(session, v2c_sim.address())
        first = await client.realtime()
        second = await client.realtime()
    assert first.charge_mode == second.charge_mode == 0
    assert v2c_sim.lan_calls(0, "/read/LogoLED") == 1


async def test_write_validates_and_confirms(v2c_sim: V2CSim) -> None:
    async with aiohttp.ClientSession() as session:
        client = _lan(session, v2c_sim.address())
        await client.write(ChargerSetting.INTENSITY, 20)
        assert (await client.realtime()).intensity == 20
        with pytest.raises(InvalidCommandError):
            await client.write(ChargerSetting.INTENSITY, 40)
        with pytest.raises(InvalidCommandError):
            await client.write("FirmwareVersion", 1)
        with pytest.raises(InvalidCommandError):
            await client.write(ChargerSetting.INTENSITY, "7;reboot")
        with pytest.raises(InvalidCommandError):
            await client.read("../etc/passwd")
    assert v2c_sim.charger().intensity == 20
    assert v2c_sim.lan_calls(0, "/write/") == 1


def test_validate_write_bounds() -> None:
    assert validate_write(ChargerSetting.PAUSED, True) == 1
    assert validate_write(ChargerSetting.INTENSITY, 6.0) == 6
    assert validate_write(ChargerSetting.INSTALLATION_VOLTAGE, 450) == 450
    for setting, value in [
        (ChargerSetting.INSTALLATION_VOLTAGE, 99),
        (ChargerSetting.LOGO_LED, 101),
        (ChargerSetting.INTENSITY, 5.5),
    ]:
        with pytest.raises(InvalidCommandError):
            validate_write(setting, value)


def test_lan_base_url() -> None:
    assert lan_base_url("192.168.1.5") == "http://192.168.1.5"
    assert lan_base_url("192.168.1.5", 80) == "http://192.168.1.5"
    assert lan_base_url("192.168.1.5", 8080) == "http://192.168.1.5:8080"
    assert lan_base_url("fd00::5", 81) == "http://[fd00::5]:81"


async def test_cloud_reads_and_units(v2c_sim: V2CSim) -> None:
    charger = v2c_sim.charger()
    charger.contracted_power = 5750
    charger.light_led = 40
    async with aiohttp.ClientSession() as session:
        client = V2CCloudClient(session, API_KEY, base_url=v2c_sim.cloud_url)
        pairings = await client.pairings()
        state = await client.reported(charger.charger_id)
        version = await client.version(charger.charger_id)
        current = await client.current_state_charge(charger.charger_id)
    assert [p.charger_id for p in pairings] == ["V2C00001", "V2C00002"]
    assert pairings[0].ip == v2c_sim.address()
    rt = state.realtime
    assert rt.source is Source.CLOUD
    assert rt.charge_power == pytest.approx(16 * 230)
    assert rt.house_power == pytest.approx(850)
    assert rt.contracted_power == 5750
    assert rt.light_led == 40
    # The real /reported has no mains voltage: /currentstatecharge carries it (cp_level).
    assert rt.grid_voltage is None
    assert current.realtime.grid_voltage == 230
    assert rt.ssid == "HomeWifi"
    assert state.rfid_reader is True
    assert state.ocpp_enabled is False
    assert version.firmware == "2.1.17"
    assert current.realtime.intensity == 16
    assert client.rate_limit is not None
    assert client.rate_limit.limit == 1000
    # What the simulated cloud counted, not what the client thinks it spent.
    assert v2c_sim.cloud_calls() == 4
    assert client.rate_limit.remaining == 1000 - v2c_sim.cloud_calls()


async def test_cloud_errors(v2c_sim: V2CSim) -> None:
    async with aiohttp.ClientSession() as session:
        bad = V2CCloudClient(session, "wrong-key", base_url=v2c_sim.cloud_url)
        with pytest.raises(AuthenticationError):
            await bad.pairings()
        client = V2CCloudClient(session, API_KEY, base_url=v2c_sim.cloud_url)
        with pytest.raises(RequestError) as err:
            await client.reported("NOPE")
        assert err.value.status == 404
        v2c_sim.cloud.used = v2c_sim.cloud.quota
        with pytest.raises(RateLimitedError) as limited:
            await client.pairings()
        assert limited.value.retry_after is not None and limited.value.retry_after > 0


async def test_cloud_commands_reach_the_charger(v2c_sim: V2CSim) -> None:
    charger = v2c_sim.charger()
    cid = charger.charger_id
    async with aiohttp.ClientSession() as session:
        client = V2CCloudClient(session, API_KEY, base_url=v2c_sim.cloud_url)
        await client.write_setting(cid, ChargerSetting.PAUSED, 1)
        assert charger.paused == 1
        await client.write_setting(cid, ChargerSetting.PAUSED, 0)
        assert charger.paused == 0
        await client.write_setting(cid, ChargerSetting.INTENSITY, 10)
        await client.write_setting(cid, ChargerSetting.MAX_INTENSITY, 30)
        with pytest.raises(InvalidCommandError):
            await client.write_setting(cid, ChargerSetting.TIMER, 1)
        await client.write_setting(cid, ChargerSetting.LOGO_LED, 0)
        assert charger.logo_led == 0
        await client.set_rfid_reader(cid, False)
        await client.set_ocpp_enabled(cid, True)
        await client.set_installation_type(cid, 2)
        await client.set_slave_type(cid, 11)
        await client.set_language(cid, 4)
        await client.set_charge_stop_energy(cid, 7.5)
        await client.set_charge_stop_minutes(cid, 45)
        await client.set_ocpp_id(cid, "CP1")
        await client.set_ocpp_address(cid, "wss://x.example/ocpp")
        await client.set_inverter_ip(cid, "192.168.1.50")
        await client.add_rfid_card(cid, "04AABB", "Key")
        await client.rename_rfid_card(cid, "04AABB", "Car")
        assert await client.rfid_cards(cid) == [{"code": "04AABB", "tag": "Car"}]
        await client.delete_rfid_card(cid, "04AABB")
        await client.register_rfid(cid, "Next")
        await client.program_timer(cid, 1, "08:00", "10:00", True)
        await client.set_wifi(cid, "NewNet", "password123")
        await client.start_charge_for_energy(cid, 5)
        await client.start_charge_for_minutes(cid, 30)
        await client.reboot(cid)
        await client.trigger_update(cid)
        await client.save_power_profile(cid, "P", "2025-01-01", {"slots": []})
        await client.update_power_profile(cid, "P", "2025-01-01", {"slots": [1]})
        assert (await client.power_profile(cid, "2025-01-01"))["profile"] == {"slots": [1]}
        assert len(await client.power_profiles(cid)) == 1
        await client.delete_power_profile(cid, "P", "2025-01-01")
        assert await client.wifi_networks(cid)
        assert await client.device_statistics(cid, "2025-01-01", "2025-01-31")
        assert await client.global_statistics("2025-01-01", "2025-01-31")
    assert (charger.intensity, charger.max_intensity) == (10, 30)
    assert (charger.rfid_reader, charger.ocpp, charger.inst_type) == (0, 1, 2)
    assert (charger.slave_type, charger.language) == (11, 4)
    assert (charger.stop_energy, charger.stop_minutes) == (5.0, 30)
    assert (charger.ocpp_id, charger.inverter_ip) == ("CP1", "192.168.1.50")
    assert charger.timers[1] == {"start": "08:00", "end": "10:00", "active": True}
    assert charger.ssid == "NewNet"
    assert charger.learning_tag == "Next"
    assert (charger.reboots, charger.updates) == (1, 1)
    assert charger.profiles == {}


def test_parsers_are_lenient() -> None:
    assert as_float("12.5%") == 12.5
    assert as_float(True) is None
    assert as_float("nan") is None
    assert as_bool("true") is True
    assert as_bool("0") is False
    assert as_bool([]) is None
    with pytest.raises(InvalidResponseError):
        parse_realtime([1, 2])
    with pytest.raises(InvalidResponseError):
        parse_realtime({"Foo": 1})
    with pytest.raises(InvalidResponseError):
        parse_pairings("nope")
    with pytest.raises(InvalidResponseError):
        parse_reported(None)
    pairings = parse_pairings(
        {"data": [{"deviceId": "A"}, {"deviceId": "A"}, "junk", {"ip": "1.2.3.4"}]}
    )
    assert [p.charger_id for p in pairings] == ["A"]
    reported = parse_reported({"power": "bad", "wifi_info": "{not json", "rfid": "1"})
    assert reported.realtime.charge_power is None
    assert reported.realtime.ssid is None
    assert reported.rfid_reader is True


async def test_the_charger_writes_on_the_lan_first_then_through_the_cloud(
    v2c_sim: V2CSim,
) -> None:
    charger = v2c_sim.charger()
    async with aiohttp.ClientSession() as session:
        cloud = V2CCloudClient(session, API_KEY, base_url=v2c_sim.cloud_url)
        device = Charger(charger.charger_id, cloud, _lan(session, v2c_sim.address()))
        assert await device.write(ChargerSetting.INTENSITY, 20) is Source.LAN
        assert (charger.intensity, device.lan_away) == (20, False)
        assert v2c_sim.cloud_calls() == 0
        # The LAN drops the connection: the cloud takes what it knows.
        v2c_sim.app().faults.inject("reset", route="/write/")
        assert await device.write(ChargerSetting.INTENSITY, 12) is Source.CLOUD
        assert (charger.intensity, device.lan_away) == (12, True)
        assert v2c_sim.cloud_calls("/device/intensity") == 1
        # A setting only the LAN takes: the LAN's error, nothing sent to the cloud.
        timer = charger.timer
        with pytest.raises(UnreachableError):
            await device.write(ChargerSetting.TIMER, 1 - timer)
        assert charger.timer == timer
        assert v2c_sim.cloud_calls() == 1
        # A value the charger does not take is refused before anything is sent.
        with pytest.raises(InvalidCommandError):
            await device.write(ChargerSetting.INTENSITY, 33)
        assert charger.intensity == 12
        # A 4G-only charger: the cloud, or a clear error for a LAN-only setting.
        four_g = Charger(charger.charger_id, cloud)
        assert await four_g.write(ChargerSetting.LOCKED, 1) is Source.CLOUD
        assert charger.locked == 1
        with pytest.raises(UnreachableError):
            await four_g.write(ChargerSetting.PAUSE_DYNAMIC, 1)


async def test_a_choice_we_cannot_name_is_never_written(v2c_sim: V2CSim) -> None:
    charger = v2c_sim.charger()
    cid = charger.charger_id
    before = v2c_sim.cloud_calls()
    async with aiohttp.ClientSession() as session:
        client = V2CCloudClient(session, API_KEY, base_url=v2c_sim.cloud_url)
        # 7 is between the meters V2C names (6 Growatt, 11 MQTT): a charger may report it,
        # but what it means is unknown, so it is not sent back.
        with pytest.raises(InvalidCommandError):
            await client.set_slave_type(cid, MeterType(7))
        with pytest.raises(InvalidCommandError):
            await client.set_installation_type(cid, 3)  # type: ignore[arg-type]
        assert v2c_sim.cloud_calls() == before
        await client.set_installation_type(cid, InstallationType.PHOTOVOLTAIC)
    assert charger.inst_type == 2
