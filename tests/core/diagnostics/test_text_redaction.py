"""Free-text redaction: the shapes a secret takes when code formats it into a message."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import pytest

from inspector.core.diagnostics import MIN_SECRET_LENGTH, redact_text, register_secret

TOKEN = "Zx9-unregistered-QpL2m7"


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {TOKEN}",
        f"RuntimeError: bad answer; Authorization: {TOKEN}",  # a header after another "name:"
        f"X-Api-Key: {TOKEN}",
        f"Cookie: sid={TOKEN}",
        f"headers=[('Authorization', 'Bearer {TOKEN}'), ('X-Trace', 'ok')]",
        f"{{'X-Webhook-Token': '{TOKEN}'}}",
        f'{{"authorization_token": "{TOKEN}", "url": "https://example.test/hook"}}',
        f"(b'Authorization', b'Bearer {TOKEN}')",
        f"POST /hook?x=1&token={TOKEN}&y=2",
        f"/hook?%74oken={TOKEN}",  # a percent-encoded name
        f"/hook?access_token={TOKEN}#frag",
        f"call(api_key='{TOKEN}', name='x')",
        f'call(password="{TOKEN}")',
        f"sent Bearer {TOKEN} to the provider",
        f"bearer {TOKEN}",
        f"https://user:{TOKEN}@example.test/x",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ],
)
def test_unregistered_secret_shapes_are_redacted(text: str) -> None:
    redacted = redact_text(text)
    assert TOKEN not in redacted
    assert "eyJhbGciOiJIUzI1NiJ9" not in redacted
    assert "[redacted]" in redacted


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"Authorization: Bearer {TOKEN}", "Authorization: Bearer [redacted]"),  # the scheme stays
        (f"Authorization: {TOKEN}", "Authorization: [redacted]"),
        (f"/hook?token={TOKEN}&page=2", "/hook?token=[redacted]&page=2"),
        ("/hook?token=&page=2", "/hook?token=&page=2"),  # nothing was sent: nothing to claim
    ],
)
def test_what_is_kept_around_a_secret(text: str, shown: str) -> None:
    assert redact_text(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "rejected delivery: status 401, flag token-missing, path /webhooks/wh_1",
        "token verification failed for webhook wh_1",
        "missing bearer token in the request",
        "Basic setup complete",
        "store opened: /home/zoë/.local/share/webhook-inspector/events.sqlite3, schema version 1",
        "listening on http://127.0.0.1:8765",
        "Keyring: in your system keyring: Secret Service",
        "GET /webhooks?page=2&limit=50",
        'Traceback (most recent call last):\n  File "/app/inspector/core/secrets.py", line 3, in get',
        "author: Zoë; authority: the provider",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact_text(text) == text


def test_redaction_is_idempotent() -> None:
    text = f"Authorization: Bearer {TOKEN} ?token={TOKEN} ('Cookie', '{TOKEN}')"
    once = redact_text(text)
    assert redact_text(once) == once


def test_registered_secret_is_redacted_in_every_spelling(secret: str) -> None:
    # A registered token is found however it was written: plain, URL-encoded, in a repr.
    odd = "odd tok/with+plus&'quote\\é"
    assert register_secret(odd)
    spellings = [odd, quote(odd), quote(odd, safe=""), quote_plus(odd), repr(odd), json.dumps(odd)]
    assert len(set(spellings)) == len(spellings)
    text = f"plain {secret} | " + " | ".join(spellings)
    redacted = redact_text(text)
    assert secret not in redacted
    assert "odd" not in redacted
    assert redacted.count("[redacted]") == 1 + len(spellings)


def test_short_values_are_not_registered() -> None:
    assert not register_secret("x" * (MIN_SECRET_LENGTH - 1))
    assert not register_secret("")
    assert not register_secret(None)
    assert not register_secret("   short   ")
    # Registering a common short word would redact it from every line.
    assert redact_text("admin logged in") == "admin logged in"


def test_longer_secret_containing_another_is_replaced_whole(secret: str) -> None:
    longer = secret + "-and-more"
    assert register_secret(longer)
    assert redact_text(f"value {longer}.") == "value [redacted]."
