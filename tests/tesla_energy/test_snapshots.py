"""Snapshots of every entity of every platform, for the account's sites and Wall Connectors.

Like core's ``snapshot_platform``, but without the state values (the simulated sun and clock
move them) and with what a user sees of each entity pinned: entity id, unique id, name, unit,
device and state class, category, enabled by default, the options of an enum, and its device.
Regenerate only on purpose: ``pytest tests/tesla_energy/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.tesla_energy import PLATFORMS


def _device(devices: dr.DeviceRegistry, device_id: str | None) -> str | None:
    """Return a device in one line: identifiers, name, make, model, serial, parent."""
    device = devices.async_get(device_id) if device_id else None
    if device is None:
        return None
    parent = devices.async_get(device.via_device_id) if device.via_device_id else None
    fields: list[Any] = [
        sorted(device.identifiers),
        device.name,
        device.manufacturer,
        device.model,
        device.serial_number,
        None if parent is None else sorted(parent.identifiers),
    ]
    return " | ".join(str(f) for f in fields)


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_entities(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    entries = er.async_entries_for_config_entry(entities, setup_integration.entry_id)
    pinned = [
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
            "device": _device(devices, e.device_id),
        }
        for e in sorted(entries, key=lambda e: e.entity_id)
        if e.domain == platform
    ]
    assert pinned
    assert pinned == snapshot(name=str(platform))
