"""Every entity of every platform, pinned: a LAN charger (V2C00001) and a 4G-only one (V2C00002).

The registry entry pins the entity id, unique id, name, translation key, unit, device and
state class, category and whether it is enabled by default; the state pins what a user sees
of the enabled ones. ``pytest --snapshot-update`` rewrites them after a deliberate change.
"""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.v2c_cloud import PLATFORMS

from .conftest import V2CSim

# What changes from one run to the next, whatever the code: the budget's clock and counters.
_VOLATILE = frozenset({"resets_at", "blocked_until", "used", "used_by_polls", "used_by_commands"})


def _pinned(entry: er.RegistryEntry) -> dict[str, object]:
    """Return what a user sees of an entity (no ids or times that differ between runs)."""
    return {
        "entity_id": entry.entity_id,
        "unique_id": entry.unique_id,
        "original_name": entry.original_name,
        "translation_key": entry.translation_key,
        "unit_of_measurement": entry.unit_of_measurement,
        "original_device_class": entry.original_device_class,
        "capabilities": entry.capabilities,
        "entity_category": entry.entity_category,
        "disabled_by": entry.disabled_by,
        "supported_features": entry.supported_features,
        "original_icon": entry.original_icon,
    }


@pytest.fixture
def cloud_only() -> set[int]:
    return {2}


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_entities(
    hass: HomeAssistant,
    v2c_sim: V2CSim,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    registry = er.async_get(hass)
    entries = sorted(
        (
            e
            for e in er.async_entries_for_config_entry(registry, init_integration.entry_id)
            if e.domain == platform
        ),
        key=lambda e: e.entity_id,
    )
    assert entries
    for entry in entries:
        assert _pinned(entry) == snapshot(name=f"{entry.entity_id}-entry")
        if entry.disabled_by is not None:
            continue
        state = hass.states.get(entry.entity_id)
        assert state is not None, entry.entity_id
        attributes = {k: v for k, v in state.attributes.items() if k not in _VOLATILE}
        # A measurement moves with the simulator's clock: its unit and classes are pinned.
        value = None if "state_class" in attributes else state.state
        assert (value, attributes) == snapshot(name=f"{entry.entity_id}-state")
