"""The V2C Cloud integration: V2C Trydan wallboxes, LAN first, with a budgeted cloud.

Telemetry and the frequent controls go to each charger's LAN API; pairing discovery, the
cloud-only settings, statistics and the 4G-only chargers go to the V2C Cloud, whose 1000
daily calls are spent through one persisted budget per account.
"""

from __future__ import annotations

import asyncio

from homeassistant.const import CONF_API_KEY, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from ..energy_bridges_common.client.budget import command_calls
from ..energy_bridges_common.client.lan import LanAddressError
from ..energy_bridges_common.hass.budget import (
    account_key,
    async_get_account_budget,
    async_release_account_budget,
)
from ..energy_bridges_common.hass.errors import setup_errors
from ..energy_bridges_common.hass.lan import async_validate_device_host
from .api import Charger, Pairing, V2CCloudClient, V2CLocalClient
from .const import (
    CLOUD_QUOTA,
    CONF_ACCOUNT_ID,
    CONF_CHARGER_HOSTS,
    CONF_COMMAND_RESERVE,
    DEFAULT_COMMAND_RESERVE,
    DOMAIN,
    LOGGER,
    cloud_base_url,
)
from .coordinator import (
    CloudData,
    PairingRegistry,
    V2CChargerCoordinator,
    V2CCloudCoordinator,
    V2CConfigEntry,
    V2CRuntimeData,
)
from .services import async_setup_services

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.UPDATE,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions (they work for every entry)."""
    async_setup_services(hass)
    return True


def entry_account_id(entry: V2CConfigEntry) -> str:
    """Return the entry's account id (stable across key rotations; never the key)."""
    return str(
        entry.data.get(CONF_ACCOUNT_ID) or entry.unique_id or account_key(entry.data[CONF_API_KEY])
    )


async def async_lan_address(
    hass: HomeAssistant, entry: V2CConfigEntry, pairing: Pairing
) -> tuple[str, int | None, bool] | None:
    """Return the charger's LAN (host, port, overridden), or None when it has no usable one.

    The address typed in the options wins over the pairing's; either must pass the LAN guard,
    at every setup. A typed address that fails gets a repair issue (the charger is then
    used through the cloud only, and nothing is sent to that address).
    """
    override = entry.options.get(CONF_CHARGER_HOSTS, {}).get(pairing.charger_id)
    value = override or pairing.ip
    if not value:
        return None
    issue_id = f"charger_address_not_allowed_{entry.entry_id}_{pairing.charger_id}"
    try:
        host, port = await async_validate_device_host(value)
    except LanAddressError as err:
        LOGGER.warning(
            "Charger %s: address refused (%s), using the cloud only", pairing.charger_id, err.reason
        )
        if override:
            # The user typed it (or an older version stored it): only the user can fix it.
            ir.async_create_issue(
                hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="charger_address_not_allowed",
                translation_placeholders={
                    "charger": pairing.charger_id,
                    "address": str(override),
                    "reason": str(err.reason),
                },
            )
        return None
    ir.async_delete_issue(hass, DOMAIN, issue_id)
    return host, port, bool(override)


async def async_setup_entry(hass: HomeAssistant, entry: V2CConfigEntry) -> bool:
    """Set up an account: its budget, its chargers, the cloud and the platforms."""
    session = async_get_clientsession(hass)
    account_id = entry_account_id(entry)
    budget = await async_get_account_budget(
        hass,
        domain=DOMAIN,
        account_id=account_id,
        entry_id=entry.entry_id,
        quota=CLOUD_QUOTA,
        reserve=int(entry.options.get(CONF_COMMAND_RESERVE, DEFAULT_COMMAND_RESERVE)),
    )
    client = V2CCloudClient(session, entry.data[CONF_API_KEY], base_url=cloud_base_url())
    entry.async_on_unload(client.http.add_observer(budget))

    async def _release_budget() -> None:
        await async_release_account_budget(
            hass, domain=DOMAIN, account_id=account_id, entry_id=entry.entry_id
        )

    entry.async_on_unload(_release_budget)

    pairings = PairingRegistry(hass, entry.entry_id)
    if not await pairings.async_load():
        try:
            # Start-up is rare and the user is waiting: it may use the commands' reserve.
            with setup_errors(DOMAIN), command_calls():
                await pairings.async_set(await client.pairings())
        except ConfigEntryAuthFailed, ConfigEntryNotReady:
            await _release_budget()
            raise

    chargers: dict[str, V2CChargerCoordinator] = {}

    def _lan_trouble() -> None:
        pairings.refresh_requested = True

    for pairing in pairings.pairings:
        address = await async_lan_address(hass, entry, pairing)
        lan = None if address is None else V2CLocalClient(session, address[0], address[1])
        coordinator = V2CChargerCoordinator(
            hass,
            entry,
            pairing=pairing,
            charger=Charger(pairing.charger_id, client, lan),
            on_lan_trouble=_lan_trouble,
        )
        coordinator.address_overridden = bool(address and address[2])
        chargers[pairing.charger_id] = coordinator

    async def _on_pairings(fresh: list[Pairing]) -> None:
        await _async_apply_pairings(hass, entry, chargers, fresh)

    def _lan_covers(charger_id: str, names: frozenset[str]) -> bool:
        coordinator = chargers.get(charger_id)
        return coordinator is not None and coordinator.lan_covers(names)

    cloud = V2CCloudCoordinator(
        hass,
        entry,
        client=client,
        budget=budget,
        pairings=pairings,
        on_pairings=_on_pairings,
        lan_covers=_lan_covers,
    )
    entry.runtime_data = V2CRuntimeData(
        account_id=account_id,
        client=client,
        budget=budget,
        pairings=pairings,
        cloud=cloud,
        chargers=chargers,
    )

    # The LAN first: what it gives, the cloud need not be asked for (currentstatecharge).
    await asyncio.gather(*(c.async_refresh() for c in chargers.values() if c.lan is not None))
    # Not fatal: with the stored pairings the chargers work over the LAN while the cloud is
    # down (a failed key starts a reauth flow by itself).
    await cloud.async_refresh()

    @callback
    def _push_cloud() -> None:
        data: CloudData | None = cloud.data
        if data is None:
            return
        for charger_id, coordinator in chargers.items():
            # Failed past its grace (or a bad key): the cloud's values go with the cloud.
            state = data.states.get(charger_id) if cloud.last_update_success else None
            if state is None:
                coordinator.async_cloud_lost()
            else:
                coordinator.async_cloud_update(state)

    entry.async_on_unload(cloud.async_add_listener(_push_cloud))
    _push_cloud()
    await asyncio.gather(*(c.async_refresh() for c in chargers.values() if c.lan is None))
    _remove_stale_entities(hass, entry, chargers)

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


def _remove_stale_entities(
    hass: HomeAssistant, entry: V2CConfigEntry, chargers: dict[str, V2CChargerCoordinator]
) -> None:
    """Remove entities this version no longer creates, so none stays "unavailable" for ever.

    The firmware is on the update entity (no sensor, no button any more). (The platforms
    remove the entities of values only a LAN gives from a charger without one.)
    """
    registry = er.async_get(hass)
    for charger_id in chargers:
        for domain, unique_id in (
            ("sensor", f"{charger_id}_firmware_version"),
            ("button", f"{charger_id}_trigger_update"),
        ):
            entity_id = registry.async_get_entity_id(domain, DOMAIN, unique_id)
            if entity_id is not None:
                registry.async_remove(entity_id)


async def _async_apply_pairings(
    hass: HomeAssistant,
    entry: V2CConfigEntry,
    chargers: dict[str, V2CChargerCoordinator],
    fresh: list[Pairing],
) -> None:
    """Follow chargers to new addresses; reload when chargers were added or removed."""
    if {p.charger_id for p in fresh} != set(chargers):
        LOGGER.info("The account's chargers changed: reloading")
        hass.config_entries.async_schedule_reload(entry.entry_id)
        return
    for pairing in fresh:
        coordinator = chargers[pairing.charger_id]
        coordinator.pairing = pairing
        if coordinator.address_overridden:
            continue
        address = await async_lan_address(hass, entry, pairing)
        if address is None:
            continue
        if coordinator.lan is None:
            # A charger that had no LAN address now has one: rebuild its entities.
            hass.config_entries.async_schedule_reload(entry.entry_id)
            return
        coordinator.set_address(address[0], address[1])


async def async_unload_entry(hass: HomeAssistant, entry: V2CConfigEntry) -> bool:
    """Unload an account."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: V2CConfigEntry) -> None:
    """Forget the stored pairings and the entry's repairs (they name its chargers)."""
    await PairingRegistry(hass, entry.entry_id).async_remove()
    registry = ir.async_get(hass)
    for domain, issue_id in list(registry.issues):
        if domain == DOMAIN and f"_{entry.entry_id}_" in issue_id:
            ir.async_delete_issue(hass, DOMAIN, issue_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: V2CConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Allow removing a charger that is no longer paired with the account."""
    ids = set(entry.runtime_data.pairings.charger_ids) | {entry.runtime_data.account_id}
    return not any(
        domain == DOMAIN and identifier in ids for domain, identifier in device.identifiers
    )
