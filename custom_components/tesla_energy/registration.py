"""What the user is told when their Fleet API application is not registered in a region.

Tesla answers HTTP 412 until the application's partner account is registered in the
account's region: the most common setup failure. The config flow, the setup and the repair
issue say the same thing, with the region, its server and Tesla's documentation. A 412 that
comes after the setup (a registration withdrawn) opens the same repair from the coordinators,
which close it when the data reads again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import issue_registry as ir

from .api import AppNotRegisteredError, fleet_urls, known_region
from .const import DOMAIN

if TYPE_CHECKING:
    from .coordinator import TeslaEnergyConfigEntry

PARTNER_REGISTRATION_DOCS = (
    "https://developer.tesla.com/docs/fleet-api/endpoints/partner-endpoints#register"
)


def app_not_registered_placeholders(region: str | None) -> dict[str, str]:
    """Return the region, its server and where Tesla documents the registration."""
    known = known_region(region)
    return {
        "region": known.upper() if known else "?",
        "server": fleet_urls().base_for(known),
        "docs_url": PARTNER_REGISTRATION_DOCS,
    }


def _issue_id(entry: ConfigEntry) -> str:
    return f"app_not_registered_{entry.entry_id}"


def open_app_not_registered(
    hass: HomeAssistant, entry: ConfigEntry, err: AppNotRegisteredError
) -> dict[str, str]:
    """Open the repair issue; return the placeholders the error message takes."""
    placeholders = app_not_registered_placeholders(err.region)
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="app_not_registered",
        translation_placeholders={"title": entry.title, **placeholders},
        learn_more_url=PARTNER_REGISTRATION_DOCS,
    )
    return placeholders


def raise_app_not_registered(
    hass: HomeAssistant, entry: TeslaEnergyConfigEntry, err: AppNotRegisteredError
) -> NoReturn:
    """Open a repair issue and stop the setup: retrying cannot help until the user acts."""
    raise ConfigEntryError(
        translation_domain=DOMAIN,
        translation_key="app_not_registered",
        translation_placeholders=open_app_not_registered(hass, entry, err),
    ) from err


def clear_app_not_registered(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Close the repair issue once the account's data can be read."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id(entry))
