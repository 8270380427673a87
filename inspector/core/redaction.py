"""Redaction of secrets from headers and query strings before anything is stored or shown.

One rule for header names and query parameter names (README.md "What is redacted" has it as a
table). A name is compared after trimming whitespace, Unicode NFKC folding and case folding; a query
parameter name is percent- and `+`-decoded first (repeatedly, so an encoding twice over counts too).
It is secret when its letters and digits alone, `compact`, contain:

- `auth`, except as the start of `author…` (author, authority); `authoriz…`/`authoris…` count,
- or one of SECRET_PARTS (token, secret, password, apikey, signature, cookie, session, ...),
- or `compact` is one of SECRET_WHOLE_NAMES (key, sig, pwd, pass, jwt).

A secret value is replaced as a whole. Only a recognised auth scheme word (AUTH_SCHEMES) in front
is kept, so "Bearer [redacted]" still shows a wrong-scheme mistake; anything else is "[redacted]".
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from inspector.core.events import StoredEvent

REDACTED = "[redacted]"

# The IANA HTTP Authentication Scheme Registry, plus Token, NTLM and AWS4-HMAC-SHA256, which are
# common without being registered. Lower-case; the word is kept as it was sent.
AUTH_SCHEMES = frozenset(
    {
        "basic",
        "bearer",
        "concealed",
        "digest",
        "dpop",
        "gnap",
        "hoba",
        "mutual",
        "negotiate",
        "oauth",
        "privatetoken",
        "scram-sha-1",
        "scram-sha-256",
        "vapid",
        "token",
        "ntlm",
        "aws4-hmac-sha256",
    }
)
SECRET_PARTS = (
    "token",
    "secret",
    "password",
    "passwd",
    "passphrase",
    "apikey",
    "accesskey",
    "privatekey",
    "signature",
    "cookie",
    "credential",
    "session",
)
SECRET_WHOLE_NAMES = frozenset({"key", "sig", "pwd", "pass", "jwt"})

# "auth" not followed by "or", unless that "or" goes on as "oriz"/"oris" (authorization).
_AUTH = re.compile(r"auth(?!or(?!i[sz]))")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_QUERY_SEPARATORS = re.compile(r"([&;])")
_MAX_DECODES = 4


def _compact(name: str) -> str:
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", name.strip()).casefold())


# Header names repeat from one delivery to the next; the cache keeps the listener's cost per request
# where it was before these rules (bounded, so names an attacker invents cannot grow it).
@functools.lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """Whether a header (or an already decoded query parameter) name carries a credential."""
    compact = _compact(name)
    return (
        compact in SECRET_WHOLE_NAMES
        or _AUTH.search(compact) is not None
        or any(part in compact for part in SECRET_PARTS)
    )


def auth_scheme(value: str) -> str | None:
    """The first word of `value` when it is a recognised auth scheme (as sent), else None."""
    words = value.split(None, 1)
    if words and words[0].isascii() and words[0].lower() in AUTH_SCHEMES:
        return words[0]
    return None


def redacted_value(value: str) -> str:
    """What is kept of a secret header's value: a scheme word at most, never any of the rest."""
    scheme = auth_scheme(value)
    if scheme is None:
        return REDACTED
    # A scheme alone (nothing after it) was no secret, and "Bearer [redacted]" would claim a token.
    return scheme if value.strip() == scheme else f"{scheme} {REDACTED}"


def redact_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Keep names and order (the developer wants to see the header was sent), drop secret values."""
    return tuple((name, redacted_value(value) if is_secret_name(name) else value) for name, value in headers)


def query_name(raw: str) -> str:
    """A query parameter name as a server would read it, decoded until nothing changes."""
    name = raw
    for _ in range(_MAX_DECODES):
        decoded = unquote_plus(name)
        if decoded == name:
            break
        name = decoded
    return name


def redact_query(query: str) -> str:
    """Secret parameters get "[redacted]" as value; everything else stays byte for byte.

    An empty value stays empty: there was no secret, and "[redacted]" would claim there was one.

    Pairs are split at `&` and at `;` (some servers treat both as separators), and the separators
    are kept, so a query without secrets comes back unchanged.
    """
    if not query:
        return query
    pieces = _QUERY_SEPARATORS.split(query)
    for i in range(0, len(pieces), 2):  # odd indexes are the separators themselves
        name, _, value = pieces[i].partition("=")
        if value and is_secret_name(query_name(name)):
            pieces[i] = f"{name}={REDACTED}"
    return "".join(pieces)


def redact_url(url: str) -> str:
    """A URL as it may be kept (a forward or replay target the user typed): secret query
    parameters redacted as redact_query does, and a password in it (`user:pass@`) too."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    userinfo, at, host = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:{REDACTED}@{host}"
    query = redact_query(parts.query)
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def query_pairs(query: str) -> list[tuple[str, str]]:
    """Decoded (name, value) pairs, split the same way `redact_query` splits them."""
    pairs = []
    for piece in _QUERY_SEPARATORS.split(query)[::2]:
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


def redact_event(event: StoredEvent) -> StoredEvent:
    """The event with its headers and query redacted again, for everything that leaves the store.

    Rows are redacted when stored; this covers rows stored under older, weaker rules.
    """
    headers = redact_headers(event.headers)
    query = redact_query(event.query)
    if headers == event.headers and query == event.query:
        return event
    return dataclasses.replace(event, headers=headers, query=query)
