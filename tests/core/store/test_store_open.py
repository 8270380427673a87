"""Opening the store read-only (for export) and proving it writable (for everything else)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from inspector.core.events import NewEvent
from inspector.core.paths import DB_FILENAME
from inspector.core.store.event_store import EventStore, StoreError
from tests.listen_process import run_cli
from tests.store_files import damaged_history, digest, history


def crashed_writer(data: Path) -> None:
    """A process that commits rows and dies without closing: they sit in the -wal only."""
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from inspector.core.store.event_store import EventStore
        from inspector.core.events import NewEvent
        store = EventStore.open(Path({str(data)!r}))
        late = [NewEvent(1_795_690_000.0 + i, "POST", "/late", "", (), b"{{}}", 200) for i in range(5)]
        store.insert_many(late)
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


def test_export_reads_what_a_crashed_writer_left_in_the_wal_without_changing_a_byte(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = history(data, 10)
    crashed_writer(data)
    wal = data / f"{DB_FILENAME}-wal"
    before = (digest(db), digest(wal))
    result = run_cli("export", "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 15
    # A read-write open would have checkpointed the -wal into the file on close (and removed it).
    assert (digest(db), digest(wal)) == before


def test_a_read_only_store_refuses_writes(tmp_path: Path) -> None:
    history(tmp_path / "data", 3)
    store = EventStore.open(tmp_path / "data", read_only=True)
    try:
        assert store.count() == 3
        with pytest.raises(StoreError, match="read-only"):
            store.insert_many([NewEvent(1.0, "POST", "/", "", (), b"{}", 200)])
        assert store.quick_check() == []
    finally:
        store.close()


def test_read_only_open_of_what_is_not_a_current_history(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no event database"):
        EventStore.open(tmp_path / "missing", read_only=True)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / DB_FILENAME).write_bytes(b"")
    with pytest.raises(StoreError, match="not an event database"):
        EventStore.open(empty, read_only=True)
    newer = tmp_path / "newer"
    history(newer, 1)
    with sqlite3.connect(newer / DB_FILENAME) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer"):
        EventStore.open(newer, read_only=True)


def test_quick_check_names_the_damage_and_leaves_the_file_alone(tmp_path: Path) -> None:
    db = damaged_history(tmp_path / "data")
    before = digest(db)
    store = EventStore.open(db.parent)  # garbage in the middle: opening does not notice
    try:
        problems = store.quick_check()
        assert problems and "malformed" in problems[0]
    finally:
        store.close()
    assert digest(db) == before


def test_quick_check_after_close_is_a_store_error(tmp_path: Path) -> None:
    history(tmp_path / "data", 1)
    store = EventStore.open(tmp_path / "data")
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.quick_check()
