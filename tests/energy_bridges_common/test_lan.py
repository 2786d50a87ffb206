"""Tests for the LAN address guard."""

from __future__ import annotations

import pytest

from custom_components.energy_bridges_common.client.lan import (
    LanAddressError,
    LanAddressReason,
    async_check_lan_host,
    check_lan_ip,
    normalize_host,
)
from custom_components.energy_bridges_common.hass.lan import (
    ALLOW_LOOPBACK_ENV,
    async_validate_device_host,
    loopback_allowed,
)


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "10.255.255.254",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.0.1",
        "192.168.1.100",
        "fd00::1",
        "fc00::5",
        "::ffff:192.168.1.5",
    ],
)
def test_private_addresses_pass(address: str) -> None:
    check_lan_ip(address)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("8.8.8.8", LanAddressReason.PUBLIC),
        ("172.15.255.255", LanAddressReason.PUBLIC),
        ("172.32.0.1", LanAddressReason.PUBLIC),
        ("192.169.0.1", LanAddressReason.PUBLIC),
        ("100.64.0.1", LanAddressReason.PUBLIC),
        ("11.0.0.1", LanAddressReason.PUBLIC),
        ("2001:db8::1", LanAddressReason.PUBLIC),
        ("127.0.0.1", LanAddressReason.LOOPBACK),
        ("127.1.2.3", LanAddressReason.LOOPBACK),
        ("::1", LanAddressReason.LOOPBACK),
        ("::ffff:127.0.0.1", LanAddressReason.LOOPBACK),
        ("169.254.1.1", LanAddressReason.LINK_LOCAL),
        ("fe80::1", LanAddressReason.LINK_LOCAL),
        ("224.0.0.1", LanAddressReason.MULTICAST),
        ("ff02::1", LanAddressReason.MULTICAST),
        ("0.0.0.0", LanAddressReason.UNSPECIFIED),
        ("::", LanAddressReason.UNSPECIFIED),
        ("not-an-ip", LanAddressReason.INVALID),
    ],
)
def test_other_addresses_are_refused(address: str, reason: LanAddressReason) -> None:
    with pytest.raises(LanAddressError) as err:
        check_lan_ip(address)
    assert err.value.reason is reason
    assert err.value.host == address


def test_loopback_only_when_explicitly_allowed() -> None:
    assert str(check_lan_ip("127.0.0.1", allow_loopback=True)) == "127.0.0.1"
    # Allowing loopback allows nothing else.
    with pytest.raises(LanAddressError):
        check_lan_ip("8.8.8.8", allow_loopback=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("192.168.1.5", ("192.168.1.5", None)),
        (" 192.168.1.5:8080 ", ("192.168.1.5", 8080)),
        ("http://192.168.1.5/", ("192.168.1.5", None)),
        ("https://charger.lan:8443", ("charger.lan", 8443)),
        ("[fd00::5]:80", ("fd00::5", 80)),
    ],
)
def test_normalize_host(value: str, expected: tuple[str, int | None]) -> None:
    assert normalize_host(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "192.168.1.5 extra",
        "user:pw@192.168.1.5",
        "ftp://192.168.1.5",
        "1.2.3.4:99999",
        "[::1",
    ],
)
def test_normalize_host_rejects(value: str) -> None:
    with pytest.raises(LanAddressError) as err:
        normalize_host(value)
    assert err.value.reason is LanAddressReason.INVALID


async def test_hostnames_are_resolved_and_every_address_checked() -> None:
    async def resolver(host: str) -> list[str]:
        return {
            "charger.lan": ["192.168.1.20"],
            "mixed.lan": ["192.168.1.20", "93.184.216.34"],
            "scoped.lan": ["fd00::7%eth0"],
            "empty.lan": [],
        }[host]

    assert await async_check_lan_host("charger.lan:81", resolver=resolver) == ("charger.lan", 81)
    assert await async_check_lan_host("scoped.lan", resolver=resolver) == ("scoped.lan", None)
    with pytest.raises(LanAddressError) as err:
        await async_check_lan_host("mixed.lan", resolver=resolver)
    assert err.value.reason is LanAddressReason.PUBLIC
    assert err.value.host == "mixed.lan"
    with pytest.raises(LanAddressError) as err:
        await async_check_lan_host("empty.lan", resolver=resolver)
    assert err.value.reason is LanAddressReason.UNRESOLVABLE


async def test_unresolvable_name() -> None:
    async def resolver(host: str) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(LanAddressError) as err:
        await async_check_lan_host("nowhere.lan", resolver=resolver)
    assert err.value.reason is LanAddressReason.UNRESOLVABLE


async def test_default_resolver_uses_the_loop() -> None:
    # "localhost" resolves without a network; it is loopback, so refused by default.
    with pytest.raises(LanAddressError) as err:
        await async_check_lan_host("localhost")
    assert err.value.reason is LanAddressReason.LOOPBACK
    assert await async_check_lan_host("localhost", allow_loopback=True) == ("localhost", None)


async def test_ip_literal_reason_is_reported_with_the_typed_value() -> None:
    with pytest.raises(LanAddressError) as err:
        await async_check_lan_host("http://8.8.8.8:80/")
    assert err.value.reason is LanAddressReason.PUBLIC
    assert err.value.host == "http://8.8.8.8:80/"


async def test_home_assistant_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_LOOPBACK_ENV, raising=False)
    assert not loopback_allowed()
    with pytest.raises(LanAddressError):
        await async_validate_device_host("127.0.0.1:8100")
    monkeypatch.setenv(ALLOW_LOOPBACK_ENV, "yes")  # only "1" counts
    assert not loopback_allowed()
    monkeypatch.setenv(ALLOW_LOOPBACK_ENV, "1")
    assert await async_validate_device_host("127.0.0.1:8100") == ("127.0.0.1", 8100)
