"""Redaction of secrets from headers and query strings before anything is stored or shown."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote_plus, urlencode

REDACTED = "[redacted]"

# Header names whose values are credentials. Matching is case-insensitive.
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "x-auth-token",
        "x-access-token",
        "x-webhook-token",
    }
)
# Substrings that make a header or query parameter name look secret.
SECRET_HINTS = ("token", "secret", "password", "passwd", "api_key", "apikey", "signature")


def is_secret_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_HEADERS or any(hint in lowered for hint in SECRET_HINTS)


def redact_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Keep names and order (the developer wants to see the header was sent), drop secret values.

    For `Authorization` the scheme stays visible ("Bearer [redacted]") because a wrong scheme is a
    common integration mistake.
    """
    out = []
    for name, value in headers:
        if is_secret_name(name):
            scheme = value.split(" ", 1)[0] if " " in value.strip() else ""
            shown = f"{scheme} {REDACTED}" if scheme.isalpha() and len(scheme) < 16 else REDACTED
            out.append((name, shown))
        else:
            out.append((name, value))
    return tuple(out)


def redact_query(query: str) -> str:
    decoded = unquote_plus(query).lower()  # t%6Fken=... is still a token
    if not query or not any(hint in decoded for hint in (*SECRET_HINTS, "key", "auth")):
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    cleaned = [(k, REDACTED if is_secret_name(k) or k.lower() in ("key", "auth") else v) for k, v in pairs]
    return urlencode(cleaned, safe="[]")
