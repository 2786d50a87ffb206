"""Home Assistant's real web UI with this repository's integrations, as a person uses it.

The tests run in order on one demo instance (a fresh config, no entries): log in, add each
integration through Settings -> Devices & services -> Add integration (one wrong value first,
and its translated error), open the device page, call an action from Developer tools, then let
the demo configure the Energy dashboard and open it. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
import json
import os
from pathlib import Path
import re
import time
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
import pytest

from .browser import REPO, login, screenshot, still_screenshot, wait_until
from .house import balance_problems, past_hours

from bootstrap import (  # isort: skip
    build_dashboard,
    configure_energy,
    ensure_entries,
    wait_entries_loaded,
)
from ha_client import HomeAssistantClient  # isort: skip
from history import STATE_FILE, JoinState, import_house_history  # isort: skip
from vendors import VENDORS, Vendor  # isort: skip

type Api = Callable[[Callable[[HomeAssistantClient], Any]], Any]
LONDON = ZoneInfo("Europe/London")  # the demo home's time zone (config/configuration.yaml)

SETUP_TIMEOUT_MS = 90_000  # a config flow step that sets an entry up, on a busy machine
POPUP_GRACE_MS = 20_000  # how long the OAuth popup may take on its own

# The browser waits are bounded one by one; this only stops a test that hangs altogether
# (pyproject's 120 s is for the unit tests; the log test waits for the soak time).
pytestmark = pytest.mark.timeout(600)


def translations(domain: str) -> dict[str, Any]:
    """Return an integration's English translations."""
    path = REPO / "custom_components" / domain / "translations" / "en.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def manifest_name(domain: str) -> str:
    """Return the name the integration list shows."""
    path = REPO / "custom_components" / domain / "manifest.json"
    return str(json.loads(path.read_text(encoding="utf-8"))["name"])


def vendor_params() -> list[Any]:
    """One parameter per vendor, in the demo's order."""
    return [pytest.param(vendor, id=vendor.domain) for vendor in VENDORS]


def require(vendor: Vendor, ready: dict[str, Any]) -> None:
    """Skip a vendor whose integration or simulator has not landed yet."""
    if not vendor.available:
        pytest.skip(f"{vendor.domain} has not landed yet")
    assert vendor.domain in ready["vendors"], f"the {vendor.simulator} simulator did not start"


def require_entry(vendor: Vendor, ready: dict[str, Any], api: Api) -> None:
    """Make sure the vendor has its entry (added by test_add_integration, or by the demo's
    own flow when that test did not run, e.g. with ``-k``)."""
    require(vendor, ready)

    async def ensure(client: HomeAssistantClient) -> None:
        await ensure_entries(client, [vendor], ready["vendors"])
        await wait_entries_loaded(client, [vendor.domain])

    api(ensure)

    def loaded() -> bool:
        entries = api(lambda client: client.entries(vendor.domain))
        return bool(entries) and all(entry["state"] == "loaded" for entry in entries)

    # A slow machine may still be retrying or reloading the entry: give it time.
    wait_until(loaded, what=f"the {vendor.domain} entry to be loaded", timeout=120)


def test_login(page: Any, ready: dict[str, Any]) -> None:
    """The demo user logs in through the login page and sees the overview."""
    page.goto("/")
    page.locator("input[name=username]").wait_for()
    screenshot(page, "01-login")
    login(page)
    page.locator("ha-sidebar").get_by_text("Settings").wait_for()
    # No service worker controls the page: it would reload it under a later test.
    assert page.evaluate("() => !navigator.serviceWorker?.controller")
    # The overview fills in once its areas and summaries are loaded.
    page.get_by_text(re.compile(r"^Loading")).first.wait_for(state="hidden")
    screenshot(page, "02-overview")


def open_add_integration(page: Any, name: str, opened: Any) -> None:
    """Settings -> Devices & services -> Add integration -> ``name``, until ``opened`` shows."""
    page.goto("/config/integrations/dashboard")
    page.get_by_text("Shopping list", exact=True).first.wait_for()
    page.get_by_role("button", name=re.compile("add integration", re.IGNORECASE)).first.click()
    page.get_by_placeholder(re.compile("search for a brand name", re.IGNORECASE)).fill(name)
    page.get_by_text(name, exact=True).last.click()
    opened.wait_for()


@pytest.mark.parametrize("vendor", vendor_params())
def test_add_integration(page: Any, ready: dict[str, Any], vendor: Vendor, api: Api) -> None:
    """Add the integration in the UI: a wrong value shows its translated error, then success."""
    require(vendor, ready)
    login(page)
    add_through_ui(page, vendor, ready["vendors"][vendor.domain])
    entries = api(lambda client: client.entries(vendor.domain))
    assert len(entries) == 1
    assert entries[0]["state"] == "loaded"


def add_through_ui(page: Any, vendor: Vendor, urls: dict[str, str]) -> None:
    """Add Integration -> the vendor -> its forms, wrong values first, until Finish."""
    strings = translations(vendor.domain)["config"]
    dialog = page.locator("dialog-data-entry-flow")
    credentials = page.locator("input[name=clientId]")
    # The flow dialog's host element has no size: its close button shows it is open.
    flow_open = dialog.get_by_role("button", name="Close", exact=True)
    open_add_integration(page, manifest_name(vendor.domain), flow_open.or_(credentials).first)
    finish = dialog.get_by_role("button", name=re.compile("finish", re.IGNORECASE))

    open_site = dialog.get_by_text("Open website", exact=True)
    if vendor.application_credentials is not None:
        # The credentials dialog (first use), or the sign-in already under way.
        credentials.or_(finish).or_(open_site).first.wait_for(timeout=SETUP_TIMEOUT_MS)
    if vendor.application_credentials is not None and credentials.is_visible():
        # First use of an OAuth integration: Home Assistant asks for the application's
        # credentials, then opens the (simulated, auto-approving) sign-in page in a popup.
        client_id, client_secret = vendor.application_credentials
        page.locator("input[name=name]").fill(f"{vendor.title} demo")
        credentials.fill(client_id)
        page.locator("input[name=clientSecret]").fill(client_secret)
        screenshot(page, f"{vendor.domain}-1-credentials")
        page.get_by_role("button", name="Add", exact=True).click()
    if vendor.application_credentials is not None:
        # The frontend opens the sign-in page in a popup by itself and the simulator sends it
        # straight back. When the browser blocked that popup (the click's user activation had
        # run out on a busy machine), the dialog keeps its "Open website" button: click it.
        try:
            finish.wait_for(timeout=POPUP_GRACE_MS)
        except PlaywrightTimeoutError:
            if open_site.is_visible():
                with page.expect_popup():
                    open_site.click()

    for step, answer in vendor.answers.items():
        step_strings = strings["step"].get(step, {})
        title = dialog.get_by_text(step_strings.get("title", step), exact=True).first
        title.or_(finish).first.wait_for(timeout=SETUP_TIMEOUT_MS)
        if finish.is_visible():
            break  # a step the flow did not need (e.g. a scope warning)
        values = answer(urls, {})
        if "next_step_id" in values:
            dialog.get_by_text(step_strings["menu_options"][values["next_step_id"]]).click()
            continue
        for wrong in (w for w in vendor.wrong if w.step_id == step):
            for field, value in {**values, wrong.field: wrong.value}.items():
                if isinstance(value, str):
                    dialog.locator(f"input[name={field}]").fill(value)
            dialog.get_by_role("button", name=re.compile("submit", re.IGNORECASE)).click()
            dialog.get_by_text(strings["error"][wrong.error]).wait_for()
            screenshot(page, f"{vendor.domain}-1-wrong-{step}")
        for field, value in values.items():
            if isinstance(value, str):
                dialog.locator(f"input[name={field}]").fill(value)
        screenshot(page, f"{vendor.domain}-2-{step}")
        dialog.get_by_role("button", name=re.compile("submit", re.IGNORECASE)).click()

    # The dialog offers Finish once the entry is set up (its devices are listed).
    finish.wait_for(timeout=SETUP_TIMEOUT_MS)
    screenshot(page, f"{vendor.domain}-3-created")
    finish.click()


@pytest.mark.parametrize("vendor", vendor_params())
def test_device_page(page: Any, ready: dict[str, Any], vendor: Vendor, api: Api) -> None:
    """The device page lists the entities with live values."""
    require_entry(vendor, ready, api)

    async def main_device(client: HomeAssistantClient) -> tuple[dict[str, Any], list[Any]]:
        (entry,) = await client.entries(vendor.domain)
        devices = await client.ws("config/device_registry/list")
        entities = await client.ws("config/entity_registry/list")
        ours = [e for e in entities if e["config_entry_id"] == entry["entry_id"]]
        with_sensors = [
            d
            for d in devices
            if entry["entry_id"] in d["config_entries"]
            and any(
                e["device_id"] == d["id"] and e["entity_id"].startswith("sensor.") for e in ours
            )
        ]
        return with_sensors[0], [e for e in ours if e["device_id"] == with_sensors[0]["id"]]

    device, entities = api(main_device)
    states = api(lambda client: client.states())
    live = [
        e
        for e in entities
        if e["entity_id"].startswith("sensor.")
        and not e["entity_category"]
        and states.get(e["entity_id"], {}).get("state") not in (None, "unknown", "unavailable")
    ]
    assert live, f"no sensor of {device['name']} has a value"
    login(page)
    page.goto(f"/config/devices/device/{device['id']}")
    page.get_by_text(device["name_by_user"] or device["name"]).first.wait_for()
    for entity in live[:3]:
        name = entity["original_name"] or entity["name"]
        page.get_by_text(name, exact=True).first.wait_for()
    screenshot(page, f"{vendor.domain}-4-device")


@pytest.mark.parametrize("vendor", vendor_params())
def test_action_from_developer_tools(
    page: Any, ready: dict[str, Any], vendor: Vendor, api: Api
) -> None:
    """Perform one of the integration's actions in Developer tools; its entity follows."""
    require_entry(vendor, ready, api)
    if vendor.action is None:
        pytest.skip(f"no demo action for {vendor.domain} yet")
    action = vendor.action

    async def context(client: HomeAssistantClient) -> dict[str, str]:
        (entry,) = await client.entries(vendor.domain)
        entities = await client.ws("config/entity_registry/list")
        ours = [e for e in entities if e["config_entry_id"] == entry["entry_id"]]
        ctx = {"config_entry_id": entry["entry_id"]}
        for entity in ours:
            if entity["translation_key"]:
                ctx.setdefault(entity["translation_key"], entity["entity_id"])
                ctx.setdefault(f"device:{entity['translation_key']}", entity["device_id"] or "")
        return ctx

    ctx = api(context)
    watched = ctx[action.entity_key]
    data = action.data(ctx)
    before = api(lambda client: client.states())[watched]["state"]
    assert before != action.expected, f"{watched} is already {before}"
    login(page)
    page.goto("/developer-tools/action")
    yaml_text = f"action: {action.service}\ndata:\n" + "".join(
        f"  {key}: {json.dumps(value)}\n" for key, value in data.items()
    )
    page.get_by_text("YAML mode", exact=True).click()
    editor = page.locator(".cm-content").first
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    editor.fill(yaml_text)
    page.get_by_role("button", name=re.compile("perform action", re.IGNORECASE)).click()
    wait_until(
        lambda: api(lambda client: client.states())[watched]["state"] == action.expected,
        what=f"{watched} to change after {action.service}",
    )
    screenshot(page, f"{vendor.domain}-5-action")


def test_energy_dashboard(
    page: Any, ready: dict[str, Any], vendors: list[Vendor], api: Api
) -> None:
    """The demo points the Energy dashboard at the house's sensors, with the hours before.

    The entries were added by the tests above, as a person would: the demo imports the
    house's history for them as it does for its own entries on a first start, without
    waiting for the recorder's first 5 minutes.
    """
    if not vendors:
        pytest.skip("no integration has landed yet")
    for vendor in vendors:
        require_entry(vendor, ready, api)
    entities = api(lambda client: client.ws("config/entity_registry/list"))
    joins = JoinState(Path(ready["config"]) / STATE_FILE)
    imported: dict[str, int] = {}
    for vendor in vendors:
        if vendor.house:
            imported |= api(
                lambda client, vendor=vendor: import_house_history(
                    client,
                    vendor,
                    ready["vendors"][vendor.domain],
                    entities,
                    ready["started_at"],
                    joins=joins,
                )
            )
    if any(vendor.domain == "powervault" for vendor in vendors):
        assert any(entity_id.endswith("_grid_import_today") for entity_id in imported), imported
    prefs = api(lambda client: configure_energy(client, vendors))
    config = api(lambda client: build_dashboard(client, vendors))
    assert prefs["energy_sources"] or prefs["device_consumption"]
    assert config is not None
    assert config["views"][0]["cards"]
    if imported:
        # What the Energy dashboard reads for the hours before: there within a minute (the
        # recorder compiled nothing of the new sensors yet), and the one house balances.
        problems: list[str] = []

        def balanced() -> bool:
            problems[:] = balance_problems(
                api(lambda client: past_hours(client, ready["started_at"]))
            )
            return not problems

        try:
            wait_until(balanced, what="the past hours on the Energy dashboard", timeout=60)
        except AssertionError as err:
            raise AssertionError("\n".join(problems)) from err
    login(page)
    page.goto("/energy")
    page.locator("hui-energy-distribution-card ha-card:visible").first.wait_for()
    still_screenshot(page, "10-energy-dashboard")
    if imported:
        # Yesterday, a whole day of the house from the imported history: its solar shows.
        yesterday = datetime.now(LONDON).date() - timedelta(days=1)
        page.get_by_role("button", name=re.compile("previous", re.IGNORECASE)).first.click()
        page.locator("hui-energy-period-selector").get_by_text(
            f"{yesterday.day} {yesterday:%b}", exact=True
        ).wait_for()
        solar = page.locator("hui-energy-solar-graph-card").get_by_text(re.compile("kWh"))
        wait_until(
            lambda: any(
                re.search(r"\b[1-9][0-9.]* kWh", text) for text in solar.all_text_contents()
            ),
            what="yesterday's solar production on the Energy dashboard",
        )
        still_screenshot(page, "12-energy-yesterday")
    page.goto("/energy-bridges/home")
    page.locator("hui-entities-card ha-card:visible").first.wait_for()
    still_screenshot(page, "11-demo-dashboard")


# Lines Home Assistant itself writes about any custom integration: not a fault of ours.
EXPECTED_WARNINGS = (re.compile(r"We found a custom integration \w+ which has not been tested"),)
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ (?P<level>[A-Z]+) \((?P<thread>[^)]*)\) "
    r"\[(?P<logger>[^\]]+)\] (?P<message>.*)$"
)


def test_log_has_no_warnings_from_our_integrations(ready: dict[str, Any]) -> None:
    """After a few minutes of running, no warning or error in the log comes from our code."""
    soak = float(os.environ.get("E2E_SOAK_SECONDS", "0"))
    wait_until(
        lambda: time.time() - ready["started_at"] >= soak,
        what=f"the demo to run for {soak:.0f} s",
        timeout=soak + 5,
    )
    domains = [vendor.domain for vendor in VENDORS] + ["energy_bridges_common"]
    ours = re.compile("|".join(re.escape(domain) for domain in domains))
    offending = []
    for line in Path(ready["log"]).read_text(encoding="utf-8").splitlines():
        if not (match := LOG_LINE.match(line)) or match["level"] not in (
            "WARNING",
            "ERROR",
            "CRITICAL",
        ):
            continue
        if not (ours.search(match["logger"]) or ours.search(match["message"])):
            continue
        if any(expected.search(match["message"]) for expected in EXPECTED_WARNINGS):
            continue
        offending.append(line)
    assert not offending, "\n".join(offending)
