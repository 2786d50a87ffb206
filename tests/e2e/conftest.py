"""Real-browser tests: Playwright drives Debian's Chromium against a running demo.

``scripts/e2e`` starts the demo on a throw-away config (``--no-entries``: the tests add the
integrations through the UI), writes its ready summary to a file, and runs these tests with
``E2E_READY=<that file>``. Without it they are skipped. Every wait is on a condition (an
element, a state, a URL); none is a fixed sleep.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
import json
import os
from pathlib import Path
import sys
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts" / "demo"))

from ha_client import HomeAssistantClient  # noqa: E402
from vendors import Vendor, available_vendors  # noqa: E402

from .browser import TIMEOUT_MS, call_api  # noqa: E402

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 860}
# Root needs --no-sandbox; the rest keep Chromium from reaching for Google's services, which
# a machine without internet refuses (many connections at a time).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the repository-wide fixture: these tests run no Home Assistant in-process."""
    return


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test here ``e2e``."""
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def ready() -> dict[str, Any]:
    """The running demo's ready summary (skip when no demo was started for the tests)."""
    path = os.environ.get("E2E_READY")
    if not path:
        pytest.skip("real-browser tests run through scripts/e2e")
    return json.loads(Path(path).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def base_url(ready: dict[str, Any]) -> str:
    """Home Assistant's URL."""
    return str(ready["url"])


@pytest.fixture(scope="session")
def vendors(ready: dict[str, Any]) -> list[Vendor]:
    """The vendors whose simulator runs in the demo."""
    return [vendor for vendor in available_vendors() if vendor.domain in ready["vendors"]]


@pytest.fixture(scope="session")
def api(base_url: str) -> Callable[[Callable[[HomeAssistantClient], Awaitable[Any]]], Any]:
    """Call the demo's API from a test: ``api(lambda client: client.entries())``."""
    return lambda fn: call_api(base_url, fn)


@pytest.fixture(scope="session")
def browser(ready: dict[str, Any]) -> Iterator[Any]:
    """Debian's Chromium, headless (Playwright downloads no browser)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: scripts/e2e installs it with apt")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def context(browser: Any, base_url: str) -> Iterator[Any]:
    """One browser profile for the session: the login of the first test is kept."""
    # No service worker: the frontend registers one on localhost and reloads the page when
    # it takes control ("controllerchange"). On a busy machine that comes late, in the middle
    # of a test: the reload closed the Add-integration dialog and aborted its request, which
    # cancelled the entry's setup on the server.
    context = browser.new_context(
        viewport=VIEWPORT, base_url=base_url, locale="en-GB", service_workers="block"
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember each phase's report on the test (the page fixture reads it)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(context: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh tab; a screenshot of it is kept in E2E_ARTIFACTS when the test fails."""
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and (artifacts := os.environ.get("E2E_ARTIFACTS")):
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in request.node.name)
        page.screenshot(path=str(Path(artifacts) / f"{name}.png"))
    page.close()
