"""The refs table on a real SQLite file: written at commit, found by ref:, deleted with its events,
backfilled for a history from before it, and the out_of_order verdict it makes possible."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from inspector.core import events as ev
from inspector.core.events import NewEvent
from inspector.core.paths import DB_FILENAME
from inspector.core.store.event_store import EventStore
from inspector.core.store.keep_limits import KeepLimits
from inspector.core.store.migrations import MIGRATIONS, SCHEMA_VERSION
from inspector.core.store.ref_index import LatestTimes
from inspector.core.store.retention import Pruner, RetentionWorker
from tests.waiting import wait_until


def delivery(event_id: str, data: dict[str, Any], *, status: int = 200, at: float = 1.0) -> NewEvent:
    body = json.dumps({"event_id": event_id, "event_identifier": "transaction.settled", "data": data})
    return NewEvent(at, "POST", "/hooks", "", (), body.encode(), status, event_id=event_id)


def step(event_id: str, txn: str, second: int, **more: Any) -> NewEvent:
    return delivery(
        event_id, {"transaction_id": txn, "created_at": f"2026-01-01T00:00:{second:02d}Z", **more}
    )


def ref_rows(store: EventStore) -> list[tuple[str, int]]:
    conn = sqlite3.connect(store.path)
    try:
        return conn.execute("SELECT value, seq FROM refs ORDER BY seq, value").fetchall()
    finally:
        conn.close()


def test_references_are_indexed_at_commit_and_found_by_ref(store: EventStore) -> None:
    a, b, c = store.insert_many([step("e1", "txn_1", 1), step("e2", "txn_2", 2), step("e3", "txn_1", 3)])
    assert store.refs_of(a.seq) == ["e1", "txn_1"]
    assert [e.seq for e in store.query("ref:txn_1")] == [c.seq, a.seq]
    assert [e.seq for e in store.query("-ref:txn_1")] == [b.seq]
    assert [e.seq for e in store.query("ref:txn_*", descending=False)] == [a.seq, b.seq, c.seq]
    assert store.query("ref:txn_9") == []
    assert store.seqs_with_ref("txn_1") == (a.seq, c.seq)


def test_single_deliveries_through_the_fast_path_are_indexed_too(store: EventStore) -> None:
    [a] = store.insert_many([step("e1", "txn_1", 1)])
    [b] = store.insert_many([delivery("e2", {"note": "no ids"})])
    assert store.refs_of(a.seq) == ["e1", "txn_1"]
    assert store.refs_of(b.seq) == ["e2"]


def test_pruning_deletes_the_refs_of_deleted_events(store: EventStore) -> None:
    rows = store.insert_many([step(f"e{i}", f"txn_{i % 2}", i) for i in range(6)])
    store.set_pinned([rows[0].seq], True)
    deleted = store.delete_unpinned([r.seq for r in rows[:4]])
    assert deleted == [r.seq for r in rows[1:4]]
    left = {seq for _v, seq in ref_rows(store)}
    assert left == {rows[0].seq, rows[4].seq, rows[5].seq}
    assert [e.seq for e in store.query("ref:txn_1")] == [rows[5].seq]


def test_clear_empties_the_refs(store: EventStore) -> None:
    store.insert_many([step("e1", "txn_1", 1)])
    store.clear()
    assert ref_rows(store) == []


def test_out_of_order_when_received_after_a_later_step(store: EventStore) -> None:
    settled, authorized = store.insert_many([step("e2", "txn_1", 2), step("e1", "txn_1", 1)])
    assert ev.FLAG_OUT_OF_ORDER not in settled.flags
    assert ev.FLAG_OUT_OF_ORDER in authorized.flags
    # Across commits as within one batch:
    [refunded] = store.insert_many([step("e3", "txn_1", 3)])
    [late] = store.insert_many([step("e0", "txn_1", 0)])
    assert ev.FLAG_OUT_OF_ORDER not in refunded.flags
    assert ev.FLAG_OUT_OF_ORDER in late.flags
    assert {e.seq for e in store.query("is:out_of_order")} == {authorized.seq, late.seq}
    assert store.get(late.seq).flags == late.flags  # type: ignore[union-attr]


def test_in_order_unrelated_rejected_and_duplicate_deliveries_are_never_out_of_order(
    store: EventStore,
) -> None:
    rows = store.insert_many(
        [
            step("e1", "txn_1", 5),
            step("e2", "txn_2", 1),  # earlier, but no reference in common
            step("e3", "txn_1", 6),
            step("e1", "txn_1", 5),  # a redelivery after a later step: a duplicate, not out of order
        ]
    )
    [rejected] = store.insert_many(
        [delivery("e4", {"transaction_id": "txn_1", "created_at": 1.0}, status=401)]
    )
    assert all(ev.FLAG_OUT_OF_ORDER not in r.flags for r in [*rows, rejected])
    assert ev.FLAG_DUPLICATE in rows[3].flags
    # A rejected delivery's time is no earlier step for what comes next either.
    [next_one] = store.insert_many([step("e5", "txn_3", 1, card_id="c")])
    assert ev.FLAG_OUT_OF_ORDER not in next_one.flags


def test_a_history_from_before_the_refs_table_is_backfilled_newest_first(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    conn.executescript(MIGRATIONS[0])
    for i in range(7):
        body = json.dumps({"event_id": f"e{i}", "data": {"transaction_id": "txn_old"}}).encode()
        conn.execute(
            "INSERT INTO events (received_at, method, path, headers, body, body_size, status, event_id)"
            " VALUES (1, 'POST', '/h', '[]', ?, ?, 200, ?)",
            (body, len(body), f"e{i}"),
        )
    conn.execute(
        "INSERT INTO events (received_at, method, path, headers, body, body_size, status)"
        " VALUES (1, 'POST', '/h', '[]', x'ff00', 2, 400)"
    )
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    store = EventStore.open(tmp_path)
    try:
        [new] = store.insert_many([step("e9", "txn_old", 1)])
        assert [e.seq for e in store.query("ref:txn_old")] == [new.seq]  # not yet backfilled
        assert store.backfill_refs(limit=3) == 5  # seqs 8..6 done, 5 and below to do
        assert [e.seq for e in store.query("ref:txn_old")] == [new.seq, 7, 6]
        while store.backfill_refs(limit=3):
            pass
        assert [e.seq for e in store.query("ref:txn_old", descending=False)] == [1, 2, 3, 4, 5, 6, 7, new.seq]
        assert store.backfill_refs() == 0
        assert store.refs_of(3) == ["e2", "txn_old"]
        # Pruned, a backfilled event takes its refs rows with it.
        assert store.delete_unpinned([1, 2, 3]) == [1, 2, 3]
        assert [e.seq for e in store.query("ref:txn_old", descending=False)] == [4, 5, 6, 7, new.seq]
        assert {seq for _v, seq in ref_rows(store)} == {4, 5, 6, 7, new.seq}
    finally:
        store.close()
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_a_new_store_has_nothing_to_backfill(store: EventStore) -> None:
    assert store.backfill_refs() == 0


def test_the_retention_thread_backfills_an_old_history(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    conn.executescript(MIGRATIONS[0])
    body = json.dumps({"data": {"card_id": "card_old"}}).encode()
    conn.executemany(
        "INSERT INTO events (received_at, method, path, headers, body, body_size, status)"
        " VALUES (1, 'POST', '/h', '[]', ?, ?, 200)",
        [(body, len(body))] * 1200,
    )
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    store = EventStore.open(tmp_path)
    worker = RetentionWorker(Pruner(store, KeepLimits(days=None, events=None, size=None)), interval_s=60)
    worker.start()
    try:
        wait_until(lambda: store.count("ref:card_old") == 1200)
        assert store.backfill_refs() == 0
    finally:
        worker.stop()
        store.close()


def test_a_history_made_while_slot_3_was_empty_gains_the_refs(tmp_path: Path) -> None:
    # Releases with the Keep mark (slot 4) had an empty slot 3: their databases are at version 4
    # without a refs table, and commits would fail without it.
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    conn.executescript(MIGRATIONS[0] + MIGRATIONS[3])
    body = json.dumps({"data": {"transaction_id": "txn_v4"}}).encode()
    conn.execute(
        "INSERT INTO events (received_at, method, path, headers, body, body_size, status)"
        " VALUES (1, 'POST', '/h', '[]', ?, ?, 200)",
        (body, len(body)),
    )
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    store = EventStore.open(tmp_path)
    try:
        [new] = store.insert_many([step("e1", "txn_v4", 1)])
        while store.backfill_refs():
            pass
        assert [e.seq for e in store.query("ref:txn_v4")] == [new.seq, 1]
    finally:
        store.close()


def test_out_of_order_against_a_history_from_before_this_session(data_dir: Path) -> None:
    first = EventStore.open(data_dir)
    first.insert_many([step("e2", "txn_1", 2)])
    first.close()
    store = EventStore.open(data_dir)  # nothing remembered in memory: read from the refs table
    try:
        [late] = store.insert_many([step("e1", "txn_1", 1)])
        assert ev.FLAG_OUT_OF_ORDER in late.flags
    finally:
        store.close()


def test_the_latest_times_kept_in_memory_are_bounded_and_only_move_forward() -> None:
    times = LatestTimes(size=2)
    times.update({"a": 5.0, "b": 1.0})
    times.update({"a": 3.0})  # an earlier time never replaces a later one
    times.update({"c": 2.0})  # "b" was used least recently: it goes
    assert times.get_many(["a", "b", "c"]) == {"a": 5.0, "c": 2.0}
