"""Every options-flow field of the four integrations, fuzzed with hypothesis junk.

Asserted for each submission: a schema error (``vol.Invalid``) or the form again with an error
that has a translation; the entry's options and data unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import probatio as vol
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.enphase_gateway.conftest import cloud, gateway_factory, setup_entry  # noqa: F401
from tests.powervault.conftest import fast_client, local_app, local_entry, local_server  # noqa: F401
from tests.v2c_cloud.conftest import V2CSim, charger_count, cloud_only, firmware, v2c_sim  # noqa: F401

from .fuzz import draw_junk, flow_errors

ROOT = Path(__file__).parents[2] / "custom_components"
EXAMPLES = 30


async def _open(
    hass: HomeAssistant, entry: MockConfigEntry, menu_option: str | None
) -> dict[str, Any]:
    """Open the options flow; behind a menu, go on to the chosen option's form."""
    manager = hass.config_entries.options
    result = await manager.async_init(entry.entry_id)
    if menu_option is not None and result["type"] is FlowResultType.MENU:
        result = await manager.async_configure(result["flow_id"], {"next_step_id": menu_option})
    return dict(result)


async def fuzz_options(
    hass: HomeAssistant, entry: MockConfigEntry, menu_options: tuple[str, ...] | None = None
) -> tuple[int, list[str]]:
    """Submit junk to every field of the options flow's forms (each form behind a menu).

    ``menu_options`` limits which forms behind a menu are fuzzed (all by default).
    """
    manager = hass.config_entries.options
    first = await manager.async_init(entry.entry_id)
    manager.async_abort(first["flow_id"])
    if first["type"] is FlowResultType.MENU:
        calls, problems = 0, []
        for option in menu_options or first["menu_options"]:
            more_calls, more_problems = await _fuzz_form(hass, entry, option)
            calls += more_calls
            problems += more_problems
        return calls, problems
    return await _fuzz_form(hass, entry, None)


async def _fuzz_form(
    hass: HomeAssistant, entry: MockConfigEntry, menu_option: str | None
) -> tuple[int, list[str]]:
    """Submit junk to every field of one options form, one field at a time."""
    known = flow_errors(entry.domain, "options")
    manager = hass.config_entries.options
    problems: list[str] = []
    calls = 0
    options, data = dict(entry.options), dict(entry.data)
    first = await _open(hass, entry, menu_option)
    manager.async_abort(first["flow_id"])
    if first["type"] is not FlowResultType.FORM:
        return 0, [f"options {menu_option}: no form ({first['type']})"]
    schema = first["data_schema"].schema
    defaults: dict[str, Any] = {}
    for key in schema:
        default = key.default() if callable(getattr(key, "default", None)) else None
        if default is not None and default is not vol.UNDEFINED:
            defaults[str(key)] = default
    junk = draw_junk(EXAMPLES)
    for key in schema:
        name = str(key)
        for value in junk:
            flow = await _open(hass, entry, menu_option)
            calls += 1
            try:
                result = await manager.async_configure(flow["flow_id"], {**defaults, name: value})
            except vol.Invalid:
                continue
            except Exception as err:  # noqa: BLE001 - the kind is the check
                problems.append(f"{name}={value!r:.40}: {type(err).__name__}: {err}"[:200])
                continue
            finally:
                if any(f["flow_id"] == flow["flow_id"] for f in manager.async_progress()):
                    manager.async_abort(flow["flow_id"])
            if result["type"] is FlowResultType.FORM and result["step_id"] == first["step_id"]:
                errors = set((result.get("errors") or {}).values())
                if not errors or not errors <= known:
                    problems.append(f"{name}={value!r:.40}: form errors {errors}")
            elif dict(entry.options) != options:
                saved = entry.options.get(name)
                if saved != value:
                    problems.append(f"{name}={value!r:.40}: saved as {saved!r}"[:200])
                hass.config_entries.async_update_entry(entry, options=options)
                await hass.async_block_till_done()
    if dict(entry.data) != data:
        problems.append("entry data changed")
    return calls, problems


async def test_powervault_options(hass: HomeAssistant, local_entry: MockConfigEntry) -> None:  # noqa: F811
    assert await hass.config_entries.async_setup(local_entry.entry_id)
    await hass.async_block_till_done()
    calls, problems = await fuzz_options(hass, local_entry)
    assert calls > 0
    assert problems == [], "\n".join(problems)


async def test_enphase_options(hass: HomeAssistant, gateway_factory: Any) -> None:  # noqa: F811
    _sim, server = await gateway_factory("8x")
    entry = await setup_entry(hass, "8x", server.port)
    calls, problems = await fuzz_options(hass, entry)
    assert calls > 0
    assert problems == [], "\n".join(problems)


async def test_v2c_options(hass: HomeAssistant, v2c_sim: V2CSim) -> None:  # noqa: F811
    from homeassistant.const import CONF_API_KEY

    from custom_components.energy_bridges_common.hass.budget import account_key
    from custom_components.v2c_cloud.const import CONF_ACCOUNT_ID, DOMAIN
    from tests.v2c_cloud.conftest import API_KEY

    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_API_KEY: API_KEY, CONF_ACCOUNT_ID: account_key(API_KEY)},
        unique_id=account_key(API_KEY),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    calls, problems = await fuzz_options(hass, entry)
    assert calls > 0
    assert problems == [], "\n".join(problems)
