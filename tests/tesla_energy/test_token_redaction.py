"""Refreshed tokens do not pile up in the redactor (three a day, for as long as HA runs)."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_bridges_common.client.redact import REDACTED
from simulators.tesla import TeslaFleetSimulator

from .conftest import HOME_SITE, no_retry_wait


async def test_only_the_token_in_use_is_kept_for_redaction(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
) -> None:
    """Each refresh replaces the token the redactor holds; the one in use is still hidden."""
    entry = setup_integration
    no_retry_wait(entry)
    client = entry.runtime_data.client
    live = entry.runtime_data.sites[HOME_SITE].live
    refreshes = sim.refreshes
    for _ in range(3):
        # Past the access token's eight hours: the next call refreshes it.
        freezer.tick(timedelta(hours=9))
        await live.async_refresh()
        await hass.async_block_till_done()
    assert sim.refreshes >= refreshes + 3
    token = entry.data["token"]["access_token"]
    assert client.redactor._secrets == {token}
    assert client.redactor.text(f"Bearer {token}") == f"Bearer {REDACTED}"
