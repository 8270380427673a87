"""The SQL of the `refs` table (migration 3): what the store writes at commit, deletes with its
events, backfills for rows stored before the table existed, and reads for the related-events pane.

Callers hold the store's write lock for every function that writes; none of them commits.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from inspector.core.store.references import BodyRefs, body_refs, decode_refs, encode_refs

# Rows per multi-row INSERT: 3 variables a row, under the 999 bound variables of older builds.
_INSERT_ROWS = 300
_IN_CHUNK = 500

RefRow = tuple[str, int, float | None]  # value, seq, at
# (1, value, its latest time) for each value of a JSON array; the 1 tells these rows from the
# event_id lookup's in EventStore._earlier's UNION.
# The latest of the newest LATEST_WINDOW events carrying a value, by the primary key in seq order
# (no index on `at` to keep up at commit): a step counts as out of order against the later steps
# that arrived before it, and those are among the newest of their value unless more than this
# many events of the same card or cardholder arrived in between.
LATEST_WINDOW = 1000
LATEST_TIMES_SQL = (
    "SELECT 1, j.value, (SELECT MAX(at) FROM (SELECT at FROM refs WHERE value = j.value"
    f" ORDER BY seq DESC LIMIT {LATEST_WINDOW})) FROM json_each(?) AS j"
)


class LatestTimes:
    """The latest own time per reference of what this store committed, for the newest `size`
    references used (the one writer's cache; callers hold the write lock). Values missing here
    are read from the refs table; a time only ever moves forward."""

    def __init__(self, size: int = 50_000) -> None:
        self._size = size
        self._times: OrderedDict[str, float] = OrderedDict()

    def get_many(self, values: Iterable[str]) -> dict[str, float]:
        found: dict[str, float] = {}
        for v in values:
            t = self._times.get(v)
            if t is not None:
                self._times.move_to_end(v)
                found[v] = t
        return found

    def update(self, latest: dict[str, float]) -> None:
        for v, t in latest.items():
            self._times[v] = max(t, self._times.get(v, t))
            self._times.move_to_end(v)
        while len(self._times) > self._size:
            self._times.popitem(last=False)

    def clear(self) -> None:
        self._times.clear()


def latest_times(conn: sqlite3.Connection, values: Iterable[str]) -> dict[str, float]:
    """value -> the latest own time among the stored events that carry it (those that have one).

    One statement for the whole batch (the values as one JSON array), each value's MAX one step
    of the (value, at) index: a statement per value would hand the GIL back and forth per value.
    """
    wanted = list(dict.fromkeys(values))
    if not wanted:
        return {}
    rows = conn.execute(LATEST_TIMES_SQL, (json.dumps(wanted),))
    return {v: float(t) for _kind, v, t in rows if t is not None}


def out_of_order(
    refs: Sequence[BodyRefs | None], ordered: Sequence[bool], latest: dict[str, float]
) -> list[bool]:
    """Per event of a batch (in received order): whether an event received before it that shares
    one of its references says it happened later. Only events with `ordered[i]` (accepted, first
    deliveries) take part, as the judged and as the earlier ones; `latest` is updated in place."""
    flags: list[bool] = []
    for r, take_part in zip(refs, ordered, strict=True):
        at = r.occurred_at if r is not None and take_part else None
        if at is None or r is None:
            flags.append(False)
            continue
        flags.append(any(latest.get(v, at) > at for v in r.values))
        for v in r.values:
            if latest.get(v, at) <= at:
                latest[v] = at
    return flags


def insert_refs(conn: sqlite3.Connection, rows: Sequence[RefRow]) -> None:
    for start in range(0, len(rows), _INSERT_ROWS):
        chunk = rows[start : start + _INSERT_ROWS]
        params = [x for row in chunk for x in row]
        # OR IGNORE: a backfill may meet a row that a commit indexed meanwhile.
        conn.execute(
            "INSERT OR IGNORE INTO refs (value, seq, at) VALUES " + ",".join(["(?,?,?)"] * len(chunk)), params
        )


def delete_refs(conn: sqlite3.Connection, deleted: Sequence[tuple[int, str | None]]) -> None:
    """Delete the refs rows of these events, given as (seq, their `refs` column), by the key."""
    keys = [(value, seq) for seq, text in deleted for value in decode_refs(text).values]
    conn.executemany("DELETE FROM refs WHERE value = ? AND seq = ?", keys)


def backfill_pending(conn: sqlite3.Connection) -> int:
    """The highest seq still to be indexed (0: none)."""
    row = conn.execute("SELECT upto FROM refs_backfill").fetchone()
    return int(row[0]) if row else 0


def backfill_batch(conn: sqlite3.Connection, limit: int) -> int:
    """Index up to `limit` rows stored before the refs table, newest first, in one transaction;
    returns the highest seq still to be indexed after it (0: done)."""
    upto = backfill_pending(conn)
    if upto <= 0:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        rows = conn.execute(
            "SELECT seq, body, status, duplicate_of FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT ?",
            (upto, limit),
        ).fetchall()
        found: list[RefRow] = []
        columns: list[tuple[str, int]] = []
        for seq, body, status, duplicate_of in rows:
            refs = body_refs(bytes(body))
            # The same rule as at commit: only accepted first deliveries carry a time.
            at = refs.occurred_at if 200 <= status < 300 and duplicate_of is None else None
            found.extend((v, int(seq), at) for v in refs.values)
            text = encode_refs(refs)
            if text is not None:
                columns.append((text, int(seq)))
        insert_refs(conn, found)
        # The events' own refs column, as a commit writes it: what pruning deletes their rows by.
        conn.executemany("UPDATE events SET refs = ? WHERE seq = ?", columns)
        left = int(rows[-1][0]) - 1 if len(rows) == limit else 0
        conn.execute("UPDATE refs_backfill SET upto = ?", (left,))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return left


def refs_of_seq(conn: sqlite3.Connection, seq: int) -> list[str]:
    """From the event's refs column (the refs table has no index by seq); [] before its backfill."""
    row = conn.execute("SELECT refs FROM events WHERE seq = ?", (seq,)).fetchone()
    return sorted(decode_refs(row[0]).values) if row else []


def seqs_with_ref(conn: sqlite3.Connection, value: str, limit: int) -> tuple[int, ...]:
    rows = conn.execute("SELECT seq FROM refs WHERE value = ? ORDER BY seq LIMIT ?", (value, limit))
    return tuple(int(r[0]) for r in rows)


def seqs_around(conn: sqlite3.Connection, value: str, seq: int, each_side: int) -> tuple[int, ...]:
    """Up to `each_side` seqs carrying `value` before `seq` and as many from it on, oldest first."""
    before = conn.execute(
        "SELECT seq FROM refs WHERE value = ? AND seq < ? ORDER BY seq DESC LIMIT ?", (value, seq, each_side)
    ).fetchall()
    after = conn.execute(
        "SELECT seq FROM refs WHERE value = ? AND seq >= ? ORDER BY seq LIMIT ?", (value, seq, each_side)
    ).fetchall()
    return tuple(int(r[0]) for r in reversed(before)) + tuple(int(r[0]) for r in after)


def count_with_ref(conn: sqlite3.Connection, value: str) -> int:
    (n,) = conn.execute("SELECT COUNT(*) FROM refs WHERE value = ?", (value,)).fetchone()
    return int(n)
