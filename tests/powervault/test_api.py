"""The api package against the simulators, and its models on hand-written replies."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
import itertools
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer
import pytest

from custom_components.energy_bridges_common.client.errors import (
    InvalidResponseError,
    RequestError,
    UnreachableError,
)
from custom_components.powervault.api import (
    CLOUD_BASE_URL,
    CLOUD_BATTERY_POSITIVE_WHEN_CHARGING,
    VALID_STATES,
    BatteryControl,
    BatterySignCheck,
    CloudOnlyError,
    CloudRecord,
    HistorySample,
    InvalidApiKeyError,
    InvalidStateError,
    LocalOnlyError,
    LocalTelemetry,
    PowerFlow,
    PowervaultCloudClient,
    PowervaultLocalClient,
    Schedule,
    StateOverride,
    UnknownUnitError,
    WriteRejectedError,
    check_battery_sign,
    integrate_energy,
    latest_power,
    local_base_url,
    period_window,
)
from custom_components.powervault.api.models import Account, Unit, parse_timestamp
from simulators.framework import FaultKind, SimClock
from simulators.powervault import PowervaultCloud, PowervaultLocal

from .conftest import API_KEY, CLOUD_UNIT, LOCAL_UNIT


def test_api_has_no_home_assistant_import() -> None:
    api = Path(__file__).parents[2] / "custom_components" / "powervault" / "api"
    for path in api.glob("*.py"):
        assert "homeassistant" not in path.read_text(), path


def test_valid_states_constant() -> None:
    assert VALID_STATES == (
        "normal",
        "only-charge",
        "only-discharge",
        "force-charge",
        "force-discharge",
        "disable",
        "dormant",
    )
    assert CLOUD_BASE_URL == "https://rest-api.powervault.co.uk/v4"


async def test_cloud_client(cloud_server: TestServer) -> None:
    async with aiohttp.ClientSession() as session:
        client = PowervaultCloudClient(
            session, API_KEY, base_url=f"http://127.0.0.1:{cloud_server.port}/v4"
        )
        account = await client.get_account()
        assert account == Account(id="4242", name="Simulated household")
        units = await client.get_units(account.id)
        assert [unit.id for unit in units] == ["pvsim-1001", "pvsim-1002"]
        unit = await client.get_unit(CLOUD_UNIT)
        assert unit == Unit(id=CLOUD_UNIT, model="P4", eprom_id="E1001")

        latest = await client.get_data(CLOUD_UNIT)
        assert len(latest) == 1
        past_hour = await client.get_data(CLOUD_UNIT, "past-hour")
        assert len(past_hour) == 13
        assert [r.time for r in past_hour] == sorted(r.time for r in past_hour)
        assert all(
            b.time - a.time == timedelta(minutes=5) for a, b in itertools.pairwise(past_hour)
        )
        for period in ("today", "yesterday", "last-hour", "past-day", "last-day"):
            assert await client.get_data(CLOUD_UNIT, period)
        with pytest.raises(ValueError, match="not a period"):
            await client.get_data(CLOUD_UNIT, "fortnight")

        schedule = await client.get_schedule(CLOUD_UNIT)
        assert schedule.days[0][1].state == "force-charge"
        assert await client.get_state_overrides(CLOUD_UNIT) == []

        now = datetime.now(UTC)
        override = await client.set_battery_state(CLOUD_UNIT, "force-discharge", now=now)
        assert override.end - override.start == timedelta(hours=24)
        state = await client.get_battery_state(CLOUD_UNIT)
        assert (state.state, state.source) == ("force-discharge", "override")

        await client.set_battery_state(
            CLOUD_UNIT, "dormant", duration=timedelta(hours=2), start=now + timedelta(hours=1)
        )
        overrides = await client.get_state_overrides(CLOUD_UNIT)
        assert [(o.state, o.end - o.start) for o in overrides] == [("dormant", timedelta(hours=2))]

        await client.cancel_override(CLOUD_UNIT)
        assert await client.get_state_overrides(CLOUD_UNIT) == []

        with pytest.raises(InvalidStateError):
            await client.set_battery_state(CLOUD_UNIT, "turbo")
        with pytest.raises(UnknownUnitError):
            await client.get_schedule("nope-1")
        for call in (client.get_health, client.get_unit_id, client.get_platform):
            with pytest.raises(LocalOnlyError):
                await call()
        with pytest.raises(LocalOnlyError):
            await client.get_latest_telemetry()
        with pytest.raises(LocalOnlyError):
            await client.get_history("today", now)
        with pytest.raises(LocalOnlyError):
            await client.get_chart_data(now, now)


async def test_cloud_wrong_key_is_an_auth_error(cloud_server: TestServer) -> None:
    async with aiohttp.ClientSession() as session:
        client = PowervaultCloudClient(
            session, "wrong-key-123", base_url=f"http://127.0.0.1:{cloud_server.port}/v4"
        )
        with pytest.raises(InvalidApiKeyError, match="rejected the API key"):
            await client.get_account()


async def test_cloud_write_not_confirmed(
    cloud_server: TestServer, cloud_app: PowervaultCloud
) -> None:
    cloud_app.faults.inject(FaultKind.MALFORMED, "stateOverride", method="POST", body="{}")
    async with aiohttp.ClientSession() as session:
        client = PowervaultCloudClient(
            session, API_KEY, base_url=f"http://127.0.0.1:{cloud_server.port}/v4"
        )
        with pytest.raises(WriteRejectedError):
            await client.set_battery_state(CLOUD_UNIT, "normal")
        cloud_app.faults.clear()
        cloud_app.faults.inject(FaultKind.MISSING_KEYS, "stateOverride", method="GET")
        with pytest.raises(InvalidResponseError):
            await client.get_state_overrides(CLOUD_UNIT)
        cloud_app.faults.clear()
        cloud_app.faults.inject(FaultKind.STATUS, "/data", status=500)
        with pytest.raises(RequestError):
            await client.get_data(CLOUD_UNIT)


@pytest.mark.parametrize("chart_format", ["records", "flat"])
async def test_local_client(socket_enabled: None, chart_format: str) -> None:
    clock = SimClock()
    clock.freeze()
    app = PowervaultLocal(chart_format=chart_format, clock=clock)
    server = TestServer(app.make_app(), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            client = PowervaultLocalClient(session, "127.0.0.1", server.port)
            assert client.is_local
            assert await client.get_health() is True
            assert await client.get_unit_id() == LOCAL_UNIT
            assert await client.get_platform() == "p3x"
            telemetry = await client.get_latest_telemetry()
            latest = app.unit.latest()
            assert telemetry.power.battery == pytest.approx(latest.battery, abs=1)
            assert telemetry.power.grid == pytest.approx(latest.grid, abs=1)
            assert telemetry.power.solar == (
                pytest.approx(latest.solar, abs=1) if latest.solar > 10 else 0
            )
            said = {name: value for name, (value, _unit) in app._measurements(latest).items()}
            # The battery level is the usable charge; the average is a second value.
            assert telemetry.power.state_of_charge == said["socUsable"]
            assert telemetry.values["average_state_of_charge"] == said["socAverage"]
            assert telemetry.values["inverter_frequency"] == pytest.approx(50, abs=0.1)
            # Four modules fitted in slots 2..11, cells from 0: only measured cells count.
            measured = [
                name
                for name, value in said.items()
                if name.startswith("pylontechModule") and value is not None
            ]
            assert len(telemetry.cells) == len(measured) == 4 * 15
            assert telemetry.cells["module_2_cell_0_voltage"].value == pytest.approx(
                said["pylontechModule2cell0Voltage"]
            )
            assert "module_6_cell_0_voltage" not in telemetry.cells
            assert (
                telemetry.actual_state
                == {"C": "charging", "D": "discharging", "I": "idle"}[said["actualState"]]
            )

            now = datetime.now(UTC)
            samples = await client.get_chart_data(now - timedelta(hours=1), now)
            assert 110 <= len(samples) <= 121
            assert samples[0].battery is not None
            history = await client.get_history("past-hour", now)
            assert len(history) == len(samples)

            schedule = await client.get_schedule()
            assert set(schedule.days) == set(range(7))
            assert await client.get_state_overrides() == []
            await client.set_battery_state(LOCAL_UNIT, "force-charge", duration=timedelta(hours=3))
            [override] = await client.get_state_overrides()
            assert (override.state, override.end - override.start) == (
                "force-charge",
                timedelta(hours=3),
            )
            assert (await client.get_battery_state(LOCAL_UNIT)).state == "force-charge"
            await client.cancel_override(LOCAL_UNIT)
            assert await client.get_state_overrides() == []

            for call in (client.get_account, lambda: client.get_units("1")):
                with pytest.raises(CloudOnlyError):
                    await call()
            with pytest.raises(CloudOnlyError):
                await client.get_unit(LOCAL_UNIT)
            with pytest.raises(CloudOnlyError):
                await client.get_data(LOCAL_UNIT)
    finally:
        await server.close()


async def test_local_unreachable(socket_enabled: None) -> None:
    async with aiohttp.ClientSession() as session:
        client = PowervaultLocalClient(session, "127.0.0.1", 1)
        with pytest.raises(UnreachableError):
            await client.get_health()


def test_local_base_url() -> None:
    assert local_base_url("192.168.1.5") == "http://192.168.1.5:5000/api"
    assert local_base_url("192.168.1.5", 8101) == "http://192.168.1.5:8101/api"
    assert local_base_url("fd00::5") == "http://[fd00::5]:5000/api"


def _record(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "time": "2026-06-01 12:00:00",
        "instant_soc": 50,
        "instant_battery": -1_000_000,
        "instant_demand": 800_000,
        "instant_grid": -700_000,
        "instant_solar": 2_500_000,
        "batteryInputFromGrid": 0,
        "batteryInputFromSolar": 0,
        "batteryOutputConsumedByHome": 0,
        "batteryOutputExported": 0,
        "homeConsumed": 1_200_000,
        "gridConsumedByHome": 600_000,
        "solarConsumedByHome": 600_000,
        "solarExported": 0,
        "solarGenerated": 600_000,
        "solarConsumption": 600_000,
    }
    base.update(values)
    return base


def test_cloud_record_units_and_signs() -> None:
    record = CloudRecord.from_api(_record())
    assert record.time == datetime(2026, 6, 1, 12, tzinfo=UTC)
    # milliwatts; the cloud's battery is positive when charging: discharging here.
    assert record.power == PowerFlow(
        state_of_charge=50, battery=1000.0, grid=-700.0, solar=2500.0, home=800.0
    )
    # 1.2 kW for five minutes is 100 Wh.
    assert record.energy.home_consumption == pytest.approx(100.0)
    assert record.energy.grid_import == pytest.approx(50.0)
    assert record.energy.solar_production == pytest.approx(50.0)
    assert record.complete
    assert CloudRecord.from_api(_record(instant_solar=9000)).power.solar == 0.0
    assert record.as_dict()["home_consumption_energy"] == pytest.approx(100.0)


def test_latest_power_fills_nulls() -> None:
    records = [
        CloudRecord.from_api(_record(time="2026-06-01 11:55:00", instant_grid=100_000)),
        CloudRecord.from_api(
            _record(time="2026-06-01 12:00:00", instant_grid=None, instant_solar=None)
        ),
    ]
    assert not records[1].complete
    power = latest_power(records)
    assert power is not None
    assert power.grid == 100.0
    assert power.solar == 2500.0
    assert power.battery == 1000.0
    assert latest_power([]) is None


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"data": "x"},
        {"data": [{"time": "yesterday"}]},
        {"data": [["not", "a", "record"]]},
    ],
)
def test_cloud_data_malformed(payload: object) -> None:
    with pytest.raises(InvalidResponseError):
        CloudRecord.list_from_api(payload)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"customerAccount": {"accountName": "x"}},
        {"customerAccount": []},
    ],
)
def test_account_malformed(payload: object) -> None:
    with pytest.raises(InvalidResponseError):
        Account.from_api(payload)


def test_units_malformed() -> None:
    with pytest.raises(InvalidResponseError):
        Unit.list_from_api({"units": [{"model": "P4"}]})
    with pytest.raises(InvalidResponseError):
        Unit.list_from_api({"units": None})


def test_parse_timestamp() -> None:
    assert parse_timestamp(1_780_000_000) == datetime.fromtimestamp(1_780_000_000, UTC)
    assert parse_timestamp(1_780_000_000_000) == datetime.fromtimestamp(1_780_000_000, UTC)
    assert parse_timestamp("2026-06-01T12:00:00Z") == datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert parse_timestamp("2026-06-01T13:00:00+01:00") == datetime(2026, 6, 1, 12, tzinfo=UTC)
    for bad in (None, True, "", "soon", -5, float("nan")):
        assert parse_timestamp(bad) is None


def _schedule() -> Schedule:
    return Schedule.from_api(
        {
            "schedule": {
                day: [
                    {"start": "00:00", "end": "00:29:59", "state": "normal"},
                    {"start": "00:30:00", "end": "04:29:59", "state": "force-charge"},
                    {"start": "04:30:00", "end": "23:00:00", "state": "normal"},
                ]
                for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
            }
        }
    )


def test_schedule_in_london_time() -> None:
    schedule = _schedule()
    control = BatteryControl(schedule=schedule, overrides=())
    # Monday 1 June 2026, British Summer Time: 00:45 in London is 23:45 UTC on Sunday.
    assert control.effective_state(datetime(2026, 5, 31, 23, 45, tzinfo=UTC)).state == (
        "force-charge"
    )
    # Monday 7 December 2026, GMT: 00:45 in London is 00:45 UTC.
    assert control.effective_state(datetime(2026, 12, 7, 0, 45, tzinfo=UTC)).state == (
        "force-charge"
    )
    assert control.effective_state(datetime(2026, 12, 7, 5, 0, tzinfo=UTC)).source == "schedule"
    # No slot after 23:00, and no slots on Sunday: unknown, not an error.
    unknown = control.effective_state(datetime(2026, 12, 7, 23, 30, tzinfo=UTC))
    assert (unknown.state, unknown.source) == (None, None)
    assert control.effective_state(datetime(2026, 12, 6, 12, tzinfo=UTC)).state is None
    nxt = control.next_change(datetime(2026, 12, 7, 0, 45, tzinfo=UTC))
    assert nxt == datetime(2026, 12, 7, 4, 30, tzinfo=UTC)
    assert schedule.as_dict()["monday"][0] == {
        "start": "00:00:00",
        "end": "00:29:59",
        "state": "normal",
    }


def test_override_wins_over_schedule() -> None:
    override = StateOverride(
        start=datetime(2026, 12, 7, 0, tzinfo=UTC),
        end=datetime(2026, 12, 7, 2, tzinfo=UTC),
        state="disable",
    )
    control = BatteryControl(schedule=_schedule(), overrides=(override,))
    during = control.effective_state(datetime(2026, 12, 7, 1, tzinfo=UTC))
    assert (during.state, during.source, during.override) == ("disable", "override", override)
    assert control.effective_state(datetime(2026, 12, 7, 2, tzinfo=UTC)).state == "force-charge"
    assert control.next_change(datetime(2026, 12, 7, 1, tzinfo=UTC)) == datetime(
        2026, 12, 7, 2, tzinfo=UTC
    )
    assert override.as_api() == {
        "start": "2026-12-07 00:00:00",
        "end": "2026-12-07 02:00:00",
        "state": "disable",
    }


@pytest.mark.parametrize(
    "payload",
    [
        {"monday": [{"start": "7am", "end": "08:00", "state": "normal"}]},
        {"monday": [{"start": "07:00", "end": "08:00", "state": "turbo"}]},
        {"monday": "all day"},
        {"schedule": None},
    ],
)
def test_schedule_malformed(payload: object) -> None:
    with pytest.raises(InvalidResponseError):
        Schedule.from_api(payload)


def test_overrides_parsing() -> None:
    assert StateOverride.list_from_api({}) == []
    assert StateOverride.list_from_api(None) == []
    assert StateOverride.list_from_api({"stateOverrides": None}) == []
    assert StateOverride.list_from_api({"start": "", "end": "", "state": ""}) == []
    with pytest.raises(InvalidResponseError):
        StateOverride.list_from_api({"start": "x", "end": "y", "state": "normal"})
    with pytest.raises(InvalidResponseError):
        StateOverride.list_from_api(
            {"stateOverrides": [{"start": "2026-01-01 00:00:00", "end": "2026-01-01 01:00:00"}]}
        )


def test_local_telemetry_malformed() -> None:
    with pytest.raises(InvalidResponseError):
        LocalTelemetry.from_api({"batteryPower": 5})
    with pytest.raises(InvalidResponseError):
        LocalTelemetry.from_api([{"nothing": 1}])
    telemetry = LocalTelemetry.from_api(
        [
            {"measurement": "batteryPower", "value": "oops", "unit": "watts"},
            {"measurement": "gridPower", "value": 300, "unit": "watts", "timestamp": 1.78e9},
            {"measurement": "pylontechMinCellVoltage", "value": 3281, "unit": "millivolts"},
            {"measurement": 7, "value": 1},
        ]
    )
    assert telemetry.power.battery is None
    assert telemetry.power.home is None
    assert telemetry.power.grid == 300
    assert telemetry.values["min_cell_voltage"] == pytest.approx(3.281)


def test_integrate_energy_skips_gaps() -> None:
    start = datetime(2026, 6, 1, 12, tzinfo=UTC)

    def sample(seconds: int, battery: float, grid: float, solar: float) -> HistorySample:
        return HistorySample(
            time=start + timedelta(seconds=seconds),
            battery=battery,
            grid=grid,
            solar=solar,
            state_of_charge=50,
        )

    samples = [
        sample(0, 1000, 500, 0),
        sample(3600, -1000, 0, 2000),  # one hour later: a straight hour
        sample(3600 + 3600 * 2, 0, 0, 0),  # two hours later: a gap, counted as nothing
    ]
    energy = integrate_energy(samples)
    assert energy.battery_discharge == pytest.approx(0.0)
    assert energy.grid_import == pytest.approx(0.0)
    near = [sample(0, 1200, -200, 0), sample(300, 0, 0, 0)]
    energy = integrate_energy(near)
    assert energy.battery_discharge == pytest.approx(100.0)
    assert energy.grid_export == pytest.approx(200 / 12)
    assert energy.home_consumption == pytest.approx(1000 / 12)
    previous = sample(-300, -600, 600, 0)
    energy = integrate_energy(near, previous)
    assert energy.battery_charge == pytest.approx(50.0)


def test_history_parsing_both_shapes() -> None:
    flat = HistorySample.list_from_api(
        [
            {"timestamp": 1_780_000_030, "batteryPower": 100, "gridPower": 5, "aux1Power": -50},
            {"timestamp": 1_780_000_000, "batteryPower": -100, "gridPower": 5, "aux1Power": 0},
            {"batteryPower": 1},
        ]
    )
    assert [s.battery for s in flat] == [100.0, -100.0]
    assert flat[1].solar == 50.0
    nested = HistorySample.list_from_api(
        [[{"measurement": "batteryPower", "value": 10, "timestamp": 1_780_000_000}], "junk"]
    )
    assert nested[0].battery == -10.0
    with pytest.raises(InvalidResponseError):
        HistorySample.list_from_api({"samples": []})


def test_period_window() -> None:
    now = datetime(2026, 6, 3, 10, 20, tzinfo=UTC)  # Wednesday, 11:20 in London
    start, end = period_window("today", now)
    assert (start, end) == (datetime(2026, 6, 2, 23, tzinfo=UTC), now)
    assert period_window("last-hour", now) == (
        datetime(2026, 6, 3, 9, tzinfo=UTC),
        datetime(2026, 6, 3, 10, tzinfo=UTC),
    )
    start, end = period_window("last-week", now)
    assert (start.date(), end.date()) == (date(2026, 5, 24), date(2026, 5, 31))
    start, end = period_window("last-month", now)
    assert (start, end) == (
        datetime(2026, 4, 30, 23, tzinfo=UTC),
        datetime(2026, 5, 31, 23, tzinfo=UTC),
    )
    for period in ("yesterday", "past-hour", "past-day", "last-day", "past-week", "past-month"):
        start, end = period_window(period, now)
        assert start < end
    with pytest.raises(ValueError, match="not a period"):
        period_window("ever", now)
    assert time(0, 30) < time(4, 30)


def _bucket(minute: int, soc: float | None, battery_mw: int | None) -> CloudRecord:
    return CloudRecord.from_api(
        _record(time=f"2026-06-01 12:{minute:02d}:00", instant_soc=soc, instant_battery=battery_mw)
    )


@pytest.mark.parametrize(
    ("socs", "battery_mw", "expected"),
    [
        # The cloud's value positive while the charge rises: charging, as we assume.
        ([50, 51, 52, 53, 54], 2_000_000, BatterySignCheck.CONSISTENT),
        ([54, 53, 52, 51, 50], -2_000_000, BatterySignCheck.CONSISTENT),
        # Positive while the charge falls: the cloud's sign is the other way round.
        ([54, 53, 52, 51, 50], 2_000_000, BatterySignCheck.INVERTED),
        # Too little power, no change of charge, or too few buckets: no verdict.
        ([50, 51, 52, 53, 54], 100_000, BatterySignCheck.UNKNOWN),
        ([50, 50, 50, 50, 50], 2_000_000, BatterySignCheck.UNKNOWN),
        ([50, 51, 52], 2_000_000, BatterySignCheck.UNKNOWN),
        ([50, None, 52, None, 54], 2_000_000, BatterySignCheck.UNKNOWN),
        # Half one way, half the other: no verdict either.
        ([50, 51, 52, 51, 50], 2_000_000, BatterySignCheck.UNKNOWN),
    ],
)
def test_battery_sign_check(
    socs: list[float | None], battery_mw: int, expected: BatterySignCheck
) -> None:
    assert CLOUD_BATTERY_POSITIVE_WHEN_CHARGING  # the cases are written for this assumption
    records = [_bucket(5 * index, soc, battery_mw) for index, soc in enumerate(socs)]
    assert check_battery_sign(records) is expected


def test_idle_battery_is_zero_not_minus_zero() -> None:
    import math

    battery = CloudRecord.from_api(_record(instant_battery=0)).power.battery
    assert battery == 0
    assert math.copysign(1, battery) == 1
    local = LocalTelemetry.from_api(
        [{"measurement": "batteryPower", "value": 0, "unit": "watts"}]
    ).power.battery
    assert local is not None
    assert math.copysign(1, local) == 1


def test_local_telemetry_letters_and_nulls() -> None:
    telemetry = LocalTelemetry.from_api(
        [
            {"measurement": "actualState", "value": "C", "unit": "I|C"},
            {"measurement": "requestedState", "value": "N", "unit": "N|I|C|V|H|L|F|R|D|P|Q|A|B|T"},
            {"measurement": "batteryPower", "value": 846, "unit": "watts"},
            {"measurement": "gridPower", "value": -36, "unit": "watts"},
            {"measurement": "aux1Power", "value": -1404, "unit": "watts"},
            {"measurement": "aux2Power", "value": None, "unit": "watts"},
            {"measurement": "socUsable", "value": 55, "unit": "percent"},
            {"measurement": "socAverage", "value": 58, "unit": "percent"},
            {"measurement": "vocCO2", "value": None, "unit": "ppm"},
            {"measurement": "pack0Temperature", "value": None, "unit": "C"},
            {"measurement": "pylontechModule2cell0Voltage", "value": 3.3, "unit": "V"},
            {"measurement": "pylontechModule11cell14Voltage", "value": None, "unit": "V"},
        ]
    )
    # The sample moment of a real P3X, in Home Assistant's signs.
    assert telemetry.power == PowerFlow(
        state_of_charge=55, battery=-846.0, grid=-36.0, solar=1404.0, home=522.0
    )
    assert telemetry.values["average_state_of_charge"] == 58
    assert telemetry.values["air_co2"] is None
    assert telemetry.actual_state == "charging"
    assert telemetry.requested_state == "N"
    assert set(telemetry.cells) == {"module_2_cell_0_voltage"}
