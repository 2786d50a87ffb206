"""Tests for the LAN address guard."""

from __future__ import annotations

from homeassistant.exceptions import ConfigEntryError
import pytest

from custom_components.energy_bridges_common.client.lan import (
    LanAddressError,
    LanAddressReason,
    async_check_lan_host,
    canonical_host,
    check_lan_ip,
    normalize_host,
)
from custom_components.energy_bridges_common.hass.lan import (
    ALLOW_LOOPBACK_ENV,
    async_validate_device_host,
    check_stored_host,
    format_host,
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


# -- one spelling per address (issue 14) --------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "3232235781",  # 192.168.1.5 as one number
        "0xc0a80105",  # ... in hex
        "0xC0.0xA8.1.5",
        "192.168.257",  # three parts: the last fills 16 bits
        "10.1",
        "192.168.001.005",  # octal to some parsers
        "0300.0250.1.5",
        "1.2.3.4.5",
        "192.168.1.5\x00.evil.com",
        "192.168.1.5%00",
        "gateway\x07.lan",
        "gateway\u200b.lan",  # a zero-width space
        "a..b",
        "bad_host!.lan",
        "x" * 64 + ".lan",  # a label longer than 63
        ("a" * 60 + ".") * 5 + "lan",  # a name longer than 253
        "café\udcff.lan",  # cannot be IDNA-encoded
    ],
)
async def test_odd_spellings_are_refused(value: str) -> None:
    with pytest.raises(LanAddressError) as err:
        normalize_host(value)
    assert err.value.reason is LanAddressReason.INVALID
    assert err.value.host == value

    async def resolver(host: str) -> list[str]:  # pragma: no cover - must not be asked
        raise AssertionError("an odd spelling must not reach a resolver")

    with pytest.raises(LanAddressError):
        await async_check_lan_host(value, resolver=resolver)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("192.168.1.5.", "192.168.1.5"),
        ("Gateway.LAN.", "gateway.lan"),
        ("[FD00:0:0::5]", "fd00::5"),
        ("[::ffff:c0a8:105]", "::ffff:192.168.1.5"),
        ("wärmepumpe.lan", "xn--wrmepumpe-v2a.lan"),
        ("envoy", "envoy"),
        ("_charger.lan", "_charger.lan"),
    ],
)
async def test_addresses_come_back_canonical(value: str, expected: str) -> None:
    assert canonical_host(value.strip("[]")) == expected
    assert normalize_host(value)[0] == expected

    async def resolver(host: str) -> list[str]:
        assert host == expected
        return ["192.168.1.5"]

    assert (await async_check_lan_host(value, resolver=resolver))[0] == expected


def test_format_host() -> None:
    assert format_host("192.168.1.5") == "192.168.1.5"
    assert format_host("192.168.1.5", 8080) == "192.168.1.5:8080"
    assert format_host("fd00::5", 80) == "[fd00::5]:80"
    # What is stored reads back as the same address.
    assert normalize_host(format_host("fd00::5", 80)) == ("fd00::5", 80)


async def test_validate_device_host_returns_the_canonical_spelling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ALLOW_LOOPBACK_ENV, raising=False)
    assert await async_validate_device_host("http://192.168.1.5.:81/") == ("192.168.1.5", 81)


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        ("8.8.8.8", "public"),
        ("169.254.169.254", "link_local"),
        ("127.0.0.1", "loopback"),
        ("3232235781", "invalid"),
        ("https://8.8.8.8", "public"),
    ],
)
def test_a_stored_address_that_fails_the_guard_fails_setup(
    monkeypatch: pytest.MonkeyPatch, stored: str, reason: str
) -> None:
    monkeypatch.delenv(ALLOW_LOOPBACK_ENV, raising=False)
    with pytest.raises(ConfigEntryError) as err:
        check_stored_host("enphase_gateway", stored)
    assert err.value.translation_key == "address_not_allowed"
    assert err.value.translation_domain == "enphase_gateway"
    assert err.value.translation_placeholders == {"address": stored, "reason": reason}


def test_a_stored_address_that_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_LOOPBACK_ENV, raising=False)
    assert check_stored_host("powervault", "192.168.1.5:8080") == ("192.168.1.5", 8080)
    # A name is not resolved at setup: the LAN client checks where it connects.
    assert check_stored_host("powervault", "Envoy.Local") == ("envoy.local", None)
    monkeypatch.setenv(ALLOW_LOOPBACK_ENV, "1")
    assert check_stored_host("powervault", "127.0.0.1:8100") == ("127.0.0.1", 8100)
