"""The simulated local API of a legacy Powervault P3/P3X unit (port 5000)."""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from ..framework import SimClock, SimulatorApp, json_response
from .model import STATES, BatteryModel, Sample, history_start, parse_time, utc_text

NOMINAL_VOLTAGE = 51.2


class PowervaultLocal(SimulatorApp):
    """Health, unit id, platform, telemetry, chart data, schedule and one override."""

    name = "powervault-local"

    def __init__(
        self,
        *,
        clock: SimClock | None = None,
        unit_id: str = "008a2564",
        platform: str = "p3x",
        modules: int = 2,
        cells: int = 15,
        chart_format: str = "records",
    ) -> None:
        super().__init__(clock=clock)
        self.unit_id = unit_id
        self.platform = platform
        self.modules = modules
        self.cells = cells
        self.chart_format = chart_format
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
        self.unit.update(changes)
        return self.state()

    # -- telemetry ------------------------------------------------------------------------

    def _measurements(self, sample: Sample) -> dict[str, tuple[Any, str]]:
        wobble = math.sin(sample.time / 97.0)
        battery = -sample.battery
        values: dict[str, tuple[Any, str]] = {
            "actualState": ("I|C" if battery > 0 else "I|D" if battery < 0 else "I", "state"),
            "batteryPower": (round(battery), "watts"),
            "gridPower": (round(sample.grid), "watts"),
            "aux1Power": (round(-sample.solar), "watts"),
            "aux2Power": (0, "watts"),
            "aux3Power": (0, "watts"),
            "batteryCurrent": (round(battery / NOMINAL_VOLTAGE, 2), "amps"),
            "gridCurrent": (round(sample.grid / 240.0, 2), "amps"),
            "inverterFrequency": (round(50.0 + 0.05 * wobble, 3), "hertz"),
            "inverterVoltage": (round(240.0 + 3 * wobble, 1), "volts"),
            "maxChargePower": (3300, "watts"),
            "maxDischargePower": (3300, "watts"),
            "socUsable": (round(max(sample.soc - 5, 0) / 0.95, 1), "percent"),
            "socAverage": (sample.soc, "percent"),
            "temperature": (round(24.0 + 2 * wobble, 1), "celsius"),
            "cpuTemperature": (round(48.0 + 3 * wobble, 1), "celsius"),
            "vocCO2": (612, "ppm"),
            "vocHumidity": (44.5, "percent"),
            "vocTemperature": (21.3, "celsius"),
            "vocVOC": (102, "ppb"),
            "pylontechMinCellTemperature": (22.0, "celsius"),
            "pylontechMaxCellTemperature": (25.0, "celsius"),
            "pylontechAvgCellTemperature": (23.4, "celsius"),
            "pylontechMaxBMSTemperature": (27.0, "celsius"),
            "pylontechMaxMOSFETTemperature": (29.0, "celsius"),
            "pylontechMinCellVoltage": (3.281, "volts"),
            "pylontechMaxCellVoltage": (3.312, "volts"),
        }
        for module in range(1, self.modules + 1):
            values[f"pack{module}Temperature"] = (round(23.0 + module * 0.3, 1), "celsius")
            for cell in range(1, self.cells + 1):
                values[f"pylontechModule{module}cell{cell}Voltage"] = (
                    round(3.28 + 0.002 * cell + 0.001 * module, 3),
                    "volts",
                )
        values["backplane1Temperature"] = (26.0, "celsius")
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
        names = ("batteryPower", "gridPower", "aux1Power", "socAverage")
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
        unit.overrides = (
            [{"start": start, "end": end, "state": state}] if end > self.clock.timestamp() else []
        )
        return json_response({"status": "ok"})
