"""Issue 14 for Tesla: the OAuth tokens (access and refresh) and the application's secret."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulators.tesla import TeslaFleetSimulator
from tests.conftest import SecretWatch

from .conftest import CLIENT_SECRET, HOME_SITE, no_retry_wait


async def test_the_oauth_tokens_are_nowhere_to_be_seen(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: MockConfigEntry,
    sim: TeslaFleetSimulator,
    secrets_watch: SecretWatch,
) -> None:
    """Logs (DEBUG), diagnostics, attributes and repairs, before and after a token refresh.

    Checked by ``secrets_watch`` at teardown; the entry's current tokens are taken by it, the
    ones replaced by the refresh and the application's secret are registered here.
    """
    entry = setup_integration
    no_retry_wait(entry)
    first = dict(entry.data["token"])
    secrets_watch.add(first["access_token"], first["refresh_token"], CLIENT_SECRET)
    refreshes = sim.refreshes
    # The access token has expired (the clock stays: the download below needs a valid login).
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "token": {**first, "expires_at": 0}}
    )
    await entry.runtime_data.sites[HOME_SITE].live.async_refresh()
    await hass.async_block_till_done()
    assert sim.refreshes > refreshes
    second = entry.data["token"]
    assert second["access_token"] != first["access_token"]
    secrets_watch.add(second["access_token"], second["refresh_token"])
    assert await get_diagnostics_for_config_entry(hass, hass_client, entry)  # type: ignore[arg-type]
    assert secrets_watch.diagnostics
    assert len(secrets_watch.secrets) >= 4
