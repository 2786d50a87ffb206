"""Asynchronous clients of the Powervault cloud API (P4/P5) and local API (legacy P3/P3X).

Both speak through the shared ``HttpClient``. Calls that one side lacks raise a named error
(``CloudOnlyError`` on the local client, ``LocalOnlyError`` on the cloud one), as the vendor's
own library does, so callers can hold either behind ``PowervaultClient``.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

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
    LOCAL_PORT,
    VALID_PERIODS,
    VALID_STATES,
    DataPeriod,
)
from .errors import (
    CloudOnlyError,
    InvalidApiKeyError,
    InvalidStateError,
    LocalOnlyError,
    OverrideNotCancelledError,
    UnknownUnitError,
    WriteRejectedError,
)
from .models import (
    SCHEDULE_ZONE,
    Account,
    BatteryControl,
    CloudRecord,
    EffectiveState,
    HistorySample,
    LocalTelemetry,
    Schedule,
    StateOverride,
    Unit,
)

DEFAULT_TIMEOUT = 15.0
# Every cloud call is billed against the account's quota: one retry at most.
CLOUD_RETRY = RetryPolicy(attempts=2, base_delay=1.0, max_delay=4.0)
LOCAL_RETRY = RetryPolicy(attempts=2, base_delay=0.5, max_delay=2.0)


def check_state(state: str) -> str:
    """Return the state if it is one of the seven valid ones, else raise."""
    if state not in VALID_STATES:
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


class PowervaultClient:
    """What both APIs offer; the side-specific calls raise on the other side."""

    is_local: bool = False

    def __init__(self, http: HttpClient) -> None:
        """Hold the HTTP client."""
        self.http = http

    # -- cloud only --------------------------------------------------------------------

    async def get_account(self) -> Account:
        """Return the account of the API key."""
        raise CloudOnlyError("get_account is only on the cloud API")

    async def get_units(self, account_id: str) -> list[Unit]:
        """Return the units of an account."""
        raise CloudOnlyError("get_units is only on the cloud API")

    async def get_unit(self, unit_id: str) -> Unit:
        """Return a unit's details."""
        raise CloudOnlyError("get_unit is only on the cloud API")

    async def get_data(self, unit_id: str, period: str | None = None) -> list[CloudRecord]:
        """Return the latest record, or every 5-minute record of a period."""
        raise CloudOnlyError("get_data with cloud records is only on the cloud API")

    # -- local only --------------------------------------------------------------------

    async def get_health(self) -> bool:
        """Return whether the unit says it is healthy."""
        raise LocalOnlyError("get_health is only on the local API")

    async def get_unit_id(self) -> str:
        """Return the unit id the unit reports."""
        raise LocalOnlyError("get_unit_id is only on the local API")

    async def get_platform(self) -> str:
        """Return the unit's platform (``p3`` or ``p3x``)."""
        raise LocalOnlyError("get_platform is only on the local API")

    async def get_latest_telemetry(self) -> LocalTelemetry:
        """Return the unit's latest telemetry."""
        raise LocalOnlyError("get_latest_telemetry is only on the local API")

    async def get_chart_data(self, start: datetime, end: datetime) -> list[HistorySample]:
        """Return the history samples between two moments."""
        raise LocalOnlyError("get_chart_data is only on the local API")

    async def get_history(self, period: str, now: datetime) -> list[HistorySample]:
        """Return the history samples of a named period."""
        raise LocalOnlyError("get_history is only on the local API")

    # -- both --------------------------------------------------------------------------

    async def get_schedule(self, unit_id: str) -> Schedule:
        """Return the unit's weekly schedule."""
        raise NotImplementedError

    async def get_state_overrides(self, unit_id: str) -> list[StateOverride]:
        """Return the unit's state overrides."""
        raise NotImplementedError

    async def _post_override(self, unit_id: str, override: StateOverride | None) -> None:
        raise NotImplementedError

    async def get_battery_control(self, unit_id: str) -> BatteryControl:
        """Return the schedule and the overrides (two calls)."""
        schedule = await self.get_schedule(unit_id)
        overrides = await self.get_state_overrides(unit_id)
        return BatteryControl(schedule=schedule, overrides=tuple(overrides))

    async def get_battery_state(self, unit_id: str, now: datetime | None = None) -> EffectiveState:
        """Return the effective state: the active override, else the schedule's slot."""
        control = await self.get_battery_control(unit_id)
        return control.effective_state(now or datetime.now(UTC))

    async def set_battery_state(
        self,
        unit_id: str,
        state: str,
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


class PowervaultCloudClient(PowervaultClient):
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


class PowervaultLocalClient(PowervaultClient):
    """The local API of legacy P3/P3X units (``http://<ip>:5000/api``, no key)."""

    is_local = True

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
            _PowervaultHttp(
                session,
                local_base_url(host, port),
                timeout=timeout or DEFAULT_TIMEOUT,
                retry=retry or LOCAL_RETRY,
            )
        )

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
            override = StateOverride(start=past, end=past, state="normal")
        response = await self.http.request("POST", "/state-override", json_body=override.as_api())
        body = response.json()
        if not isinstance(body, dict) or str(body.get("status", "")).lower() != "ok":
            raise WriteRejectedError("The unit did not confirm the state override")
