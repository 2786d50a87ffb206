"""Sensors: power flows, battery, island status, Wall Connectors, site info and the API bill."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfEnergy, UnitOfPower
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from ..energy_bridges_common.client.budget import CallBudget
from ..energy_bridges_common.hass.entity import BudgetSensor, SensorValue
from .api import IslandStatus, LiveStatus, SiteInfo, WallConnectorStatus
from .api.models import TariffPrices, WallConnectorState
from .budget import cost_after_credit, projected_monthly_calls, projected_monthly_cost
from .coordinator import (
    TeslaEnergyConfigEntry,
    TeslaEnergyInfoCoordinator,
    TeslaEnergyLiveCoordinator,
    TeslaEnergySiteData,
)
from .entity import SiteEntityDescription, TeslaEnergySiteEntity, info_has, wall_connector_device

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class LiveSensorDescription(SensorEntityDescription, SiteEntityDescription):
    """A sensor read from the live status."""

    value_fn: Callable[[LiveStatus], SensorValue]


@dataclass(frozen=True, kw_only=True)
class InfoSensorDescription(SensorEntityDescription, SiteEntityDescription):
    """A sensor read from the site's settings."""

    value_fn: Callable[[SiteInfo], SensorValue]


@dataclass(frozen=True, kw_only=True)
class WallConnectorSensorDescription(SensorEntityDescription):
    """A sensor of a Wall Connector."""

    value_fn: Callable[[WallConnectorStatus], SensorValue]
    attributes_fn: Callable[[WallConnectorStatus], dict[str, Any] | None] = lambda _: None


@dataclass(frozen=True, kw_only=True)
class PriceSensorDescription(SensorEntityDescription):
    """A price of the site's tariff."""

    value_fn: Callable[[TariffPrices], float | None]


_has_battery = info_has(lambda info: info.has_battery)
_has_grid = info_has(lambda info: info.has_grid or info.has_battery)

LIVE_SENSORS: tuple[LiveSensorDescription, ...] = (
    LiveSensorDescription(
        key="solar_power",
        translation_key="solar_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        value_fn=lambda d: d.solar_power,
        exists_fn=lambda s: s.site.has_solar,
    ),
    LiveSensorDescription(
        key="battery_power",
        translation_key="battery_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        value_fn=lambda d: d.battery_power,
        exists_fn=_has_battery,
    ),
    LiveSensorDescription(
        key="grid_power",
        translation_key="grid_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        value_fn=lambda d: d.grid_power,
        exists_fn=_has_grid,
    ),
    LiveSensorDescription(
        key="load_power",
        translation_key="load_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        value_fn=lambda d: d.load_power,
    ),
    LiveSensorDescription(
        key="generator_power",
        translation_key="generator_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        value_fn=lambda d: d.generator_power,
    ),
    LiveSensorDescription(
        key="grid_services_power",
        translation_key="grid_services_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        value_fn=lambda d: d.grid_services_power,
        exists_fn=_has_battery,
    ),
    LiveSensorDescription(
        key="battery_level",
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=1,
        value_fn=lambda d: d.battery_level,
        exists_fn=_has_battery,
    ),
    LiveSensorDescription(
        key="energy_left",
        translation_key="energy_left",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda d: d.energy_left,
        exists_fn=_has_battery,
    ),
    LiveSensorDescription(
        key="total_pack_energy",
        translation_key="total_pack_energy",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.total_pack_energy,
        exists_fn=_has_battery,
    ),
    LiveSensorDescription(
        key="island_status",
        translation_key="island_status",
        device_class=SensorDeviceClass.ENUM,
        options=[status.value for status in IslandStatus],
        value_fn=lambda d: d.island_status.value if d.island_status else None,
        exists_fn=_has_grid,
    ),
)

INFO_SENSORS: tuple[InfoSensorDescription, ...] = (
    InfoSensorDescription(
        key="version",
        translation_key="version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.version,
    ),
    InfoSensorDescription(
        key="nameplate_power",
        translation_key="nameplate_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.nameplate_power,
        exists_fn=_has_battery,
    ),
    InfoSensorDescription(
        key="nameplate_energy",
        translation_key="nameplate_energy",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.nameplate_energy,
        exists_fn=_has_battery,
    ),
    InfoSensorDescription(
        key="vpp_backup_reserve",
        translation_key="vpp_backup_reserve",
        native_unit_of_measurement=PERCENTAGE,
        value_fn=lambda d: d.vpp_backup_reserve,
        exists_fn=_has_battery,
    ),
    InfoSensorDescription(
        key="battery_count",
        translation_key="battery_count",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.battery_count,
        exists_fn=_has_battery,
    ),
)

WALL_CONNECTOR_SENSORS: tuple[WallConnectorSensorDescription, ...] = (
    WallConnectorSensorDescription(
        key="wall_connector_power",
        translation_key="wall_connector_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        value_fn=lambda d: d.power,
    ),
    WallConnectorSensorDescription(
        key="wall_connector_status",
        translation_key="wall_connector_status",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in WallConnectorState],
        value_fn=lambda d: d.state_name.value if d.state_name else None,
        # The raw code beside a state the code table does not know.
        attributes_fn=lambda d: (
            {"code": d.state} if d.state_name is WallConnectorState.UNRECOGNIZED else None
        ),
    ),
    WallConnectorSensorDescription(
        key="wall_connector_vehicle",
        translation_key="wall_connector_vehicle",
        value_fn=lambda d: d.vin,
    ),
    WallConnectorSensorDescription(
        key="wall_connector_state",
        translation_key="wall_connector_state",
        entity_category=EntityCategory.DIAGNOSTIC,
        # The named state above says the same; the code is for codes it does not know.
        entity_registry_enabled_default=False,
        value_fn=lambda d: d.state,
    ),
    WallConnectorSensorDescription(
        key="wall_connector_fault_state",
        translation_key="wall_connector_fault_state",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.fault_state,
    ),
)


PRICE_SENSORS: tuple[PriceSensorDescription, ...] = (
    PriceSensorDescription(
        key="buy_price",
        translation_key="buy_price",
        suggested_display_precision=4,
        value_fn=lambda p: p.buy,
    ),
    PriceSensorDescription(
        key="sell_price",
        translation_key="sell_price",
        suggested_display_precision=4,
        value_fn=lambda p: p.sell,
    ),
)

LIVE_LAST_READ = SensorEntityDescription(
    key="live_last_read",
    translation_key="live_last_read",
    device_class=SensorDeviceClass.TIMESTAMP,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TeslaEnergyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every site, its Wall Connectors and the account."""
    runtime = entry.runtime_data
    entities: list[SensorEntity] = []
    for site in runtime.sites.values():
        entities.extend(
            LiveSensor(site, site.live, description)
            for description in LIVE_SENSORS
            if description.exists_fn(site)
        )
        entities.extend(
            InfoSensor(site, site.info, description)
            for description in INFO_SENSORS
            if description.exists_fn(site)
        )
        entities.append(LiveLastReadSensor(site))
        if site.info.data is not None and (
            site.info.data.tou_capable or site.info.data.tariff is not None
        ):
            entities.extend(TariffPriceSensor(site, description) for description in PRICE_SENSORS)
        connectors = set(site.site.wall_connectors)
        if site.live.data is not None:
            connectors |= set(site.live.data.wall_connectors)
        entities.extend(
            WallConnectorSensor(
                site, din, description, wall_connector_device(hass, entry.entry_id, site, din)
            )
            for din in sorted(connectors)
            for description in WALL_CONNECTOR_SENSORS
        )
    key = runtime.account_key
    entities.extend(
        [
            BudgetSensor(
                runtime.budget, device_info=runtime.account_device, unique_id=f"{key}_cloud_budget"
            ),
            CallsTodaySensor(runtime.budget, runtime.account_device, f"{key}_calls_today"),
            ProjectedCostSensor(entry, f"{key}_projected_monthly_cost"),
        ]
    )
    async_add_entities(entities)


class LiveSensor(TeslaEnergySiteEntity[TeslaEnergyLiveCoordinator], SensorEntity):
    """A live sensor of a site."""

    entity_description: LiveSensorDescription

    @property
    def native_value(self) -> SensorValue:
        """Return the value."""
        return self.entity_description.value_fn(self.coordinator.data)


class InfoSensor(TeslaEnergySiteEntity[TeslaEnergyInfoCoordinator], SensorEntity):
    """A sensor of a site's settings."""

    entity_description: InfoSensorDescription

    @property
    def native_value(self) -> SensorValue:
        """Return the value."""
        return self.entity_description.value_fn(self.coordinator.data)


class LiveLastReadSensor(TeslaEnergySiteEntity[TeslaEnergyLiveCoordinator], SensorEntity):
    """When the site's live data was last read: the budget may space the reads widely."""

    def __init__(self, site: TeslaEnergySiteData) -> None:
        """Follow the site's live coordinator."""
        super().__init__(site, site.live, LIVE_LAST_READ)

    @property
    def available(self) -> bool:
        """Stay available: when the last read was matters most while reads fail."""
        return True

    @property
    def native_value(self) -> datetime | None:
        """Return the time of the last successful read."""
        return self.coordinator.last_success


# Prices change at the tariff's period boundaries (any minute of the hour): look every minute.
PRICE_CHECK_INTERVAL = timedelta(minutes=1)


class TariffPriceSensor(TeslaEnergySiteEntity[TeslaEnergyInfoCoordinator], SensorEntity):
    """The current buy or sell price of the site's own tariff (no extra call)."""

    entity_description: PriceSensorDescription

    def __init__(self, site: TeslaEnergySiteData, description: PriceSensorDescription) -> None:
        """Follow the site's settings, which carry the tariff."""
        super().__init__(site, site.info, description)

    async def async_added_to_hass(self) -> None:
        """Follow the clock too: the price moves with the time of day."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_track_time_interval(self.hass, self._async_tick, PRICE_CHECK_INTERVAL)
        )

    @callback
    def _async_tick(self, _now: datetime) -> None:
        self.async_write_ha_state()

    def _prices(self) -> TariffPrices | None:
        info: SiteInfo | None = self.coordinator.data
        if info is None:
            return None
        # The site's zone, loaded off the event loop when its settings were read.
        return info.tariff_prices(dt_util.now(self.coordinator.time_zone))

    @property
    def available(self) -> bool:
        """Return whether the site has a tariff with this price now."""
        prices = self._prices()
        return (
            super().available
            and prices is not None
            and self.entity_description.value_fn(prices) is not None
        )

    @property
    def native_value(self) -> float | None:
        """Return the price per kWh."""
        prices = self._prices()
        return self.entity_description.value_fn(prices) if prices is not None else None

    @property
    def native_unit_of_measurement(self) -> str | None:
        """Return the tariff's currency per kWh."""
        prices = self._prices()
        if prices is None or prices.currency is None:
            return None
        return f"{prices.currency}/{UnitOfEnergy.KILO_WATT_HOUR}"

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the time-of-use period the price belongs to."""
        prices = self._prices()
        return {"period": prices.period} if prices is not None else None


class WallConnectorSensor(TeslaEnergySiteEntity[TeslaEnergyLiveCoordinator], SensorEntity):
    """A sensor of one Wall Connector, on its own device."""

    entity_description: WallConnectorSensorDescription

    def __init__(
        self,
        site: TeslaEnergySiteData,
        din: str,
        description: WallConnectorSensorDescription,
        device_info: DeviceInfo,
    ) -> None:
        """Attach to the Wall Connector's device."""
        super().__init__(site, site.live, description)
        self.din = din
        self._attr_unique_id = f"{site.site_id}_{din}_{description.key}"
        self._attr_device_info = device_info

    @property
    def available(self) -> bool:
        """Return whether the last live status had this Wall Connector."""
        return super().available and self.din in self.coordinator.data.wall_connectors

    @property
    def native_value(self) -> SensorValue:
        """Return the value."""
        return self.entity_description.value_fn(self.coordinator.data.wall_connectors[self.din])

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return what the description adds beside the value."""
        if not self.available:
            return None
        return self.entity_description.attributes_fn(
            self.coordinator.data.wall_connectors[self.din]
        )


class CallsTodaySensor(SensorEntity):
    """The Fleet API calls billed today (all the account's sites).

    The account budget counts them and keeps them through a restart.
    """

    _attr_has_entity_name = True
    _attr_translation_key = "calls_today"
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_native_unit_of_measurement = "calls"
    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_should_poll = False

    def __init__(self, budget: CallBudget, device_info: DeviceInfo, unique_id: str) -> None:
        """Show the account's daily count."""
        self._budget = budget
        self._attr_device_info = device_info
        self._attr_unique_id = unique_id

    async def async_added_to_hass(self) -> None:
        """Follow the calls."""
        self.async_on_remove(self._budget.add_listener(self.async_write_ha_state))

    @property
    def native_value(self) -> int:
        """Return today's billed calls."""
        return self._budget.today.billed

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the split and the day counted."""
        today = self._budget.today
        return {
            "day": today.day.isoformat(),
            "data_calls": today.data,
            "command_calls": today.commands,
            "unbilled_calls": today.unbilled,
        }


class ProjectedCostSensor(SensorEntity):
    """What this month's Fleet API bill comes to at the current pace (before the credit)."""

    _attr_has_entity_name = True
    _attr_translation_key = "projected_monthly_cost"
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_device_class = SensorDeviceClass.MONETARY
    _attr_native_unit_of_measurement = "USD"
    _attr_suggested_display_precision = 2
    _attr_should_poll = False
    _unrecorded_attributes = frozenset({"projected_calls"})

    def __init__(self, entry: TeslaEnergyConfigEntry, unique_id: str) -> None:
        """Show the account's projection."""
        self._budget = entry.runtime_data.budget
        self._attr_device_info = entry.runtime_data.account_device
        self._attr_unique_id = unique_id

    async def async_added_to_hass(self) -> None:
        """Follow the count (the projection moves with every call)."""
        self.async_on_remove(self._budget.add_listener(self.async_write_ha_state))

    @property
    def native_value(self) -> float:
        """Return the projected bill in USD."""
        return projected_monthly_cost(self._budget)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the calls behind it and what is left after the free monthly credit."""
        cost = projected_monthly_cost(self._budget)
        return {
            "projected_calls": round(projected_monthly_calls(self._budget)),
            "after_free_credit": cost_after_credit(cost),
        }
