"""The test harness of the side-by-side bench: the repository's fixtures plus the CPU meter."""

from __future__ import annotations

from collections.abc import Iterator

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest

# The repository's fixtures (and its check that its own ``custom_components`` is the one loaded).
from tests.conftest import allow_loopback, auto_enable_custom_integrations  # noqa: F401

from .harness import CpuMeter


@pytest.fixture
def cpu(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Iterator[CpuMeter]:
    """Charge event-loop CPU to the client whose context a callback runs in.

    The test harness runs the loop in debug mode, which records a traceback for every
    callback scheduled: an overhead no user has, so it is switched off.
    """
    hass.loop.set_debug(False)
    # Start on a whole second: the harness fires a timer up to 0.5 s early, so a clock that
    # started at a random fraction of a second made 5-second polls come every 4 s in some
    # runs and not in others (request counts moved by a quarter between runs).
    freezer.move_to(dt_util.utcnow().replace(microsecond=0))
    meter = CpuMeter()
    meter.install()
    try:
        yield meter
    finally:
        meter.uninstall()
