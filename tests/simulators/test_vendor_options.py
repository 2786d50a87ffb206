"""Vendor simulators' command-line options (``--set vendor.option=value``)."""

from __future__ import annotations

from simulators import enphase, tesla
from simulators.enphase.profiles import CLOUD_OVERRIDE
from simulators.framework import SimClock


def test_tesla_time_zone_puts_the_first_accounts_sites_there() -> None:
    """The demo moves the Tesla sites into its own time zone, so their sun rises with the others'."""
    (served,) = tesla.build({"time_zone": "Europe/London"}, SimClock())
    (default,) = tesla.build({}, SimClock())
    app = served.app
    assert isinstance(app, tesla.TeslaFleetSimulator)
    assert isinstance(default.app, tesla.TeslaFleetSimulator)
    assert {site.time_zone for site in app.accounts["account-home"].sites} == {"Europe/London"}
    assert {site.time_zone for site in default.app.accounts["account-home"].sites} == {
        "America/Los_Angeles"
    }
    # Only the first account moves.
    assert {site.time_zone for site in app.accounts["account-other"].sites} == {"Europe/Berlin"}


def test_enphase_cloud_override_can_be_turned_off() -> None:
    """The demo's 8x gateway keeps what the user writes; by default its cloud puts it back."""
    _cloud, default = enphase.build({"profile": "8x"}, SimClock())
    _cloud, demo = enphase.build({"profile": "8x", "cloud_override": "0"}, SimClock())
    assert isinstance(default.app, enphase.GatewaySimulator)
    assert isinstance(demo.app, enphase.GatewaySimulator)
    assert CLOUD_OVERRIDE in default.app.profile.quirks
    assert CLOUD_OVERRIDE not in demo.app.profile.quirks
    assert demo.app.profile.port == default.app.profile.port
