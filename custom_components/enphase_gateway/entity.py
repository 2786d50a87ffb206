"""Devices, the base entity and the one path every write takes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import SensorEntityDescription
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo

from ..energy_bridges_common.client.errors import BridgeApiError
from ..energy_bridges_common.hass.entity import (
    BridgeEnergySensorEntityDescription,
    BridgeSensorEntityDescription,
    SensorValue,
)
from .api import GatewayData, StorageScheduleLockedError, WriteNotAppliedError
from .api.models import Battery, EnsembleDevice, EnsembleDeviceKind, SystemController
from .const import DOMAIN

MANUFACTURER = "Enphase"


def gateway_model(data: GatewayData) -> str:
    """Return the gateway's model name from its firmware and metering."""
    info = data.info
    major = info.version[0] if info.version else 0
    if major >= 7:
        return "IQ Gateway Metered" if info.metered else "IQ Gateway"
    if major >= 4:
        return "Envoy-S Metered" if info.metered else "Envoy-S Standard"
    return "Envoy-R"


def gateway_device(data: GatewayData, base_url: str | None) -> DeviceInfo:
    """Return the gateway's device."""
    info = data.info
    device = DeviceInfo(
        identifiers={(DOMAIN, info.serial)},
        manufacturer=MANUFACTURER,
        model=gateway_model(data),
        model_id=info.part_number,
        name=f"Envoy {info.serial}",
        serial_number=info.serial,
        sw_version=info.firmware,
    )
    if base_url:
        device["configuration_url"] = base_url
    if data.interface is not None:
        macs = {(CONNECTION_NETWORK_MAC, i.mac) for i in data.interface.interfaces if i.mac}
        if macs:
            device["connections"] = macs
    return device


def inverter_device(serial: str, parent_id: str) -> DeviceInfo:
    """Return a microinverter's device."""
    return DeviceInfo(
        identifiers={(DOMAIN, serial)},
        manufacturer=MANUFACTURER,
        model="Microinverter",
        name=f"Inverter {serial}",
        serial_number=serial,
        via_device_id=parent_id,
    )


def battery_device(battery: Battery, parent_id: str) -> DeviceInfo:
    """Return an IQ Battery's device."""
    return DeviceInfo(
        identifiers={(DOMAIN, battery.serial)},
        manufacturer=MANUFACTURER,
        model="IQ Battery",
        model_id=battery.part_number,
        name=f"IQ Battery {battery.serial}",
        serial_number=battery.serial,
        sw_version=battery.firmware,
        via_device_id=parent_id,
    )


def ac_battery_device(gateway_serial: str, parent_id: str) -> DeviceInfo:
    """Return the device of the AC Batteries taken together (the gateway reports them so)."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{gateway_serial}_acb")},
        manufacturer=MANUFACTURER,
        model="AC Battery",
        translation_key="ac_batteries",
        via_device_id=parent_id,
    )


def ensemble_device(device: EnsembleDevice, parent_id: str) -> DeviceInfo:
    """Return an IQ Meter Collar's or IQ Combiner's device."""
    model = {
        EnsembleDeviceKind.METER_COLLAR: "IQ Meter Collar",
        EnsembleDeviceKind.COMBINER: "IQ Combiner",
    }[device.kind]
    return DeviceInfo(
        identifiers={(DOMAIN, device.serial)},
        manufacturer=MANUFACTURER,
        model=model,
        model_id=device.part_number,
        name=f"{model} {device.serial}",
        serial_number=device.serial,
        sw_version=device.firmware,
        via_device_id=parent_id,
    )


def controller_device(controller: SystemController, parent_id: str) -> DeviceInfo:
    """Return the IQ System Controller's device."""
    return DeviceInfo(
        identifiers={(DOMAIN, controller.serial)},
        manufacturer=MANUFACTURER,
        model="IQ System Controller",
        model_id=controller.part_number,
        name=f"IQ System Controller {controller.serial}",
        serial_number=controller.serial,
        sw_version=controller.firmware,
        via_device_id=parent_id,
    )


@dataclass(frozen=True, kw_only=True)
class PartSensorDescription[PartT](SensorEntityDescription):
    """A sensor of one part of the data (a flow, a CT, an inverter, a battery)."""

    value_fn: Callable[[PartT], SensorValue]
    energy: bool = False
    """A lifetime counter: kept monotonic through glitches and restarts."""
    wrap_at: float | None = None


def bind[DataT, PartT](
    row: PartSensorDescription[PartT],
    get: Callable[[DataT], PartT | None],
    *,
    key: str | None = None,
    translation_key: str | None = None,
    placeholders: dict[str, str] | None = None,
    wrap_at: float | None = None,
) -> BridgeSensorEntityDescription[DataT]:
    """Turn a part's row into a coordinator sensor description for one part."""

    def value(data: DataT) -> SensorValue:
        part = get(data)
        return None if part is None else row.value_fn(part)

    def available(data: DataT) -> bool:
        return get(data) is not None

    common: dict[str, Any] = {
        "key": key or row.key,
        "translation_key": translation_key or row.translation_key,
        "translation_placeholders": placeholders,
        "device_class": row.device_class,
        "state_class": row.state_class,
        "native_unit_of_measurement": row.native_unit_of_measurement,
        "suggested_unit_of_measurement": row.suggested_unit_of_measurement,
        "suggested_display_precision": row.suggested_display_precision,
        "entity_category": row.entity_category,
        "entity_registry_enabled_default": row.entity_registry_enabled_default,
        "options": row.options,
        "value_fn": value,
        "available_fn": available,
    }
    if row.energy:
        return BridgeEnergySensorEntityDescription[DataT](
            **common, wrap_at=wrap_at if wrap_at is not None else row.wrap_at
        )
    return BridgeSensorEntityDescription[DataT](**common)


def gateway_command[**P](
    func: Callable[P, Awaitable[Any]],
) -> Callable[P, Coroutine[Any, Any, None]]:
    """Run a write: turn the client's errors into translated errors for the user."""

    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(*args, **kwargs)
        except BridgeApiError as err:
            raise command_error(err) from err

    return wrapper


def command_error(err: BridgeApiError) -> HomeAssistantError:
    """Return the user-facing error for a failed or ignored write."""
    if isinstance(err, StorageScheduleLockedError):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="storage_locked")
    if isinstance(err, WriteNotAppliedError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="write_not_applied",
            translation_placeholders={
                "setting": err.setting,
                "requested": str(err.requested),
                "reported": str(err.reported),
            },
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="command_failed",
        translation_placeholders={"error": str(err)},
    )
