"""Schema of the event store, versioned with PRAGMA user_version from the first release.

Each migration runs once, in order, inside one transaction; a database newer than this code is
refused instead of being silently misread.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE events (
        seq              INTEGER PRIMARY KEY AUTOINCREMENT,
        received_at      REAL    NOT NULL,
        method           TEXT    NOT NULL,
        path             TEXT    NOT NULL,
        query            TEXT    NOT NULL DEFAULT '',
        headers          TEXT    NOT NULL,          -- JSON list of [name, value], redacted
        body             BLOB    NOT NULL,
        body_size        INTEGER NOT NULL,
        status           INTEGER NOT NULL,
        duration_ms      REAL    NOT NULL DEFAULT 0,
        event_id         TEXT,
        event_identifier TEXT,
        flags            TEXT    NOT NULL DEFAULT ',',  -- ",flag1,flag2," so LIKE '%,x,%' is exact
        webhook_id       TEXT,
        duplicate_of     INTEGER,
        remote_addr      TEXT    NOT NULL DEFAULT '',
        error            TEXT,
        forward_status   INTEGER,
        extra            TEXT    NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_received_at ON events (received_at);
    CREATE INDEX events_type_seq ON events (event_identifier, seq);
    CREATE INDEX events_event_id ON events (event_id, seq);
    CREATE INDEX events_status_seq ON events (status, seq);
    CREATE INDEX events_path_seq ON events (path, seq);
    """,
    # 2: the learned payload shapes (inspector/core/store/shape_state.py): one row per event type,
    # the learner's saved state as JSON, so learning survives a restart without a rescan.
    """
    CREATE TABLE IF NOT EXISTS learned_shapes (
        event_type  TEXT PRIMARY KEY,
        state       TEXT NOT NULL,
        updated_at  REAL NOT NULL
    )
    """,
    # 3: the references between events (inspector/core/store/references.py): every `id`/`*_id`
    # string of a body with the event's seq and its own time (NULL: no time, or not taken into
    # account for ordering). (value, seq) is the key, so the table is the index `ref:` walks, and
    # its only index: every index more is a b-tree write per reference at commit. Pruning finds
    # an event's rows by that key from the event's `refs` column. Rows stored
    # before this migration are indexed afterwards in small batches, newest first
    # (ref_index.backfill_batch), from refs_backfill.upto down to 0, so opening a big history
    # does not wait for it. The trigger fills refs from the new row's `refs` column (a small
    # JSON array made on the request thread) inside the INSERT itself: a commit stays one
    # statement, and each extra statement under load costs a GIL hand-off of up to milliseconds.
    # Only accepted first deliveries keep their time (a duplicate's own at is NULL).
    """
    CREATE TABLE refs (
        value TEXT    NOT NULL,
        seq   INTEGER NOT NULL,
        at    REAL,
        PRIMARY KEY (value, seq)
    ) WITHOUT ROWID;
    CREATE TABLE refs_backfill (upto INTEGER NOT NULL);
    INSERT INTO refs_backfill (upto) SELECT COALESCE(MAX(seq), 0) FROM events;
    ALTER TABLE events ADD COLUMN refs TEXT;
    CREATE TRIGGER events_refs AFTER INSERT ON events WHEN NEW.refs IS NOT NULL BEGIN
        INSERT OR IGNORE INTO refs (value, seq, at)
        SELECT j.value, NEW.seq,
               CASE WHEN NEW.duplicate_of IS NULL AND NEW.status BETWEEN 200 AND 299
                    THEN json_extract(NEW.refs, '$[0]') END
        FROM json_each(NEW.refs) AS j WHERE j.key > 0;
    END;
    """,
    # 4: a "Keep" mark on events the pruner must never delete (inspector/core/store/retention.py).
    # (pinned, seq) is what pruning walks: the oldest unpinned rows, and the n-th newest one, by
    # an index of a few bytes a row instead of the table with its bodies.
    """
    ALTER TABLE events ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX events_pinned_seq ON events (pinned, seq);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)

# Slots that were still empty placeholders in releases that already had later slots: a database
# made by one of those is past the slot's number without its schema. migrate() runs such a slot
# again when the table it creates is missing (slot number -> that table).
LATE_SLOTS: dict[int, str] = {2: "learned_shapes", 3: "refs"}


class SchemaTooNewError(RuntimeError):
    pass


def statements(script: str) -> list[str]:
    """The statements of a migration, split at the semicolons that end one (a trigger's body has
    semicolons of its own)."""
    found: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending)
            pending = ""
    if pending.strip(" \n;"):
        found.append(pending)
    return found


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to SCHEMA_VERSION; returns the version it had before."""
    (current,) = conn.execute("PRAGMA user_version").fetchone()
    if current > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"the event database has schema version {current}, newer than this app "
            f"understands ({SCHEMA_VERSION}); update webhook-inspector"
        )
    for version in range(current, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # executescript would COMMIT the open transaction first; run statements one by one.
            for statement in statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    for slot, table in LATE_SLOTS.items():
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
        if exists.fetchone() is None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in statements(MIGRATIONS[slot - 1]):
                    conn.execute(statement)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
    return current
