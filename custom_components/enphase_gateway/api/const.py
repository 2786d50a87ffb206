"""The gateway's endpoints and how patient to be with each."""

from __future__ import annotations

INFO = "/info"
HOME = "/home"
CHECK_JWT = "/auth/check_jwt"
PRODUCTION_JSON = "/production.json"
PRODUCTION_LEGACY = "/production"
PRODUCTION_V1 = "/api/v1/production"
INVERTERS_V1 = "/api/v1/production/inverters"
DEVICE_DATA = "/ivp/pdm/device_data"
METERS = "/ivp/meters"
METER_READINGS = "/ivp/meters/readings"
ENSEMBLE_INVENTORY = "/ivp/ensemble/inventory"
ENSEMBLE_STATUS = "/ivp/ensemble/status"
ENSEMBLE_SECCTRL = "/ivp/ensemble/secctrl"
ENSEMBLE_POWER = "/ivp/ensemble/power"
GRID_RELAY = "/ivp/ensemble/relay"
DRY_CONTACTS = "/ivp/ensemble/dry_contacts"
DRY_CONTACT_SETTINGS = "/ivp/ss/dry_contact_settings"
POWER_EXPORT_LIMIT = "/ivp/ss/pel_settings"
TARIFF = "/admin/lib/tariff"
GEN_CONFIG = "/ivp/ss/gen_config"
GEN_MODE = "/ivp/ss/gen_mode"
GEN_SCHEDULE = "/ivp/ss/gen_schedule"

# Every endpoint a user may read raw for support (the get_raw_data action).
READABLE_ENDPOINTS: tuple[str, ...] = (
    INFO,
    HOME,
    PRODUCTION_JSON,
    PRODUCTION_LEGACY,
    PRODUCTION_V1,
    INVERTERS_V1,
    DEVICE_DATA,
    METERS,
    METER_READINGS,
    ENSEMBLE_INVENTORY,
    ENSEMBLE_STATUS,
    ENSEMBLE_SECCTRL,
    ENSEMBLE_POWER,
    GRID_RELAY,
    DRY_CONTACTS,
    DRY_CONTACT_SETTINGS,
    POWER_EXPORT_LIMIT,
    TARIFF,
    GEN_CONFIG,
    GEN_MODE,
    GEN_SCHEDULE,
)

DEFAULT_TIMEOUT = 20.0
# Slow endpoints (seconds): production reports take up to 11 s on old units, /home up to 9 s,
# and device_data hangs 30-85 s during the nightly maintenance around 23:00.
TIMEOUTS: dict[str, float] = {
    HOME: 45.0,
    PRODUCTION_JSON: 45.0,
    PRODUCTION_LEGACY: 45.0,
    DEVICE_DATA: 90.0,
    INFO: 20.0,
}

# Firmware whose "total consumption" CT section really holds net consumption.
NET_AS_TOTAL_FIRMWARE: frozenset[tuple[int, ...]] = frozenset({(8, 3, 5433)})
