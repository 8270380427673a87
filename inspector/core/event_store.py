"""Durable store of every delivery attempt: SQLite in WAL mode, one connection per thread."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from inspector.core import events as ev
from inspector.core.events import EventSummary, NewEvent, StoredEvent
from inspector.core.filter_query import Filter, parse_filter
from inspector.core.migrations import migrate
from inspector.core.paths import DB_FILENAME, DataDirError, ensure_dir

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
_SUMMARY_COLUMNS = (
    "seq, received_at, method, path, event_id, event_identifier, status, body_size, flags, "
    "webhook_id, duplicate_of"
)
_FULL_COLUMNS = (
    "seq, received_at, method, path, query, headers, body, body_size, status, duration_ms, event_id, "
    "event_identifier, flags, webhook_id, duplicate_of, remote_addr, error, extra"
)


class StoreError(Exception):
    """The store cannot be opened or written; the message is for the user."""


def _encode_flags(flags: Sequence[str]) -> str:
    return "," + "".join(f"{f}," for f in flags)


def _decode_flags(text: str) -> tuple[str, ...]:
    return tuple(f for f in text.split(",") if f)


class EventStore:
    def __init__(self, path: Path, *, synchronous: str = "FULL") -> None:
        self.path = path
        # FULL: an acknowledged delivery survives a power cut too, not only a crash of this process.
        # Group commit in the listener's writer keeps the fsync cost per batch, not per event.
        self._synchronous = synchronous
        self._local = threading.local()
        self._all_conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._closed = False
        try:
            conn = self._conn()
            migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the event database {path}: {exc}") from exc

    @classmethod
    def open(cls, data_dir: Path, **kwargs: Any) -> EventStore:
        try:
            ensure_dir(Path(data_dir))
        except DataDirError as exc:
            raise StoreError(str(exc)) from exc
        return cls(Path(data_dir) / DB_FILENAME, **kwargs)

    # -- connections ---------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self._closed:
            raise StoreError("the event store is closed")
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so a batch is exactly one transaction.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=5.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        self._local.conn = conn
        with self._conns_lock:
            self._all_conns.append(conn)
        return conn

    def close(self) -> None:
        with self._conns_lock:
            self._closed = True
            conns, self._all_conns = self._all_conns, []
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:
                pass
        self._local = threading.local()

    # -- writing -------------------------------------------------------------------------------

    def insert_many(self, new_events: Sequence[NewEvent]) -> list[StoredEvent]:
        """Store a batch in one transaction; returns the stored rows with seq and duplicate_of set.

        A delivery is a duplicate when an earlier accepted (2xx) row has the same event_id; it is
        stored as its own row pointing at the first one.
        """
        conn = self._conn()
        stored: list[StoredEvent] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            first_seen: dict[str, int] = {}
            for new in new_events:
                flags = list(new.flags)
                duplicate_of: int | None = None
                accepted = 200 <= new.status < 300
                if new.event_id is not None and accepted:
                    duplicate_of = first_seen.get(new.event_id)
                    if duplicate_of is None:
                        row = conn.execute(
                            "SELECT seq FROM events WHERE event_id = ? AND status BETWEEN 200 AND 299"
                            " ORDER BY seq LIMIT 1",
                            (new.event_id,),
                        ).fetchone()
                        duplicate_of = row[0] if row else None
                    if duplicate_of is not None and ev.FLAG_DUPLICATE not in flags:
                        flags.append(ev.FLAG_DUPLICATE)
                body_size = len(new.body) if new.body_size is None else new.body_size
                cur = conn.execute(
                    "INSERT INTO events (received_at, method, path, query, headers, body, body_size,"
                    " status, duration_ms, event_id, event_identifier, flags, webhook_id, duplicate_of,"
                    " remote_addr, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        new.received_at,
                        new.method,
                        new.path,
                        new.query,
                        json.dumps([list(h) for h in new.headers]),
                        new.body,
                        body_size,
                        new.status,
                        new.duration_ms,
                        new.event_id,
                        new.event_identifier,
                        _encode_flags(flags),
                        new.webhook_id,
                        duplicate_of,
                        new.remote_addr,
                        new.error,
                    ),
                )
                seq = int(cur.lastrowid or 0)
                if new.event_id is not None and accepted and duplicate_of is None:
                    first_seen[new.event_id] = seq
                stored.append(
                    StoredEvent(
                        seq=seq,
                        received_at=new.received_at,
                        method=new.method,
                        path=new.path,
                        query=new.query,
                        headers=new.headers,
                        body=new.body,
                        body_size=body_size,
                        status=new.status,
                        duration_ms=new.duration_ms,
                        event_id=new.event_id,
                        event_identifier=new.event_identifier,
                        flags=tuple(flags),
                        webhook_id=new.webhook_id,
                        duplicate_of=duplicate_of,
                        remote_addr=new.remote_addr,
                        error=new.error,
                    )
                )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return stored

    def set_extra(self, seq: int, key: str, value: Any) -> None:
        """Attach a JSON-able result (forwarding, replay) to an event without rewriting it."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "UPDATE events SET extra = json_set(extra, '$.' || ?, json(?)) WHERE seq = ?",
                (key, json.dumps(value), seq),
            )
            if key == "forward" and isinstance(value, dict):
                conn.execute("UPDATE events SET forward_status = ? WHERE seq = ?", (value.get("status"), seq))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def clear(self) -> None:
        conn = self._conn()
        conn.execute("DELETE FROM events")
        # Reclaim the space: a cleared history should not keep hundreds of MB of old bodies.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")

    # -- reading -------------------------------------------------------------------------------

    def get(self, seq: int) -> StoredEvent | None:
        row = self._conn().execute(f"SELECT {_FULL_COLUMNS} FROM events WHERE seq = ?", (seq,)).fetchone()
        return _full(row) if row else None

    def query(
        self,
        filter_text: str | Filter = "",
        *,
        limit: int = 200,
        offset: int = 0,
        order_by: str = "seq",
        descending: bool = True,
    ) -> list[EventSummary]:
        flt = filter_text if isinstance(filter_text, Filter) else parse_filter(filter_text)
        if order_by not in SORTABLE:
            raise ValueError(f"cannot sort by {order_by!r}")
        direction = "DESC" if descending else "ASC"
        # seq as the tie-breaker keeps paging stable when many rows share a sort value.
        order = f"{order_by} {direction}" + ("" if order_by == "seq" else f", seq {direction}")
        where = f"WHERE {flt.where}" if flt.where else ""
        rows = (
            self._conn()
            .execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM events {where} ORDER BY {order} LIMIT ? OFFSET ?",
                (*flt.params, limit, offset),
            )
            .fetchall()
        )
        return [_summary(r) for r in rows]

    def query_after(
        self, after_seq: int, filter_text: str | Filter = "", limit: int = 10_000
    ) -> list[EventSummary]:
        """Rows newer than `after_seq`, oldest first: what a live view appends after a burst."""
        flt = filter_text if isinstance(filter_text, Filter) else parse_filter(filter_text)
        where = "seq > ?" + (f" AND {flt.where}" if flt.where else "")
        rows = (
            self._conn()
            .execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM events WHERE {where} ORDER BY seq ASC LIMIT ?",
                (after_seq, *flt.params, limit),
            )
            .fetchall()
        )
        return [_summary(r) for r in rows]

    def count(self, filter_text: str | Filter = "") -> int:
        flt = filter_text if isinstance(filter_text, Filter) else parse_filter(filter_text)
        where = f"WHERE {flt.where}" if flt.where else ""
        (n,) = self._conn().execute(f"SELECT COUNT(*) FROM events {where}", flt.params).fetchone()
        return int(n)

    def max_seq(self) -> int:
        (n,) = self._conn().execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
        return int(n)

    def event_types(self) -> list[str]:
        # A loose index scan: jump from one distinct value to the next instead of reading every row,
        # so this stays fast with a million events.
        rows = (
            self._conn()
            .execute(
                """
            WITH RECURSIVE t(v) AS (
                SELECT MIN(event_identifier) FROM events
                UNION ALL
                SELECT (SELECT MIN(event_identifier) FROM events WHERE event_identifier > t.v)
                FROM t WHERE t.v IS NOT NULL
            )
            SELECT v FROM t WHERE v IS NOT NULL
            """
            )
            .fetchall()
        )
        return [r[0] for r in rows]

    def iter_events(
        self, filter_text: str | Filter = "", *, seqs: Sequence[int] | None = None, batch: int = 500
    ) -> Iterator[StoredEvent]:
        """Full events, oldest first, read in batches so an export of millions stays small in memory."""
        flt = filter_text if isinstance(filter_text, Filter) else parse_filter(filter_text)
        if seqs is not None:
            ordered = sorted(set(seqs))
            for i in range(0, len(ordered), batch):
                chunk = ordered[i : i + batch]
                marks = ",".join("?" * len(chunk))
                where = f"seq IN ({marks})" + (f" AND {flt.where}" if flt.where else "")
                rows = (
                    self._conn()
                    .execute(
                        f"SELECT {_FULL_COLUMNS} FROM events WHERE {where} ORDER BY seq",
                        (*chunk, *flt.params),
                    )
                    .fetchall()
                )
                yield from (_full(r) for r in rows)
            return
        last = 0
        while True:
            where = "seq > ?" + (f" AND {flt.where}" if flt.where else "")
            rows = (
                self._conn()
                .execute(
                    f"SELECT {_FULL_COLUMNS} FROM events WHERE {where} ORDER BY seq LIMIT ?",
                    (last, *flt.params, batch),
                )
                .fetchall()
            )
            if not rows:
                return
            yield from (_full(r) for r in rows)
            last = rows[-1][0]

    def integrity_check(self) -> str:
        (result,) = self._conn().execute("PRAGMA integrity_check").fetchone()
        return str(result)


def _summary(r: tuple[Any, ...]) -> EventSummary:
    return EventSummary(
        seq=r[0],
        received_at=r[1],
        method=r[2],
        path=r[3],
        event_id=r[4],
        event_identifier=r[5],
        status=r[6],
        body_size=r[7],
        flags=_decode_flags(r[8]),
        webhook_id=r[9],
        duplicate_of=r[10],
    )


def _full(r: tuple[Any, ...]) -> StoredEvent:
    return StoredEvent(
        seq=r[0],
        received_at=r[1],
        method=r[2],
        path=r[3],
        query=r[4],
        headers=tuple((str(k), str(v)) for k, v in json.loads(r[5])),
        body=bytes(r[6]),
        body_size=r[7],
        status=r[8],
        duration_ms=r[9],
        event_id=r[10],
        event_identifier=r[11],
        flags=_decode_flags(r[12]),
        webhook_id=r[13],
        duplicate_of=r[14],
        remote_addr=r[15],
        error=r[16],
        extra=json.loads(r[17]) if r[17] else {},
    )
