"""Setting up local access for a site: check an address and password, read DHCP discoveries.

Used by the config and options flows (phase 2 of issue 18): the flow steps stay thin, every
outcome of a try is one form error key here (translated in ``translations/*.json`` under
``config.error`` / ``options.error``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
import re
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..energy_bridges_common.client.errors import (
    AuthenticationError,
    BridgeApiError,
    RateLimitedError,
    UnreachableError,
)
from ..energy_bridges_common.client.lan import LanAddressError, LanAddressReason
from ..energy_bridges_common.hass.lan import loopback_allowed
from .api import EnergySite
from .api.local import (
    DefaultPasswordRejectedError,
    LocalAccessUnavailableError,
    PowerwallLocalClient,
)
from .api.local_models import LocalCapabilities, LocalSession

# Form error keys (the LAN guard's, worded as in the other integrations).
ERROR_INVALID_HOST: Final = "invalid_host"
ERROR_NOT_PRIVATE: Final = "not_private_address"
ERROR_CANNOT_CONNECT: Final = "local_cannot_connect"
ERROR_INVALID_AUTH: Final = "local_invalid_auth"
ERROR_DEFAULT_PASSWORD: Final = "local_default_password"  # noqa: S105 - a form error key
ERROR_BUSY: Final = "local_busy"
ERROR_UNKNOWN: Final = "local_unknown"

# DHCP host names of gateways (Home Assistant core's ``powerwall`` matches the same): the
# gateway's DIN (Backup Gateway 1 and Gateway 2 part numbers) or ``TeslaPW_`` (Powerwall 3,
# not a DIN).
_DIN_HOSTNAME = re.compile(r"^(1118431|1232100)-\d{2}-[A-Z]--[A-Z0-9]+$", re.IGNORECASE)
_PW3_HOSTNAME = re.compile(r"^teslapw_", re.IGNORECASE)


class LocalSetupError(Exception):
    """A try that did not work; ``key`` is the form error to show."""

    def __init__(self, key: str) -> None:
        """Keep the key."""
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class LocalSetupResult:
    """What a successful try found: what the gateway offers and the session to keep."""

    host: str
    capabilities: LocalCapabilities
    session: LocalSession | None


def error_key(err: Exception) -> str:
    """Return the form error key of a failed try."""
    if isinstance(err, LanAddressError):
        if err.reason in (LanAddressReason.INVALID, LanAddressReason.UNRESOLVABLE):
            return ERROR_INVALID_HOST
        return ERROR_NOT_PRIVATE
    if isinstance(err, LocalAccessUnavailableError):
        return f"local_{err.problem.value}"
    if isinstance(err, DefaultPasswordRejectedError):
        return ERROR_DEFAULT_PASSWORD
    if isinstance(err, AuthenticationError):
        return ERROR_INVALID_AUTH
    if isinstance(err, RateLimitedError):
        return ERROR_BUSY
    if isinstance(err, UnreachableError):
        return ERROR_CANNOT_CONNECT
    return ERROR_UNKNOWN


async def async_try_local(hass: HomeAssistant, host: str, password: str) -> LocalSetupResult:
    """Log in to the gateway and probe it; raise ``LocalSetupError`` with the form error.

    One login and about ten reads. The LAN guard runs before anything is sent.
    """
    try:
        client = PowerwallLocalClient(
            async_get_clientsession(hass), host, password, allow_loopback=loopback_allowed()
        )
        capabilities = await client.probe()
    except (LanAddressError, BridgeApiError) as err:
        raise LocalSetupError(error_key(err)) from err
    return LocalSetupResult(
        host=host.strip(), capabilities=capabilities, session=client.session_state
    )


def gateway_of_hostname(hostname: str) -> str | None:
    """Return the gateway ID (DIN, upper case) a DHCP host name shows, or None.

    A Powerwall 3's ``TeslaPW_...`` name is a gateway but not its DIN: ``""`` then.
    """
    name = hostname.strip()
    if _DIN_HOSTNAME.match(name):
        return name.upper()
    if _PW3_HOSTNAME.match(name):
        return ""
    return None


def site_of_gateway(sites: Iterable[EnergySite], din: str) -> EnergySite | None:
    """Return the site whose gateway has this DIN (the product list's ``gateway_id``).

    Matched on the DIN or on its serial part after ``--`` (assumed: the Fleet API's
    ``gateway_id`` is the gateway's DIN; the published replies are scrubbed).
    """
    if not din:
        return None
    wanted = din.upper()
    serial = wanted.rsplit("--", 1)[-1]
    for site in sites:
        gateway = (site.gateway_id or "").upper()
        if gateway and (gateway == wanted or gateway.rsplit("--", 1)[-1] == serial):
            return site
    return None
