"""What users of real gateways saw wrong, one test each.

Most replay a real capture (``../shared/real-data/enphase``, skipped when absent) and compute
the expected value from its raw JSON. Where a behaviour needs values that change between polls
or a reply no capture has, the test writes a small capture of its own (our own values, in the
real file naming) and the replay gateway serves it: it reads the files on every request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
from pathlib import Path
import time
from typing import Any

from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.enphase_gateway.const import CONF_MANUAL_TOKEN, DOMAIN
from simulators.enphase.cloud import issue_token
from simulators.enphase.replay import ReplaySimulator, build_replay
from tests.conftest import time_travel

from .real_data import NO_REAL_DATA, REAL


def _real(name: str) -> Path:
    folder = REAL / name
    if not folder.is_dir():
        pytest.skip(NO_REAL_DATA)
    return folder


def _json(folder: Path, name: str) -> Any:
    return json.loads((folder / name).read_text())


def _serial(folder: Path) -> str:
    info = (folder / "info").read_text()
    return info.split("<sn>", 1)[1].split("</sn>", 1)[0].strip()


def _digest(folder: Path) -> bool:
    info = (folder / "info").read_text()
    software = info.split("<software>", 1)[1].split("</software>", 1)[0].strip()
    return int(software.lstrip("DR").split(".")[0]) < 7


@pytest.fixture
async def replay(socket_enabled: None, allow_loopback: None) -> AsyncIterator[Any]:
    """Serve capture folders; return (replay app, port)."""
    servers: list[TestServer] = []

    async def start(folder: Path) -> tuple[ReplaySimulator, int]:
        app = build_replay(folder)
        assert isinstance(app, ReplaySimulator)
        server = TestServer(app.make_app(), host="127.0.0.1", access_log=None)
        await server.start_server()
        servers.append(server)
        assert server.port is not None
        return app, server.port

    yield start
    for server in servers:
        await server.close()


async def _setup(hass: HomeAssistant, folder: Path, port: int) -> MockConfigEntry:
    serial = _serial(folder)
    data: dict[str, Any] = {CONF_HOST: f"127.0.0.1:{port}", CONF_MANUAL_TOKEN: False}
    if _digest(folder):
        data |= {CONF_USERNAME: "installer", CONF_PASSWORD: ""}
    else:
        data |= {
            CONF_USERNAME: "",
            CONF_PASSWORD: "",
            CONF_TOKEN: issue_token(serial, issued_at=time.time()),
            CONF_MANUAL_TOKEN: True,
        }
    entry = MockConfigEntry(domain=DOMAIN, title=f"Envoy {serial}", unique_id=serial, data=data)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _state(hass: HomeAssistant, unique_id: str, platform: str = "sensor") -> str | None:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    if entity_id is None:
        return None
    state = hass.states.get(entity_id)
    return None if state is None else state.state


def _float(hass: HomeAssistant, unique_id: str) -> float:
    value = _state(hass, unique_id)
    assert value not in (None, "unknown", "unavailable"), (unique_id, value)
    assert value is not None
    return float(value)


def _reading(folder: Path, kind: str) -> dict[str, Any]:
    eid = next(m["eid"] for m in _json(folder, "ivp_meters") if m["measurementType"] == kind)
    return dict(next(r for r in _json(folder, "ivp_meters_readings") if r["eid"] == eid))


# -- a capture of our own ----------------------------------------------------------------------

OWN_SERIAL = "202500000001"


def _eim(kind: str, watts: float, lifetime: float, today: float) -> dict[str, Any]:
    return {
        "type": "eim",
        "activeCount": 1,
        "measurementType": kind,
        "readingTime": 1700000000,
        "wNow": watts,
        "whLifetime": lifetime,
        "whToday": today,
        "whLastSevenDays": today * 7,
        "varhLeadLifetime": 0.0,
        "rmsCurrent": 3.0,
        "rmsVoltage": 240.0,
        "reactPwr": 0.0,
        "apprntPwr": abs(watts),
        "pwrFactor": 1.0,
        "lines": [],
    }


def _ct(eid: int, watts: float, factor: float = 1.0) -> dict[str, Any]:
    half = watts / 2

    def channel(offset: int) -> dict[str, Any]:
        return {
            "eid": eid + offset,
            "timestamp": 1700000000,
            "actEnergyDlvd": 1000.0,
            "actEnergyRcvd": 10.0,
            "apparentPower": abs(half) / 0.9 if half else 0.0,
            "reactivePower": 0.0,
            "activePower": half,
            "pwrFactor": 0.9 if half else 0.0,
            "voltage": 120.0,
            "current": 1.0,
            "freq": 60.0,
        }

    return {
        "eid": eid,
        "timestamp": 1700000000,
        "actEnergyDlvd": 2000.0,
        "actEnergyRcvd": 20.0,
        "apparentPower": abs(watts) / 0.9 if watts else 0.0,
        "reactivePower": 0.0,
        "activePower": watts,
        "pwrFactor": factor,
        "voltage": 240.0,
        "current": 2.0,
        "freq": 60.0,
        "channels": [channel(1), channel(2)],
    }


def write_own_capture(
    folder: Path,
    *,
    firmware: str = "D8.2.4382",
    consumption_ct: str = "net-consumption",
    readings: dict[str, float] | None = None,
    production_factor: float = 1.0,
) -> None:
    """Write a split-phase gateway with a production CT and one consumption CT."""
    folder.mkdir(exist_ok=True)
    (folder / "info").write_text(
        "<?xml version='1.0' encoding='UTF-8'?><envoy_info><device>"
        f"<sn>{OWN_SERIAL}</sn><pn>800-00654-r08</pn><software>{firmware}</software>"
        "<imeter>true</imeter></device></envoy_info>"
    )
    # The report is read seconds or minutes before the CT readings: its powers are older.
    report = {
        "production": [
            {"type": "inverters", "activeCount": 2, "readingTime": 0, "wNow": 240, "whLifetime": 9},
            _eim("production", 250.0, 5_000_000.0, 1_000.0),
        ],
        "consumption": [
            _eim("total-consumption", 2148.0, 7_000_000.0, 9_000.0),
            _eim("net-consumption", 1898.0, 2_000_000.0, 0.0),
        ],
        "storage": [{"type": "acb", "activeCount": 0, "wNow": 0, "whNow": 0, "state": "idle"}],
    }
    (folder / "production.json").write_text(json.dumps(report))
    (folder / "api_v1_production").write_text(
        json.dumps(
            {
                "wattHoursToday": 1000,
                "wattHoursSevenDays": 7000,
                "wattHoursLifetime": 5000000,
                "wattsNow": 240,
            }
        )
    )
    (folder / "api_v1_production_inverters").write_text("[]")
    meters = [
        {
            "eid": 704643328,
            "state": "enabled",
            "measurementType": "production",
            "phaseMode": "split",
            "phaseCount": 2,
            "meteringStatus": "normal",
            "statusFlags": [],
        },
        {
            "eid": 704643584,
            "state": "enabled",
            "measurementType": consumption_ct,
            "phaseMode": "split",
            "phaseCount": 2,
            "meteringStatus": "normal",
            "statusFlags": [],
        },
    ]
    (folder / "ivp_meters").write_text(json.dumps(meters))
    write_readings(
        folder, readings or {"production": 250.0, consumption_ct: 130.0}, production_factor
    )


def write_readings(folder: Path, powers: dict[str, float], production_factor: float = 1.0) -> None:
    """Write the CT readings (the replay reads them again on every request)."""
    meters = json.loads((folder / "ivp_meters").read_text())
    readings = [
        _ct(m["eid"], powers[m["measurementType"]], production_factor if i == 0 else 1.0)
        for i, m in enumerate(meters)
    ]
    (folder / "ivp_meters_readings").write_text(json.dumps(readings))


# -- 1. the battery aggregate ------------------------------------------------------------------


async def test_flat_secctrl_gives_the_battery_aggregate(hass: HomeAssistant, replay: Any) -> None:
    folder = _real("8.2.4286_with_3cts_and_battery_split")
    _app, port = await replay(folder)
    await _setup(hass, folder, port)
    serial = _serial(folder)
    secctrl = _json(folder, "ivp_ensemble_secctrl")
    assert "secctrl" not in secctrl  # flat, as on every real gateway
    assert _float(hass, f"{serial}_battery_level") == secctrl["ENC_agg_soc"]
    assert _float(hass, f"{serial}_available_energy") == pytest.approx(
        secctrl["ENC_agg_avail_energy"] / 1000
    )
    assert _float(hass, f"{serial}_max_capacity") == pytest.approx(
        secctrl["Enc_max_available_capacity"] / 1000
    )
    assert _float(hass, f"{serial}_battery_health") == secctrl["ENC_agg_soh"]


# -- 2. consumption with a storage CT ----------------------------------------------------------


async def test_consumption_never_adds_the_storage_ct(hass: HomeAssistant, replay: Any) -> None:
    folder = _real("8.2.4286_with_3cts_and_battery_split")
    _app, port = await replay(folder)
    await _setup(hass, folder, port)
    serial = _serial(folder)
    production = _reading(folder, "production")["activePower"]
    net = _reading(folder, "net-consumption")["activePower"]
    storage = _reading(folder, "storage")["activePower"]
    consumption = _float(hass, f"{serial}_consumption_power")
    assert consumption == pytest.approx(production + net, abs=0.01)
    # The gateway's own total consumption says the same (read seconds apart).
    total = next(
        c
        for c in _json(folder, "production.json")["consumption"]
        if c["measurementType"] == "total-consumption"
    )
    assert consumption == pytest.approx(total["wNow"], rel=0.01)
    assert abs(consumption - (production + net + storage)) > 1000


# -- 3. one source per value: the CTs' fresh power is never replaced by the report ---------------


async def test_live_power_is_never_replaced_by_the_older_report(
    hass: HomeAssistant, replay: Any, tmp_path: Path, freezer: FrozenDateTimeFactory
) -> None:
    folder = tmp_path / "fw8"
    write_own_capture(folder, readings={"production": 250.0, "net-consumption": 130.0})
    app, port = await replay(folder)
    await _setup(hass, folder, port)
    assert _float(hass, f"{OWN_SERIAL}_consumption_power") == 380.0
    assert _float(hass, f"{OWN_SERIAL}_net_consumption_power") == 130.0
    assert _float(hass, f"{OWN_SERIAL}_production_power") == 250.0
    slow_polls = app.log.count("/api/v1/production$") + app.log.count("/production.json")
    for _ in range(7):  # past the slow poll and the detail tier (the report read again)
        await time_travel(hass, freezer, 61)
        assert _float(hass, f"{OWN_SERIAL}_consumption_power") == 380.0
        assert _float(hass, f"{OWN_SERIAL}_net_consumption_power") == 130.0
    assert app.log.count("/production.json") + app.log.count("/api/v1/production$") > slow_polls
    write_readings(folder, {"production": 300.0, "net-consumption": -20.0})
    await time_travel(hass, freezer, 11)
    assert _float(hass, f"{OWN_SERIAL}_consumption_power") == 280.0
    assert _float(hass, f"{OWN_SERIAL}_net_consumption_power") == -20.0
    assert _float(hass, f"{OWN_SERIAL}_production_power") == 300.0


# -- 8. a total-consumption CT -------------------------------------------------------------------


async def test_total_consumption_ct_gives_live_consumption_and_net(
    hass: HomeAssistant, replay: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "total"
    write_own_capture(
        folder,
        consumption_ct="total-consumption",
        readings={"production": 250.0, "total-consumption": 900.0},
    )
    _app, port = await replay(folder)
    await _setup(hass, folder, port)
    assert _float(hass, f"{OWN_SERIAL}_consumption_power") == 900.0
    assert _float(hass, f"{OWN_SERIAL}_net_consumption_power") == 650.0


# -- 4. the power export limit ------------------------------------------------------------------


async def test_power_export_limit_is_read(hass: HomeAssistant, replay: Any) -> None:
    folder = _real("8.2.4382_ACB")
    _app, port = await replay(folder)
    await _setup(hass, folder, port)
    serial = _serial(folder)
    pel = _json(folder, "ivp_ss_pel_settings")
    assert pel["PEL"] is True and pel["percent"] is True
    assert _float(hass, f"{serial}_power_export_limit_percent") == pel["PEL_Limit"]
    assert _state(hass, f"{serial}_power_export_limit_active", "binary_sensor") == "on"
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{serial}_power_export_limit_percent"
    )
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None and state.attributes["unit_of_measurement"] == "%"


# -- 5. gateways without a production CT ----------------------------------------------------------


# 4.2.27 cannot meter (imeter false) but its report carries CT sections with activeCount 0.
@pytest.mark.parametrize("name", ["4.2.27", "7.6.114_without_cts", "5.0.62"])
async def test_without_production_ct_v1_production_is_used(
    hass: HomeAssistant, replay: Any, freezer: FrozenDateTimeFactory, name: str
) -> None:
    folder = _real(name)
    app, port = await replay(folder)
    await _setup(hass, folder, port)
    serial = _serial(folder)
    v1 = _json(folder, "api_v1_production")
    assert _float(hass, f"{serial}_production_lifetime") == pytest.approx(
        v1["wattHoursLifetime"] / 1000, abs=0.01
    )
    assert _float(hass, f"{serial}_production_today") == pytest.approx(
        v1["wattHoursToday"] / 1000, abs=0.01
    )
    assert _float(hass, f"{serial}_production_last_seven_days") == pytest.approx(
        v1["wattHoursSevenDays"] / 1000, abs=0.01
    )
    assert _float(hass, f"{serial}_production_power") == v1["wattsNow"]
    # The heavy report is not polled for what v1 gives.
    app.log.clear()
    for _ in range(6):
        await time_travel(hass, freezer, 61)
    assert app.log.count("/api/v1/production$") >= 5
    assert app.log.count("/production.json") == 0


async def test_disabled_production_ct_is_not_metered(hass: HomeAssistant, replay: Any) -> None:
    folder = _real("8.2.4264_metered_noct")
    _app, port = await replay(folder)
    entry = await _setup(hass, folder, port)
    serial = _serial(folder)
    caps = entry.runtime_data.poller.capabilities
    assert not caps.production_ct and not caps.has_cts
    inverters = next(
        i for i in _json(folder, "production.json")["production"] if i["type"] == "inverters"
    )
    # Its v1 production mirrors the disabled CT; the inverters section is what was produced.
    assert _float(hass, f"{serial}_production_power") == inverters["wNow"]
    assert _state(hass, f"{serial}_ct_production_power") is None


# -- 6. grid status from the System Controller ---------------------------------------------------


async def test_grid_status_from_the_system_controller(hass: HomeAssistant, replay: Any) -> None:
    folder = _real("8.2.4286_with_3cts_and_battery_split")
    assert not (folder / "ivp_ensemble_relay").exists()
    _app, port = await replay(folder)
    await _setup(hass, folder, port)
    controller = next(g for g in _json(folder, "ivp_ensemble_inventory") if g["type"] == "ENPOWER")
    device = controller["devices"][0]
    expected = "on" if device["mains_oper_state"] == "closed" else "off"
    assert _state(hass, f"{device['serial_num']}_grid_status", "binary_sensor") == expected


# -- 7. AC Batteries ---------------------------------------------------------------------------


async def test_ac_batteries(hass: HomeAssistant, replay: Any) -> None:
    folder = _real("8.2.4382_ACB")
    _app, port = await replay(folder)
    entry = await _setup(hass, folder, port)
    serial = _serial(folder)
    acb = next(s for s in _json(folder, "production.json")["storage"] if s["type"] == "acb")
    secctrl = _json(folder, "ivp_ensemble_secctrl")
    assert _float(hass, f"{serial}_acb_power") == acb["wNow"]
    assert _state(hass, f"{serial}_acb_state") == acb["state"]
    assert _float(hass, f"{serial}_acb_count") == acb["activeCount"]
    assert _float(hass, f"{serial}_acb_soc") == secctrl["ACB_agg_soc"]
    assert _float(hass, f"{serial}_acb_energy") == pytest.approx(secctrl["ACB_agg_energy"] / 1000)
    listed = _json(folder, "api_v1_production_inverters")
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    micro = {d.serial_number for d in devices if d.model == "Microinverter"}
    assert micro == {i["serialNumber"] for i in listed if i["devType"] != 11}
    assert any(i["devType"] == 11 for i in listed)
    assert any(d.model == "AC Battery" for d in devices)


# -- 9. what cannot be read, unsupported firmware, power factor ------------------------------------


async def test_refused_inverter_list_does_not_refuse_setup(
    hass: HomeAssistant, replay: Any
) -> None:
    folder = _real("3.9.36_bad_auth")
    _app, port = await replay(folder)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: f"127.0.0.1:{port}"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "installer"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    v1 = _json(folder, "api_v1_production")
    serial = _serial(folder)
    assert _float(hass, f"{serial}_production_lifetime") == pytest.approx(
        v1["wattHoursLifetime"] / 1000, abs=0.01
    )
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"inverters_refused_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "inverters_refused"


def _write_html_only(folder: Path) -> None:
    """A firmware-3.7 gateway: production only as web pages."""
    folder.mkdir()
    (folder / "info").write_text(
        "<?xml version='1.0'?><envoy_info><device><sn>202500000037</sn>"
        "<software>R3.7.0</software></device></envoy_info>"
    )
    page = "<!DOCTYPE html><html><body><h1>System Energy Production</h1></body></html>"
    (folder / "production").write_text(page)
    (folder / "production.json").write_text(page)
    (folder / "api_v1_production_inverters").write_text("[]")


async def test_firmware_3_7_is_refused_clearly(
    hass: HomeAssistant, replay: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "fw37"
    _write_html_only(folder)
    _app, port = await replay(folder)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: f"127.0.0.1:{port}"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "installer"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unsupported_firmware"}
    # An entry made before (or by hand) stops with the same clear reason, without retrying.
    entry = await _setup(hass, folder, port)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.error_reason_translation_key == "unsupported_firmware"


async def test_split_phase_power_factor_never_above_one(
    hass: HomeAssistant, replay: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "pf"
    # The top-level factor is the sum of its two channels' (0.9 + 0.9).
    write_own_capture(folder, production_factor=1.8)
    _app, port = await replay(folder)
    await _setup(hass, folder, port)
    reading = next(
        r for r in json.loads((folder / "ivp_meters_readings").read_text()) if r["eid"] == 704643328
    )
    expected = sum(c["activePower"] for c in reading["channels"]) / sum(
        c["apparentPower"] for c in reading["channels"]
    )
    factor = _float(hass, f"{OWN_SERIAL}_ct_production_power_factor")
    assert factor <= 1
    assert factor == pytest.approx(expected, abs=0.001)


# -- a lighter footprint -----------------------------------------------------------------------


async def test_ct_refresh_writes_only_changed_sensors(
    hass: HomeAssistant, replay: Any, tmp_path: Path, freezer: FrozenDateTimeFactory
) -> None:
    folder = tmp_path / "quiet"
    write_own_capture(folder, readings={"production": 250.0, "net-consumption": 130.0})
    app, port = await replay(folder)
    await _setup(hass, folder, port)
    registry = er.async_get(hass)
    voltage = registry.async_get_entity_id("sensor", DOMAIN, f"{OWN_SERIAL}_ct_production_voltage")
    power = registry.async_get_entity_id("sensor", DOMAIN, f"{OWN_SERIAL}_production_power")
    assert voltage is not None and power is not None
    await time_travel(hass, freezer, 11)
    before = hass.states.get(voltage)
    assert before is not None
    # The state object is updated in place when rewritten unchanged: keep the time.
    reported = before.last_reported
    polls = app.log.count("/ivp/meters/readings")
    write_readings(folder, {"production": 260.0, "net-consumption": 130.0})
    await time_travel(hass, freezer, 11)
    assert app.log.count("/ivp/meters/readings") == polls + 1
    # The power changed and is written; the voltage did not and is left alone.
    assert _float(hass, f"{OWN_SERIAL}_production_power") == 260.0
    after = hass.states.get(voltage)
    assert after is not None
    assert after.last_reported == reported


# -- 7. IQ Meter Collar and IQ Combiner (no capture has them: a capture of our own) --------------


async def test_meter_collar_and_combiner_from_the_inventory(
    hass: HomeAssistant, replay: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "collar"
    write_own_capture(folder)
    inventory = [
        {"type": "ENCHARGE", "devices": []},
        {
            "type": "COLLAR",
            "devices": [
                {
                    "part_num": "865-00400-r22",
                    "serial_num": "482400000001",
                    "communicating": True,
                    "temperature": 40,
                    "img_pnum_running": "1.0.1",
                    "mains_admin_state": "closed",
                    "mains_oper_state": "open",
                }
            ],
        },
        {
            "type": "C6 COMBINER CONTROLLER",
            "devices": [
                {
                    "part_num": "800-01400-r03",
                    "serial_num": "482400000002",
                    "communicating": False,
                    "img_pnum_running": "2.0.0",
                }
            ],
        },
    ]
    (folder / "ivp_ensemble_inventory").write_text(json.dumps(inventory))
    _app, port = await replay(folder)
    entry = await _setup(hass, folder, port)
    devices = {
        d.serial_number: d
        for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    }
    collar = inventory[1]["devices"][0]  # type: ignore[index]
    combiner = inventory[2]["devices"][0]  # type: ignore[index]
    assert devices[collar["serial_num"]].model == "IQ Meter Collar"
    assert devices[collar["serial_num"]].sw_version == collar["img_pnum_running"]
    assert devices[combiner["serial_num"]].model == "IQ Combiner"
    assert _state(hass, f"{collar['serial_num']}_communicating", "binary_sensor") == "on"
    assert _state(hass, f"{combiner['serial_num']}_communicating", "binary_sensor") == "off"
    expected = "on" if collar["mains_oper_state"] == "closed" else "off"
    assert _state(hass, f"{collar['serial_num']}_grid_status", "binary_sensor") == expected
    assert _state(hass, f"{combiner['serial_num']}_grid_status", "binary_sensor") is None
