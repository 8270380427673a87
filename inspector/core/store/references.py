"""References between events: the `id` / `*_id` string values of a JSON body, and its own time.

Two deliveries that carry the same `data.transaction_id` (or `data.card.card_id`, …) are steps of
one story. At commit the store writes every such value of a body into the `refs` table (migration 3)
with the event's seq, so "every event that mentions txn_…" is an index lookup, and with the time
the event says it happened (`occurred_at` below), so a delivery that arrives after one of its
story's later steps can be flagged `out_of_order` without reading any other body.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Where an event says when it happened, first match wins (the provider's envelope keeps its data
# under "data"; other providers put the time at the top).
TIME_PATHS: tuple[tuple[str, ...], ...] = (
    ("data", "created_at"),
    ("created_at",),
    ("occurred_at",),
    ("timestamp",),
)
# A reference longer than this is no id (a token, a blob pasted into an "_id" field): not indexed,
# so one odd body cannot bloat the index.
MAX_REF_LENGTH = 200
# At most this many references per event: a body listing thousands of ids (a batch export
# delivered as one event) would make its commit slow for a lookup nobody does.
MAX_REFS = 64
# Epoch numbers above this are milliseconds (1e11 s is the year 5138; 1e11 ms is 1973).
_EPOCH_MS_FROM = 1e11


@dataclass(frozen=True, slots=True)
class BodyRefs:
    """What the store indexes of one body."""

    values: tuple[str, ...]  # distinct, in the order met
    occurred_at: float | None  # epoch seconds, from TIME_PATHS; None when absent or unreadable


NO_REFS = BodyRefs((), None)


def is_ref_key(key: str) -> bool:
    return key == "id" or key.endswith("_id")


def body_refs(body: bytes) -> BodyRefs:
    """The references and time of a body; NO_REFS for anything that is not a JSON object or array."""
    if body[:1] not in (b"{", b"[") and body.lstrip()[:1] not in (b"{", b"["):
        return NO_REFS
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return NO_REFS
    return refs_of(parsed)


def refs_of(parsed: Any) -> BodyRefs:
    if not isinstance(parsed, dict | list):
        return NO_REFS
    seen: dict[str, None] = {}
    for value in _ref_values(parsed):
        if 0 < len(value) <= MAX_REF_LENGTH:
            seen[value] = None
            if len(seen) >= MAX_REFS:
                break
    return BodyRefs(tuple(seen), occurred_at(parsed))


def _ref_values(root: Any) -> Iterator[str]:
    # Iterative, so a deeply nested body (the listener caps depth, an import may not) cannot
    # exhaust the stack.
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    if is_ref_key(key):
                        yield value
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(v for v in reversed(node) if isinstance(v, dict | list))


def occurred_at(parsed: Any) -> float | None:
    """The event's own time (epoch seconds) from the first of TIME_PATHS that is present."""
    for path in TIME_PATHS:
        node = parsed
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                break
        if node is not None:
            return parse_time(node)
    return None


def parse_time(value: Any) -> float | None:
    """ISO 8601 text or epoch seconds/milliseconds (number or digits) -> epoch seconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                return None
            if moment.tzinfo is None:
                # Providers that leave the zone out mean UTC; what matters here is that every
                # event of one provider is read the same way.
                moment = moment.replace(tzinfo=UTC)
            return moment.timestamp()
    else:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return number / 1000.0 if number >= _EPOCH_MS_FROM else number


def encode_refs(refs: BodyRefs) -> str | None:
    """The events.refs column: `[occurred_at, value, …]` as JSON, None when there is no value.
    The refs trigger (migration 3) turns it into rows of the refs table in the INSERT itself."""
    if not refs.values:
        return None
    return json.dumps([refs.occurred_at, *refs.values], ensure_ascii=False)


def decode_refs(text: str | None) -> BodyRefs:
    if not text:
        return NO_REFS
    at, *values = json.loads(text)
    return BodyRefs(tuple(values), at)
