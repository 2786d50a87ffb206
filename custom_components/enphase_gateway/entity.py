"""Devices and the base entity."""

from __future__ import annotations

from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo

from ..energy_bridges_common.hass.command import CommandTarget
from ..energy_bridges_common.hass.entity import BridgeEntity
from .api import GatewayData
from .api.models import Battery, EnsembleDevice, EnsembleDeviceKind, SystemController
from .const import DOMAIN
from .coordinator import EnphaseConfigEntry, GatewayCoordinator

MANUFACTURER = "Enphase"


def gateway_device(data: GatewayData, base_url: str | None) -> DeviceInfo:
    """Return the gateway's device."""
    info = data.info
    device = DeviceInfo(
        identifiers={(DOMAIN, info.serial)},
        manufacturer=MANUFACTURER,
        model=info.model_name,
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


class EnphaseEntity(BridgeEntity[GatewayCoordinator]):
    """An entity of the gateway's slow data, whose commands take the shared command path."""

    @property
    def command_target(self) -> CommandTarget:
        """Return where this entry's commands go."""
        entry: EnphaseConfigEntry = self.coordinator.config_entry
        return entry.runtime_data.command_target
