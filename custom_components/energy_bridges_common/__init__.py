"""Helpers shared by the Home Energy Bridges integrations.

This directory has no ``manifest.json``: Home Assistant's loader does not treat it as an
integration. The integrations import it relatively (``from ..energy_bridges_common import``).

- ``client``: the protocol side, with no Home Assistant imports (HTTP client base, error
  hierarchy, LAN address guard, call-budget accounting, monotonic energy totals, redaction).
- ``hass``: the Home Assistant side (coordinators, the persisted cloud budget, entity helpers,
  energy sensors, diagnostics).
"""
