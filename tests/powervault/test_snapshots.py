"""Every entity of every platform, pinned, on the cloud (P4) and on the LAN (P3X).

As core's ``snapshot_platform``: the registry entry pins the entity id, unique id, name,
translation key, unit, device and state class, category and whether it is enabled by
default; the state pins what a user sees of the enabled ones, at a fixed moment of the
simulators' day. ``pytest --snapshot-update`` rewrites them after a deliberate change.
"""

from __future__ import annotations

from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.powervault import PLATFORMS
from simulators.powervault import PowervaultCloud, PowervaultLocal

from .conftest import setup_entry

# A summer afternoon: the sun is up, the schedule has a slot, buckets have values.
MOMENT = "2026-06-15 13:02:30+00:00"


@pytest.fixture
def cloud_app(freezer: FrozenDateTimeFactory) -> PowervaultCloud:
    """Return a simulated cloud with two units, started at the fixed moment."""
    freezer.move_to(MOMENT)
    return PowervaultCloud(units=2)


@pytest.fixture
def local_app(freezer: FrozenDateTimeFactory) -> PowervaultLocal:
    """Return a simulated P3X, started at the fixed moment."""
    freezer.move_to(MOMENT)
    return PowervaultLocal(modules=1, cells=2)


async def _snapshot_platform(
    hass: HomeAssistant, entry: MockConfigEntry, platform: Platform, snapshot: SnapshotAssertion
) -> None:
    # The plugin's fixture with Home Assistant's serializer loses to syrupy's own.
    snapshot = snapshot.use_extension(HomeAssistantSnapshotExtension)
    with patch("custom_components.powervault.PLATFORMS", [platform]):
        await setup_entry(hass, entry)
    registry = er.async_get(hass)
    entities = sorted(
        er.async_entries_for_config_entry(registry, entry.entry_id), key=lambda e: e.entity_id
    )
    assert entities
    for entity in entities:
        assert entity.domain == platform
        assert entity == snapshot(name=f"{entity.entity_id}-entry")
        if entity.disabled_by is not None:
            continue
        state = hass.states.get(entity.entity_id)
        assert state is not None, entity.entity_id
        assert state == snapshot(name=f"{entity.entity_id}-state")


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_cloud(
    hass: HomeAssistant,
    cloud_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    await _snapshot_platform(hass, cloud_entry, platform, snapshot)


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_local(
    hass: HomeAssistant,
    local_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    await _snapshot_platform(hass, local_entry, platform, snapshot)
