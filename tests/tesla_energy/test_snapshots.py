"""Snapshots of every entity of every platform, for the account's sites and Wall Connectors.

Pinned with the repository's snapshot helper (``tests/entity_snapshots.py``). Regenerate only
on purpose: ``pytest tests/tesla_energy/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.tesla_energy import PLATFORMS
from tests.entity_snapshots import pinned_entities


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_entities(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    pinned = pinned_entities(hass, setup_integration.entry_id, platform)
    assert pinned
    assert pinned == snapshot(name=str(platform))
