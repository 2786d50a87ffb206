"""The test harness of the side-by-side bench: the repository's fixtures plus the CPU meter."""

from __future__ import annotations

from collections.abc import Iterator

from homeassistant.core import HomeAssistant
import pytest

# The repository's fixtures (and its check that its own ``custom_components`` is the one loaded).
from tests.conftest import allow_loopback, auto_enable_custom_integrations  # noqa: F401

from .harness import CpuMeter


@pytest.fixture
def cpu(hass: HomeAssistant) -> Iterator[CpuMeter]:
    """Charge event-loop CPU to the client whose context a callback runs in.

    The test harness runs the loop in debug mode, which records a traceback for every
    callback scheduled: an overhead no user has, so it is switched off.
    """
    hass.loop.set_debug(False)
    meter = CpuMeter()
    meter.install()
    try:
        yield meter
    finally:
        meter.uninstall()
