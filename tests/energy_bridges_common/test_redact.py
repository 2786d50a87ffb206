"""Tests for redaction."""

from __future__ import annotations

from custom_components.energy_bridges_common.client.redact import REDACTED, Redactor, redact_bearer


def test_text_and_url() -> None:
    redactor = Redactor(["abcd1234", "abcd1234efgh", "ab"])  # too short secrets are ignored
    assert redactor.text("key abcd1234efgh and abcd1234 and ab") == (
        f"key {REDACTED} and {REDACTED} and ab"
    )
    url = redactor.url("http://user:pw@host.test/x?apikey=zzz&id=5&other=abcd1234")
    assert "pw" not in url and "zzz" not in url and "abcd1234" not in url
    assert "id=5" in url


def test_headers_and_data() -> None:
    redactor = Redactor(["tok-123456"])
    assert redactor.headers({"Authorization": "Bearer x", "Accept": "tok-123456"}) == {
        "Authorization": REDACTED,
        "Accept": REDACTED,
    }
    data = {
        "password": "hunter2",
        "nested": [{"token": "t"}, {"note": "has tok-123456 inside"}, 5],
        "refresh_token": None,
        "tuple": ("x",),
    }
    assert redactor.data(data) == {
        "password": REDACTED,
        "nested": [{"token": REDACTED}, {"note": f"has {REDACTED} inside"}, 5],
        "refresh_token": None,
        "tuple": ["x"],
    }
    assert redactor.is_secret_name("X-Api-Key")


def test_bearer() -> None:
    assert redact_bearer("Authorization: Bearer eyJ.abc-def") == f"Authorization: Bearer {REDACTED}"


def test_discarded_secret_is_forgotten() -> None:
    """A replaced token is no longer held (nor replaced); the others stay."""
    redactor = Redactor(["old-token-1234", "api-key-5678"])
    redactor.discard_secret("old-token-1234")
    redactor.discard_secret(None)
    redactor.discard_secret("never-added")
    assert redactor.text("old-token-1234 api-key-5678") == f"old-token-1234 {REDACTED}"
