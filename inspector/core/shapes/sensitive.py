"""What must never be shown as an example value: credentials and anything like a card number.

Examples and value sets end up in saved state, exported schemas, Markdown and generated code, so a
value is kept only when none of these rules hits:

- its path has a key that names a credential (`inspector.core.redaction.is_secret_name`: token,
  secret, password, authorization, session, ...), at any depth;
- it contains a run of 13 or more digits, alone or split by single spaces or dashes
  (`4242 4242 4242 4242`), whether or not it passes the Luhn check; masked numbers such as
  `424242******4242` have no such run and are fine, and so are UUIDs;
- it looks like a token: an auth scheme word and more (`Bearer ...`), a JWT (three base64url parts,
  the first starting `eyJ`), a PEM block, a well-known key prefix (`sk_`, `whsec_`, `ghp_`, ...), or a
  long unbroken string of token characters: 20+ characters mixing upper case, lower case and digits,
  or 32+ characters mixing letters and digits. Single-case hex ids (`txn_3f9a...`, UUIDs) pass.
"""

from __future__ import annotations

import re

from inspector.core.redaction import auth_scheme, is_secret_name

_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){12}")
_JWT = re.compile(r"eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*")
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9+/=_.~-]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_KEY_PREFIXES = (
    "sk_",
    "rk_",
    "whsec_",
    "ghp_",
    "gho_",
    "ghs_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "akia",
    "aiza",
    "-----begin",
)


def looks_like_card_number(text: str) -> bool:
    """Whether `text` holds 13 or more digits in a row (single spaces or dashes between allowed).

    A UUID is the one exception: its 8-4-4-4-12 grouping is no card number's, even when its last
    groups happen to be all digits.
    """
    return _DIGIT_RUN.search(text) is not None and not _UUID.fullmatch(text.strip())


def looks_like_token(text: str) -> bool:
    """Whether `text` looks like a credential by its form alone (see the module docstring)."""
    stripped = text.strip()
    if len(stripped) < 8:
        return False
    lowered = stripped.lower()
    if lowered.startswith(_KEY_PREFIXES) or _JWT.search(stripped):
        return True
    if " " in stripped:
        scheme = auth_scheme(stripped)
        return scheme is not None and stripped != scheme
    if len(stripped) < 20 or not _TOKEN_CHARS.fullmatch(stripped) or _UUID.fullmatch(stripped):
        return False
    has_digit = any(c.isdigit() for c in stripped)
    has_upper = any(c.isupper() for c in stripped)
    has_lower = any(c.islower() for c in stripped)
    if has_digit and has_upper and has_lower:
        return True
    return len(stripped) >= 32 and has_digit and (has_upper or has_lower)


def looks_sensitive_value(text: str) -> bool:
    """A card number or a token by its form."""
    return looks_like_card_number(text) or looks_like_token(text)


def is_secret_key(key: str) -> bool:
    """Whether values under this key (and everything below it) are credentials by their name."""
    return is_secret_name(key)


def example_allowed(value: object) -> bool:
    """Whether a scalar value (under a non-secret path) may be shown as an example."""
    if isinstance(value, str):
        return len(value) <= 80 and not looks_sensitive_value(value)
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int | float):
        return not looks_like_card_number(repr(value))
    return False
