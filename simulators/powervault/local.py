"""The simulated local API of a legacy Powervault P3/P3X unit (port 5000)."""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from ..framework import SimClock, SimulatorApp, json_response
from .model import STATES, BatteryModel, Sample, history_start, parse_time, utc_text

NOMINAL_VOLTAGE = 51.2
MODULE_NUMBERS = tuple(range(2, 12))
"""The battery module slots of the sample P3X: numbered 2 to 11."""
PACKS = 10
BACKPLANES = 5


def usable_soc(average: float) -> float:
    """Return the usable state of charge: what is left above the 5 % reserve (55 vs 58)."""
    return round(max(average - 5.0, 0.0) / 0.95, 1)


class PowervaultLocal(SimulatorApp):
    """Health, unit id, platform, telemetry, chart data, schedule and one override."""

    name = "powervault-local"

    def __init__(
        self,
        *,
        clock: SimClock | None = None,
        unit_id: str = "008a2564",
        platform: str = "p3x",
        modules: int = 4,
        cells: int = 15,
        chart_format: str = "records",
        voc_sensor: bool = False,
    ) -> None:
        super().__init__(clock=clock)
        self.unit_id = unit_id
        self.platform = platform
        self.modules = modules
        self.cells = cells
        self.chart_format = chart_format
        self.voc_sensor = voc_sensor
        """Whether the unit has the air-quality sensor (a real P3X sends null for it)."""
        self.nulls: set[str] = set()
        """Measurements the unit sends as null (telemetry and history), as a test asks."""
        self.ignore_cancel = False
        """Answer "ok" to a cancel but keep the override (a cancel is unconfirmed)."""
        self.unit = BatteryModel(history_start(self.clock.timestamp()), soc=62.0)

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/health", self._health)
        app.router.add_get("/api/unit-id", self._unit_id)
        app.router.add_get("/api/platform", self._platform)
        app.router.add_get("/api/latest-telemetry", self._telemetry)
        app.router.add_get("/api/chart-data", self._chart)
        app.router.add_get("/api/schedule", self._schedule)
        app.router.add_get("/api/state-override", self._get_override)
        app.router.add_post("/api/state-override", self._post_override)

    def _advance(self) -> BatteryModel:
        self.unit.advance_to(self.clock.timestamp())
        return self.unit

    def state(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, **self._advance().state()}

    async def update_state(self, changes: dict[str, Any]) -> dict[str, Any]:
        if "nulls" in changes:
            self.nulls = {str(name) for name in changes.pop("nulls") or ()}
        if "ignore_cancel" in changes:
            self.ignore_cancel = bool(changes.pop("ignore_cancel"))
        self.unit.update(changes)
        return self.state()

    # -- telemetry ------------------------------------------------------------------------

    def _measurements(self, sample: Sample) -> dict[str, tuple[Any, str]]:
        """Return the unit's measurements as a real P3X reports them (value, unit string).

        Shapes from a real P3X's reply: the unit's own signs (battery positive when
        charging, grid negative when exporting, aux1 negative when the solar generates),
        ``actualState`` a letter with the choices in its unit, ``null`` for what the unit
        does not measure, numbering from 0 with gaps.
        """
        wobble = math.sin(sample.time / 97.0)
        battery = -sample.battery
        letter = "C" if battery > 0 else "D" if battery < 0 else "I"
        voc = self.voc_sensor
        values: dict[str, tuple[Any, str]] = {
            # Only "I|C" (with C) was seen on a real unit; the other choice lists are ours.
            "actualState": (letter, {"C": "I|C", "D": "I|D", "I": "I|C|D"}[letter]),
            "requestedState": ("N", "N|I|C|V|H|L|F|R|D|P|Q|A|B|T"),
            "batteryPower": (round(battery), "watts"),
            "gridPower": (round(sample.grid), "watts"),
            "aux1Power": (round(-sample.solar), "watts"),
            "aux2Power": (None, "watts"),
            "aux3Power": (None, "watts"),
            "batteryCurrent": (round(battery / NOMINAL_VOLTAGE, 2), "A"),
            "gridCurrent": (round(sample.grid / 240.0, 2), "A"),
            "inverterFrequency": (round(50.0 + 0.05 * wobble, 3), "Hz"),
            "inverterVoltage": (round(240.0 + 3 * wobble, 1), "V"),
            "maxChargePower": (3300, "watts"),
            "maxDischargePower": (3300, "watts"),
            "socUsable": (usable_soc(sample.soc), "percent"),
            "socAverage": (sample.soc, "percent"),
            "temperature": (round(24.0 + 2 * wobble, 1), "C"),
            "cpuTemperature": (round(48.0 + 3 * wobble, 1), "C"),
            "vocCO2": (612 if voc else None, "ppm"),
            "vocHumidity": (44.5 if voc else None, "percent"),
            "vocTemperature": (21.3 if voc else None, "C"),
            "vocVOC": (102 if voc else None, "index"),
            "pylontechMinCellTemperature": (22.0, "C"),
            "pylontechMaxCellTemperature": (25.0, "C"),
            "pylontechAvgCellTemperature": (23.4, "C"),
            "pylontechMinBMSTemperature": (25.0, "C"),
            "pylontechMaxBMSTemperature": (27.0, "C"),
            "pylontechAvgBMSTemperature": (26.0, "C"),
            "pylontechMinMOSFETTemperature": (27.0, "C"),
            "pylontechMaxMOSFETTemperature": (29.0, "C"),
            "pylontechAvgMOSFETTemperature": (28.1, "C"),
            "pylontechMinCellVoltage": (3.281, "V"),
            "pylontechMaxCellVoltage": (3.312, "V"),
        }
        # Module slots 2..11 as on the sample unit; the slots without a module say null.
        for slot, module in enumerate(MODULE_NUMBERS):
            fitted = slot < self.modules
            for cell in range(self.cells):
                values[f"pylontechModule{module}cell{cell}Voltage"] = (
                    round(3.28 + 0.002 * cell + 0.001 * module, 3) if fitted else None,
                    "V",
                )
        # The sample unit reports ten packs and five backplanes, none of them measured.
        for pack in range(PACKS):
            values[f"pack{pack}Temperature"] = (None, "C")
        for backplane in range(BACKPLANES):
            values[f"backplane{backplane}Temperature"] = (None, "C")
        for name in self.nulls:
            if name in values:
                values[name] = (None, values[name][1])
        return values

    def _records(self, sample: Sample, names: tuple[str, ...] | None = None) -> list[Any]:
        return [
            {
                "created_at": sample.time,
                "id": None,
                "measurement": name,
                "timestamp": sample.time,
                "unit": unit,
                "value": value,
            }
            for name, (value, unit) in self._measurements(sample).items()
            if names is None or name in names
        ]

    # -- routes ---------------------------------------------------------------------------

    async def _health(self, request: web.Request) -> web.Response:
        return json_response({"status": "ok"})

    async def _unit_id(self, request: web.Request) -> web.Response:
        return json_response({"uid": self.unit_id})

    async def _platform(self, request: web.Request) -> web.Response:
        return json_response({"platform": self.platform})

    async def _telemetry(self, request: web.Request) -> web.Response:
        return json_response(self._records(self._advance().latest()))

    async def _chart(self, request: web.Request) -> web.Response:
        unit = self._advance()
        start = parse_time(request.query.get("start"))
        end = parse_time(request.query.get("end"))
        if start is None or end is None or end < start:
            return json_response({"error": "start and end required"}, status=400)
        names = ("batteryPower", "gridPower", "aux1Power", "socUsable", "socAverage")
        samples = unit.samples_between(start, end)
        if self.chart_format == "flat":
            return json_response(
                [
                    {
                        "timestamp": s.time,
                        **{
                            name: value
                            for name, (value, _unit) in self._measurements(s).items()
                            if name in names
                        },
                    }
                    for s in samples
                ]
            )
        return json_response([self._records(s, names) for s in samples])

    async def _schedule(self, request: web.Request) -> web.Response:
        return json_response(self._advance().schedule)

    async def _get_override(self, request: web.Request) -> web.Response:
        unit = self._advance()
        if not unit.overrides:
            return json_response({})
        override = unit.overrides[-1]
        return json_response(
            {
                "start": utc_text(override["start"]),
                "end": utc_text(override["end"]),
                "state": override["state"],
            }
        )

    async def _post_override(self, request: web.Request) -> web.Response:
        unit = self._advance()
        try:
            body = await request.json()
        except ValueError:
            return json_response({"status": "error", "message": "Invalid JSON"}, status=400)
        if not isinstance(body, dict):
            return json_response({"status": "error"}, status=400)
        start = parse_time(body.get("start"))
        end = parse_time(body.get("end"))
        state = body.get("state")
        if start is None or end is None or end < start or state not in STATES:
            return json_response({"status": "error", "message": "Invalid override"}, status=400)
        # The unit keeps one override; one that has already ended clears it.
        now = self.clock.timestamp()
        if end > now:
            unit.set_overrides([{"start": start, "end": end, "state": state}], now)
        elif not self.ignore_cancel:
            unit.set_overrides([], now)
        return json_response({"status": "ok"})
