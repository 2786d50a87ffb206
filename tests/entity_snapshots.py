"""What a snapshot test pins of an entity: one helper for every integration's snapshot tests.

Like core's ``snapshot_platform``, without the state values (simulated clocks and suns move
them): entity id, unique id, name, unit, device and state class, category, enabled by
default, the options of an enum, its display precision and suggested unit, and its device.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er


def device_line(devices: dr.DeviceRegistry, device_id: str | None) -> str | None:
    """Return a device in one line: identifiers, name, make, model, serial, firmware, parent."""
    device = devices.async_get(device_id) if device_id else None
    if device is None:
        return None
    parent = devices.async_get(device.via_device_id) if device.via_device_id else None
    fields: list[Any] = [
        sorted(device.identifiers),
        device.name,
        device.manufacturer,
        device.model,
        device.model_id,
        device.serial_number,
        device.sw_version,
        None if parent is None else sorted(parent.identifiers),
    ]
    return " | ".join(str(f) for f in fields)


def pinned_entities(hass: HomeAssistant, entry_id: str, platform: str) -> list[dict[str, Any]]:
    """Return what a user sees of each of the entry's entities of one platform, by entity id."""
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    return [
        {
            "entity_id": e.entity_id,
            "unique_id": e.unique_id,
            "translation_key": e.translation_key,
            "name": e.original_name,
            "unit": e.unit_of_measurement,
            "device_class": e.original_device_class,
            "state_class": (e.capabilities or {}).get("state_class"),
            "options": (e.capabilities or {}).get("options"),
            "capabilities": {
                k: v
                for k, v in (e.capabilities or {}).items()
                if k not in {"state_class", "options"}
            }
            or None,
            "entity_category": e.entity_category,
            "enabled_by_default": e.disabled_by is None,
            "suggested_display_precision": (e.options.get("sensor") or {}).get(
                "suggested_display_precision"
            ),
            "suggested_unit": (e.options.get("sensor.private") or {}).get(
                "suggested_unit_of_measurement"
            ),
            "device": device_line(devices, e.device_id),
        }
        for e in sorted(
            er.async_entries_for_config_entry(entities, entry_id), key=lambda e: e.entity_id
        )
        if e.domain == platform
    ]
