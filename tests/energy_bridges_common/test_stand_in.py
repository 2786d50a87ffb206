"""The guarded switch for stand-in servers: only loopback, only with the switch on."""

from __future__ import annotations

import logging

import pytest

from custom_components.energy_bridges_common.client.stand_in import (
    ALLOW_LOOPBACK_ENV,
    is_loopback_url,
    stand_in_url,
    url_is_below,
)

ENV = "HOME_ENERGY_BRIDGES_TEST_URL"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8200", True),
        ("https://127.5.6.7/v1/", True),
        ("http://[::1]:8400", True),
        ("http://localhost:8100/v4", True),
        ("http://8.8.8.8", False),
        ("http://192.168.1.5", False),
        ("http://169.254.169.254", False),
        ("http://127.0.0.1.evil.com", False),
        ("http://localhost.evil.com", False),
        ("http://user:pw@127.0.0.1", False),
        ("http://127.0.0.1/?next=https://evil.com", False),
        ("http://127.0.0.1/#x", False),
        ("ftp://127.0.0.1", False),
        ("127.0.0.1:8200", False),
        ("http://127.0.0.1:99999", False),
        ("http://", False),
    ],
)
def test_is_loopback_url(url: str, expected: bool) -> None:
    """Only a plain http(s) URL on a loopback host counts."""
    assert is_loopback_url(url) is expected


def test_stand_in_needs_the_switch(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the loopback switch even a loopback URL is ignored, with a warning."""
    monkeypatch.delenv(ALLOW_LOOPBACK_ENV, raising=False)
    assert stand_in_url(ENV) is None
    monkeypatch.setenv(ENV, "http://127.0.0.1:8200/")
    with caplog.at_level(logging.WARNING):
        assert stand_in_url(ENV) is None
    assert ENV in caplog.text
    monkeypatch.setenv(ALLOW_LOOPBACK_ENV, "1")
    assert stand_in_url(ENV) == "http://127.0.0.1:8200"


def test_stand_in_refuses_other_hosts(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """With the switch on, a URL that leaves the machine is still ignored."""
    monkeypatch.setenv(ALLOW_LOOPBACK_ENV, "1")
    monkeypatch.setenv(ENV, "https://attacker.example")
    with caplog.at_level(logging.WARNING):
        assert stand_in_url(ENV) is None
    assert "loopback" in caplog.text
    assert "attacker" not in caplog.text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x", True),
        ("https://x/", True),
        ("https://x/api/1", True),
        ("https://x.evil.com", False),
        ("https://x.evil.com/api", False),
        ("http://x/api", False),
        ("https://x:444/api", False),
        ("https://user@x/api", False),
        ("https://x:99999/", False),
    ],
)
def test_url_is_below(url: str, expected: bool) -> None:
    """Trust follows scheme, host and port, then whole path segments, not a bare prefix."""
    assert url_is_below(url, "https://x") is expected


def test_url_is_below_path_segments() -> None:
    """A sibling path that only shares a prefix is not below the base."""
    assert url_is_below("http://127.0.0.1:8400/na/api", "http://127.0.0.1:8400/na")
    assert not url_is_below("http://127.0.0.1:8400/nax/api", "http://127.0.0.1:8400/na")
