"""How the event store opens its SQLite file: for writing (and proving it can), or read-only.

Read-only is for commands that only read (export): they must work on a data dir the user cannot
write, and never change the file. A WAL database is read through its -shm file, which SQLite
cannot create in a folder we may not write. Every open WAL connection keeps a -shm, so when there
is none (and no -wal holding commits) no one has the file open: it is then opened as immutable,
which needs no -shm and no locks.

Nothing here deletes, repairs or rewrites a database: a damaged file is reported and left as it is.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from inspector.core.store.migrations import SCHEMA_VERSION, SchemaTooNewError

BUSY_TIMEOUT_S = 5.0


class ReadOnlyStoreError(sqlite3.DatabaseError):
    """The database file (or its folder) refuses writes although it was opened for writing."""


def connect(path: Path, *, read_only: bool, synchronous: str) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves so a batch is exactly one transaction.
    if not read_only:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn
    conn = _connect_uri(path, "mode=ro")
    try:
        conn.execute("PRAGMA schema_version").fetchone()  # the first read opens the WAL index
    except sqlite3.OperationalError as exc:
        conn.close()
        if not _immutable_is_safe(path, exc):
            raise
        conn = _connect_uri(path, "immutable=1")
    conn.execute("PRAGMA query_only=1")
    return conn


def _connect_uri(path: Path, options: str) -> sqlite3.Connection:
    uri = f"{Path(path).absolute().as_uri()}?{options}"
    return sqlite3.connect(
        uri, uri=True, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
    )


def _immutable_is_safe(path: Path, exc: sqlite3.OperationalError) -> bool:
    """True when SQLite could not create the -shm beside a database no one can be writing."""
    if getattr(exc, "sqlite_errorname", "") != "SQLITE_CANTOPEN" or not Path(path).is_file():
        return False
    if Path(f"{path}-shm").exists():
        return False  # someone may have it open: only a real read-only open is safe
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return False  # committed rows may sit in the -wal: reading the main file alone would miss them
    return not os.access(Path(path).parent, os.W_OK)


def check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """For a read-only open: the schema must be this code's (no migration can run)."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"the event database has schema version {version}, newer than this app "
            f"understands ({SCHEMA_VERSION}); update webhook-inspector"
        )
    if version == 0:
        raise sqlite3.DatabaseError(f"{path} is empty or not an event database")
    if version < SCHEMA_VERSION:
        raise sqlite3.DatabaseError(
            f"{path} is from an older version; open it once with write access (listen or the app)"
            " to bring it up to date"
        )


def check_writable(conn: sqlite3.Connection, path: Path) -> None:
    """Prove a write would go through, without writing: a rolled-back no-op write of the header.

    SQLite opens a file it may not write read-only without a word, and then every commit fails;
    for a listener that means a 503 to every delivery. BEGIN IMMEDIATE alone does not find it in
    WAL mode (the lock lives in the -shm), the write of the header page does.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        conn.execute(f"PRAGMA user_version = {int(version)}")
    except sqlite3.OperationalError as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if name.startswith("SQLITE_BUSY"):
            return  # another process is writing it right now: writable, just busy
        if name.startswith("SQLITE_READONLY"):
            raise ReadOnlyStoreError(
                f"the event database {path} is read-only, so nothing could be stored (check the"
                " permissions of the file and its folder, or use --data-dir for another folder)"
            ) from exc
        raise
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def is_damage(exc: BaseException) -> bool:
    """True for errors that mean the file's content is broken (not a lock or a full disk)."""
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in str(exc)


def damage_sentence(path: Path, detail: str) -> str:
    return (
        f"the event database {path} is damaged ({detail}); it was left untouched: keep a copy and"
        " start a new history with another --data-dir (sqlite3's .recover may save some events)"
    )


def quick_check(conn: sqlite3.Connection, max_errors: int = 5) -> list[str]:
    """SQLite's quick_check: [] when the file is sound, else what is wrong (first `max_errors`)."""
    try:
        rows = conn.execute(f"PRAGMA quick_check({int(max_errors)})").fetchall()
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") == "SQLITE_INTERRUPT":
            raise
        return [str(exc)]
    problems = [str(r[0]) for r in rows]
    return [] if problems == ["ok"] else problems
