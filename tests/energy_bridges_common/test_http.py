"""Tests for the shared HTTP client base."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import logging
import random
from typing import Any

import aiohttp
from aioresponses import aioresponses
import pytest

from custom_components.energy_bridges_common.client.errors import (
    AuthenticationError,
    InvalidResponseError,
    PermissionDeniedError,
    RateLimitedError,
    RequestError,
    RequestTimeoutError,
    UnreachableError,
)
from custom_components.energy_bridges_common.client.http import (
    NO_RETRY,
    HttpClient,
    HttpResponse,
    RateLimitInfo,
    RetryPolicy,
    decode_json_lenient,
    parse_retry_after,
)
from custom_components.energy_bridges_common.client.redact import REDACTED, Redactor

BASE = "http://device.test/api"


class SleepRecorder:
    """Record the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def session() -> Any:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


def make_client(session: aiohttp.ClientSession, sleeps: SleepRecorder, **kwargs: Any) -> HttpClient:
    return HttpClient(session, BASE, sleep=sleeps, rng=random.Random(1), **kwargs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('{"ID": "x", "ChargePower": 1.5}%', {"ID": "x", "ChargePower": 1.5}),
        ("[1, 2]\nlog line", [1, 2]),
        ('"{\\"a\\": 2}"', {"a": 2}),
        ('"plain text"', "plain text"),
        ('"{not json"', "{not json"),
        ("true", True),
        ("42", 42),
        ("", None),
        ("  \n", None),
        ('\ufeff{"b": 3}', {"b": 3}),
    ],
)
def test_decode_json_lenient(text: str, expected: Any) -> None:
    assert decode_json_lenient(text) == expected


@pytest.mark.parametrize("text", ["<html>oops</html>", "OK", "{truncated"])
def test_decode_json_lenient_rejects_non_json(text: str) -> None:
    with pytest.raises(InvalidResponseError):
        decode_json_lenient(text)


def test_rate_limit_headers() -> None:
    info = RateLimitInfo.from_headers(
        {"RateLimit-Limit": "1000", "RateLimit-Remaining": "998", "RateLimit-Reset": "3600"}
    )
    assert info == RateLimitInfo(limit=1000, remaining=998, reset=3600.0)
    assert RateLimitInfo.from_headers({}) is None
    # X- prefixed, list form, and garbage
    info = RateLimitInfo.from_headers({"X-RateLimit-Remaining": "5, 100;w=60"})
    assert info == RateLimitInfo(limit=None, remaining=5, reset=None)
    assert RateLimitInfo.from_headers({"RateLimit-Remaining": "lots"}) is None
    assert RateLimitInfo.from_headers({"RateLimit-Remaining": "-3"}) is None


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Thu, 01 Jan 2026 00:01:00 GMT", now) == 60.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:01:00", now) == 60.0
    assert parse_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now) == 0.0
    # No explicit now: a date in the past is zero.
    assert parse_retry_after("Wed, 31 Dec 2025 23:00:00 GMT") == 0.0


async def test_get_json_success_and_stats(
    session: aiohttp.ClientSession, sleeps: SleepRecorder
) -> None:
    client = make_client(session, sleeps)
    with aioresponses() as mock:
        mock.get(
            f"{BASE}/status",
            body='{"ok": true}%',
            headers={"RateLimit-Remaining": "7", "RateLimit-Limit": "10"},
        )
        assert await client.get_json("/status") == {"ok": True}
    assert client.stats.requests == 1
    assert client.stats.by_path == {f"{BASE}/status": 1}
    assert client.last_rate_limit == RateLimitInfo(limit=10, remaining=7, reset=None)


async def test_absolute_url_and_no_base(
    session: aiohttp.ClientSession, sleeps: SleepRecorder
) -> None:
    client = HttpClient(session, sleep=sleeps)
    assert client.url_for("http://other.test/x") == "http://other.test/x"
    assert client.url_for("/x") == "/x"
    with aioresponses() as mock:
        mock.get("http://other.test/x", body="[]")
        response = await client.request("GET", "http://other.test/x")
    assert response.json() == []
    assert response.text == "[]"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, RequestError),
        (302, RequestError),
    ],
)
async def test_status_errors_are_not_retried(
    session: aiohttp.ClientSession, sleeps: SleepRecorder, status: int, error: type[Exception]
) -> None:
    client = make_client(session, sleeps)
    with aioresponses() as mock:
        mock.get(f"{BASE}/x", status=status, headers={"Location": "http://evil.test/"})
        with pytest.raises(error):
            await client.request("GET", "/x")
        # Redirects are not followed, and nothing was retried.
        assert len(mock.requests) == 1
    assert sleeps.waits == []
    assert client.stats.failures == 1


async def test_429_raises_with_retry_after_and_is_not_retried(
    session: aiohttp.ClientSession, sleeps: SleepRecorder
) -> None:
    client = make_client(session, sleeps)
    with aioresponses() as mock:
        mock.get(f"{BASE}/x", status=429, headers={"Retry-After": "90"})
        with pytest.raises(RateLimitedError) as err:
            await client.request("GET", "/x")
    assert err.value.retry_after == 90.0
    assert sleeps.waits == []


async def test_transient_failures_are_retried_with_growing_backoff(
    session: aiohttp.ClientSession, sleeps: SleepRecorder
) -> None:
    client = make_client(session, sleeps, retry=RetryPolicy(attempts=4, base_delay=1, max_delay=3))
    with aioresponses() as mock:
        mock.get(f"{BASE}/x", status=500)
        mock.get(f"{BASE}/x", exception=aiohttp.ClientConnectionError("refused"))
        mock.get(f"{BASE}/x", status=502)
        mock.get(f"{BASE}/x", body='{"n": 1}')
        assert await client.get_json("/x") == {"n": 1}
    assert len(sleeps.waits) == 3
    # Full jitter below a cap that doubles: 1, 2, then capped at 3.
    for wait, cap in zip(sleeps.waits, [1, 2, 3], strict=True):
        assert 0 <= wait <= cap
    assert client.stats.retries == 3


async def test_retries_are_bounded(session: aiohttp.ClientSession, sleeps: SleepRecorder) -> None:
    client = make_client(session, sleeps, retry=RetryPolicy(attempts=2))
    with aioresponses() as mock:
        mock.get(f"{BASE}/x", status=503, repeat=True)
        with pytest.raises(RequestError) as err:
            await client.request("GET", "/x")
        assert len(mock.requests[("GET", aiohttp.client.URL(f"{BASE}/x"))]) == 2
    assert err.value.status == 503
    assert err.value.transient


async def test_post_is_not_retried_unless_idempotent(
    session: aiohttp.ClientSession, sleeps: SleepRecorder
) -> None:
    client = make_client(session, sleeps)
    with aioresponses() as mock:
        mock.post(f"{BASE}/write", status=500)
        with pytest.raises(RequestError):
            await client.request("POST", "/write", json_body={"a": 1})
        assert sleeps.waits == []
        mock.post(f"{BASE}/read", status=500)
        mock.post(f"{BASE}/read", body="{}")
        assert (await client.request("POST", "/read", idempotent=True)).json() == {}
    assert len(sleeps.waits) == 1


async def test_503_retry_after_is_waited_for_when_short(
    session: aiohttp.ClientSession, sleeps: SleepRecorder
) -> None:
    client = make_client(session, sleeps)
    with aioresponses() as mock:
        mock.get(f"{BASE}/x", status=503, headers={"Retry-After": "4"})
        mock.get(f"{BASE}/x", body="1")
        assert await client.get_json("/x") == 1
        assert sleeps.waits == [4.0]
        mock.get(f"{BASE}/y", status=503, headers={"Retry-After": "600"})
        with pytest.raises(RateLimitedError) as err:
            await client.request("GET", "/y")
    assert err.value.retry_after == 600.0
    assert sleeps.waits == [4.0]


async def test_timeout_and_connection_errors(
    session: aiohttp.ClientSession, sleeps: SleepRecorder
) -> None:
    client = make_client(session, sleeps, retry=NO_RETRY)
    with aioresponses() as mock:
        mock.get(f"{BASE}/slow", exception=TimeoutError())
        mock.get(f"{BASE}/down", exception=OSError("Network is unreachable"))
        mock.get(f"{BASE}/reset", exception=aiohttp.ServerDisconnectedError())
        with pytest.raises(RequestTimeoutError):
            await client.request("GET", "/slow")
        with pytest.raises(UnreachableError, match="Network is unreachable"):
            await client.request("GET", "/down")
        with pytest.raises(UnreachableError):
            await client.request("GET", "/reset")
    assert client.stats.failures == 3


async def test_real_timeout_against_a_slow_server(socket_enabled: None) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(text="late")

    app = web.Application()
    app.router.add_get("/slow", slow)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            client = HttpClient(session, str(server.make_url("")), timeout=0.05, retry=NO_RETRY)
            with pytest.raises(RequestTimeoutError):
                await client.request("GET", "/slow")
    finally:
        await server.close()


async def test_observers_see_every_attempt_and_can_refuse(
    session: aiohttp.ClientSession, sleeps: SleepRecorder
) -> None:
    seen: list[tuple[str, str]] = []
    replies: list[int] = []

    class Observer:
        refuse = False

        def before_request(self, method: str, url: str) -> None:
            if self.refuse:
                raise RateLimitedError("no", 10)
            seen.append((method, url))

        def after_response(self, response: HttpResponse) -> None:
            replies.append(response.status)

    observer = Observer()
    client = make_client(session, sleeps)
    remove = client.add_observer(observer)
    with aioresponses() as mock:
        mock.get(f"{BASE}/x", status=500)
        mock.get(f"{BASE}/x", body="{}")
        await client.request("GET", "/x")
        assert seen == [("GET", f"{BASE}/x")] * 2
        assert replies == [500, 200]
        observer.refuse = True
        with pytest.raises(RateLimitedError):
            await client.request("GET", "/x")
        assert len(mock.requests[("GET", aiohttp.client.URL(f"{BASE}/x"))]) == 2
    remove()
    remove()  # removing twice is harmless
    assert client._observers == []


async def test_debug_log_redacts_secrets(
    session: aiohttp.ClientSession, sleeps: SleepRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-very-secret-key"
    client = make_client(
        session,
        sleeps,
        headers={"apikey": secret},
        redactor=Redactor([secret]),
        retry=RetryPolicy(attempts=2),
    )
    caplog.set_level(logging.DEBUG)
    with aioresponses() as mock:
        mock.get(f"{BASE}/x?token={secret}&id=1", status=500, body=f"bad key {secret}")
        mock.get(f"{BASE}/x?token={secret}&id=1", exception=aiohttp.ClientError(f"boom {secret}"))
        with pytest.raises(UnreachableError) as err:
            await client.request("GET", "/x", params={"token": secret, "id": "1"})
    assert secret not in caplog.text
    assert secret not in str(err.value)
    assert REDACTED in caplog.text


async def test_status_error_message_has_no_secret_in_url(
    session: aiohttp.ClientSession, sleeps: SleepRecorder
) -> None:
    client = make_client(session, sleeps)
    with aioresponses() as mock:
        mock.get(f"{BASE}/x?api_key=abcdef", status=401)
        with pytest.raises(AuthenticationError) as err:
            await client.request("GET", "/x", params={"api_key": "abcdef"})
    assert "abcdef" not in str(err.value)


def test_retry_policy_delay_is_capped() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=5)
    rng = random.Random(3)
    assert all(0 <= policy.delay(n, rng) <= min(5, 2**n) for n in range(10))


def test_response_retry_after() -> None:
    response = HttpResponse(
        method="GET",
        url="http://x",
        status=429,
        headers={"Retry-After": "30"},
        body=b"",
        elapsed=0.1,
    )
    assert response.retry_after == 30.0
    assert response.json() is None
    assert timedelta(seconds=response.retry_after) == timedelta(seconds=30)
