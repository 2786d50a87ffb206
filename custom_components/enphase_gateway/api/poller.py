"""What to read, and how often, so that a slow gateway is spared.

The gateway is a small embedded computer: polling its heavy endpoints faster than about once
a minute has stopped gateways communicating, and microinverters only report every 5 minutes.
The CT readings, on the other hand, are cheap. So:

- ``read_meters`` (the fast poll): only ``/ivp/meters/readings``.
- ``read`` (the slow poll): the production report and the live battery/relay state every
  call; inverters, device_data, the inventory and the settings once per ``detail_interval``;
  ``/info`` once per ``firmware_interval`` (and a new probe when the firmware changed).

A section that fails keeps its last good value for ``section_stale_after`` (the gateway's
nightly maintenance makes device_data hang for a minute or more); only the production report
failing fails the whole read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
import time
from typing import Any

from ...energy_bridges_common.client.errors import AuthenticationError, BridgeApiError
from .client import (
    Capabilities,
    EnphaseGateway,
    GatewayNotReadyError,
    WriteNotAppliedError,
    check_storage_settings,
)
from .models import (
    AcBatteries,
    Battery,
    BatteryAggregate,
    CtKind,
    CtMeter,
    CtReading,
    DryContact,
    DryContactSettings,
    EnsembleDevice,
    GatewayInfo,
    Generator,
    GeneratorMode,
    GridRelay,
    InterfaceInfo,
    Inverter,
    Measurement,
    PowerExportLimit,
    ProductionReport,
    SimpleProduction,
    StorageMode,
    StorageSettings,
    SystemController,
)

# Old gateways keep lifetime production in a register that wraps at 2^32 J (about 1.19 MWh).
LIFETIME_WRAP_WH = 2**32 / 3600


@dataclass(frozen=True, slots=True)
class MeterData:
    """The fast data: each CT's configuration with its latest reading.

    The system's live flows come from here whenever a CT measures them: the report read
    with the slow poll is older, and one value has one source.
    """

    meters: dict[int, CtMeter]
    readings: dict[int, CtReading]
    net_as_total: bool = False
    """This firmware's total-consumption CT measures net consumption."""

    def _power(self, kind: CtKind) -> float | None:
        for eid, meter in self.meters.items():
            if meter.kind is kind and (reading := self.readings.get(eid)):
                return reading.power
        return None

    def _has(self, kind: CtKind) -> bool:
        return any(m.kind is kind for m in self.meters.values())

    @property
    def production_power(self) -> float | None:
        """Return the production CT's power (W)."""
        return self._power(CtKind.PRODUCTION)

    @property
    def measures_production(self) -> bool:
        """Return whether a production CT is enabled."""
        return self._has(CtKind.PRODUCTION)

    @property
    def net_power(self) -> float | None:
        """Return the grid's power (W, positive when importing)."""
        if self.net_as_total:
            return self._power(CtKind.TOTAL)
        if self._has(CtKind.NET):
            return self._power(CtKind.NET)
        total = self._power(CtKind.TOTAL)
        produced = self.production_power
        return None if total is None or produced is None else total - produced

    @property
    def consumption_power(self) -> float | None:
        """Return the household's consumption (W).

        Production plus what the grid gives. A storage CT measures the batteries' own flow,
        which production and net already hold: it is never added.
        """
        if self._has(CtKind.TOTAL) and not self.net_as_total:
            return self._power(CtKind.TOTAL)
        net = self.net_power
        produced = self.production_power
        return None if net is None or produced is None else produced + net

    @property
    def measures_net(self) -> bool:
        """Return whether the CTs give the grid's power."""
        return self._has(CtKind.NET) or (
            self._has(CtKind.TOTAL) and (self.net_as_total or self.measures_production)
        )

    @property
    def measures_consumption(self) -> bool:
        """Return whether the CTs give the household's consumption."""
        if self._has(CtKind.TOTAL) and not self.net_as_total:
            return True
        return self.measures_net and self.measures_production


@dataclass(frozen=True, slots=True)
class GatewayData:
    """The slow data: everything but the CT readings."""

    info: GatewayInfo
    production: Measurement | None
    consumption: Measurement | None
    net_consumption: Measurement | None
    inverters_estimate: Measurement | None
    production_from_ct: bool
    inverters: dict[str, Inverter] = field(default_factory=dict)
    batteries: dict[str, Battery] = field(default_factory=dict)
    battery_aggregate: BatteryAggregate | None = None
    system_controller: SystemController | None = None
    ensemble_devices: dict[str, EnsembleDevice] = field(default_factory=dict)
    """IQ Meter Collars and IQ Combiners, as the inventory lists them."""
    ac_batteries: AcBatteries | None = None
    relay: GridRelay | None = None
    dry_contacts: dict[str, DryContact] = field(default_factory=dict)
    storage: StorageSettings | None = None
    power_export_limit: PowerExportLimit | None = None
    generator: Generator | None = None
    interface: InterfaceInfo | None = None
    firmware_changed: bool = False

    @property
    def production_wraps_at(self) -> float | None:
        """Return where the lifetime production counter wraps (Wh), if it does.

        Before firmware 8, a production total not measured by a CT is the inverters' register.
        """
        major = self.info.version[0] if self.info.version else 0
        return LIFETIME_WRAP_WH if not self.production_from_ct and major < 8 else None


@dataclass(slots=True)
class _Section:
    value: Any = None
    at: float | None = None


class GatewayPoller:
    """Read a gateway in tiers, keeping the last good value of each section."""

    def __init__(
        self,
        gateway: EnphaseGateway,
        *,
        detail_interval: float = 300.0,
        firmware_interval: float = 4 * 3600.0,
        section_stale_after: float = 3600.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Set the tier intervals (seconds) and how long a failed section keeps its value."""
        self.gateway = gateway
        self.detail_interval = detail_interval
        self.firmware_interval = firmware_interval
        self.section_stale_after = section_stale_after
        self._clock = clock or _wall_clock
        self._sections: dict[str, _Section] = {}
        if gateway.interface is not None:
            self.remember("interface", gateway.interface)
        self._last_detail: float | None = None
        self._last_info: float | None = None
        self._report: ProductionReport | None = None
        self.section_errors: dict[str, str] = {}

    @property
    def _grid_from_inventory(self) -> bool:
        caps = self.capabilities
        return caps.system_controller and not caps.relay

    @property
    def capabilities(self) -> Capabilities:
        """Return the gateway's capabilities (probed in setup)."""
        assert self.gateway.capabilities is not None
        return self.gateway.capabilities

    def remember(self, name: str, value: Any) -> None:
        """Keep a section's value read outside a poll (a write's read-back)."""
        self._sections[name] = _Section(value, self._clock())

    # -- writes: each verified by the client, and what stuck is kept for the next read ---------

    async def set_storage(
        self,
        *,
        mode: StorageMode | None = None,
        reserve: float | None = None,
        charge_from_grid: bool | None = None,
    ) -> tuple[StorageSettings, bool]:
        """Write the storage settings in one verified write; keep what the gateway reports.

        Return the settings, and whether the write turned the cloud's optimised schedules off
        (the gateway ignores storage settings while they are on).
        """
        settings, schedules_off = await self.gateway.set_storage_settings(
            mode=mode, reserve=reserve, charge_from_grid=charge_from_grid
        )
        self.remember("storage", settings)
        return settings, schedules_off

    async def storage_kept(
        self,
        *,
        mode: StorageMode | None = None,
        reserve: float | None = None,
        charge_from_grid: bool | None = None,
    ) -> tuple[StorageSettings, bool]:
        """Read the storage settings again, and say whether they are still what was written.

        From firmware 8.2.42xx the Enphase cloud may put them back within a minute or two.
        """
        settings = await self.gateway.get_storage_settings()
        self.remember("storage", settings)
        try:
            check_storage_settings(
                settings, mode=mode, reserve=reserve, charge_from_grid=charge_from_grid
            )
        except WriteNotAppliedError:
            return settings, False
        return settings, True

    async def set_grid(self, on_grid: bool) -> GridRelay | None:
        """Connect to or disconnect from the grid (verified).

        Return the relay; None where its state lives in the inventory (read it again).
        """
        relay = await self.gateway.set_grid_relay(on_grid)
        if not self.capabilities.relay:
            return None
        self.remember("relay", relay)
        return relay

    async def set_dry_contact(self, contact_id: str, closed: bool) -> dict[str, DryContact]:
        """Close or open a dry contact (verified); return all the contacts."""
        contact = await self.gateway.set_dry_contact(contact_id, closed)
        if (known := self._contacts().get(contact_id)) is not None:
            # The state reply has no settings: keep the ones read before.
            contact = replace(known, closed=contact.closed)
        return self._keep_contact(contact)

    async def update_dry_contact(
        self, contact_id: str, settings: DryContactSettings
    ) -> dict[str, DryContact]:
        """Change a dry contact's settings (verified); return all the contacts."""
        return self._keep_contact(
            await self.gateway.update_dry_contact_settings(contact_id, settings)
        )

    async def set_generator_mode(self, mode: GeneratorMode) -> Generator:
        """Set the generator mode (verified)."""
        generator = await self.gateway.set_generator_mode(mode)
        self.remember("generator", generator)
        return generator

    def _contacts(self) -> dict[str, DryContact]:
        return self._kept("dry_contacts") or {}

    def _keep_contact(self, contact: DryContact) -> dict[str, DryContact]:
        contacts = {**self._contacts(), contact.id: contact}
        self.remember("dry_contacts", contacts)
        return contacts

    def force_detail(self) -> None:
        """Read the detail tier on the next ``read`` (after a write)."""
        self._last_detail = None

    async def read_meters(self) -> MeterData:
        """Read the CTs (fast poll)."""
        readings = await self.gateway.get_meter_readings()
        meters = self.capabilities.ct_meters
        return MeterData(
            meters=meters,
            readings={e: r for e, r in readings.items() if e in meters},
            net_as_total=self.capabilities.net_as_total,
        )

    async def _section[T](self, name: str, read: Callable[[], Awaitable[T]]) -> T | None:
        entry = self._sections.setdefault(name, _Section())
        now = self._clock()
        try:
            entry.value = await read()
        except AuthenticationError:
            raise
        except BridgeApiError as err:
            self.section_errors[name] = str(err)
            if entry.at is not None and now - entry.at > self.section_stale_after:
                entry.value = None
            return entry.value  # type: ignore[no-any-return]
        entry.at = now
        self.section_errors.pop(name, None)
        return entry.value  # type: ignore[no-any-return]

    def _kept(self, name: str) -> Any:
        entry = self._sections.get(name)
        return None if entry is None else entry.value

    async def read(self) -> GatewayData:
        """Read the slow data."""
        gateway = self.gateway
        now = self._clock()
        firmware_changed = False
        if (
            self._last_info is None
            or now - self._last_info >= self.firmware_interval
            or gateway.new_firmware_seen
        ):
            info = await gateway.get_info()
            if self._last_info is not None and self.capabilities.interface:
                # /home is slow (6-9 s) and its content (network, cloud link) rarely changes.
                await self._section("interface", gateway.get_interface)
            if info.firmware != self.capabilities.firmware:
                # Compared with what was probed, so a probe that failed is tried again.
                await gateway.probe()
                firmware_changed = True
                self.force_detail()
            self._last_info = now
        caps = self.capabilities
        assert gateway.info is not None
        detail = self._last_detail is None or now - self._last_detail >= self.detail_interval
        production, consumption, net, estimate, from_ct = await self._read_production(caps, detail)
        if detail:
            self._last_detail = now
            if caps.inverters:
                await self._section("inverters", self._read_inverters)
            if (
                caps.batteries or caps.system_controller or caps.ensemble_devices
            ) and not self._grid_from_inventory:
                await self._section("inventory", gateway.get_inventory)
            if caps.storage_settings:
                await self._section("storage", gateway.get_storage_settings)
            if caps.power_export_limit:
                await self._section("pel", gateway.get_power_export_limit)
            if caps.generator:
                await self._section("generator", gateway.get_generator)
            if caps.dry_contacts:
                await self._section("dry_contacts", gateway.get_dry_contacts)
        elif caps.dry_contacts:
            # The relay states are live; the settings ride along from the last detail read.
            await self._section("dry_contacts", self._read_dry_contact_states)
        if caps.battery_aggregate:
            await self._section("aggregate", gateway.get_battery_aggregate)
        if caps.battery_power:
            await self._section("battery_power", gateway.get_battery_power)
        if caps.relay:
            await self._section("relay", gateway.get_grid_relay)
        elif self._grid_from_inventory:
            # No relay endpoint: the System Controller's own state in the (cheap) inventory
            # says whether the house is on the grid, so read it with the live data.
            await self._section("inventory", gateway.get_inventory)
        inventory = self._kept("inventory")
        batteries: dict[str, Battery] = dict(inventory.batteries) if inventory else {}
        if (power := self._kept("battery_power")) is not None:
            for serial, battery in list(batteries.items()):
                batteries[serial] = _with_power(
                    battery, power.power.get(serial), power.soc.get(serial)
                )
        return GatewayData(
            info=gateway.info,
            production=production,
            consumption=consumption,
            net_consumption=net,
            inverters_estimate=estimate,
            production_from_ct=from_ct,
            inverters=self._kept("inverters") or {},
            batteries=batteries,
            battery_aggregate=self._kept("aggregate"),
            system_controller=inventory.system_controller if inventory else None,
            ensemble_devices=dict(inventory.others) if inventory else {},
            ac_batteries=self._report.ac_batteries if self._report else None,
            relay=self._kept("relay"),
            dry_contacts=self._kept("dry_contacts") or {},
            storage=self._kept("storage"),
            power_export_limit=self._kept("pel"),
            generator=self._kept("generator"),
            interface=self._kept("interface"),
            firmware_changed=firmware_changed,
        )

    async def _read_dry_contact_states(self) -> dict[str, DryContact]:
        states = await self.gateway.get_dry_contacts(with_settings=False)
        previous: dict[str, DryContact] = self._kept("dry_contacts") or {}
        return {
            cid: DryContact(
                id=cid,
                closed=contact.closed,
                name=previous[cid].name if cid in previous else None,
                mode=previous[cid].mode if cid in previous else None,
                settings=previous[cid].settings if cid in previous else {},
            )
            for cid, contact in states.items()
        }

    async def _read_inverters(self) -> dict[str, Inverter]:
        """Read the v1 list and merge device_data's detail by serial (it stops at 50)."""
        gateway = self.gateway
        inverters = await gateway.get_inverters()
        if self.capabilities.device_data:
            data = await self._section("device_data", gateway.get_device_data)
            if data is not None:
                for serial, detail in data.details.items():
                    if (inverter := inverters.get(serial)) is not None:
                        inverters[serial] = Inverter(
                            serial=serial,
                            power=inverter.power,
                            max_power=inverter.max_power,
                            last_report=inverter.last_report,
                            device_type=inverter.device_type,
                            detail=detail,
                        )
        return inverters

    async def _read_production(
        self, caps: Capabilities, detail: bool
    ) -> tuple[
        Measurement | None, Measurement | None, Measurement | None, Measurement | None, bool
    ]:
        """Read production and consumption as cheaply as the gateway allows.

        ``/production.json?details=1`` is the heaviest endpoint (2-5 s): it is read only for
        what only it has (CT energy totals and phases, the AC Batteries, the inverters section
        of a gateway whose v1 production stalls), and with the detail tier: with CTs the fast
        CT poll carries the live power, and without CTs values change only when the
        microinverters report, every 5 minutes. Production without a production CT comes
        from the cheap ``/api/v1/production``: the report's inverters section then holds a
        32-bit joule register that wraps, and no today or last-seven-days values.
        """
        gateway = self.gateway
        report: ProductionReport | None = self._report
        simple: SimpleProduction | None = None
        has_report = caps.production_report or caps.production_legacy
        wants_report = has_report and (
            caps.production_ct
            or caps.consumption_ct
            or caps.ac_batteries
            or caps.production_from_inverters
            or not caps.production_v1
        )
        if wants_report:
            if detail or report is None:
                report = (
                    await gateway.get_production_report(details=caps.has_cts)
                    if caps.production_report
                    else await gateway.get_production_legacy()
                )
        else:
            report = None
        if caps.production_v1 and not caps.production_ct and not caps.production_from_inverters:
            simple = await gateway.get_simple_production()
        estimate = report.inverters if report else None
        production: Measurement | None
        from_ct = bool(caps.production_ct and report and report.production)
        if from_ct:
            assert report is not None
            production = report.production
        elif simple is not None:
            production = simple.as_measurement()
        else:
            production = estimate
        if production is None or production.is_all_zero:
            raise GatewayNotReadyError("The gateway reports no production data yet")
        self._report = report
        consumption = net = None
        if report is not None and caps.consumption_ct:
            consumption = report.total_consumption
            net = report.net_consumption
            if caps.net_as_total and consumption is not None and report.production:
                # This firmware puts net consumption in the total-consumption section.
                net = net or consumption
                consumption = net.plus(report.production)
        return production, consumption, net, estimate, from_ct


def _with_power(battery: Battery, power: float | None, soc: float | None) -> Battery:
    return Battery(
        serial=battery.serial,
        part_number=battery.part_number,
        soc=soc if soc is not None else battery.soc,
        temperature=battery.temperature,
        max_cell_temperature=battery.max_cell_temperature,
        capacity=battery.capacity,
        communicating=battery.communicating,
        operating=battery.operating,
        dc_switch_off=battery.dc_switch_off,
        firmware=battery.firmware,
        power=power,
    )


def _wall_clock() -> float:
    # Looked up on each call, so that tests that move time move it here too.
    return time.time()
