"""Tesla Fleet API constants: the production URLs live here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import os

AUTH_BASE_URL = "https://auth.tesla.com"
AUTHORIZE_URL = f"{AUTH_BASE_URL}/oauth2/v3/authorize"
TOKEN_URL = "https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3/token"  # noqa: S105

REGION_BASE_URLS: dict[str, str] = {
    "na": "https://fleet-api.prd.na.vn.cloud.tesla.com",
    "eu": "https://fleet-api.prd.eu.vn.cloud.tesla.com",
    "cn": "https://fleet-api.prd.cn.vn.cloud.tesla.cn",
}
DEFAULT_REGION = "na"

# Environment variable that points the whole Fleet API (authorize, token, region lookup and
# every regional base) at one stand-in server: the simulator in tests, benchmarks and demo.
SERVER_OVERRIDE_ENV = "TESLA_ENERGY_FLEET_SERVER"


class Scope(StrEnum):
    """OAuth scopes the integration asks for."""

    OPENID = "openid"
    OFFLINE_ACCESS = "offline_access"
    ENERGY_DEVICE_DATA = "energy_device_data"
    ENERGY_CMDS = "energy_cmds"


SCOPES: tuple[Scope, ...] = (
    Scope.OPENID,
    Scope.OFFLINE_ACCESS,
    Scope.ENERGY_DEVICE_DATA,
    Scope.ENERGY_CMDS,
)

# Fleet API pricing (2025-2026): data requests and commands are billed per call, replies
# of 500 and above are not billed, and every account gets a monthly credit.
DATA_CALLS_PER_USD = 500
COMMAND_CALLS_PER_USD = 1000
FREE_MONTHLY_CREDIT_USD = 10.0


@dataclass(frozen=True, slots=True)
class FleetUrls:
    """Where the authorization server and the Fleet API are."""

    authorize_url: str
    token_url: str
    region_bases: dict[str, str]
    lookup_base: str
    override: bool = False

    def is_trusted_base(self, url: str) -> bool:
        """Return whether a base URL from the region lookup may receive our token."""
        url = url.rstrip("/")
        if self.override:
            return url.startswith(self.lookup_base.rstrip("/"))
        return url in {base.rstrip("/") for base in self.region_bases.values()}


def fleet_urls(server: str | None = None) -> FleetUrls:
    """Return the production URLs, or those of a stand-in server when one is set."""
    server = server or os.environ.get(SERVER_OVERRIDE_ENV)
    if not server:
        return FleetUrls(
            authorize_url=AUTHORIZE_URL,
            token_url=TOKEN_URL,
            region_bases=dict(REGION_BASE_URLS),
            lookup_base=REGION_BASE_URLS[DEFAULT_REGION],
        )
    server = server.rstrip("/")
    return FleetUrls(
        authorize_url=f"{server}/oauth2/v3/authorize",
        token_url=f"{server}/oauth2/v3/token",
        region_bases={region: f"{server}/{region}" for region in REGION_BASE_URLS},
        lookup_base=server,
        override=True,
    )
