"""How a place inside a JSON body is written: `data.card.last4`, `data.items[]`, `data["odd.key"]`.

The root is `$`; a top-level key is written bare (`data`), deeper keys after a dot, and the elements
of an array (all of them at once) as `[]` after the array's path. A key that is not a plain word
(dots, brackets, quotes, spaces, empty) is written as a JSON string in brackets, so two different
keys never share a path. A key that itself looks like a card number or a token (a map keyed by PAN,
say) is written as `["[redacted]"]`: paths end up in exports and saved state, and such a key must not.
"""

from __future__ import annotations

import functools
import json
import re

from inspector.core.shapes.sensitive import looks_sensitive_value

ROOT = "$"
ITEMS = "[]"
REDACTED_KEY = "[redacted]"

_PLAIN_KEY = re.compile(r"[\w$@-]+")


@functools.lru_cache(maxsize=8192)
def key_segment(key: str) -> str:
    """`key` as it is written after its parent's path, with the separator: `.card` or `["a.b"]`."""
    if key != REDACTED_KEY and looks_sensitive_value(key):
        key = REDACTED_KEY
    if key != ROOT and _PLAIN_KEY.fullmatch(key):
        return "." + key
    return "[" + json.dumps(key, ensure_ascii=False) + "]"


@functools.lru_cache(maxsize=8192)
def safe_key(key: str) -> str:
    """The key as learned samples keep it: itself, or REDACTED_KEY when it looks like a secret."""
    return REDACTED_KEY if looks_sensitive_value(key) else key


def child_path(parent: str, key: str) -> str:
    """The path of `key` inside the object at `parent`."""
    segment = key_segment(key if type(key) is str else str(key))  # str() only for non-JSON callers
    if parent == ROOT:
        return segment[1:] if segment[0] == "." else segment
    return parent + segment


def items_path(parent: str) -> str:
    """The path of the elements of the array at `parent`."""
    return (parent if parent != ROOT else "") + ITEMS
