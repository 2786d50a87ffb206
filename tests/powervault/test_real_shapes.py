"""The local API in a real P3X's shapes: the simulator against the facts, the parser on them.

The facts are written here from the last section of ``../shared/api-notes/powervault.md``
("Facts from a real P3X"), not from the simulator: the simulator must match them.
"""

from __future__ import annotations

from datetime import timedelta
import re
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powervault.const import DOMAIN
from simulators.framework import SimClock
from simulators.powervault import PowervaultLocal

from .conftest import LOCAL_UNIT, entity_id, setup_entry, state_value, tick

# -- the facts ------------------------------------------------------------------------------

# Every measurement the notes list for a real P3X (besides the numbered per-cell detail).
P3X_MEASUREMENTS = {
    "actualState",
    "requestedState",
    "aux1Power",
    "aux2Power",
    "aux3Power",
    "batteryCurrent",
    "batteryPower",
    "gridCurrent",
    "gridPower",
    "inverterFrequency",
    "inverterVoltage",
    "maxChargePower",
    "maxDischargePower",
    "socUsable",
    "socAverage",
    "temperature",
    "cpuTemperature",
    "vocCO2",
    "vocHumidity",
    "vocTemperature",
    "vocVOC",
    *(
        f"pylontech{kind}{part}Temperature"
        for kind in ("Min", "Max", "Avg")
        for part in ("Cell", "BMS", "MOSFET")
    ),
    "pylontechMinCellVoltage",
    "pylontechMaxCellVoltage",
}
RECORD_KEYS = {"created_at", "id", "measurement", "timestamp", "unit", "value"}
ALWAYS_NULL = ("aux2Power", "aux3Power", "vocCO2", "vocHumidity", "vocTemperature", "vocVOC")
ACTIVITY_LETTERS = {"C", "D", "I"}
REQUESTED_STATE = ("N", "N|I|C|V|H|L|F|R|D|P|Q|A|B|T")
UNITS = {
    "batteryPower": "watts",
    "gridPower": "watts",
    "aux1Power": "watts",
    "socUsable": "percent",
    "socAverage": "percent",
    "batteryCurrent": "A",
    "inverterVoltage": "V",
    "inverterFrequency": "Hz",
}
PACKS = set(range(10))
BACKPLANES = set(range(5))
MODULES = set(range(2, 12))
CELLS = set(range(15))

MODULE_CELL = re.compile(r"^pylontechModule(\d+)cell(\d+)Voltage$")


async def _telemetry(app: PowervaultLocal) -> dict[str, dict[str, Any]]:
    server = TestServer(app.make_app(), host="127.0.0.1")
    await server.start_server()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{server.port}/api/latest-telemetry") as resp,
        ):
            body = await resp.json()
    finally:
        await server.close()
    assert isinstance(body, list)
    return {record["measurement"]: record for record in body}


@pytest.fixture
def unit(socket_enabled: None) -> PowervaultLocal:
    """A P3X as built by default (the demo's), on a frozen clock."""
    clock = SimClock()
    clock.freeze()
    return PowervaultLocal(clock=clock)


async def test_simulator_answers_like_a_real_p3x(unit: PowervaultLocal) -> None:
    records = await _telemetry(unit)
    assert set(records) >= P3X_MEASUREMENTS
    for record in records.values():
        assert set(record) == RECORD_KEYS
        assert record["id"] is None
    # Not measured on a real unit: null, never 0.
    for name in ALWAYS_NULL:
        assert records[name]["value"] is None, name
    numbered: dict[str, set[int]] = {"pack": set(), "backplane": set()}
    for kind, numbers in numbered.items():
        for name, record in records.items():
            if match := re.fullmatch(rf"{kind}(\d+)Temperature", name):
                numbers.add(int(match[1]))
                assert record["value"] is None, name
    assert numbered == {"pack": PACKS, "backplane": BACKPLANES}
    modules: dict[int, set[int]] = {}
    nulls: dict[int, set[bool]] = {}
    for name, record in records.items():
        if match := MODULE_CELL.match(name):
            modules.setdefault(int(match[1]), set()).add(int(match[2]))
            nulls.setdefault(int(match[1]), set()).add(record["value"] is None)
    assert set(modules) == MODULES
    assert all(cells == CELLS for cells in modules.values())
    # An unused module is null as a whole, a fitted one measured as a whole.
    assert all(len(kinds) == 1 for kinds in nulls.values())
    assert {True, False} == {kind for kinds in nulls.values() for kind in kinds}
    # The letters, with the choices in the unit field.
    state = records["actualState"]
    assert state["value"] in ACTIVITY_LETTERS
    assert state["value"] in state["unit"].split("|")
    assert (records["requestedState"]["value"], records["requestedState"]["unit"]) == (
        REQUESTED_STATE
    )
    for name, unit_text in UNITS.items():
        assert records[name]["unit"] == unit_text, name
    assert "index" in {record["unit"] for record in records.values()}
    # The usable charge is below the average (55 against 58 on the sample unit); the two meet
    # only near a full battery (the clock is the wall clock's, so the test may land there).
    usable, average = records["socUsable"]["value"], records["socAverage"]["value"]
    assert usable <= average
    if average < 99:
        assert usable < average


@pytest.mark.parametrize(("state", "letter"), [("force-charge", "C"), ("force-discharge", "D")])
async def test_simulator_signs_like_a_real_p3x(
    unit: PowervaultLocal, state: str, letter: str
) -> None:
    """Positive battery power with C (+846 W on the sample), home = solar - battery + grid."""
    now = unit.clock.timestamp()
    unit.unit.advance_to(now)
    unit.unit.soc = 50.0
    unit.unit.overrides = [{"start": now - 1, "end": now + 3600, "state": state}]
    unit.clock.advance(60)
    records = await _telemetry(unit)
    battery = records["batteryPower"]["value"]
    assert records["actualState"]["value"] == letter
    assert (battery > 0) is (letter == "C")
    # On the sample: 1404 (solar, aux1 -1404) - 846 (charging) + (-36) (exporting) = 522 W.
    home = -records["aux1Power"]["value"] - battery + records["gridPower"]["value"]
    assert home == pytest.approx(unit.unit.latest().home, abs=2)


# -- the integration on those shapes -----------------------------------------------------------


async def test_null_is_not_measured(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A null shows no value (unknown), and no zero reaches the totals."""
    local_app.nulls = {"temperature"}  # null from the start: the entity still exists
    await setup_entry(hass, local_entry)
    assert state_value(hass, "sensor", f"{LOCAL_UNIT}_temperature") == "unknown"
    assert state_value(hass, "sensor", f"{LOCAL_UNIT}_home_power") != "unknown"
    home_energy = float(state_value(hass, "sensor", f"{LOCAL_UNIT}_home_energy"))
    said = local_app._measurements(local_app.unit.latest())
    last_home = max(-said["aux1Power"][0] - said["batteryPower"][0] + said["gridPower"][0], 0)
    grid_before = {
        key: float(state_value(hass, "sensor", f"{LOCAL_UNIT}_{key}"))
        for key in ("grid_import_energy", "grid_export_energy")
    }

    # The solar stops being measured (telemetry and history): neither it nor the home's
    # power is known, so neither is shown as 0 W nor counted as energy.
    local_app.nulls = {"aux1Power", "inverterVoltage"}
    await tick(hass, freezer, timedelta(minutes=6))
    assert state_value(hass, "sensor", f"{LOCAL_UNIT}_solar_power") == "unknown"
    assert state_value(hass, "sensor", f"{LOCAL_UNIT}_home_power") == "unknown"
    assert state_value(hass, "sensor", f"{LOCAL_UNIT}_inverter_voltage") == "unknown"
    # Only the interval from the last measured sample counts (30 s at its power), not six
    # minutes of a house taken as grid plus battery.
    added = float(state_value(hass, "sensor", f"{LOCAL_UNIT}_home_energy")) - home_energy
    assert 0 <= added <= last_home * 30 / 3600 / 1000 + 1e-9
    # The grid was still measured: its energy went on counting.
    grid_after = {
        key: float(state_value(hass, "sensor", f"{LOCAL_UNIT}_{key}"))
        for key in ("grid_import_energy", "grid_export_energy")
    }
    said = local_app._measurements(local_app.unit.latest())
    # (At hours when the battery covers the house, the simulated grid says 0 W throughout.)
    if said["gridPower"][0]:
        assert sum(grid_after.values()) > sum(grid_before.values())
    else:
        assert sum(grid_after.values()) >= sum(grid_before.values())
    assert float(state_value(hass, "sensor", f"{LOCAL_UNIT}_battery_power")) == (
        -said["batteryPower"][0] + 0.0
    )

    # The battery power too: no value, not 0 W.
    local_app.nulls = {"batteryPower"}
    await tick(hass, freezer, timedelta(seconds=31))
    assert state_value(hass, "sensor", f"{LOCAL_UNIT}_battery_power") == "unknown"


async def test_numbering_from_zero_with_gaps(
    hass: HomeAssistant, local_entry: MockConfigEntry, local_app: PowervaultLocal
) -> None:
    """Module slots 2..11 with cells from 0: entities for what is measured, by its number."""
    local_app.modules = 2
    local_app.cells = 3
    await setup_entry(hass, local_entry)
    registry = er.async_get(hass)
    cells = {
        entry.unique_id.removeprefix(f"{LOCAL_UNIT}_")
        for entry in registry.entities.values()
        if entry.platform == DOMAIN and "_module_" in entry.unique_id
    }
    assert cells == {
        f"module_{module}_cell_{cell}_voltage" for module in (2, 3) for cell in range(3)
    }
    # Nothing for the null packs and backplanes.
    assert not [e for e in registry.entities.values() if "pack_" in e.unique_id]
    assert not [e for e in registry.entities.values() if "backplane_" in e.unique_id]
    registry.async_update_entity(
        entity_id(hass, "sensor", f"{LOCAL_UNIT}_module_3_cell_0_voltage"), disabled_by=None
    )
    await hass.config_entries.async_reload(local_entry.entry_id)
    await hass.async_block_till_done()
    said = local_app._measurements(local_app.unit.latest())
    assert float(state_value(hass, "sensor", f"{LOCAL_UNIT}_module_3_cell_0_voltage")) == (
        pytest.approx(said["pylontechModule3cell0Voltage"][0])
    )


@pytest.mark.parametrize(
    ("state", "expected"),
    [("force-charge", "charging"), ("force-discharge", "discharging"), ("disable", "idle")],
)
async def test_activity_from_the_letter(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    local_app: PowervaultLocal,
    state: str,
    expected: str,
) -> None:
    from homeassistant.util import dt as dt_util

    now = dt_util.utcnow().timestamp()
    local_app.unit.advance_to(now - 120)
    local_app.unit.soc = 50.0
    local_app.unit.overrides = [{"start": now - 120, "end": now + 3600, "state": state}]
    await setup_entry(hass, local_entry)
    said = local_app._measurements(local_app.unit.latest())
    assert said["actualState"][0] == {"charging": "C", "discharging": "D", "idle": "I"}[expected]
    assert state_value(hass, "sensor", f"{LOCAL_UNIT}_battery_activity") == expected
