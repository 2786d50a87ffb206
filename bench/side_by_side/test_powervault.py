"""Powervault: ours against the documented behaviour of the previous community integration.

There is no Powervault integration in Home Assistant core. The one users had is described (in
``docs/powervault.md`` and the API notes) as making 4-5 cloud calls every 30 seconds: the
reference here is exactly that, a ``DataUpdateCoordinator`` polling every 30 s the unit, its
latest record, its schedule and its overrides (and the past hour when the latest record has
``null``s). It has no entities, so its CPU and memory are a floor, not the old integration's;
the rows that compare them say so. The cloud keeps 5-minute buckets: a reply is as old as the
bucket it came from, for both.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powervault.const import (
    CLOUD_URL_ENV,
    CONF_ACCOUNT_ID,
    CONF_CONNECTION,
    CONF_MODEL,
    CONF_UNIT_ID,
)
from simulators.powervault import PowervaultCloud

from .harness import CORE, OURS, AgeSampler, CpuMeter, hours
from .pairs import pair_run, prepare, run_period, setup_pair, summarize

API_KEY = "sim-powervault-key"
STEP = 5.0
BUCKET = 300.0
PLATFORMS = ("binary_sensor", "button", "number", "select", "sensor", "switch")
DATA = "/data"


async def test_powervault(  # noqa: PLR0917
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    socket_enabled: None,
    allow_loopback: None,
    monkeypatch: pytest.MonkeyPatch,
    cpu: CpuMeter,
) -> None:
    """Ours and the documented reference on the same simulated cloud unit."""
    result: dict[str, Any] = {
        "pair": "powervault",
        "profile": "1 cloud unit (P4); core: the previous community integration as documented "
        "(4-5 calls every 30 s, no entities)",
        "devices": 1,
        "device_unit": "unit",
        "hours": max(hours(), 2.0),
        "reference_only": True,
    }
    name = "powervault-1"
    async with pair_run(hass, name, result, ("powervault",)) as traffic:
        cloud = PowervaultCloud(api_key=API_KEY, units=1)
        unit_id = next(iter(cloud.units))
        ours_server = await traffic.serve(cloud, OURS, "cloud")
        core_server = await traffic.serve(cloud, CORE, "cloud")
        monkeypatch.setenv(CLOUD_URL_ENV, f"http://127.0.0.1:{ours_server.port}/v4")
        ours_entry = MockConfigEntry(
            domain="powervault",
            title=f"Powervault {unit_id}",
            unique_id=unit_id,
            data={
                CONF_CONNECTION: "cloud",
                CONF_API_KEY: API_KEY,
                CONF_ACCOUNT_ID: str(cloud.account_id),
                CONF_UNIT_ID: unit_id,
                CONF_MODEL: "P4",
            },
        )

        references: list[_Reference] = []  # held through the run, as an integration would

        async def start_reference() -> None:
            # Made inside core's setup, so its timers run as core's.
            references.append(
                _Reference(hass, f"http://127.0.0.1:{core_server.port}/v4", unit_id, API_KEY)
            )
            await references[0].async_refresh()

        await prepare(hass, PLATFORMS, ("custom_components.powervault",))
        await setup_pair(hass, result, [ours_entry], start_reference)

        sampler = AgeSampler(traffic, {OURS: DATA, CORE: DATA}, ["cloud"], quantum=BUCKET)
        period = await run_period(
            hass,
            freezer=freezer,
            cpu=cpu,
            result=result,
            sampler=sampler,
            period=max(hours(), 2.0) * 3600,
            step=STEP,
        )
        result["freshness_value"] = "battery power and state of charge (the 5-minute bucket)"
        result["action"] = None
        result["action_name"] = "none: the reference has no controls"
        summarize(
            hass,
            result,
            traffic,
            period,
            entries={OURS: [ours_entry], CORE: []},
            refresh_route=DATA,
        )


class _Reference(DataUpdateCoordinator[dict[str, Any]]):
    """The previous community integration's polling, as documented: every 30 s, 4-5 calls."""

    def __init__(self, hass: HomeAssistant, base: str, unit_id: str, api_key: str) -> None:
        super().__init__(
            hass,
            logging.getLogger(__name__),
            config_entry=None,
            name="powervault reference",
            update_interval=timedelta(seconds=30),
        )
        self._base = base
        self._unit = unit_id
        self._headers = {"x-api-key": api_key, "accept": "*/*"}
        self._session = async_get_clientsession(hass)
        # A DataUpdateCoordinator polls only while something listens.
        self.async_add_listener(lambda: None)

    async def _get(self, path: str) -> Any:
        async with self._session.get(f"{self._base}{path}", headers=self._headers) as reply:
            reply.raise_for_status()
            return await reply.json()

    async def _async_update_data(self) -> dict[str, Any]:
        unit = f"/unit/{self._unit}"
        data = {
            "unit": await self._get(unit),
            "latest": await self._get(f"{unit}/data"),
            "schedule": await self._get(f"{unit}/schedule"),
            "overrides": await self._get(f"{unit}/stateOverride"),
        }
        records = data["latest"].get("data") or []
        if not records or any(v is None for v in records[-1].values()):
            data["past_hour"] = await self._get(f"{unit}/data?period=past-hour")
        return data
