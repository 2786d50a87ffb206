"""Coordinators shared by the integrations.

``BridgeCoordinator`` is the local one: a fast interval, the last good data served through a
short run of failures (a Wi-Fi hiccup, a gateway's nightly restart) before entities go
unavailable, exponential backoff while the device stays unreachable, and a refresh right
after a write. ``BudgetedCoordinator`` adds an account's cloud call budget: its interval is
whatever the budget can afford, and it never polls into the reserve kept for commands.

Integrations using them need these keys under ``exceptions`` in their translations:
``communication_error``, ``rate_limited``, ``budget_exhausted`` and ``authentication_failed``.
An error only the user can fix (an application not registered, say) may get its own key and
a repair: override ``update_failed`` (and close the repair in ``update_succeeded``).
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime, timedelta
import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from ..client.budget import BudgetConsumer, CallBudget, command_calls, poll_calls
from ..client.errors import (
    AuthenticationError,
    BridgeApiError,
    BudgetExhaustedError,
    RateLimitedError,
)
from .errors import error_translation_key


class BridgeCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Poll a device; ride out short failures; back off while it is away."""

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        logger: logging.Logger,
        *,
        config_entry: ConfigEntry,
        name: str,
        update_interval: timedelta,
        stale_after: timedelta | None = None,
        max_backoff: timedelta = timedelta(minutes=5),
        always_update: bool = False,
    ) -> None:
        """Set the interval, how long stale data may be served, and the longest backoff."""
        super().__init__(
            hass,
            logger,
            config_entry=config_entry,
            name=name,
            update_interval=update_interval,
            always_update=always_update,
        )
        self.base_interval = update_interval
        self.stale_after = stale_after if stale_after is not None else update_interval * 3
        self.max_backoff = max(max_backoff, update_interval)
        self.consecutive_failures = 0
        self.last_success: datetime | None = None
        self.last_error: str | None = None
        self._stale_cap: timedelta | None = None

    @abstractmethod
    async def _async_fetch(self) -> DataT:
        """Fetch fresh data from the device; raise a ``BridgeApiError`` on failure."""

    def set_base_interval(self, interval: timedelta) -> None:
        """Change the normal interval (from the options)."""
        self.base_interval = interval
        self.update_interval = interval
        self.max_backoff = max(self.max_backoff, interval)

    async def _async_update_data(self) -> DataT:
        try:
            # An update is a poll even when a command's refresh started it.
            with poll_calls():
                data = await self._async_fetch()
        except AuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=self.config_entry.domain,
                translation_key="authentication_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        except BridgeApiError as err:
            return self._failed(err)
        self._succeeded()
        self.update_interval = self.next_interval()
        return data

    def _succeeded(self) -> None:
        self.consecutive_failures = 0
        self.last_success = dt_util.utcnow()
        self.last_error = None
        self.update_succeeded()

    def update_succeeded(self) -> None:
        """Note a fetch that worked (a poll or a read-back); nothing by default.

        An integration closes here the repair its ``update_failed`` opened.
        """

    def update_failed(self, err: BridgeApiError) -> UpdateFailed:
        """Return what an update that failed with ``err`` raises once no data is served.

        Called at every failed fetch, also while the last data is still served, so that an
        integration can open a repair at once for an error only the user can fix. The
        default is the shared key that says what went wrong, with ``{error}``.
        """
        return UpdateFailed(
            translation_domain=self.config_entry.domain,
            translation_key=error_translation_key(err),
            translation_placeholders={"error": str(err)},
        )

    def next_interval(self) -> timedelta:
        """Return the interval after a success (subclasses pace it differently)."""
        return self.base_interval

    def _failed(self, err: BridgeApiError) -> DataT:
        error = self.update_failed(err)
        self._stale_cap = None
        self.consecutive_failures += 1
        self.last_error = str(err)
        backoff = min(self.base_interval * 2 ** (self.consecutive_failures - 1), self.max_backoff)
        if isinstance(err, RateLimitedError) and err.retry_after:
            backoff = max(backoff, timedelta(seconds=err.retry_after))
        self.update_interval = backoff
        if (
            self.data is not None
            and self.last_success is not None
            and (stale_in := self.last_success + self.stale_after - dt_util.utcnow()) > timedelta(0)
        ):
            # Try again no later than when the data goes stale, so that entities do not
            # show old data past ``stale_after`` while the next try is far away.
            cap = stale_in + timedelta(seconds=1)
            # A server's Retry-After is obeyed; our own budget's refusal costs nothing to
            # try again, so it does not put the look off.
            if (
                isinstance(err, RateLimitedError)
                and not isinstance(err, BudgetExhaustedError)
                and err.retry_after
            ):
                cap = max(cap, timedelta(seconds=err.retry_after))
            self._stale_cap = cap
            self.update_interval = min(backoff, cap)
            self.logger.debug(
                "%s: update failed (%s), serving the data from %s",
                self.name,
                err,
                self.last_success.isoformat(),
            )
            return self.data
        raise error from err

    async def async_refresh_after_write(self) -> None:
        """Read the device back right after a write so the new value shows at once."""
        await self.async_request_refresh()

    async def async_read_back(self) -> None:
        """Read the data again at once, as part of the user's command (``hass.command``).

        The fetch counts as a command (on a cloud it may use the reserve), but the next poll
        must not: a refresh scheduled inside ``command_calls()`` would inherit its context.
        So the fetch runs in the command's context and the data is handed over (and the next
        poll scheduled) outside it. A failure is only logged: the command went through.
        """
        try:
            with command_calls():
                data = await self._async_fetch()
        except BridgeApiError as err:
            self.logger.debug("%s: read-back after a command failed: %s", self.name, err)
            return
        self._succeeded()
        self.async_set_updated_data(data)


class BudgetedCoordinator[DataT](BridgeCoordinator[DataT]):
    """Poll a cloud on an account's call budget.

    The interval is the budget's (spread over the account's consumers and what is left of
    the period); an update that the budget cannot afford is skipped and the last data kept.
    Like any coordinator it polls only while it has listeners (entities, or one of yours).

    Without a budget (``budget=None``: the same device reached on the LAN, where calls cost
    nothing) it is a ``BridgeCoordinator`` polling every ``min_interval``, so an integration
    that speaks to a device either way needs one coordinator class per kind of data.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        logger: logging.Logger,
        *,
        config_entry: ConfigEntry,
        name: str,
        budget: CallBudget | None,
        calls_per_update: float,
        min_interval: timedelta,
        weight: float = 1.0,
        stale_after: timedelta | None = None,
        always_update: bool = False,
    ) -> None:
        """Register with the budget as a consumer."""
        super().__init__(
            hass,
            logger,
            config_entry=config_entry,
            name=name,
            update_interval=min_interval,
            stale_after=(
                stale_after
                if stale_after is not None
                else (timedelta(hours=2) if budget is not None else None)
            ),
            max_backoff=(
                timedelta(seconds=budget.max_interval)
                if budget is not None
                else timedelta(minutes=5)
            ),
            always_update=always_update,
        )
        self.budget = budget
        self.consumer = BudgetConsumer(
            name=f"{config_entry.entry_id}:{name}",
            calls_per_update=calls_per_update,
            min_interval=min_interval.total_seconds(),
            weight=weight,
        )
        self._unregister = budget.register(self.consumer) if budget is not None else None
        self.update_interval = self.next_interval()

    def next_interval(self) -> timedelta:
        """Return what the budget can afford for this coordinator."""
        if self.budget is None:
            return self.base_interval
        return timedelta(seconds=self.budget.interval_for(self.consumer.name))

    async def _async_update_data(self) -> DataT:
        if self.budget is not None and not self.budget.can_spend(self.consumer.calls_per_update):
            wait = self.budget.retry_after() or self.budget.seconds_left
            return self._failed(
                BudgetExhaustedError("The cloud call budget cannot afford an update", wait)
            )
        return await super()._async_update_data()

    def _failed(self, err: BridgeApiError) -> DataT:
        try:
            return super()._failed(err)
        finally:
            # Never poll faster than the budget allows, even while backing off; but do look
            # again when the data goes stale (a try the budget cannot afford costs nothing).
            if self.budget is not None and self.update_interval is not None:
                interval = max(self.update_interval, self.next_interval())
                if self._stale_cap is not None:
                    interval = min(interval, self._stale_cap)
                self.update_interval = interval

    async def async_shutdown(self) -> None:
        """Stop spending the budget."""
        if self._unregister is not None:
            self._unregister()
        await super().async_shutdown()
