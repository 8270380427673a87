"""Every secret this process holds, so log text can be scrubbed of it wherever it turns up.

The keyring wrapper and the token ring call `register_secret` for each token they load or are
given. Registered values are never forgotten: a rotated-out token is still a secret.

Values shorter than MIN_SECRET_LENGTH are refused: redacting "admin" or "1234" from every log line
would garble ordinary words and numbers, and a credential that short is no protection anyway.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from urllib.parse import quote, quote_plus

MIN_SECRET_LENGTH = 8

_lock = threading.Lock()
_values: set[str] = set()
_forms: set[str] = set()


class _Matcher:
    # Swapped as a whole under the lock; readers take the reference without locking.
    pattern: re.Pattern[str] | None = None


_watchers: list[Callable[[str], None]] = []


def _spellings(value: str) -> set[str]:
    """The ways `value` shows up in text: as is, percent-encoded (a URL), escaped (a repr, JSON)."""
    forms = {
        value,
        quote(value),  # in a path
        quote(value, safe=""),
        quote_plus(value),  # in a query or form body
        json.dumps(value)[1:-1],
        repr(value)[1:-1],
    }
    return {f for f in forms if len(f) >= MIN_SECRET_LENGTH}


def register_secret(value: str | None) -> bool:
    """Remember `value` as a secret; False when it is too short (or empty) to be registered."""
    if not value:
        return False
    value = value.strip()
    if len(value) < MIN_SECRET_LENGTH:
        return False
    with _lock:
        if value in _values:
            return True
        _values.add(value)
        _forms.update(_spellings(value))
        # Longest first, so a secret that contains another one is replaced whole.
        ordered = sorted(_forms, key=len, reverse=True)
        _Matcher.pattern = re.compile("|".join(re.escape(f) for f in ordered))
        watchers = list(_watchers)
    for watcher in watchers:
        watcher(value)
    return True


def redact_registered(text: str, replacement: str) -> str:
    """`text` with every registered secret (in any of its spellings) replaced."""
    pattern = _Matcher.pattern
    if pattern is None or not text:
        return text
    return pattern.sub(replacement, text)


def registered_count() -> int:
    with _lock:
        return len(_values)


def watch_registrations(callback: Callable[[str], None]) -> Callable[[], None]:
    """Call `callback(value)` for every secret registered so far and from now on.

    Returns a function that stops the watching. For the test suite's check that no registered
    secret reached a log file.
    """
    with _lock:
        _watchers.append(callback)
        existing = list(_values)
    for value in existing:
        callback(value)

    def stop() -> None:
        with _lock:
            if callback in _watchers:
                _watchers.remove(callback)

    return stop
