"""Snapshots of every entity of every platform, per gateway generation.

Like core's ``snapshot_platform``, but without the state values (the simulated sun moves them)
and with what a user sees of each entity pinned: entity id, unique id, name, unit, device and
state class, category, enabled by default, the options of an enum, and its device. Regenerate
only on purpose: ``pytest tests/enphase_gateway/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest
from syrupy.assertion import SnapshotAssertion

from custom_components.enphase_gateway.const import PLATFORMS

from ..entity_snapshots import pinned_entities
from .conftest import SimFactory, setup_entry

# Between them, these profiles have every kind of entity: per-phase flows (7x), IQ Batteries,
# the system controller, generator and dry contacts (8x), AC Batteries (8x-acb), no CTs (3x).
PROFILES = ("3x", "5x", "7x", "8x", "8x-acb")


@pytest.mark.parametrize("profile", PROFILES)
async def test_entities(
    hass: HomeAssistant,
    gateway_factory: SimFactory,
    snapshot: SnapshotAssertion,
    profile: str,
) -> None:
    _sim, server = await gateway_factory(profile)
    entry = await setup_entry(hass, profile, server.port)
    for platform in PLATFORMS:
        assert pinned_entities(hass, entry.entry_id, platform) == snapshot(name=str(platform))
