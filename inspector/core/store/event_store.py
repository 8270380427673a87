"""Durable store of every delivery attempt: SQLite in WAL mode, one connection per thread."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from inspector.core import events as ev
from inspector.core.diagnostics.log_events import STORE, store_opened
from inspector.core.events import EventSummary, NewEvent, StoredEvent
from inspector.core.paths import DB_FILENAME, DataDirError, ensure_dir
from inspector.core.store.columns import (
    FULL_SELECT,
    INSERT_HEAD,
    PREPARED_AT,
    ROW_MARKS,
    SUMMARY_SELECT,
    inserted_event,
    prepare_row,
    read_full,
    read_summary,
)
from inspector.core.store.connection import (
    ReadOnlyStoreError,
    check_schema,
    check_writable,
    connect,
    damage_sentence,
    is_damage,
    quick_check,
)
from inspector.core.store.filter_query import Filter, parse_filter
from inspector.core.store.migrations import SchemaTooNewError, migrate
from inspector.core.store.ref_index import (
    LATEST_TIMES_SQL,
    LatestTimes,
    backfill_batch,
    backfill_pending,
    count_with_ref,
    delete_refs,
    latest_times,
    out_of_order,
    refs_of_seq,
    seqs_around,
    seqs_with_ref,
)
from inspector.core.store.references import decode_refs

SORTABLE = (
    "seq",
    "received_at",
    "method",
    "path",
    "event_identifier",
    "event_id",
    "status",
    "body_size",
)
_FLAGS_AT = PREPARED_AT["flags"]
_REFS_AT = PREPARED_AT["refs"]
# What makes two rows the same delivery (an import of an export of this history): compared as stored.
_SAME_DELIVERY = ("method", "path", "query", "headers", "body", "status")
_SAME_AT = tuple(PREPARED_AT[name] for name in _SAME_DELIVERY)
# Rows per INSERT statement: at 16 or so variables a row, far below SQLite's bound-variable limit
# (32,766 in current builds, 999 in builds before 3.32 — then a batch this large fails loudly).
_CHUNK_ROWS = 1000
# Seqs per "seq IN (...)" read: under the 999 bound variables of older SQLite builds.
_IN_CHUNK = 500
# An NDJSON export writes received_at truncated to the millisecond (after rounding to the
# microsecond): the stored time of the same delivery lies in [t - 1 us, t + 1 ms).
_SAME_TIME_BEFORE = 1e-6
_SAME_TIME_AFTER = 1e-3
# Distinct event types by a loose index scan: jump from one value to the next instead of reading
# every row, so this stays fast with a million events.
_DISTINCT_TYPES = """
WITH RECURSIVE t(v) AS (
    SELECT MIN(event_identifier) FROM events
    UNION ALL
    SELECT (SELECT MIN(event_identifier) FROM events WHERE event_identifier > t.v)
    FROM t WHERE t.v IS NOT NULL
)
SELECT v FROM t WHERE v IS NOT NULL
"""


class StoreError(Exception):
    """The store cannot be opened or written; the message is for the user."""


class EventStore:
    """`read_only=True` opens the file for reading only (export): no migration, no write ever, and
    it works in a folder the user cannot write. Otherwise opening proves that writes go through."""

    def __init__(self, path: Path, *, synchronous: str = "NORMAL", read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        # NORMAL in WAL mode: a committed (acknowledged) delivery survives a crash or kill of this
        # process; only an OS crash or power cut can lose the last commits. FULL (fsync per commit)
        # is there for those who want that too, at a measured cost of throughput.
        self._synchronous = synchronous
        # One read connection per OS thread, keyed by its thread id rather than a threading.local:
        # a Qt pool thread runs each job under a fresh Python thread state, so a threading.local
        # (and the connection in it) was new for every job while the store kept the old one open
        # — 13 KB of memory per delivery in a soak, a connection per count. Thread ids of live
        # threads are unique, and a dead thread's connection goes to the next thread given its id.
        self._readers: dict[int, sqlite3.Connection] = {}
        self._conns_lock = threading.Lock()
        self._closed = False
        # All writes go through one connection: request threads come and go (one per HTTP
        # connection), and opening a connection per write would cost more than the write.
        self._write_lock = threading.Lock()
        self._write_conn: sqlite3.Connection | None = None
        self.last_delete_s = 0.0  # the write lock's hold time of the last delete_unpinned
        self._checks: set[sqlite3.Connection] = set()  # quick_check connections, interrupted by close()
        # reference -> the latest own time of the events committed with it (write lock held): a
        # card or cardholder in every delivery is then looked up once, not at every commit.
        self._latest = LatestTimes()
        try:
            conn = self._conn()
            if read_only:
                check_schema(conn, path)
            else:
                migrate(conn)
                check_writable(conn, path)
        except (SchemaTooNewError, ReadOnlyStoreError) as exc:
            self.close()
            raise StoreError(str(exc)) from exc
        except sqlite3.DatabaseError as exc:
            self.close()
            if is_damage(exc):
                raise StoreError(damage_sentence(path, str(exc))) from exc
            raise StoreError(f"cannot open the event database {path}: {exc}") from exc
        self._log_opened(conn)

    def _log_opened(self, conn: sqlite3.Connection) -> None:
        if not STORE.isEnabledFor(logging.INFO):
            return  # the row count reads an index: only when someone keeps the line
        try:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            (rows,) = conn.execute("SELECT COUNT(*) FROM events").fetchone()
        except sqlite3.Error as exc:
            STORE.warning("store opened: %s, but it cannot be counted: %s", self.path, exc)
            return
        store_opened(self.path, version, rows)

    @classmethod
    def open(cls, data_dir: Path, *, read_only: bool = False, **kwargs: Any) -> EventStore:
        folder = Path(data_dir)
        if read_only:
            if not (folder / DB_FILENAME).is_file():
                raise StoreError(f"no event database in {folder}")
            return cls(folder / DB_FILENAME, read_only=True, **kwargs)
        try:
            ensure_dir(folder)
        except DataDirError as exc:
            raise StoreError(str(exc)) from exc
        return cls(folder / DB_FILENAME, **kwargs)

    # -- connections ---------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        key = threading.get_ident()
        conn = self._readers.get(key)
        if conn is not None:
            return conn
        conn = self._connect()
        with self._conns_lock:
            if self._closed:
                conn.close()
                raise StoreError("the event store is closed")
            self._readers[key] = conn
        return conn

    def open_connections(self) -> int:
        """How many SQLite connections the store holds open (read connections and the writer)."""
        with self._conns_lock:
            return len(self._readers) + (self._write_conn is not None)

    def _writer(self) -> sqlite3.Connection:
        """The shared write connection; callers hold self._write_lock."""
        if self.read_only:
            raise StoreError(f"the event database {self.path} was opened read-only")
        if self._write_conn is None:
            self._write_conn = self._connect()
        return self._write_conn

    def _connect(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError("the event store is closed")
        return connect(self.path, read_only=self.read_only, synchronous=self._synchronous)

    def close(self) -> None:
        with self._conns_lock:
            self._closed = True
            conns = list(self._readers.values())
            if self._write_conn is not None:
                conns.append(self._write_conn)
            self._readers, self._write_conn = {}, None
        self.interrupt_checks()
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:
                pass

    # -- writing -------------------------------------------------------------------------------

    def insert_many(self, new_events: Sequence[NewEvent]) -> list[StoredEvent]:
        """Store a batch in one transaction; returns the stored rows with seq and duplicate_of set.

        A delivery is a duplicate when an earlier accepted (2xx) row has the same event_id; it is
        stored as its own row pointing at the first one.
        """
        return self.insert_prepared(new_events, [prepare_row(e) for e in new_events])

    def insert_prepared(
        self,
        new_events: Sequence[NewEvent],
        rows: Sequence[tuple[Any, ...]],
    ) -> list[StoredEvent]:
        """insert_many with rows already made by prepare_row (on the threads that received them).

        Under load this is the one serial step, and CPython's sqlite3 lets go of the GIL around
        every statement step; getting it back while request threads run costs up to a switch
        interval each time. So a batch is two steps in the common case: one lookup of earlier
        deliveries of its event_ids and of the latest times of its references, one multi-row
        INSERT (a single statement is its own transaction; the refs trigger of migration 3 indexes
        the references inside it). Large batches (imports) go in chunks inside one explicit
        transaction.
        """
        if not new_events:
            return []
        n = len(new_events)
        refs = [decode_refs(row[_REFS_AT]) for row in rows]
        timed = [r if r.values and r.occurred_at is not None else None for r in refs]
        with self._write_lock:
            conn = self._writer()
            accepted = [
                e.event_id if e.event_id is not None and 200 <= e.status < 300 else None for e in new_events
            ]
            values = {v for t in timed if t is not None for v in t.values}
            known = self._latest.get_many(values)
            missing = values.difference(known)
            earlier, found = self._earlier(conn, {i for i in accepted if i is not None}, missing)
            latest = {**found, **known}
            dup_of: list[int | None] = [None] * n
            in_batch: dict[int, int] = {}  # row index -> index of the first row with its event_id
            first_index: dict[str, int] = {}
            for i, event_id in enumerate(accepted):
                if event_id is None:
                    continue
                if event_id in earlier:
                    dup_of[i] = earlier[event_id]
                elif event_id in first_index:
                    in_batch[i] = first_index[event_id]
                else:
                    first_index[event_id] = i
            # Only accepted first deliveries take part in ordering: a redelivery is the duplicate
            # problem, and a rejected one was never handled.
            ordered = [accepted[i] is not None and dup_of[i] is None and i not in in_batch for i in range(n)]
            late = out_of_order(timed, ordered, latest) if values else [False] * n
            params: list[Any] = []
            added = [
                (ev.FLAG_DUPLICATE + "," if dup_of[i] is not None else "")
                + (ev.FLAG_OUT_OF_ORDER + "," if late[i] else "")
                for i in range(n)
            ]
            for i, row in enumerate(rows):
                if not added[i]:
                    params.extend(row)
                else:
                    flags = row[_FLAGS_AT] + added[i]
                    params.extend((*row[:_FLAGS_AT], flags, *row[_FLAGS_AT + 1 :]))
                params.append(dup_of[i])
            if n <= _CHUNK_ROWS and not in_batch:
                last = int(conn.execute(INSERT_HEAD + ",".join([ROW_MARKS] * n), params).lastrowid or 0)
            else:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    last = 0
                    width = len(params) // n
                    for start in range(0, n, _CHUNK_ROWS):
                        count = min(_CHUNK_ROWS, n - start)
                        chunk = params[start * width : (start + count) * width]
                        sql = INSERT_HEAD + ",".join([ROW_MARKS] * count)
                        last = int(conn.execute(sql, chunk).lastrowid or 0)
                    first = last - n + 1  # one writer, one transaction: consecutive seqs
                    for i, j in in_batch.items():
                        dup_of[i] = first + j  # the same event_id earlier in this batch
                    conn.executemany(
                        "UPDATE events SET duplicate_of = ?, flags = flags || 'duplicate,' WHERE seq = ?",
                        [(dup_of[i], first + i) for i in in_batch],
                    )
                    # Their refs rows were written by the trigger before they were known to be
                    # duplicates: a duplicate keeps no time (it takes no part in ordering).
                    unordered = [first + i for i in in_batch]
                    for start in range(0, len(unordered), _IN_CHUNK):
                        chunk = unordered[start : start + _IN_CHUNK]
                        marks = ",".join("?" * len(chunk))
                        conn.execute(f"UPDATE refs SET at = NULL WHERE seq IN ({marks})", chunk)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            # Committed: out_of_order() has moved each value's latest time forward in `latest`.
            self._latest.update(latest)
        first = last - n + 1
        return [_inserted(first + i, e, dup_of[i], late[i]) for i, e in enumerate(new_events)]

    @classmethod
    def _earlier(
        cls, conn: sqlite3.Connection, event_ids: set[str], values: set[str]
    ) -> tuple[dict[str, int], dict[str, float]]:
        """(event_id -> seq of its first accepted delivery, reference -> its latest stored time):
        one statement for a listener's batch, so the commit path pays one GIL hand-off for both."""
        if not values:
            return cls._first_accepted(conn, event_ids), {}
        if not event_ids or len(event_ids) > _CHUNK_ROWS:
            return cls._first_accepted(conn, event_ids), latest_times(conn, values)
        ids = list(event_ids)
        marks = ",".join("?" * len(ids))
        rows = conn.execute(
            f"SELECT 0, event_id, MIN(seq) FROM events WHERE event_id IN ({marks})"
            " AND +status BETWEEN 200 AND 299 GROUP BY event_id"
            f" UNION ALL {LATEST_TIMES_SQL}",
            (*ids, json.dumps(sorted(values))),
        ).fetchall()
        first = {v: int(x) for kind, v, x in rows if kind == 0}
        latest = {v: float(x) for kind, v, x in rows if kind == 1 and x is not None}
        return first, latest

    @staticmethod
    def _first_accepted(conn: sqlite3.Connection, event_ids: set[str]) -> dict[str, int]:
        """event_id -> seq of its first accepted delivery, for those that have one."""
        if not event_ids:
            return {}
        ids = list(event_ids)
        found: dict[str, int] = {}
        for start in range(0, len(ids), _CHUNK_ROWS):  # SQLite caps the number of bound variables
            chunk = ids[start : start + _CHUNK_ROWS]
            marks = ",".join("?" * len(chunk))
            # "+status": look up by the event_id index only; the status index would scan every 2xx row.
            rows = conn.execute(
                f"SELECT event_id, MIN(seq) FROM events WHERE event_id IN ({marks})"
                " AND +status BETWEEN 200 AND 299 GROUP BY event_id",
                chunk,
            ).fetchall()
            found.update(rows)
        return found

    def set_extra(self, seq: int, key: str, value: Any) -> None:
        """Attach a JSON-able result (forwarding, replay) to an event without rewriting it."""
        with self._write_lock:
            self._set_extra(self._writer(), seq, key, value)

    def _set_extra(self, conn: sqlite3.Connection, seq: int, key: str, value: Any) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "UPDATE events SET extra = json_set(extra, '$.' || ?, json(?)) WHERE seq = ?",
                (key, json.dumps(value), seq),
            )
            if key == "forward" and isinstance(value, dict):
                # 0 = forwarding was tried and got no HTTP answer (refused, timeout, dropped).
                status = value.get("status")
                conn.execute(
                    "UPDATE events SET forward_status = ? WHERE seq = ?",
                    (status if isinstance(status, int) else 0, seq),
                )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def set_pinned(self, seqs: Iterable[int], pinned: bool) -> list[int]:
        """Mark events kept (or no longer kept) from pruning; returns the seqs that changed."""
        wanted = sorted(set(seqs))
        changed: list[int] = []
        with self._write_lock:
            conn = self._writer()
            conn.execute("BEGIN IMMEDIATE")
            try:
                for start in range(0, len(wanted), _IN_CHUNK):
                    chunk = wanted[start : start + _IN_CHUNK]
                    marks = ",".join("?" * len(chunk))
                    where = f"seq IN ({marks}) AND pinned = ?"
                    params = (*chunk, int(not pinned))
                    found = conn.execute(f"SELECT seq FROM events WHERE {where}", params)
                    changed.extend(r[0] for r in found)
                    conn.execute(f"UPDATE events SET pinned = ? WHERE {where}", (int(pinned), *params))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return changed

    def delete_unpinned(self, seqs: Sequence[int]) -> list[int]:
        """Delete these events unless pinned (the pruner's one write); returns the seqs deleted.

        One short transaction under the write lock: a commit waits for it, so callers keep the
        batches small.
        """
        if not seqs:
            return []
        with self._write_lock:
            held = time.perf_counter()
            conn = self._writer()
            conn.execute("BEGIN IMMEDIATE")
            try:
                deleted: list[int] = []
                for start in range(0, len(seqs), _IN_CHUNK):
                    chunk = seqs[start : start + _IN_CHUNK]
                    marks = ",".join("?" * len(chunk))
                    where = f"seq IN ({marks}) AND pinned = 0"
                    found = conn.execute(f"SELECT seq, refs FROM events WHERE {where}", chunk).fetchall()
                    deleted.extend(r[0] for r in found)
                    delete_refs(conn, found)  # by the refs key, from each event's refs column
                    conn.execute(f"DELETE FROM events WHERE {where}", chunk)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                # How long commits waited behind this delete (not the wait for the lock itself).
                self.last_delete_s = time.perf_counter() - held
        return deleted

    def oldest_unpinned(
        self, limit: int, *, upto_seq: int | None = None, before_time: float | None = None
    ) -> list[int]:
        """Seqs of the oldest unpinned events, oldest first: by seq up to `upto_seq`, or by
        received time before `before_time`."""
        if before_time is not None:
            sql = _OLDEST_BY_TIME
            params: tuple[object, ...] = (before_time, limit)
        else:
            sql = _OLDEST_BY_SEQ
            params = (upto_seq if upto_seq is not None else self.max_seq(), limit)
        return [r[0] for r in self._conn().execute(sql, params)]

    def newest_unpinned_after(self, n: int) -> int | None:
        """The seq of the unpinned event with `n` unpinned events newer than it (None: fewer).

        A walk of n entries of the (pinned, seq) index: milliseconds for a few hundred thousand.
        """
        row = (
            self._conn()
            .execute("SELECT seq FROM events WHERE pinned = 0 ORDER BY seq DESC LIMIT 1 OFFSET ?", (n,))
            .fetchone()
        )
        return None if row is None else int(row[0])

    def count_unpinned(self, *, before_time: float | None = None) -> int:
        """How many events could be pruned (received before `before_time`, when given)."""
        params: tuple[float, ...] = ()
        if before_time is None:
            sql = "SELECT COUNT(*) FROM events WHERE pinned = 0"
        else:
            sql, params = "SELECT COUNT(*) FROM events WHERE received_at < ? AND +pinned = 0", (before_time,)
        (n,) = self._conn().execute(sql, params).fetchone()
        return int(n)

    def space(self) -> tuple[int, int]:
        """(bytes in use, bytes of the file): freed pages stay in the file and are used again."""
        conn = self._conn()
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        (free,) = conn.execute("PRAGMA freelist_count").fetchone()
        (size,) = conn.execute("PRAGMA page_size").fetchone()
        return (int(pages) - int(free)) * int(size), int(pages) * int(size)

    def clear(self) -> None:
        with self._write_lock:
            conn = self._writer()
            conn.execute("DELETE FROM events")
            conn.execute("DELETE FROM refs")
            self._latest.clear()
            conn.execute("UPDATE refs_backfill SET upto = 0")
            # Reclaim the space: a cleared history should not keep hundreds of MB of old bodies.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("VACUUM")

    def backfill_refs(self, limit: int = 500) -> int:
        """Index the references of up to `limit` rows stored before the refs table existed (newest
        first, one short transaction); returns the highest seq still to do (0: all done)."""
        if self.read_only:
            return 0
        if backfill_pending(self._conn()) <= 0:  # the common case: no write lock taken
            return 0
        with self._write_lock:
            return backfill_batch(self._writer(), limit)

    # -- reading -------------------------------------------------------------------------------

    def refs_of(self, seq: int) -> list[str]:
        """The references (`id`/`*_id` values) of this event's body, sorted."""
        return refs_of_seq(self._conn(), seq)

    def seqs_with_ref(self, value: str, limit: int = 1000) -> tuple[int, ...]:
        """Seqs of the events whose body carries `value` as a reference, oldest first."""
        return seqs_with_ref(self._conn(), value, limit)

    def seqs_near_ref(self, value: str, seq: int, each_side: int = 50) -> tuple[int, ...]:
        """Seqs carrying `value` around `seq` (up to `each_side` before and from it on), oldest first."""
        return seqs_around(self._conn(), value, seq, each_side)

    def count_with_ref(self, value: str) -> int:
        return count_with_ref(self._conn(), value)

    def get(self, seq: int) -> StoredEvent | None:
        row = self._conn().execute(f"SELECT {FULL_SELECT} FROM events WHERE seq = ?", (seq,)).fetchone()
        return read_full(row) if row else None

    def query(
        self,
        filter_text: str | Filter = "",
        *,
        limit: int = 200,
        offset: int = 0,
        order_by: str = "seq",
        descending: bool = True,
    ) -> list[EventSummary]:
        """One page of summaries of the matching rows in `order_by` order (seq breaks ties)."""
        flt = _as_filter(filter_text)
        if order_by not in SORTABLE:
            raise ValueError(f"cannot sort by {order_by!r}")
        direction = "DESC" if descending else "ASC"
        if order_by == "seq" and len(flt._type_globs) == 1:
            rows = self._query_per_type(flt, limit, offset, direction)
            if rows is not None:
                return [read_summary(r) for r in rows]
        # seq as the tie-breaker keeps paging stable when many rows share a sort value.
        order = f"{order_by} {direction}" + ("" if order_by == "seq" else f", seq {direction}")
        rows = (
            self._conn()
            .execute(
                f"SELECT {SUMMARY_SELECT} FROM events {_where(flt)} ORDER BY {order} LIMIT ? OFFSET ?",
                (*flt._params, limit, offset),
            )
            .fetchall()
        )
        return [read_summary(r) for r in rows]

    def _query_per_type(
        self, flt: Filter, limit: int, offset: int, direction: str
    ) -> list[tuple[Any, ...]] | None:
        """A page of a `type:glob` filter in seq order, one index walk per matching type.

        SQLite answers `event_identifier GLOB 'card.*' ORDER BY seq` by collecting every match and
        sorting it (seconds on a million rows); per exact type the (event_identifier, seq) index is
        already in order, so each branch stops after one page and only those pages are merged.
        """
        conn = self._conn()
        pattern = flt._type_globs[0]
        types = [r[0] for r in conn.execute(f"SELECT v FROM ({_DISTINCT_TYPES}) WHERE v GLOB ?", (pattern,))]
        if not types:
            return []
        if len(types) > 64:
            return None
        branch = (
            f"SELECT * FROM (SELECT {SUMMARY_SELECT} FROM events"
            f" {_where(flt, 'event_identifier = ?')} ORDER BY seq {direction} LIMIT ?)"
        )
        sql = " UNION ALL ".join([branch] * len(types)) + f" ORDER BY seq {direction} LIMIT ? OFFSET ?"
        params: list[object] = []
        for t in types:
            params.extend((t, *flt._params, offset + limit))
        return conn.execute(sql, (*params, limit, offset)).fetchall()

    def query_after(
        self, after_seq: int, filter_text: str | Filter = "", limit: int = 10_000
    ) -> list[EventSummary]:
        """Rows newer than `after_seq`, oldest first: what a live view appends after a burst."""
        flt = _as_filter(filter_text)
        rows = (
            self._conn()
            .execute(
                f"SELECT {SUMMARY_SELECT} FROM events {_where(flt, 'seq > ?')} ORDER BY seq ASC LIMIT ?",
                (after_seq, *flt._params, limit),
            )
            .fetchall()
        )
        return [read_summary(r) for r in rows]

    def summaries(self, seqs: Iterable[int]) -> list[EventSummary]:
        """The summaries of these events (those still stored), oldest first."""
        ordered = sorted(set(seqs))
        found: list[EventSummary] = []
        for start in range(0, len(ordered), _IN_CHUNK):
            chunk = ordered[start : start + _IN_CHUNK]
            sql, params = _summaries_statement(chunk)
            found.extend(read_summary(r) for r in self._conn().execute(sql, params))
        return found

    def count(
        self, filter_text: str | Filter = "", *, after: int | None = None, upto: int | None = None
    ) -> int:
        """How many rows match, of those with after < seq <= upto (each bound optional).

        A live view counts its whole history up to a fixed seq in the background, then adds the
        rows committed since with a short after/upto range.
        """
        sql, params = _count_statement(_as_filter(filter_text), after, upto)
        (n,) = self._conn().execute(sql, params).fetchone()
        return int(n)

    def max_seq(self) -> int:
        (n,) = self._conn().execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
        return int(n)

    def event_types(self) -> list[str]:
        rows = self._conn().execute(_DISTINCT_TYPES).fetchall()
        return [r[0] for r in rows]

    def iter_events(
        self, filter_text: str | Filter = "", *, seqs: Sequence[int] | None = None, batch: int = 500
    ) -> Iterator[StoredEvent]:
        """Full events, oldest first, read in batches so an export of millions stays small in memory."""
        flt = _as_filter(filter_text)
        if seqs is not None:
            ordered = sorted(set(seqs))
            for i in range(0, len(ordered), batch):
                chunk = ordered[i : i + batch]
                marks = ",".join("?" * len(chunk))
                rows = (
                    self._conn()
                    .execute(
                        f"SELECT {FULL_SELECT} FROM events {_where(flt, f'seq IN ({marks})')} ORDER BY seq",
                        (*chunk, *flt._params),
                    )
                    .fetchall()
                )
                yield from (read_full(r) for r in rows)
            return
        last = 0
        while True:
            rows = (
                self._conn()
                .execute(
                    f"SELECT {FULL_SELECT} FROM events {_where(flt, 'seq > ?')} ORDER BY seq LIMIT ?",
                    (last, *flt._params, batch),
                )
                .fetchall()
            )
            if not rows:
                return
            yield from (read_full(r) for r in rows)
            last = rows[-1][0]

    def already_stored(self, news: Sequence[NewEvent], *, upto_seq: int) -> list[bool]:
        """For each event, whether a row up to `upto_seq` holds the same delivery: the same method,
        path, query, headers, body and status, received at the same time.

        "The same time" allows for the millisecond an NDJSON export keeps (it truncates), so an
        export imported into the history it came from is recognised too. The received_at index makes
        this one range lookup per distinct time.
        """
        if not news:
            return []
        times = sorted({e.received_at for e in news})
        found: dict[float, set[tuple[Any, ...]]] = {}
        conn = self._conn()
        for start in range(0, len(times), _CHUNK_ROWS):
            chunk = times[start : start + _CHUNK_ROWS]
            marks = ",".join(["(?)"] * len(chunk))
            rows = conn.execute(
                f"WITH w(t) AS (VALUES {marks})"
                f" SELECT w.t, {', '.join(f'e.{name}' for name in _SAME_DELIVERY)} FROM w"
                " JOIN events e ON e.received_at >= w.t - ? AND e.received_at < w.t + ?"
                " WHERE e.seq <= ?",
                (*chunk, _SAME_TIME_BEFORE, _SAME_TIME_AFTER, upto_seq),
            )
            for t, *content in rows:
                found.setdefault(t, set()).add(tuple(content))
        result = []
        for e in news:
            candidates = found.get(e.received_at)
            if not candidates:
                result.append(False)
                continue
            row = prepare_row(e)
            result.append(tuple(_hashable(row[i]) for i in _SAME_AT) in candidates)
        return result

    def damage(self) -> str | None:
        """A sentence when SQLite's quick_check finds the database damaged, else None.

        Reads the whole file: run it beside the listener (a thread, the window's pool), never before
        it. Nothing is repaired or rewritten.
        """
        try:
            problems = self.quick_check()
        except (sqlite3.Error, StoreError):  # interrupted by a shutdown, or the store closed
            return None
        if not problems:
            return None
        return damage_sentence(self.path, "; ".join(problems[:3]))

    def interrupt_checks(self) -> None:
        """Stop running quick_checks (a large file takes seconds) so a shutdown need not wait."""
        with self._conns_lock:
            for check in self._checks:
                check.interrupt()

    def quick_check(self) -> list[str]:
        """SQLite's quick_check on a connection of its own: [] when the file is sound, else what
        is wrong. Reads the whole file (seconds for a large history): call it off the GUI thread.
        close() interrupts it; it then raises sqlite3.OperationalError ("interrupted")."""
        conn = connect(self.path, read_only=True, synchronous=self._synchronous)
        with self._conns_lock:
            if self._closed:
                conn.close()
                raise StoreError("the event store is closed")
            self._checks.add(conn)
        try:
            return quick_check(conn)
        finally:
            with self._conns_lock:
                self._checks.discard(conn)
            conn.close()

    def integrity_check(self) -> str:
        (result,) = self._conn().execute("PRAGMA integrity_check").fetchone()
        return str(result)


# The pruner's candidates. "+pinned" keeps the age query on the received_at index: given the
# choice the planner took (pinned, seq) and walked every unpinned row to find none older than the
# age limit — 27 ms at 150,000 events before every batch, so a stream outran the pruner.
_OLDEST_BY_TIME = (
    "SELECT seq FROM events WHERE received_at < ? AND +pinned = 0 ORDER BY received_at, seq LIMIT ?"
)
_OLDEST_BY_SEQ = "SELECT seq FROM events WHERE pinned = 0 AND seq <= ? ORDER BY seq LIMIT ?"


def _as_filter(filter_text: str | Filter) -> Filter:
    return filter_text if isinstance(filter_text, Filter) else parse_filter(filter_text)


def _where(flt: Filter, *clauses: str) -> str:
    """A WHERE of `clauses` and the filter's terms, ANDed ("" when there is neither); the
    clauses' parameters go before the filter's."""
    parts = [*clauses, f"({flt._where})"] if flt._where else list(clauses)
    return "WHERE " + " AND ".join(parts) if parts else ""


def _count_statement(flt: Filter, after: int | None, upto: int | None) -> tuple[str, tuple[object, ...]]:
    clauses: list[str] = []
    bounds: list[object] = []
    if after is not None:
        clauses.append("seq > ?")
        bounds.append(after)
    if upto is not None:
        # Alone, the unary + keeps SQLite from turning the bound into a rowid range over the table
        # itself (a read of every row, 1.4 s for a million events); a covering index scan counts in
        # ~0.2 s. After a lower bound the span is short (rows since a count began): a rowid range.
        clauses.append("seq <= ?" if after is not None else "+seq <= ?")
        bounds.append(upto)
    return f"SELECT COUNT(*) FROM events {_where(flt, *clauses)}", (*bounds, *flt._params)


def _summaries_statement(seqs: Sequence[int]) -> tuple[str, tuple[object, ...]]:
    marks = ",".join("?" * len(seqs))
    return f"SELECT {SUMMARY_SELECT} FROM events WHERE seq IN ({marks}) ORDER BY seq", tuple(seqs)


def _inserted(seq: int, e: NewEvent, duplicate_of: int | None, late: bool = False) -> StoredEvent:
    flags = e.flags
    if duplicate_of is not None and ev.FLAG_DUPLICATE not in flags:
        flags = (*flags, ev.FLAG_DUPLICATE)
    if late:
        flags = (*flags, ev.FLAG_OUT_OF_ORDER)
    return inserted_event(e, seq=seq, duplicate_of=duplicate_of, flags=flags)


def _hashable(value: Any) -> Any:
    return bytes(value) if isinstance(value, bytearray | memoryview) else value
