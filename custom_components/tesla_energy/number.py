"""Numbers: the backup reserve and the off-grid vehicle charging reserve."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
import math

from homeassistant.components.number import NumberEntity, NumberEntityDescription, NumberMode
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..energy_bridges_common.hass.command import bridge_command
from .api import SiteInfo
from .const import DOMAIN
from .coordinator import TeslaEnergyConfigEntry
from .entity import SiteSettingDescription, SiteSettingEntity, info_has

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class ReserveNumberDescription(NumberEntityDescription, SiteSettingDescription[int]):
    """A percentage setting of the site."""

    value_fn: Callable[[SiteInfo], float | None]


NUMBERS: tuple[ReserveNumberDescription, ...] = (
    ReserveNumberDescription(
        key="backup_reserve",
        translation_key="backup_reserve",
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        native_unit_of_measurement=PERCENTAGE,
        mode=NumberMode.SLIDER,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda d: d.backup_reserve,
        set_fn=lambda client, site_id, value: client.async_set_backup_reserve(site_id, value),
        expected_fn=lambda d, value: replace(d, backup_reserve=float(value)),
        exists_fn=info_has(lambda info: info.has_battery),
    ),
    ReserveNumberDescription(
        key="off_grid_vehicle_charging_reserve",
        translation_key="off_grid_vehicle_charging_reserve",
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        native_unit_of_measurement=PERCENTAGE,
        mode=NumberMode.SLIDER,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda d: d.off_grid_vehicle_charging_reserve,
        set_fn=lambda client, site_id, value: client.async_set_off_grid_vehicle_charging_reserve(
            site_id, value
        ),
        expected_fn=lambda d, value: replace(d, off_grid_vehicle_charging_reserve=float(value)),
        exists_fn=info_has(lambda info: info.off_grid_reserve_supported),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TeslaEnergyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the reserves of every site that has them."""
    async_add_entities(
        ReserveNumber(entry, site, description)
        for site in entry.runtime_data.sites.values()
        for description in NUMBERS
        if description.exists_fn(site)
    )


class ReserveNumber(SiteSettingEntity[int], NumberEntity):
    """A reserve percentage, set through the Fleet API."""

    entity_description: ReserveNumberDescription

    @property
    def native_value(self) -> float | None:
        """Return the reserve."""
        return self.entity_description.value_fn(self.coordinator.data)

    @bridge_command
    async def async_set_native_value(self, value: float) -> None:
        """Set the reserve, rounded half up to the whole percent Tesla takes.

        The rounded value is what the entity then shows (never a silent cut: 50.9 is 51).
        """
        if not math.isfinite(value):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_number",
                translation_placeholders={"value": str(value)},
            )
        await self._async_send(math.floor(value + 0.5))
