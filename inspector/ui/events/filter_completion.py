"""What the filter bar offers as you type: keys, then values for the key (Wireshark's completion).

Keys and `is:` words come from the query language itself (inspector/core/store/filter_query.py's
KEYS and is: clauses), so a key another part of the program adds there is offered here too.
Values are the event types and webhook ids seen in the history, status classes, methods.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from inspector.core.store import filter_query

STATUS_VALUES = ("2xx", "4xx", "5xx", "200", "400", "401", "413", "415", ">=400")
METHOD_VALUES = ("POST", "GET", "PUT", "PATCH", "DELETE")
# The word under the cursor: an optional "-", then anything up to the next space.
_WORD = re.compile(r'-?[^\s"]*$')


def keys() -> tuple[str, ...]:
    return tuple(getattr(filter_query, "KEYS", ()))


def is_words() -> tuple[str, ...]:
    clauses = getattr(filter_query, "_IS_CLAUSES", {})  # the dict the parser reads: always in step
    return tuple(clauses)


def current_word(text: str, cursor: int) -> tuple[int, str]:
    """(start, word) of the word the cursor is at the end of."""
    match = _WORD.search(text[:cursor])
    assert match is not None  # the pattern matches the empty string
    return match.start(), match.group(0)


def candidates(word: str, values: Mapping[str, Iterable[str]]) -> list[str]:
    """Completions for `word` ("typ", "type:card", "-is:du"): whole words including the key."""
    sign = "-" if word.startswith("-") else ""
    bare = word[len(sign) :]
    if ":" not in bare:
        return [f"{sign}{k}:" for k in keys() if k.startswith(bare.lower())]
    key, _, typed = bare.partition(":")
    key = key.lower()
    offered: Iterable[str]
    if key == "is":
        offered = is_words()
    elif key == "status":
        offered = STATUS_VALUES
    elif key == "method":
        offered = METHOD_VALUES
    else:
        offered = values.get(key, ())
    typed_lower = typed.lower()
    return [
        f"{sign}{key}:{v}" for v in sorted(set(offered)) if v.lower().startswith(typed_lower) and v != typed
    ]
