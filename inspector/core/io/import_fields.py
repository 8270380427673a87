"""Checks of the fields of one imported record: types, ranges and valid Unicode.

Whatever passes here can be stored and read back, shown and exported again: times within the
years 1970-9999 (what ISO 8601 export can write), sizes SQLite and JSON hold exactly, finite
bounded durations, and text that is valid UTF-8 (a JSON string may carry a lone surrogate escape
such as "\\ud800", which no UTF-8 file can hold). A field that fails is a BadRecord: the line is
skipped and counted, never repaired behind the user's back.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from inspector.core import events as ev
from inspector.core.redaction import redact_headers

# The last millisecond of year 9999 UTC; later times cannot be written as ISO 8601 by iso_utc.
MAX_TIME = 253_402_300_799.999
MAX_SIZE = 2**53  # the largest integer JSON readers (and SQLite's REAL fallbacks) keep exactly
MAX_DURATION_MS = 86_400_000.0  # one day: no webhook delivery takes longer to answer


class BadRecord(ValueError):
    """One line or entry that cannot become an event; `kind` groups it in the report."""

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind or message


def text(value: Any, name: str) -> str:
    """`value` if it is a string that UTF-8 can encode, else a BadRecord naming the field."""
    if not isinstance(value, str):
        raise BadRecord(f"{name} must be a string")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise BadRecord(
                f"{name} is not valid Unicode: lone surrogate {value[exc.start]!r} at character"
                f" {exc.start + 1}",
                f"{name} is not valid Unicode (lone surrogate)",
            ) from None
    return value


def optional_text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return None if value is None else text(value, key)


def timestamp(value: Any) -> float:
    """Epoch seconds from a number or an ISO 8601 text, within the years 1970-9999."""
    if isinstance(value, bool):
        raise BadRecord("received_at is not a time")
    if isinstance(value, int | float):
        seconds = float(value)
        shown = repr(value)
    elif isinstance(value, str):
        seconds = _iso_seconds(value)
        shown = repr(value[:40])
    elif value is None:
        raise BadRecord("received_at is missing")
    else:
        raise BadRecord("received_at is not a time")
    if not (math.isfinite(seconds) and 0 <= seconds <= MAX_TIME):
        kind = "received_at is outside the years 1970-9999"
        raise BadRecord(kind.replace("received_at", f"received_at {shown}", 1), kind)
    return seconds


def _iso_seconds(value: str) -> float:
    cleaned = value.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(cleaned)
    except ValueError:
        raise BadRecord(
            f"received_at {value[:40]!r} is not an ISO 8601 time", "received_at is not an ISO 8601 time"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.timestamp()
    except (OverflowError, OSError, ValueError):  # year 1 with an offset: before datetime.min in UTC
        return -math.inf


def method(value: Any) -> str:
    if (
        not isinstance(value, str)
        or not value
        or len(value) > 20
        or not value.isascii()
        or not value.isalpha()
    ):
        raise BadRecord("method is missing or not an HTTP method")
    return value.upper()


def status(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise BadRecord("status must be an HTTP status code (100-599)")
    return value


def headers(value: Any) -> tuple[tuple[str, str], ...]:
    """[name, value] pairs (or HAR's {"name", "value"} objects), redacted again on the way in."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadRecord("headers must be a list")
    pairs: list[tuple[str, str]] = []
    for item in value:
        if isinstance(item, dict):
            name, val = item.get("name"), item.get("value")
        elif isinstance(item, list | tuple) and len(item) == 2:
            name, val = item
        else:
            raise BadRecord("headers must be [name, value] pairs")
        if not isinstance(name, str) or not isinstance(val, str):
            raise BadRecord("header names and values must be strings")
        pairs.append((text(name, "headers"), text(val, "headers")))
    return redact_headers(pairs)


def flags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(f, str) for f in value):
        raise BadRecord("flags must be a list of strings")
    # The store decides what is a duplicate in *this* history; odd flags are dropped, not stored.
    return tuple(
        text(f, "flags") for f in value if f != ev.FLAG_DUPLICATE and f.isprintable() and "," not in f
    )


def body_size(value: Any, stored: int) -> int | None:
    """The full size of a cut body, or None when the body is whole (`stored` bytes)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SIZE:
        raise BadRecord(
            f"body_size must be a whole number of bytes 0-{MAX_SIZE:,}",
        )
    return value if value > stored else None


def duration_ms(value: Any) -> float:
    if value is None:
        return 0.0
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 <= value <= MAX_DURATION_MS
    ):
        raise BadRecord(f"duration_ms must be a number of milliseconds 0-{MAX_DURATION_MS:,.0f}")
    return float(value)
