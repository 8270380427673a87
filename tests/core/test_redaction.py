"""Redaction of secret header values and query parameters before anything is stored or shown."""

from __future__ import annotations

import pytest

from inspector.core.redaction import REDACTED, is_secret_name, redact_headers, redact_query, redact_url

SECRET = "s3cr3t-value-0123456789"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (f"Bearer {SECRET}", "Bearer [redacted]"),
        (f"bearer {SECRET}", "bearer [redacted]"),
        (f"Basic {SECRET}", "Basic [redacted]"),
        (SECRET, REDACTED),  # a bare token: nothing of it stays
        (f"{SECRET} trailing", REDACTED),  # not a scheme: the first word is the secret itself
        (f"Bear3r {SECRET}", REDACTED),
        (f"Averyveryverylongscheme {SECRET}", REDACTED),
        ("", REDACTED),
    ],
)
def test_authorization_keeps_only_a_plain_scheme(value: str, shown: str) -> None:
    assert redact_headers([("Authorization", value)]) == (("Authorization", shown),)


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "authorization",
        "Proxy-Authorization",
        "Cookie",
        "Set-Cookie",
        "X-Api-Key",
        "Api-Key",
        "X-Auth-Token",
        "X-Access-Token",
        "X-Webhook-Token",
        "X-Provider-Signature",
        "X-Client-Secret",
        "X-Password",
        "My-Apikey",
    ],
)
def test_secret_headers_lose_their_value(name: str) -> None:
    assert is_secret_name(name)
    ((out_name, out_value),) = redact_headers([(name, SECRET)])
    assert out_name == name
    assert SECRET not in out_value


def test_ordinary_headers_names_and_order_are_kept() -> None:
    headers = [
        ("Content-Type", "application/json"),
        ("Authorization", f"Bearer {SECRET}"),
        ("X-Request-Id", "r-1"),
        ("X-Request-Id", "r-2"),
        ("User-Agent", "provider/1.0"),
    ]
    assert redact_headers(headers) == (
        ("Content-Type", "application/json"),
        ("Authorization", "Bearer [redacted]"),
        ("X-Request-Id", "r-1"),
        ("X-Request-Id", "r-2"),
        ("User-Agent", "provider/1.0"),
    )


@pytest.mark.parametrize("name", ["Content-Type", "X-Request-Id", "Host", "Keyboard", "Authority"])
def test_ordinary_names_are_not_secret(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    "query",
    [
        f"token={SECRET}",
        f"page=2&access_token={SECRET}",
        f"key={SECRET}",
        f"auth={SECRET}&x=1",
        f"api_key={SECRET}",
        f"apikey={SECRET}",
        f"client_secret={SECRET}",
        f"signature={SECRET}&t=1",
        f"Token={SECRET}",
    ],
)
def test_secret_query_parameters_are_redacted(query: str) -> None:
    out = redact_query(query)
    assert SECRET not in out
    assert "redacted" in out


def test_other_query_parameters_survive() -> None:
    out = redact_query(f"page=2&token={SECRET}&sort=desc&empty=")
    assert out.startswith("page=2&token=")
    assert "sort=desc" in out
    assert "empty=" in out
    assert SECRET not in out


@pytest.mark.parametrize("query", ["", "page=2&sort=desc", "a=1&b=%20x", "monkey=1"])
def test_queries_without_secrets_are_unchanged(query: str) -> None:
    assert redact_query(query) == query


def test_percent_encoded_secret_names_are_redacted() -> None:
    assert SECRET not in redact_query(f"t%6Fken={SECRET}")


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://h.example/x?token=abc&a=1", "https://h.example/x?token=[redacted]&a=1"),
        ("https://u:pw@h.example:8443/x", "https://u:[redacted]@h.example:8443/x"),
        ("http://127.0.0.1:9000/hooks?a=1;api_key=k", "http://127.0.0.1:9000/hooks?a=1;api_key=[redacted]"),
        ("http://127.0.0.1:9000/hooks", "http://127.0.0.1:9000/hooks"),
        ("http://[::1/x", "http://[::1/x"),  # unparseable: left as it is, never raises
    ],
)
def test_a_kept_url_loses_its_secrets(url: str, kept: str) -> None:
    assert redact_url(url) == kept
