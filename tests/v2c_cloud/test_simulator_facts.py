"""The cloud simulator answers as the real V2C Cloud does.

The facts below are written here, from ``../shared/api-notes/v2c.md`` ("Corrections learned
from the real cloud and chargers" wins), never derived from the simulator or our parser: if
the simulator drifts back to our own guesses, this fails.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from .conftest import API_KEY, V2CSim

HEADERS = {"apikey": API_KEY}

# /device/reported
REPORTED_ID_KEY = "device_id"
NEVER_IN_REPORTED = {"ready_state", "timer", "pause_dynamic", "charge_mode", "dynamic_power_mode"}
WIFI_INFO_KEYS = {"ssid", "ip", "static_mode", "status"}
LOGO_LED_VALUES = {"1", "0"}
# /device/currentstatecharge (Trydan Pro 4G, firmware 2.4.2)
CHARGE_STATE_KEYS = {
    "seconds",
    "error",
    "voltage",
    "phases",
    "battery",
    "intensity",
    "energy",
    "power",
    "house_power",
    "sun_power",
    "grid_power",
    "photovoltaic_on",
    "cp_level",
}
# /device/language: 0 English ... 9 Catalan; nothing else.
LANGUAGE_CODES = range(10)
# /device/chargefvmode: 0 PV + minimum, 1 PV only, 2 maximum power.
PV_MODE_CODES = (0, 1, 2)


async def _request(
    session: aiohttp.ClientSession,
    sim: V2CSim,
    method: str,
    path: str,
    params: dict[str, str],
    body: Any = None,
) -> tuple[int, str]:
    async with session.request(
        method,
        f"{sim.cloud_url}{path}",
        params=params,
        headers=HEADERS,
        data=None if body is None else json.dumps(body),
    ) as resp:
        return resp.status, await resp.text()


async def test_reported_has_the_real_shape(v2c_sim: V2CSim) -> None:
    charger = v2c_sim.charger()
    async with aiohttp.ClientSession() as session:
        status, text = await _request(
            session, v2c_sim, "GET", "/device/reported", {"deviceId": charger.charger_id}
        )
    assert status == 200
    payload = json.loads(text)
    assert payload[REPORTED_ID_KEY] == charger.charger_id
    assert "deviceId" not in payload
    assert not NEVER_IN_REPORTED & set(payload)
    # The mains voltage is not in /reported (cp_level comes through /currentstatecharge).
    assert "cp_level" not in payload
    assert all(isinstance(value, str) for value in payload.values())
    assert payload["logo_led"] in LOGO_LED_VALUES
    wifi = json.loads(payload["wifi_info"])
    assert set(wifi) == WIFI_INFO_KEYS
    # Power in kW as text.
    assert float(payload["power"]) == pytest.approx(charger.charge_power / 1000)


async def test_logo_led_is_on_off(v2c_sim: V2CSim) -> None:
    charger = v2c_sim.charger()
    async with aiohttp.ClientSession() as session:
        for brightness, expected in ((0, "0"), (40, "1"), (100, "1")):
            charger.logo_led = brightness
            _status, text = await _request(
                session, v2c_sim, "GET", "/device/reported", {"deviceId": charger.charger_id}
            )
            assert json.loads(text)["logo_led"] == expected


async def test_current_state_charge_has_the_real_shape(v2c_sim: V2CSim) -> None:
    charger = v2c_sim.charger()
    async with aiohttp.ClientSession() as session:
        status, text = await _request(
            session,
            v2c_sim,
            "POST",
            "/device/currentstatecharge",
            {"deviceId": charger.charger_id},
        )
    assert status == 200
    payload = json.loads(text)
    assert set(payload) == CHARGE_STATE_KEYS
    assert all(isinstance(value, str) for value in payload.values())
    assert float(payload["cp_level"]) == charger.voltage


async def test_timer_takes_the_real_shape_and_refuses_the_old_one(v2c_sim: V2CSim) -> None:
    charger = v2c_sim.charger()
    query = {"deviceId": charger.charger_id, "timerId": "2", "timer id": "2"}
    real_body = {
        "start_time": "22:00",
        "end_time": "06:30",
        "timeStart": "22:00",
        "timeEnd": "06:30",
        "active": True,
    }
    async with aiohttp.ClientSession() as session:
        status, _ = await _request(session, v2c_sim, "POST", "/device/timer", query, real_body)
        assert status == 200
        old_body = {"timeIni": "22:00", "timeFin": "06:30", "active": True}
        status, text = await _request(session, v2c_sim, "POST", "/device/timer", query, old_body)
        assert status == 400
        assert "start_time" in text
        # A slot that is not a whole number is a bad request, never slot 3.
        bad_slot = {**query, "timerId": "3.9", "timer id": "3.9"}
        status, _ = await _request(session, v2c_sim, "POST", "/device/timer", bad_slot, real_body)
        assert status == 400
    assert list(charger.timers) == [2]


@pytest.mark.parametrize(
    ("path", "good", "bad"),
    [
        ("/device/language", list(LANGUAGE_CODES), [10, -1]),
        ("/device/chargefvmode", list(PV_MODE_CODES), [3]),
        ("/device/logo_led", [0, 1], [2, 100]),
        ("/device/denka/max_power", [1000, 7400, 22000], [999, 22001]),
    ],
)
async def test_value_commands_take_the_real_values(
    v2c_sim: V2CSim, path: str, good: list[int], bad: list[int]
) -> None:
    charger_id = v2c_sim.charger().charger_id
    async with aiohttp.ClientSession() as session:
        for value in good:
            status, _ = await _request(
                session, v2c_sim, "POST", path, {"deviceId": charger_id, "value": str(value)}
            )
            assert status == 200, (path, value)
        for value in bad:
            status, _ = await _request(
                session, v2c_sim, "POST", path, {"deviceId": charger_id, "value": str(value)}
            )
            assert status == 400, (path, value)


async def test_language_is_reported_as_its_code(v2c_sim: V2CSim) -> None:
    charger = v2c_sim.charger()
    async with aiohttp.ClientSession() as session:
        await _request(
            session,
            v2c_sim,
            "POST",
            "/device/language",
            {"deviceId": charger.charger_id, "value": "9"},
        )
        _status, text = await _request(
            session, v2c_sim, "GET", "/device/reported", {"deviceId": charger.charger_id}
        )
    assert json.loads(text)["language"] == "9"


async def test_empty_account_answers_null(v2c_sim: V2CSim) -> None:
    v2c_sim.cloud.chargers = {}
    async with aiohttp.ClientSession() as session:
        status, text = await _request(session, v2c_sim, "GET", "/pairings/me", {})
    assert (status, text) == (200, "null")


async def test_lan_write_answers_ok_and_ready_state_is_real(v2c_sim: V2CSim) -> None:
    charger = v2c_sim.charger()
    lan = f"http://{v2c_sim.address()}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{lan}/write/Paused=1") as resp:
            assert (resp.status, await resp.text()) == (200, "OK")
        async with session.get(f"{lan}/RealTimeData") as resp:
            data = json.loads((await resp.text()).rstrip("%"))
        # A car connected and not charging: ReadyState 1 on real chargers.
        assert (data["ChargeState"], data["ReadyState"]) == (1, 1)
        charger.refuse_writes = True
        async with session.get(f"{lan}/write/Paused=0") as resp:
            assert resp.status == 200
            assert await resp.text() != "OK"
    assert charger.paused == 1
