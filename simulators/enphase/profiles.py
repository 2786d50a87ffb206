"""Gateway generations the simulator can be: firmware, hardware and quirks."""

from __future__ import annotations

from dataclasses import dataclass

# Quirks (from the API notes and the real captures), switched on per profile:
ZEROS_AFTER_BOOT = "zeros_after_boot"  # 3.x: 200 with all zeros just after a boot
METERS_401 = "meters_401"  # D3.18: /ivp/meters answers 401 with valid access
TARIFF_401 = "tariff_401"  # 3.9: /admin/lib/tariff answers 401
INVENTORY_401 = "inventory_401"  # early v7: /ivp/ensemble/inventory answers 401
ZERO_METER_ENTRY = "zero_meter_entry"  # 8.3: a trailing all-zero entry in the meter readings
NET_AS_TOTAL = "net_as_total"  # 8.3.5433: net consumption in the total-consumption section
V1_ZEROS = "v1_zeros"  # metered without CTs (>= 8.2.4264): /api/v1/production stalls at zero
LIFETIME_WRAP = "lifetime_wrap"  # 7.x: production.json's inverters whLifetime wraps at 2^32 J
PF_SUM = "pf_sum"  # a split-phase CT's top-level pwrFactor is its lines' sum (user reports)
CLOUD_OVERRIDE = "cloud_override"  # the cloud puts storage settings back 90 s after a write


@dataclass(frozen=True, slots=True)
class Profile:
    """One simulated gateway."""

    name: str
    port: int
    serial: str
    firmware: str
    part_number: str
    token_auth: bool
    metered: bool
    cts: tuple[str, ...]
    """Installed CTs by measurement type."""
    phases: int
    inverters: int
    batteries: int = 0
    """IQ Batteries (``ENCHARGE``)."""
    battery_wh: int = 5000
    """One IQ Battery's capacity (5P: 5000 Wh, 3T: 3500 Wh)."""
    acbs: int = 0
    """AC Batteries (older, ``devType`` 11, in production.json's ``acb`` storage section)."""
    system_controller: bool = False
    generator: bool = False
    dry_contacts: int = 0
    quirks: frozenset[str] = frozenset()
    peak_watts: float = 4000.0
    lifetime_start_wh: float = 900_000.0
    timezone_offset: int = 0
    """Hours from UTC for the sun and the nightly maintenance."""


PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile(
            name="3x",
            port=8301,
            serial="121500000301",
            firmware="R3.9.36",
            part_number="800-00069-r05",
            token_auth=False,
            metered=False,
            cts=(),
            phases=1,
            inverters=10,
            quirks=frozenset({ZEROS_AFTER_BOOT, METERS_401, TARIFF_401}),
            peak_watts=2300.0,
            lifetime_start_wh=1_150_000.0,
        ),
        Profile(
            name="5x",
            port=8302,
            serial="121700000502",
            firmware="D5.0.62",
            part_number="800-00654-r08",
            token_auth=False,
            metered=True,
            cts=("production", "net-consumption"),
            phases=2,
            inverters=16,
            quirks=frozenset({PF_SUM}),
            peak_watts=4200.0,
            lifetime_start_wh=600_000.0,
        ),
        Profile(
            name="7x",
            port=8303,
            serial="122000000703",
            firmware="D7.6.175",
            part_number="800-00654-r08",
            token_auth=True,
            metered=True,
            cts=("production", "net-consumption"),
            phases=3,
            inverters=24,
            quirks=frozenset({LIFETIME_WRAP}),
            peak_watts=7200.0,
            lifetime_start_wh=14_500_000.0,
        ),
        Profile(
            name="8x",
            port=8304,
            serial="122300000804",
            firmware="D8.2.4382",
            part_number="800-00664-r05",
            token_auth=True,
            metered=True,
            cts=("production", "net-consumption", "storage"),
            phases=2,
            inverters=20,
            batteries=3,
            system_controller=True,
            generator=True,
            dry_contacts=2,
            quirks=frozenset({CLOUD_OVERRIDE}),
            peak_watts=7000.0,
            lifetime_start_wh=9_800_000.0,
        ),
        Profile(
            name="8x-large",
            port=8305,
            serial="122400000805",
            firmware="D8.3.5167",
            part_number="800-00664-r05",
            token_auth=True,
            metered=True,
            cts=(),
            phases=1,
            inverters=64,
            quirks=frozenset({V1_ZEROS, ZERO_METER_ENTRY}),
            peak_watts=20000.0,
            lifetime_start_wh=48_000_000.0,
        ),
        Profile(
            name="8x-acb",
            port=8306,
            serial="122200000806",
            firmware="D8.2.4382",
            part_number="800-00654-r06",
            token_auth=True,
            metered=True,
            cts=("production", "net-consumption"),
            phases=1,
            inverters=17,
            batteries=1,
            battery_wh=3500,
            acbs=3,
            peak_watts=4500.0,
            lifetime_start_wh=19_000_000.0,
        ),
    )
}

CLOUD_PORT = 8300
