"""Asynchronous clients of the Powervault cloud API (P4/P5) and local API (legacy P3/P3X).

Both speak through the shared ``HttpClient`` and offer ``PowervaultApi``, the small interface
Home Assistant uses whichever way a unit is reached: its data now, its schedule and overrides,
the two writes and a period's history. What only one side has (the cloud's account and units,
the unit's health and platform) is on that side's class alone, for the config flow.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime, time, timedelta
import logging
from typing import Any, Protocol

import aiohttp

from ...energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    InvalidResponseError,
)
from ...energy_bridges_common.client.http import HttpClient, HttpResponse, RetryPolicy
from ...energy_bridges_common.client.redact import Redactor
from .const import (
    CLOUD_BASE_URL,
    DEFAULT_OVERRIDE_SECONDS,
    LOCAL_HISTORY_INTERVAL,
    LOCAL_PORT,
    VALID_PERIODS,
    VALID_STATES,
    BatteryState,
    DataPeriod,
)
from .errors import (
    InvalidApiKeyError,
    InvalidStateError,
    LocalAccessDeniedError,
    OverrideNotCancelledError,
    UnknownUnitError,
    WriteRejectedError,
)
from .models import (
    SCHEDULE_ZONE,
    Account,
    BatteryControl,
    CloudRecord,
    DailyEnergy,
    EnergyFlows,
    HistorySample,
    LocalTelemetry,
    PowerFlow,
    Schedule,
    StateOverride,
    Unit,
    UnitData,
    check_battery_sign,
    energy_day,
    integrate_energy,
    latest_power,
    sum_energy,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 15.0
# Every cloud call is billed against the account's quota: one retry at most.
CLOUD_RETRY = RetryPolicy(attempts=2, base_delay=1.0, max_delay=4.0)
LOCAL_RETRY = RetryPolicy(attempts=2, base_delay=0.5, max_delay=2.0)


def check_state(state: Any) -> BatteryState:
    """Return the state if it is one of the seven, else raise ``InvalidStateError``."""
    if not isinstance(state, BatteryState):
        raise InvalidStateError(
            f"{state!r} is not a battery state; valid: {', '.join(VALID_STATES)}"
        )
    return state


def override_window(
    now: datetime, duration: timedelta | None = None, start: datetime | None = None
) -> tuple[datetime, datetime]:
    """Return the (start, end) of an override: from ``start`` (or now) for ``duration``."""
    length = duration if duration is not None else timedelta(seconds=DEFAULT_OVERRIDE_SECONDS)
    if length <= timedelta(0):
        raise ValueError("an override must last longer than zero")
    try:
        begin = (start or now).astimezone(UTC).replace(microsecond=0)
        return begin, begin + length
    except OverflowError:
        raise ValueError("the override does not fit in the calendar") from None


class PowervaultApi(Protocol):
    """What Home Assistant asks of a unit, on the cloud or on the LAN."""

    http: HttpClient

    async def get_unit_data(
        self, unit_id: str, now: datetime, previous: UnitData | None
    ) -> UnitData:
        """Return the power now and today's energy (``previous``: the last data read)."""

    async def get_battery_control(self, unit_id: str) -> BatteryControl:
        """Return the schedule and the overrides."""

    async def set_battery_state(
        self,
        unit_id: str,
        state: BatteryState,
        *,
        duration: timedelta | None = None,
        start: datetime | None = None,
        now: datetime | None = None,
    ) -> StateOverride:
        """Override the schedule with ``state``."""

    async def cancel_override(
        self, unit_id: str, *, now: datetime | None = None
    ) -> list[StateOverride]:
        """End any override; return the overrides read back."""

    async def get_period(
        self, unit_id: str, period: DataPeriod, now: datetime
    ) -> list[dict[str, Any]]:
        """Return a period's history, one dict per record (the ``get_data`` action)."""


class _UnitControl(ABC):
    """The schedule and override calls, the same on both sides but for their paths."""

    def __init__(self, http: HttpClient) -> None:
        """Hold the HTTP client."""
        self.http = http

    @abstractmethod
    async def get_schedule(self, unit_id: str) -> Schedule:
        """Return the unit's weekly schedule."""

    @abstractmethod
    async def get_state_overrides(self, unit_id: str) -> list[StateOverride]:
        """Return the unit's state overrides."""

    @abstractmethod
    async def _post_override(self, unit_id: str, override: StateOverride | None) -> None:
        """Write one override, or (``None``) clear it."""

    async def get_battery_control(self, unit_id: str) -> BatteryControl:
        """Return the schedule and the overrides (two calls)."""
        schedule = await self.get_schedule(unit_id)
        overrides = await self.get_state_overrides(unit_id)
        return BatteryControl(schedule=schedule, overrides=tuple(overrides))

    async def set_battery_state(
        self,
        unit_id: str,
        state: BatteryState,
        *,
        duration: timedelta | None = None,
        start: datetime | None = None,
        now: datetime | None = None,
    ) -> StateOverride:
        """Override the schedule with ``state`` from ``start`` (default now) for ``duration``.

        The default duration is 24 hours, as in the vendor's library. Whatever the portal's
        schedule says is ignored until the override ends.
        """
        check_state(state)
        begin, end = override_window(now or datetime.now(UTC), duration, start)
        override = StateOverride(start=begin, end=end, state=state)
        await self._post_override(unit_id, override)
        return override

    async def cancel_override(
        self, unit_id: str, *, now: datetime | None = None
    ) -> list[StateOverride]:
        """End any override, then read the overrides back to see that it is gone.

        No public client cancels an override, so the way it is done here (an empty list
        on the cloud, an override that ended an hour ago on the local API) is unconfirmed
        on real units: an override still running or still to come after the cancel raises
        ``OverrideNotCancelledError``. Returns the overrides the unit reports afterwards.
        """
        await self._post_override(unit_id, None)
        overrides = await self.get_state_overrides(unit_id)
        moment = now or datetime.now(UTC)
        remaining = [item for item in overrides if item.end > moment]
        if remaining:
            raise OverrideNotCancelledError(overrides, remaining[0])
        return overrides


class _PowervaultHttp(HttpClient):
    """The HTTP client with the cloud's statuses read the Powervault way."""

    def error_for_response(self, response: HttpResponse) -> BridgeApiError | None:
        error = super().error_for_response(response)
        if isinstance(error, AuthenticationError):
            return InvalidApiKeyError()
        if response.status == 404 and "/unit/" in response.url:
            return UnknownUnitError(f"Unit not found: {self.redactor.url(response.url)}")
        return error


class _PowervaultLocalHttp(_PowervaultHttp):
    """The local API: it has no credentials, so a refusal is the unit's fault."""

    def error_for_response(self, response: HttpResponse) -> BridgeApiError | None:
        if response.status in (401, 403):
            where = f"{response.method} {self.redactor.url(response.url)}"
            return LocalAccessDeniedError(
                f"{where}: the unit refused the request (HTTP {response.status})",
                response.status,
            )
        return super().error_for_response(response)


class PowervaultCloudClient(_UnitControl):
    """The cloud REST API of P4/P5 units (paid API key)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        *,
        base_url: str = CLOUD_BASE_URL,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """Set up the client for an API key; nothing is sent yet."""
        super().__init__(
            _PowervaultHttp(
                session,
                base_url,
                timeout=timeout or DEFAULT_TIMEOUT,
                retry=retry or CLOUD_RETRY,
                headers={"x-api-key": api_key, "accept": "*/*"},
                redactor=Redactor(secrets=[api_key]),
            )
        )

    async def _get(self, path: str, **params: str) -> Any:
        return await self.http.get_json(path, params=params or None)

    async def get_account(self) -> Account:
        """Return the account of the API key."""
        return Account.from_api(await self._get("/customerAccount"))

    async def get_units(self, account_id: str) -> list[Unit]:
        """Return the units of an account."""
        return Unit.list_from_api(await self._get("/unit", customerAccountId=str(account_id)))

    async def get_unit(self, unit_id: str) -> Unit:
        """Return a unit's details."""
        body = await self._get(f"/unit/{unit_id}")
        if not isinstance(body, dict):
            raise InvalidResponseError("unit: expected an object")
        return Unit.from_api(body.get("unit"))

    async def get_data(self, unit_id: str, period: str | None = None) -> list[CloudRecord]:
        """Return the latest record, or every 5-minute record of a period, oldest first."""
        if period is not None and period not in VALID_PERIODS:
            raise ValueError(f"{period!r} is not a period; valid: {', '.join(VALID_PERIODS)}")
        params = {"period": period} if period else {}
        return CloudRecord.list_from_api(await self._get(f"/unit/{unit_id}/data", **params))

    async def get_unit_data(
        self, unit_id: str, now: datetime, previous: UnitData | None
    ) -> UnitData:
        """Return today's 5-minute buckets read once: the newest power and the totals."""
        records = await self.get_data(unit_id, DataPeriod.TODAY)
        power = latest_power(records) or PowerFlow()
        if not power.complete:
            # Just after midnight today has no earlier bucket to fill the newest one's nulls
            # from: the last values seen stand in, or (right after a start) the past hour's.
            if previous is not None:
                power = power.filled_from(previous.power)
            else:
                earlier = latest_power(await self.get_data(unit_id, DataPeriod.PAST_HOUR))
                if earlier is not None:
                    power = power.filled_from(earlier)
        return UnitData(
            power=power,
            energy=DailyEnergy(energy_day(now), sum_energy(records)),
            battery_sign=check_battery_sign(records),
        )

    async def get_period(
        self, unit_id: str, period: DataPeriod, now: datetime
    ) -> list[dict[str, Any]]:
        """Return a period's 5-minute records."""
        return [record.as_dict() for record in await self.get_data(unit_id, period)]

    async def get_schedule(self, unit_id: str) -> Schedule:
        """Return the unit's weekly schedule."""
        return Schedule.from_api(await self._get(f"/unit/{unit_id}/schedule"))

    async def get_state_overrides(self, unit_id: str) -> list[StateOverride]:
        """Return the unit's state overrides."""
        body = await self._get(f"/unit/{unit_id}/stateOverride")
        if not isinstance(body, dict) or "stateOverrides" not in body:
            raise InvalidResponseError("state overrides: no stateOverrides")
        return StateOverride.list_from_api(body)

    async def _post_override(self, unit_id: str, override: StateOverride | None) -> None:
        # An empty list removes the unit's overrides.
        items = [override.as_api()] if override is not None else []
        response = await self.http.request(
            "POST", f"/unit/{unit_id}/stateOverride", json_body={"stateOverrides": items}
        )
        body = response.json()
        if (
            not isinstance(body, dict)
            or "stateOverrides" not in body
            or body.get("message") != "success"
        ):
            raise WriteRejectedError("The cloud did not confirm the state override")


def local_base_url(host: str, port: int | None = None) -> str:
    """Return the local API's base URL for a host (IPv6 in brackets) and port."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port or LOCAL_PORT}/api"


def period_window(period: str, now: datetime) -> tuple[datetime, datetime]:
    """Return the (start, end) in UTC of a named period, days in British local time."""
    if period not in VALID_PERIODS:
        raise ValueError(f"{period!r} is not a period; valid: {', '.join(VALID_PERIODS)}")
    local = now.astimezone(SCHEDULE_ZONE)
    midnight = datetime.combine(local.date(), time(), SCHEDULE_ZONE)
    hour = local.replace(minute=0, second=0, microsecond=0)
    monday = midnight - timedelta(days=local.weekday())
    first = midnight.replace(day=1)
    previous_first = (first - timedelta(days=1)).replace(day=1)
    windows: dict[str, tuple[datetime, datetime]] = {
        DataPeriod.TODAY: (midnight, local),
        DataPeriod.YESTERDAY: (midnight - timedelta(days=1), midnight),
        DataPeriod.PAST_HOUR: (local - timedelta(hours=1), local),
        DataPeriod.LAST_HOUR: (hour - timedelta(hours=1), hour),
        DataPeriod.PAST_DAY: (local - timedelta(days=1), local),
        DataPeriod.LAST_DAY: (midnight - timedelta(days=1), midnight),
        DataPeriod.PAST_WEEK: (local - timedelta(days=7), local),
        DataPeriod.LAST_WEEK: (monday - timedelta(days=7), monday),
        DataPeriod.PAST_MONTH: (local - timedelta(days=30), local),
        DataPeriod.LAST_MONTH: (previous_first, first),
    }
    start, end = windows[period]
    return start.astimezone(UTC), end.astimezone(UTC)


def _iso_z(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class PowervaultLocalClient(_UnitControl):
    """The local API of legacy P3/P3X units (``http://<ip>:5000/api``, no key).

    The unit has no energy counters: the day's totals integrate its ~30 s history (chart
    data) since local midnight. Only the new part of the history is read each time; a
    restart reads the day again, so no energy is lost while Home Assistant was down.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        port: int | None = None,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """Set up the client for a unit's address; nothing is sent yet."""
        super().__init__(
            _PowervaultLocalHttp(
                session,
                local_base_url(host, port),
                timeout=timeout or DEFAULT_TIMEOUT,
                retry=retry or LOCAL_RETRY,
                lan_only=True,
            )
        )
        self._energy: DailyEnergy | None = None
        self._last_sample: HistorySample | None = None
        self._history_read: datetime | None = None

    async def get_health(self) -> bool:
        """Return whether the unit says it is healthy."""
        body = await self.http.get_json("/health")
        status = body.get("status") if isinstance(body, dict) else None
        if not isinstance(status, str):
            raise InvalidResponseError("health: no status")
        return status.lower() == "ok"

    async def get_unit_id(self) -> str:
        """Return the unit id the unit reports."""
        body = await self.http.get_json("/unit-id")
        uid = body.get("uid") if isinstance(body, dict) else body
        if not isinstance(uid, str | int) or isinstance(uid, bool) or str(uid).strip() == "":
            raise InvalidResponseError("unit id: no uid")
        return str(uid).strip()

    async def get_platform(self) -> str:
        """Return the unit's platform (``p3`` or ``p3x``)."""
        body = await self.http.get_json("/platform")
        platform = body.get("platform") if isinstance(body, dict) else None
        if not isinstance(platform, str) or not platform:
            raise InvalidResponseError("platform: no platform")
        return platform.lower()

    async def get_latest_telemetry(self) -> LocalTelemetry:
        """Return the unit's latest telemetry."""
        return LocalTelemetry.from_api(await self.http.get_json("/latest-telemetry"))

    async def get_chart_data(self, start: datetime, end: datetime) -> list[HistorySample]:
        """Return the history samples between two moments."""
        body = await self.http.get_json(
            "/chart-data", params={"start": _iso_z(start), "end": _iso_z(end)}
        )
        return HistorySample.list_from_api(body)

    async def get_history(self, period: str, now: datetime) -> list[HistorySample]:
        """Return the history samples of a named period."""
        start, end = period_window(period, now)
        return await self.get_chart_data(start, end)

    async def get_period(
        self, unit_id: str, period: DataPeriod, now: datetime
    ) -> list[dict[str, Any]]:
        """Return a period's history samples."""
        return [sample.as_dict() for sample in await self.get_history(period, now)]

    async def get_unit_data(
        self, unit_id: str, now: datetime, previous: UnitData | None
    ) -> UnitData:
        """Return the telemetry; every few minutes, add the new history to the totals."""
        telemetry = await self.get_latest_telemetry()
        if self._history_read is None or now - self._history_read >= LOCAL_HISTORY_INTERVAL:
            try:
                await self._read_history(now)
            except BridgeApiError as err:
                # The totals wait for the next read; the power values need not.
                _LOGGER.debug("History not read: %s", err)
        return UnitData(power=telemetry.power, energy=self._energy, telemetry=telemetry)

    async def _read_history(self, now: datetime) -> None:
        day = energy_day(now)
        if self._energy is None or self._energy.day != day or self._last_sample is None:
            start = datetime.combine(day, datetime.min.time(), SCHEDULE_ZONE)
            energy = EnergyFlows()
            previous = None
        else:
            start = self._last_sample.time
            energy = self._energy.energy
            previous = self._last_sample
        samples = [
            sample
            for sample in await self.get_chart_data(start, now)
            if previous is None or sample.time > previous.time
        ]
        energy += integrate_energy(samples, previous)
        self._energy = DailyEnergy(day, energy)
        if samples:
            self._last_sample = samples[-1]
        self._history_read = now

    async def get_schedule(self, unit_id: str = "") -> Schedule:
        """Return the unit's weekly schedule."""
        return Schedule.from_api(await self.http.get_json("/schedule"))

    async def get_state_overrides(self, unit_id: str = "") -> list[StateOverride]:
        """Return the unit's override (a list of zero or one)."""
        return StateOverride.list_from_api(await self.http.get_json("/state-override"))

    async def _post_override(self, unit_id: str, override: StateOverride | None) -> None:
        if override is None:
            # The unit keeps one override: one that ended an hour ago (whatever the skew
            # between our clock and the unit's) replaces and so clears it.
            past = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
            override = StateOverride(start=past, end=past, state=BatteryState.NORMAL)
        response = await self.http.request("POST", "/state-override", json_body=override.as_api())
        body = response.json()
        if not isinstance(body, dict) or str(body.get("status", "")).lower() != "ok":
            raise WriteRejectedError("The unit did not confirm the state override")
