"""Helpers for the browser tests: log in, wait for Home Assistant's UI, screenshots."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
import os
from pathlib import Path
import re
import sys
import time
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "scripts" / "demo") not in sys.path:
    sys.path.insert(0, str(REPO / "scripts" / "demo"))

from ha_client import DEMO_PASSWORD, DEMO_USERNAME, HomeAssistantClient  # noqa: E402

SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", REPO / "docs" / "screenshots"))
TIMEOUT_MS = 30_000


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot for the docs (``docs/screenshots/<name>.png``)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def still_screenshot(page: Any, name: str, timeout: float = 10) -> Path:
    """Save a screenshot once the page stands still (charts animate their bars and axes in).

    Still means two screenshots in a row are the same; after ``timeout`` s the last one is
    kept (a live value may keep changing).
    """
    deadline = time.monotonic() + timeout
    previous = None
    while (shot := page.screenshot()) != previous and time.monotonic() < deadline:
        previous = shot
        time.sleep(0.3)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    path.write_bytes(shot)
    return path


def login(page: Any) -> None:
    """Log in as the demo user through the login page, if the page asks for it."""
    page.goto("/")
    username = page.locator("input[name=username]")
    sidebar = page.locator("ha-sidebar")
    username.or_(sidebar).first.wait_for()
    if username.is_visible():
        username.fill(DEMO_USERNAME)
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        page.get_by_role("button", name=re.compile("log in", re.IGNORECASE)).click()
    sidebar.wait_for()


def wait_until(check: Callable[[], bool], *, what: str, timeout: float = 60) -> None:
    """Poll a condition (twice a second) until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def call_api[T](base_url: str, fn: Callable[[HomeAssistantClient], Awaitable[T]]) -> T:
    """Run ``fn`` with a logged-in API client (for checks the browser cannot see)."""

    async def run() -> T:
        async with HomeAssistantClient(base_url) as client:
            await client.login()
            return await fn(client)

    # Playwright's sync API keeps an event loop running in this thread: use another one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()
