"""Enphase's part of the shared command path: its errors, its writes, and the storage watch.

Every command (an entity's or an action's) goes through ``energy_bridges_common.hass.command``.
The gateway's writes are verified by reading back in the api layer, whose reply is what the
entities then show: so nothing is refreshed after a command, except the grid state where it
lives in the inventory.
"""

from __future__ import annotations

from datetime import datetime
import logging
from typing import TYPE_CHECKING

from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later

from ..energy_bridges_common.client.errors import AuthenticationError, BridgeApiError
from ..energy_bridges_common.hass.command import CommandTarget
from .api import (
    DryContactSettings,
    GeneratorMode,
    StorageMode,
    StorageScheduleLockedError,
    WriteNotAppliedError,
)
from .const import DOMAIN, STORAGE_RECHECK_DELAY

if TYPE_CHECKING:
    from .coordinator import EnphaseConfigEntry, EnphaseRuntimeData

_LOGGER = logging.getLogger(__name__)


def command_target(hass: HomeAssistant, entry: EnphaseConfigEntry) -> CommandTarget:
    """Return where an entry's commands go, with the gateway's own error messages."""
    return CommandTarget(
        hass=hass,
        entry=entry,
        error_keys={AuthenticationError: "authentication_failed", BridgeApiError: "command_failed"},
        translate_error=_write_error,
    )


def _write_error(err: BridgeApiError) -> HomeAssistantError | None:
    """Say what the gateway did not take (the message needs more than ``{error}``)."""
    if isinstance(err, StorageScheduleLockedError):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="storage_locked")
    if isinstance(err, WriteNotAppliedError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="write_not_applied",
            translation_placeholders={
                "setting": err.setting,
                "requested": str(err.requested),
                "reported": str(err.reported),
            },
        )
    return None


async def write_storage(
    runtime: EnphaseRuntimeData,
    *,
    mode: StorageMode | None = None,
    reserve: float | None = None,
    charge_from_grid: bool | None = None,
) -> bool:
    """Write the storage settings, show them, and watch that they stay.

    Return whether the write turned the cloud's optimised schedules off.
    """
    settings, schedules_off = await runtime.poller.set_storage(
        mode=mode, reserve=reserve, charge_from_grid=charge_from_grid
    )
    runtime.gateway.async_apply(storage=settings)
    runtime.storage_watch.schedule(mode=mode, reserve=reserve, charge_from_grid=charge_from_grid)
    return schedules_off


async def set_grid(runtime: EnphaseRuntimeData, on_grid: bool) -> None:
    """Connect to or disconnect from the grid."""
    if (relay := await runtime.poller.set_grid(on_grid)) is not None:
        runtime.gateway.async_apply(relay=relay)
    else:
        await runtime.gateway.async_refresh()


async def set_dry_contact(runtime: EnphaseRuntimeData, contact_id: str, closed: bool) -> None:
    """Close or open a dry contact."""
    contacts = await runtime.poller.set_dry_contact(contact_id, closed)
    runtime.gateway.async_apply(dry_contacts=contacts)


async def update_dry_contact(
    runtime: EnphaseRuntimeData, contact_id: str, settings: DryContactSettings
) -> None:
    """Change a dry contact's settings."""
    contacts = await runtime.poller.update_dry_contact(contact_id, settings)
    runtime.gateway.async_apply(dry_contacts=contacts)


async def set_generator_mode(runtime: EnphaseRuntimeData, mode: GeneratorMode) -> None:
    """Set the generator mode."""
    generator = await runtime.poller.set_generator_mode(mode)
    runtime.gateway.async_apply(generator=generator)


class StorageWatch:
    """Read the storage settings again a while after a write: the cloud may put them back.

    Firmware from 8.2.42xx lets the Enphase cloud restore its own storage settings within a
    minute or two of a local write; a repair then says so.
    """

    def __init__(self, hass: HomeAssistant, entry: EnphaseConfigEntry) -> None:
        """Watch an entry's storage settings."""
        self._hass = hass
        self._entry = entry
        self._unsub: CALLBACK_TYPE | None = None
        entry.async_on_unload(self.cancel)

    def cancel(self) -> None:
        """Stop waiting for a re-check."""
        if self._unsub is not None:
            self._unsub()
            self._unsub = None

    def schedule(
        self,
        *,
        mode: StorageMode | None,
        reserve: float | None,
        charge_from_grid: bool | None,
    ) -> None:
        """Re-check the settings just written later (a newer write replaces the check)."""
        self.cancel()

        async def recheck(_now: datetime) -> None:
            self._unsub = None
            runtime = self._entry.runtime_data
            issue_id = f"storage_settings_reverted_{self._entry.entry_id}"
            try:
                settings, kept = await runtime.poller.storage_kept(
                    mode=mode, reserve=reserve, charge_from_grid=charge_from_grid
                )
            except BridgeApiError as err:
                _LOGGER.debug("Could not re-check the storage settings: %s", err)
                return
            runtime.gateway.async_apply(storage=settings)
            if kept:
                ir.async_delete_issue(self._hass, DOMAIN, issue_id)
                return
            _LOGGER.warning(
                "The storage settings written to %s were put back (by the Enphase cloud)",
                runtime.client.host,
            )
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="storage_settings_reverted",
                translation_placeholders={"title": self._entry.title},
            )

        self._unsub = async_call_later(self._hass, STORAGE_RECHECK_DELAY, recheck)
