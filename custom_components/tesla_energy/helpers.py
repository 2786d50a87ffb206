"""What Tesla's commands check first: the scope the user granted.

The commands themselves go through the shared command path (``hass/command.py``) with each
site's ``CommandTarget`` (``coordinator.site_command_target``).
"""

from __future__ import annotations

from homeassistant.exceptions import ServiceValidationError

from .api import Scope
from .const import DOMAIN
from .coordinator import TeslaEnergyConfigEntry


def require_command_scope(entry: TeslaEnergyConfigEntry) -> None:
    """Refuse a command when the user did not grant the commands scope."""
    if Scope.ENERGY_CMDS not in entry.runtime_data.scopes:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="missing_command_scope",
            translation_placeholders={"scope": Scope.ENERGY_CMDS.value},
        )
