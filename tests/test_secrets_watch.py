"""The test-wide ``secrets_watch`` fixture finds what it is told to look for."""

from __future__ import annotations

import logging
import sys

from tests.conftest import SecretWatch, _log_text


def test_secret_watch_finds_registered_secrets_only() -> None:
    watch = SecretWatch()
    watch.add("tok-123456", None, "", "abc")  # empty and too short values are ignored
    assert watch.secrets == {"tok-123456"}
    assert watch.leaks("log", "nothing here") == []
    assert watch.leaks("log", "Bearer tok-123456") == ["log: tok-... appears"]


def _fail() -> None:
    raise ValueError("tok-123456 in an exception")


def test_log_text_includes_tracebacks() -> None:
    try:
        _fail()
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "tok-123456 in an exception" in _log_text([record])
