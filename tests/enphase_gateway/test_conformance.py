"""Conformance over real gateways: every capture in ``../shared/real-data/enphase`` replayed.

Each folder is served by the replay gateway and taken through the real config flow (digest
for firmware before 7, a pasted token from 7 on), set up, and every value checked against what
the gateway itself said in its raw replies. The expected values are computed here from the
raw JSON, never through the integration's parser. The captures belong to another project and
live beside the clone (CI has them): without them the tests skip, saying why.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import time
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest

from custom_components.enphase_gateway.const import DOMAIN
from simulators.enphase.cloud import issue_token
from simulators.enphase.replay import build_replay
from tests.conftest import serve_simulator

from .real_data import NO_REAL_DATA, REAL


def _folders() -> list[Any]:
    if not REAL.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=NO_REAL_DATA), id="absent")]
    return [pytest.param(p, id=p.name) for p in sorted(REAL.iterdir()) if p.is_dir()]


class Raw:
    """What one capture folder says, read from its files as the gateway sent them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        info = (folder / "info").read_text()
        self.serial = _xml(info, "sn")
        self.firmware = _xml(info, "software")
        self.imeter = _xml(info, "imeter") == "true"
        self.version = tuple(int(p) for p in re.findall(r"\d+", self.firmware)[:3])

    def status(self, name: str) -> int:
        log = self.folder / f"{name}_log.json"
        if log.is_file():
            return int(json.loads(log.read_text())["code"])
        return 200 if (self.folder / name).is_file() else 404

    def json(self, name: str) -> Any:
        """Return a reply's JSON, or None when it was not a JSON 200."""
        if self.status(name) != 200:
            return None
        try:
            return json.loads((self.folder / name).read_text())
        except ValueError:
            return None

    def eim(self, section: str, kind: str) -> dict[str, Any] | None:
        report = self.json("production.json")
        for item in (report or {}).get(section) or ():
            if item.get("type") == "eim" and item.get("measurementType") == kind:
                return item if item.get("activeCount", 0) > 0 else None
        return None

    def meters(self) -> list[dict[str, Any]]:
        meters = self.json("ivp_meters")
        return meters if isinstance(meters, list) else []

    def enabled(self, kind: str) -> bool:
        meters = self.meters()
        if not meters:
            return True  # no CT list: the report's activeCount says it alone
        return any(m["measurementType"] == kind and m["state"] == "enabled" for m in meters)

    def reading(self, kind: str) -> dict[str, Any] | None:
        eids = [m["eid"] for m in self.meters() if m["measurementType"] == kind]
        for item in self.json("ivp_meters_readings") or ():
            if item.get("eid") in eids:
                return dict(item)
        return None

    def inventory(self, kind: str) -> list[dict[str, Any]]:
        for group in self.json("ivp_ensemble_inventory") or ():
            if isinstance(group, dict) and group.get("type") == kind:
                return list(group.get("devices") or ())
        return []


def _xml(text: str, tag: str) -> str:
    match = re.search(rf"<{tag}>\s*([^<]*?)\s*</{tag}>", text)
    return match.group(1) if match else ""


async def _flow_setup(hass: HomeAssistant, raw: Raw, port: int) -> dict[str, Any]:
    """Go through the config flow as a user would; return the last flow result."""
    flows = hass.config_entries.flow
    result = await flows.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await flows.async_configure(result["flow_id"], {CONF_HOST: f"127.0.0.1:{port}"})
    if raw.version[0] >= 7:
        assert result["type"] is FlowResultType.MENU
        result = await flows.async_configure(result["flow_id"], {"next_step_id": "manual_token"})
        token = issue_token(raw.serial, issued_at=time.time())
        result = await flows.async_configure(result["flow_id"], {CONF_TOKEN: token})
    else:
        assert result["step_id"] == "digest"
        result = await flows.async_configure(result["flow_id"], {CONF_USERNAME: "installer"})
    await hass.async_block_till_done()
    return dict(result)


def _state(hass: HomeAssistant, unique_id: str, platform: str = "sensor") -> str | None:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    if entity_id is None:
        return None
    state = hass.states.get(entity_id)
    return None if state is None else state.state


def _number(hass: HomeAssistant, unique_id: str) -> float:
    value = _state(hass, unique_id)
    assert value not in (None, "unknown", "unavailable"), (unique_id, value)
    assert value is not None
    return float(value)


def _kwh(wh: float) -> Any:
    return pytest.approx(wh / 1000, abs=0.01)


@pytest.mark.parametrize("folder", _folders())
async def test_real_gateway(
    hass: HomeAssistant, socket_enabled: None, allow_loopback: None, folder: Path
) -> None:
    """The gateway sets up through the flow and every entity says what the gateway said."""
    raw = Raw(folder)
    async for server in serve_simulator(build_replay(folder)):
        result = await _flow_setup(hass, raw, server.port)
        assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")
        entry = hass.config_entries.async_get_entry(result["result"].entry_id)
        assert entry is not None
        assert entry.state is ConfigEntryState.LOADED
        serial = raw.serial
        ids = {
            e.unique_id
            for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        }
        _check_production(hass, raw, serial, ids)
        _check_consumption(hass, raw, serial, ids)
        _check_cts(hass, raw, serial, ids)
        _check_batteries(hass, raw, serial, ids)
        _check_ac_batteries(hass, raw, serial, ids)
        _check_inverters(hass, raw, entry.entry_id)
        _check_export_limit(hass, raw, serial, ids)
        await hass.config_entries.async_unload(entry.entry_id)


def _production_ct(raw: Raw) -> bool:
    return raw.eim("production", "production") is not None and raw.enabled("production")


def _check_production(hass: HomeAssistant, raw: Raw, serial: str, ids: set[str]) -> None:
    report = raw.json("production.json")
    v1 = raw.json("api_v1_production")
    inverters_section = next(
        (i for i in (report or {}).get("production") or () if i.get("type") == "inverters"), None
    )
    if _production_ct(raw):
        eim = raw.eim("production", "production")
        assert eim is not None
        reading = raw.reading("production")
        power = reading["activePower"] if reading else eim["wNow"]
        assert _number(hass, f"{serial}_production_power") == pytest.approx(power, abs=0.01)
        assert _number(hass, f"{serial}_production_lifetime") == _kwh(eim["whLifetime"])
        assert _number(hass, f"{serial}_production_today") == _kwh(eim["whToday"])
        assert _number(hass, f"{serial}_production_last_seven_days") == _kwh(eim["whLastSevenDays"])
    elif raw.imeter and raw.version >= (8, 2, 4264) and inverters_section is not None:
        # Its v1 production mirrors the absent CT and stalls: the inverters section is right.
        assert _number(hass, f"{serial}_production_power") == inverters_section["wNow"]
        assert _number(hass, f"{serial}_production_lifetime") == _kwh(
            inverters_section["whLifetime"]
        )
        assert f"{serial}_production_today" not in ids
    else:
        assert v1 is not None, "no production source in this capture"
        assert _number(hass, f"{serial}_production_power") == v1["wattsNow"]
        assert _number(hass, f"{serial}_production_lifetime") == _kwh(v1["wattHoursLifetime"])
        assert _number(hass, f"{serial}_production_today") == _kwh(v1["wattHoursToday"])
        assert _number(hass, f"{serial}_production_last_seven_days") == _kwh(
            v1["wattHoursSevenDays"]
        )


def _check_consumption(hass: HomeAssistant, raw: Raw, serial: str, ids: set[str]) -> None:
    net_ct = raw.enabled("net-consumption") and raw.eim("consumption", "net-consumption")
    total = raw.eim("consumption", "total-consumption")
    if not (net_ct or total):
        assert f"{serial}_consumption_power" not in ids
        assert f"{serial}_consumption_today" not in ids
        return
    production = raw.reading("production")
    net = raw.reading("net-consumption")
    if production is not None and net is not None and raw.meters():
        # Household consumption = production + net; a storage CT is never added.
        expected = production["activePower"] + net["activePower"]
        assert _number(hass, f"{serial}_consumption_power") == pytest.approx(expected, abs=0.01)
        assert _number(hass, f"{serial}_net_consumption_power") == pytest.approx(
            net["activePower"], abs=0.01
        )
    if total is not None:
        assert _number(hass, f"{serial}_consumption_lifetime") == _kwh(total["whLifetime"])
        assert _number(hass, f"{serial}_consumption_today") == _kwh(total["whToday"])


def _check_cts(hass: HomeAssistant, raw: Raw, serial: str, ids: set[str]) -> None:
    for meter in raw.meters():
        slug = meter["measurementType"].replace("-", "_")
        if meter["state"] != "enabled":
            assert f"{serial}_ct_{slug}_power_factor" not in ids
            continue
        reading = raw.reading(meter["measurementType"])
        assert reading is not None
        factor = _state(hass, f"{serial}_ct_{slug}_power_factor")
        assert factor is not None
        assert abs(float(factor)) <= 1
        if abs(reading["pwrFactor"]) <= 1:
            assert float(factor) == pytest.approx(reading["pwrFactor"], abs=0.001)
        assert _state(hass, f"{serial}_ct_{slug}_status") == meter["meteringStatus"].replace(
            "-", "_"
        )


def _check_batteries(hass: HomeAssistant, raw: Raw, serial: str, ids: set[str]) -> None:
    encharge = raw.inventory("ENCHARGE")
    secctrl = raw.json("ivp_ensemble_secctrl")
    if encharge and isinstance(secctrl, dict):
        # secctrl is flat on every real gateway.
        assert _number(hass, f"{serial}_battery_level") == secctrl["ENC_agg_soc"]
        assert _number(hass, f"{serial}_available_energy") == _kwh(secctrl["ENC_agg_avail_energy"])
        assert _number(hass, f"{serial}_max_capacity") == _kwh(
            secctrl["Enc_max_available_capacity"]
        )
        if "ENC_agg_soh" in secctrl:
            assert _number(hass, f"{serial}_battery_health") == secctrl["ENC_agg_soh"]
        else:
            assert f"{serial}_battery_health" not in ids
    power = raw.json("ivp_ensemble_power") or {}
    by_serial = {d["serial_num"]: d for d in power.get("devices:", power.get("devices", []))}
    for battery in encharge:
        soc = by_serial.get(battery["serial_num"], {}).get("soc", battery["percentFull"])
        assert _number(hass, f"{battery['serial_num']}_soc") == soc
    controllers = raw.inventory("ENPOWER")
    for controller in controllers:
        # No relay endpoint on these gateways: the controller's own state says it.
        on_grid = controller["mains_oper_state"] == "closed"
        state = _state(hass, f"{controller['serial_num']}_grid_status", "binary_sensor")
        assert state == ("on" if on_grid else "off")


def _check_ac_batteries(hass: HomeAssistant, raw: Raw, serial: str, ids: set[str]) -> None:
    report = raw.json("production.json") or {}
    acb = next((s for s in report.get("storage") or () if s.get("type") == "acb"), None)
    if acb is None or acb.get("activeCount", 0) == 0:
        assert f"{serial}_acb_power" not in ids
        return
    assert _number(hass, f"{serial}_acb_power") == acb["wNow"]
    assert _number(hass, f"{serial}_acb_count") == acb["activeCount"]
    assert _state(hass, f"{serial}_acb_state") == acb["state"]
    secctrl = raw.json("ivp_ensemble_secctrl")
    if isinstance(secctrl, dict) and "ACB_agg_soc" in secctrl:
        assert _number(hass, f"{serial}_acb_soc") == secctrl["ACB_agg_soc"]
        assert _number(hass, f"{serial}_acb_energy") == _kwh(secctrl["ACB_agg_energy"])
    else:
        assert _number(hass, f"{serial}_acb_soc") == acb["percentFull"]
        assert _number(hass, f"{serial}_acb_energy") == _kwh(acb["whNow"])


def _check_inverters(hass: HomeAssistant, raw: Raw, entry_id: str) -> None:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
    microinverters = {d.serial_number for d in devices if d.model == "Microinverter"}
    listed = raw.json("api_v1_production_inverters")
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"inverters_refused_{entry_id}")
    if raw.status("api_v1_production_inverters") == 401:
        # Refused with valid credentials: what is readable is read, and the user is told.
        assert not microinverters
        assert issue is not None
        return
    assert issue is None
    if isinstance(listed, list):
        # AC Batteries (devType 11) are listed there too: they are not microinverters.
        expected = {i["serialNumber"] for i in listed if i.get("devType", 1) != 11}
        assert microinverters == expected
        for item in listed:
            if item["serialNumber"] in expected:
                assert _number(hass, f"{item['serialNumber']}_power") == item["lastReportWatts"]


def _check_export_limit(hass: HomeAssistant, raw: Raw, serial: str, ids: set[str]) -> None:
    pel = raw.json("ivp_ss_pel_settings")
    if not isinstance(pel, dict):
        assert f"{serial}_power_export_limit" not in ids
        return
    key = "power_export_limit_percent" if pel.get("percent") else "power_export_limit"
    assert f"{serial}_{key}" in ids
    active = _state(hass, f"{serial}_power_export_limit_active", "binary_sensor")
    assert active == ("on" if pel["PEL"] else "off")
    if pel["PEL"] and "PEL_Limit" in pel:
        assert _number(hass, f"{serial}_{key}") == pel["PEL_Limit"]
    else:
        assert _state(hass, f"{serial}_{key}") == "unknown"
