"""Event-loop CPU of one CT refresh on a 3-phase CT gateway (the integration in Home Assistant).

Sets the integration up in a test Home Assistant (pytest-homeassistant-custom-component)
against the simulator's 3-phase metered profile ("7x": production and net-consumption CTs,
three phases, device_data), then times what a 10 s CT refresh costs the event loop: reading
``/ivp/meters/readings``, parsing it, and writing the entities. The simulator runs in a thread
of its own, with its own loop, so only Home Assistant's side is counted (``time.thread_time``
of the loop's thread). The simulator's clock moves 10 s before each refresh, so the CT values
change as on a real gateway.

The target: core enphase_envoy costs about 1.5 s of CPU per hour on such a gateway; spread
over our 360 CT refreshes an hour that is about 4 ms each.

    python bench/enphase_cpu.py [--refreshes 200]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
from datetime import UTC, datetime
import json
import logging
import os
from pathlib import Path
import pstats
import statistics
import sys
import tempfile
import threading
import time
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

# The repository's integrations, imported before the plugin's own package can take the name.
import custom_components  # noqa: E402

REFRESHES = int(os.environ.get("ENPHASE_CPU_REFRESHES", "200"))
RESULT_FILE = os.environ.get("ENPHASE_CPU_RESULT", "")
PROFILE = bool(os.environ.get("ENPHASE_CPU_PROFILE"))


class _SimThread:
    """Serve the simulator from a thread with its own event loop."""

    def __init__(self, profile: str) -> None:
        self.profile = profile
        self.ready = threading.Event()
        self.port = 0
        self.sim: Any = None
        self.cloud_port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        from aiohttp.test_utils import TestServer

        from simulators.enphase import PROFILES, EnlightenSimulator, GatewaySimulator
        from simulators.framework import SimClock

        clock = SimClock(start=datetime(2026, 6, 21, 11, 0, tzinfo=UTC))
        clock.freeze()
        self.sim = GatewaySimulator(PROFILES[self.profile], clock=clock, latency=0)
        self.sim.boot_time -= 3600
        cloud = EnlightenSimulator(clock=clock)
        server = TestServer(self.sim.make_app(), host="127.0.0.1", access_log=None)
        cloud_server = TestServer(cloud.make_app(), host="127.0.0.1", access_log=None)
        await server.start_server()
        await cloud_server.start_server()
        self.port = server.port or 0
        self.cloud_port = cloud_server.port or 0
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.ready.set()
        await self._stop.wait()
        await server.close()
        await cloud_server.close()

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(30)

    def advance(self, seconds: float) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self.sim.clock.advance, seconds)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(10)


@pytest.fixture(autouse=True)
def _custom(enable_custom_integrations: None) -> None:
    assert "pytest_homeassistant_custom_component" not in (custom_components.__file__ or "")


async def test_ct_refresh_cpu(hass: Any, socket_enabled: None, monkeypatch: Any) -> None:
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from custom_components.enphase_gateway.const import (
        CONF_MANUAL_TOKEN,
        DOMAIN,
        ENV_ENLIGHTEN_BASE_URL,
        ENV_TOKEN_BASE_URL,
    )
    from simulators.enphase.cloud import OWNER_EMAIL, OWNER_PASSWORD

    monkeypatch.setenv("HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK", "1")
    served = _SimThread("7x")
    served.start()
    try:
        url = f"http://127.0.0.1:{served.cloud_port}"
        monkeypatch.setenv(ENV_ENLIGHTEN_BASE_URL, url)
        monkeypatch.setenv(ENV_TOKEN_BASE_URL, url)
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Envoy",
            data={
                "host": f"127.0.0.1:{served.port}",
                "username": OWNER_EMAIL,
                "password": OWNER_PASSWORD,
                CONF_MANUAL_TOKEN: False,
            },
        )
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        meters = entry.runtime_data.meters
        assert meters is not None
        entities = len(hass.states.async_all("sensor"))
        # As Home Assistant runs by default: warnings and errors only, and no asyncio debug
        # mode (the test harness turns it on; it records a traceback for every callback).
        logging.getLogger().setLevel(logging.WARNING)
        asyncio.get_running_loop().set_debug(False)
        samples: list[float] = []
        profiler = cProfile.Profile() if PROFILE else None
        if profiler is not None:
            profiler.enable()
        for _ in range(REFRESHES):
            served.advance(10)
            await asyncio.sleep(0.001)  # let the simulator's loop move its clock
            started = time.thread_time()
            await meters.async_refresh()
            await hass.async_block_till_done()
            samples.append((time.thread_time() - started) * 1000)
        if profiler is not None:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        result = {
            "profile": "7x (3-phase, production and net-consumption CTs)",
            "sensors": entities,
            "refreshes": len(samples),
            "mean_ms": statistics.fmean(samples),
            "median_ms": statistics.median(samples),
            "p90_ms": sorted(samples)[int(len(samples) * 0.9)],
            "per_hour_s": statistics.fmean(samples) * 360 / 1000,
        }
        if RESULT_FILE:
            await hass.async_add_executor_job(Path(RESULT_FILE).write_text, json.dumps(result))
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        served.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refreshes", type=int, default=REFRESHES)
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    args = parser.parse_args()
    if args.profile:
        os.environ["ENPHASE_CPU_PROFILE"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        result_file = Path(tmp) / "result.json"
        os.environ["ENPHASE_CPU_REFRESHES"] = str(args.refreshes)
        os.environ["ENPHASE_CPU_RESULT"] = str(result_file)
        code = pytest.main(
            [__file__, "-q", "-p", "no:randomly", "--no-header", "-o", "timeout=600"]
            + (["-s"] if args.profile else [])
        )
        if code != 0 or not result_file.is_file():
            raise SystemExit(f"the measurement failed (pytest exit code {code})")
        result = json.loads(result_file.read_text())
    print(
        f"\n{result['profile']}: {result['sensors']} sensors, {result['refreshes']} CT refreshes\n"
        f"event-loop CPU per CT refresh: mean {result['mean_ms']:.2f} ms, "
        f"median {result['median_ms']:.2f} ms, p90 {result['p90_ms']:.2f} ms\n"
        f"per hour (360 refreshes): {result['per_hour_s']:.2f} s "
        "(core enphase_envoy: about 1.5 s per hour; target 4 ms per refresh)"
    )


if __name__ == "__main__":
    main()
