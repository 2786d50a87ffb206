"""Snapshots of every entity of every platform, per gateway generation.

Like core's ``snapshot_platform``, but without the state values (the simulated sun moves them)
and with what a user sees of each entity pinned: entity id, unique id, name, unit, device and
state class, category, enabled by default, the options of an enum, and its device. Regenerate
only on purpose: ``pytest tests/enphase_gateway/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from syrupy.assertion import SnapshotAssertion

from custom_components.enphase_gateway.const import PLATFORMS

from .conftest import SimFactory, setup_entry

# Between them, these profiles have every kind of entity: per-phase flows (7x), IQ Batteries,
# the system controller, generator and dry contacts (8x), AC Batteries (8x-acb), no CTs (3x).
PROFILES = ("3x", "5x", "7x", "8x", "8x-acb")


def _device(devices: dr.DeviceRegistry, device_id: str | None) -> str | None:
    """Return a device in one line: identifiers, name, make, model, firmware, parent."""
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


@pytest.mark.parametrize("profile", PROFILES)
async def test_entities(
    hass: HomeAssistant,
    gateway_factory: SimFactory,
    snapshot: SnapshotAssertion,
    profile: str,
) -> None:
    _sim, server = await gateway_factory(profile)
    entry = await setup_entry(hass, profile, server.port)
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    entries = er.async_entries_for_config_entry(entities, entry.entry_id)
    for platform in PLATFORMS:
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
        assert pinned == snapshot(name=str(platform))
