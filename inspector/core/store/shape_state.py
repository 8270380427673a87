"""The learned payload shapes in the event database: saved state per event type, and the history
they are learned (or rebuilt) from.

The table is migration 2 (`learned_shapes`). A database that passed version 2 while that slot was
still empty has no such table: it is created here on first write, with the migration's own
statement, and read as empty until then.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Mapping
from typing import Any

from inspector.core import events as ev
from inspector.core.store.event_store import EventStore, _where
from inspector.core.store.filter_query import Filter, parse_filter
from inspector.core.store.migrations import MIGRATIONS

_CREATE = MIGRATIONS[1]
STATE_VERSION = 1  # the learner's to_state version (inspector/core/shapes/learner.py)
# What is learned from: accepted deliveries of a named type, whose body was JSON.
_LEARNABLE = (
    "status BETWEEN 200 AND 299 AND event_identifier IS NOT NULL"
    f" AND flags NOT LIKE '%,{ev.FLAG_INVALID_JSON},%'"
)
READ_BATCH = 5000


def _missing_table(exc: sqlite3.OperationalError) -> bool:
    return "no such table" in str(exc)


def load_state(store: EventStore) -> dict[str, Any]:
    """The saved state in the learner's `to_state` form (no types when nothing was saved).

    A row that is not JSON is left out (the learner then relearns that type from new deliveries).
    """
    types: dict[str, Any] = {}
    try:
        rows = store._conn().execute("SELECT event_type, state FROM learned_shapes").fetchall()
    except sqlite3.OperationalError as exc:
        if _missing_table(exc):
            return {"version": STATE_VERSION, "types": {}}
        raise
    for event_type, text in rows:
        try:
            types[str(event_type)] = json.loads(text)
        except ValueError:
            continue
    return {"version": STATE_VERSION, "types": types}


def save_state(store: EventStore, types: Mapping[str, Any], *, replace: bool = False) -> None:
    """Save these types' entries (of `to_state()["types"]`) in one transaction.

    `replace`: every other saved type is removed (after a rebuild from the whole history).
    """
    now = time.time()
    rows = [
        (t, json.dumps(entry, ensure_ascii=False, separators=(",", ":")), now) for t, entry in types.items()
    ]
    with store._write_lock:
        conn = store._writer()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_CREATE)
            if replace:
                conn.execute("DELETE FROM learned_shapes")
            conn.executemany(
                "INSERT OR REPLACE INTO learned_shapes (event_type, state, updated_at) VALUES (?, ?, ?)", rows
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _learnable(filter_text: str | Filter) -> Filter:
    flt = filter_text if isinstance(filter_text, Filter) else parse_filter(filter_text)
    where = f"({_LEARNABLE})" + (f" AND ({flt._where})" if flt._where else "")
    return Filter(where, flt._params)


def count_learnable(store: EventStore, filter_text: str | Filter = "") -> int:
    """How many stored deliveries a rebuild would read (for its progress)."""
    flt = _learnable(filter_text)
    (n,) = store._conn().execute(f"SELECT COUNT(*) FROM events {_where(flt)}", flt._params).fetchone()
    return int(n)


def learnable_bodies(
    store: EventStore, filter_text: str | Filter = "", *, batch: int = READ_BATCH
) -> Iterator[tuple[str, Any]]:
    """(event type, parsed body) of every accepted JSON delivery (matching the filter), oldest first.

    Only the two columns are read, in pages by seq: a million events is a minute's budget, and a
    full row (headers, flags, extra) would cost a third of it.
    """
    flt = _learnable(filter_text)
    last = 0
    conn = store._conn()
    while True:
        rows = conn.execute(
            f"SELECT seq, event_identifier, body FROM events {_where(flt, 'seq > ?')} ORDER BY seq LIMIT ?",
            (last, *flt._params, batch),
        ).fetchall()
        if not rows:
            return
        for _seq, event_type, body in rows:
            try:
                parsed = json.loads(bytes(body).decode("utf-8"))
            except (ValueError, RecursionError):
                continue
            yield event_type, parsed
        last = rows[-1][0]


def type_times(store: EventStore, event_types: list[str]) -> dict[str, tuple[float, float]]:
    """Event type -> (first, last) time a delivery of it was received, by two index lookups each
    (the (event_identifier, seq) index), so a million events cost no scan."""
    conn = store._conn()
    found: dict[str, tuple[float, float]] = {}
    for event_type in event_types:
        first = conn.execute(
            "SELECT received_at FROM events WHERE event_identifier = ? ORDER BY seq ASC LIMIT 1",
            (event_type,),
        ).fetchone()
        last = conn.execute(
            "SELECT received_at FROM events WHERE event_identifier = ? ORDER BY seq DESC LIMIT 1",
            (event_type,),
        ).fetchone()
        if first and last:
            found[event_type] = (float(first[0]), float(last[0]))
    return found
