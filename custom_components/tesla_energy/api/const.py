"""Tesla Fleet API constants: the production URLs live here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ...energy_bridges_common.client.stand_in import stand_in_url

AUTH_BASE_URL = "https://auth.tesla.com"
AUTHORIZE_URL = f"{AUTH_BASE_URL}/oauth2/v3/authorize"
TOKEN_URL = "https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3/token"  # noqa: S105
# Accounts in China are served by Tesla's Chinese infrastructure, tokens included.
CHINA_TOKEN_URL = "https://auth.tesla.cn/oauth2/v3/token"  # noqa: S105

REGION_NA = "na"
REGION_EU = "eu"
REGION_CN = "cn"
REGION_BASE_URLS: dict[str, str] = {
    REGION_NA: "https://fleet-api.prd.na.vn.cloud.tesla.com",
    REGION_EU: "https://fleet-api.prd.eu.vn.cloud.tesla.com",
    REGION_CN: "https://fleet-api.prd.cn.vn.cloud.tesla.cn",
}
DEFAULT_REGION = REGION_NA

# Environment variable that points the whole Fleet API (authorize, token and every regional
# base) at one stand-in server: the simulator in tests, benchmarks and demo. Honoured only
# through ``stand_in_url`` (the loopback switch and a loopback URL).
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


def known_region(value: object) -> str | None:
    """Return a region code (``na``, ``eu``, ``cn``) for a value that names one, else None."""
    if not isinstance(value, str):
        return None
    region = value.strip().lower()
    return region if region in REGION_BASE_URLS else None


@dataclass(frozen=True, slots=True)
class FleetUrls:
    """Where the authorization server and the Fleet API are.

    Only the region is ever stored: the URLs are derived from it at every start, so a
    stand-in server's address never outlives the variable that named it.
    """

    authorize_url: str
    token_url: str
    china_token_url: str
    region_bases: dict[str, str]
    override: bool = False

    def base_for(self, region: str | None) -> str:
        """Return the regional server of ``region`` (the default region's when unknown)."""
        return self.region_bases[known_region(region) or DEFAULT_REGION]

    def token_url_for(self, region: str | None) -> str:
        """Return the token endpoint of an account in ``region``."""
        return self.china_token_url if known_region(region) == REGION_CN else self.token_url

    def region_of_base(self, url: str) -> str | None:
        """Return the region whose server ``url`` is, or None when it is none of ours.

        Exact match only: the region lookup names a server that receives our token.
        """
        url = url.rstrip("/")
        for region, base in self.region_bases.items():
            if url == base.rstrip("/"):
                return region
        return None

    def is_trusted_base(self, url: str) -> bool:
        """Return whether a base URL from the region lookup may receive our token."""
        return self.region_of_base(url) is not None


def fleet_urls() -> FleetUrls:
    """Return the production URLs, or those of a stand-in server when one is allowed."""
    server = stand_in_url(SERVER_OVERRIDE_ENV)
    if server is None:
        return FleetUrls(
            authorize_url=AUTHORIZE_URL,
            token_url=TOKEN_URL,
            china_token_url=CHINA_TOKEN_URL,
            region_bases=dict(REGION_BASE_URLS),
        )
    return FleetUrls(
        authorize_url=f"{server}/oauth2/v3/authorize",
        token_url=f"{server}/oauth2/v3/token",
        china_token_url=f"{server}/{REGION_CN}/oauth2/v3/token",
        region_bases={region: f"{server}/{region}" for region in REGION_BASE_URLS},
        override=True,
    )


def region_of_authorization_code(code: object) -> str | None:
    """Return the region an authorization code names in its prefix (``NA_...``), if any.

    Assumed from Tesla's examples of the callback (``code=NA_...``): it is the only thing
    known about the account before its first token, and says which token endpoint to use.
    """
    if not isinstance(code, str) or "_" not in code:
        return None
    return known_region(code.split("_", 1)[0])
