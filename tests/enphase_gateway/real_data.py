"""Where the real gateway captures are, and the request paths a capture may hold.

The captures live beside the clone (``../shared/real-data/enphase/``, as in CI) and are never
copied into the repository; tests that need them skip with ``NO_REAL_DATA`` where they are
absent.
"""

from __future__ import annotations

from pathlib import Path

REAL = Path(__file__).parents[2].parent / "shared" / "real-data" / "enphase"
NO_REAL_DATA = f"real gateway captures not found at {REAL} (they live beside the clone, in CI)"

# Every request path a capture may hold (a file name cannot be turned back into a path:
# underscores are both separators and part of names).
ENDPOINTS = (
    "/info",
    "/home",
    "/production",
    "/production.json",
    "/production.json?details=1",
    "/api/v1/production",
    "/api/v1/production/inverters",
    "/ivp/pdm/device_data",
    "/ivp/meters",
    "/ivp/meters/readings",
    "/ivp/ensemble/inventory",
    "/ivp/ensemble/status",
    "/ivp/ensemble/secctrl",
    "/ivp/ensemble/power",
    "/ivp/ensemble/relay",
    "/ivp/ensemble/generator",
    "/ivp/ensemble/dry_contacts",
    "/ivp/ss/dry_contact_settings",
    "/ivp/ss/pel_settings",
    "/ivp/sc/pvlimit",
    "/admin/lib/tariff",
    "/ivp/ss/gen_config",
    "/ivp/ss/gen_mode",
    "/ivp/ss/gen_schedule",
)
