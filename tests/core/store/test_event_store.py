"""The event store on a real SQLite file: schema and migrations, writing, paging, reading back."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from inspector.core.events import NewEvent
from inspector.core.paths import DB_FILENAME
from inspector.core.store.event_store import EventStore, StoreError
from inspector.core.store.filter_query import parse_filter
from inspector.core.store.migrations import SCHEMA_VERSION, SchemaTooNewError


def new(
    event_id: str | None = None,
    identifier: str | None = "transaction.created",
    *,
    status: int = 200,
    received_at: float = 1_800_000_000.0,
    path: str = "/hooks",
    body: bytes | None = None,
    flags: tuple[str, ...] = (),
    **kw: object,
) -> NewEvent:
    if body is None:
        body = json.dumps({"event_id": event_id, "event_identifier": identifier, "data": {}}).encode()
    return NewEvent(
        received_at=received_at,
        method=str(kw.pop("method", "POST")),
        path=path,
        query=str(kw.pop("query", "")),
        headers=kw.pop("headers", (("Content-Type", "application/json"),)),  # type: ignore[arg-type]
        body=body,
        status=status,
        event_id=event_id,
        event_identifier=identifier,
        flags=flags,
        **kw,  # type: ignore[arg-type]
    )


# -- schema --------------------------------------------------------------------------------------------


def test_fresh_database_has_current_schema_and_wal(data_dir: Path) -> None:
    store = EventStore.open(data_dir)
    store.close()
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        # The GUI's queries: by time, by type, by event id, by status, newest first.
        assert {"events_received_at", "events_type_seq", "events_event_id", "events_status_seq"} <= indexes
    finally:
        conn.close()


def test_reopening_keeps_rows_and_does_not_migrate_again(data_dir: Path) -> None:
    store = EventStore.open(data_dir)
    store.insert_many([new("evt_1")])
    store.close()
    again = EventStore.open(data_dir)
    try:
        assert again.count() == 1
        assert again.get(1) is not None
    finally:
        again.close()


def test_an_empty_file_is_migrated_from_version_0(data_dir: Path) -> None:
    sqlite3.connect(data_dir / DB_FILENAME).close()  # version 0, no tables
    store = EventStore.open(data_dir)
    try:
        assert store.insert_many([new("evt_1")])[0].seq == 1
    finally:
        store.close()


def test_database_newer_than_the_code_is_refused_and_left_alone(data_dir: Path) -> None:
    db = data_dir / DB_FILENAME
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises((StoreError, SchemaTooNewError), match=r"version 99.*newer"):
        EventStore.open(data_dir)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []
    finally:
        conn.close()


def test_database_newer_than_the_code_raises_store_error(data_dir: Path) -> None:
    with sqlite3.connect(data_dir / DB_FILENAME) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer"):
        EventStore.open(data_dir)


def test_a_file_that_is_not_a_database_is_a_store_error(data_dir: Path) -> None:
    (data_dir / DB_FILENAME).write_bytes(b"garbage " * 1000)
    with pytest.raises(StoreError, match=str(data_dir)):
        EventStore.open(data_dir)


def test_a_data_dir_that_is_a_file_is_a_store_error(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(StoreError, match="file"):
        EventStore.open(target)


def test_closed_store_refuses_work(data_dir: Path) -> None:
    store = EventStore.open(data_dir)
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.insert_many([new("evt_1")])


# -- writing and reading back ------------------------------------------------------------------------


def test_round_trip_of_every_field(store: EventStore) -> None:
    body = b'{"event_id": "evt_rt", "data": {"x": "\xc3\xa9"}}'
    (stored,) = store.insert_many(
        [
            new(
                "evt_rt",
                "card.updated",
                body=body,
                path="/hooks/a",
                query="a=1",
                headers=(("Authorization", "Bearer [redacted]"), ("X-A", "1"), ("X-A", "2")),
                duration_ms=1.5,
                webhook_id="wh_9",
                remote_addr="127.0.0.1",
                flags=("duplicate_keys",),
                error=None,
            )
        ]
    )
    got = store.get(stored.seq)
    assert got == stored
    assert got.body == body
    assert got.headers == (("Authorization", "Bearer [redacted]"), ("X-A", "1"), ("X-A", "2"))
    assert got.body_size == len(body)
    assert got.flags == ("duplicate_keys",)
    assert got.webhook_id == "wh_9"
    assert got.extra == {}
    assert got.body_json() == json.loads(body)
    assert store.get(9999) is None


def test_cut_body_keeps_its_full_size(store: EventStore) -> None:
    (stored,) = store.insert_many(
        [new(None, None, status=413, body=b"x" * 100, body_size=10_000, flags=("too_large",))]
    )
    got = store.get(stored.seq)
    assert got is not None
    assert (len(got.body), got.body_size, got.body_truncated) == (100, 10_000, True)
    assert got.body_json() is None


def test_seqs_are_consecutive_across_batches(store: EventStore) -> None:
    a = store.insert_many([new(f"e{i}") for i in range(3)])
    b = store.insert_many([new(f"f{i}") for i in range(2)])
    assert [e.seq for e in a + b] == [1, 2, 3, 4, 5]
    assert store.max_seq() == 5


def test_duplicates_within_a_batch_and_across_batches(store: EventStore) -> None:
    first = store.insert_many([new("evt_a"), new("evt_b"), new("evt_a")])
    later = store.insert_many([new("evt_a"), new("evt_b"), new(None), new(None)])
    assert [e.duplicate_of for e in first] == [None, None, 1]
    assert [e.duplicate_of for e in later] == [1, 2, None, None]
    assert ["duplicate" in e.flags for e in first + later] == [False, False, True, True, True, False, False]
    for e in first + later:  # what was returned is what is stored
        got = store.get(e.seq)
        assert got is not None
        assert (got.duplicate_of, got.flags) == (e.duplicate_of, e.flags)


def test_rejected_rows_are_neither_originals_nor_duplicates(store: EventStore) -> None:
    rows = store.insert_many(
        [
            new("evt_r", status=401, flags=("unauthorized",)),
            new("evt_r"),
            new("evt_r", status=400),
            new("evt_r"),
        ]
    )
    assert [e.duplicate_of for e in rows] == [None, None, None, 2]
    assert store.count("is:duplicate") == 1


def test_concurrent_writers_lose_nothing(store: EventStore) -> None:
    def write(n: int) -> None:
        for i in range(20):
            store.insert_many([new(f"t{n}_{i}"), new(f"t{n}_{i}")])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert store.count() == 160
    assert store.count("is:duplicate") == 80
    assert len({e.seq for e in store.iter_events()}) == 160


# -- queries -------------------------------------------------------------------------------------------


@pytest.fixture
def filled(store: EventStore) -> EventStore:
    """25 rows: types cycle a/b/c, status 200 except every 5th (401), times increasing."""
    store.insert_many(
        [
            new(
                f"evt_{i:02d}",
                ["type.a", "type.b", "type.c"][i % 3],
                status=401 if i % 5 == 4 else 200,
                received_at=1_800_000_000.0 + i,
                path=f"/hooks/{i % 2}",
            )
            for i in range(25)
        ]
    )
    return store


def test_query_is_newest_first_and_pages_without_gaps(filled: EventStore) -> None:
    pages = [filled.query(limit=10, offset=o) for o in (0, 10, 20, 30)]
    assert [len(p) for p in pages] == [10, 10, 5, 0]
    seqs = [e.seq for p in pages for e in p]
    assert seqs == list(range(25, 0, -1))


def test_query_ascending(filled: EventStore) -> None:
    assert [e.seq for e in filled.query(limit=3, descending=False)] == [1, 2, 3]


@pytest.mark.parametrize("column", ["received_at", "status", "event_identifier", "path", "event_id"])
def test_query_order_by_a_column_pages_stably(filled: EventStore, column: str) -> None:
    everything = filled.query(order_by=column, descending=False, limit=100)
    values = [getattr(e, column) for e in everything]
    assert values == sorted(values)
    paged = [
        e.seq
        for o in range(0, 25, 7)
        for e in filled.query(order_by=column, descending=False, limit=7, offset=o)
    ]
    assert paged == [e.seq for e in everything]
    assert sorted(paged) == list(range(1, 26))


def test_query_refuses_an_unknown_sort_column(filled: EventStore) -> None:
    with pytest.raises(ValueError, match="sort"):
        filled.query(order_by="seq; DROP TABLE events")
    assert filled.count() == 25


def test_query_with_filter(filled: EventStore) -> None:
    rows = filled.query("type:type.a status:200", limit=100)
    assert rows
    assert all(r.event_identifier == "type.a" and r.status == 200 for r in rows)
    assert filled.query(parse_filter("status:401"), limit=2)[0].seq == 25


def test_query_after_is_oldest_first_and_filtered(filled: EventStore) -> None:
    assert [e.seq for e in filled.query_after(20)] == [21, 22, 23, 24, 25]
    assert [e.seq for e in filled.query_after(20, limit=2)] == [21, 22]
    assert [e.seq for e in filled.query_after(10, "status:401")] == [15, 20, 25]
    assert filled.query_after(25) == []


def test_count_with_filters(filled: EventStore) -> None:
    assert filled.count() == 25
    assert filled.count("status:401") == 5
    assert filled.count("-status:401") == 20
    assert filled.count("type:type.b") == 8
    assert filled.count("type:type.*") == 25
    assert filled.count("is:rejected") == 5


def test_count_between_seq_bounds(filled: EventStore) -> None:
    assert filled.count(upto=10) == 10
    assert filled.count(after=20) == 5
    assert filled.count(after=10, upto=20) == 10
    assert filled.count("status:401", upto=12) == 2  # 5, 10
    assert filled.count("status:401", after=10, upto=20) == 2  # 15, 20
    assert filled.count("type:type.*", after=24, upto=25) == 1
    assert filled.count(after=25) == 0
    assert filled.count(after=25, upto=1_000) == 0
    assert filled.count(upto=0) == 0


def test_count_bounds_agree_with_the_rows_a_query_returns(filled: EventStore) -> None:
    for text in ("", "status:401", "type:type.b", "-path:/hooks/1"):
        rows = [e.seq for e in filled.query(text, limit=100)]
        for after, upto in ((0, 25), (3, 17), (17, 17), (24, 25)):
            expected = sum(1 for seq in rows if after < seq <= upto)
            assert filled.count(text, after=after, upto=upto) == expected, (text, after, upto)
            assert filled.count(text, upto=upto) == sum(1 for seq in rows if seq <= upto)


def test_summaries_of_chosen_seqs(filled: EventStore) -> None:
    got = filled.summaries([9, 3, 3, 22, 999, 1])
    assert [s.seq for s in got] == [1, 3, 9, 22]  # oldest first, repeats once, gone ones left out
    assert got[1] == filled.query("id:evt_02")[0]
    assert filled.summaries([]) == []


def test_summaries_of_more_seqs_than_one_statement_binds(store: EventStore) -> None:
    store.insert_many([new(f"evt_{i}") for i in range(1_200)])
    wanted = list(range(1, 2_401, 2))  # 1,200 seqs, half of them never stored
    assert [s.seq for s in store.summaries(wanted)] == list(range(1, 1_201, 2))


def test_event_types_are_distinct_sorted_and_skip_none(filled: EventStore) -> None:
    filled.insert_many([new("x", None), new("y", "alpha.first")])
    assert filled.event_types() == ["alpha.first", "type.a", "type.b", "type.c"]


def test_event_types_of_an_empty_store(store: EventStore) -> None:
    assert store.event_types() == []
    assert store.max_seq() == 0
    assert store.count() == 0


@pytest.mark.parametrize("batch", [1, 3, 25, 500])
def test_iter_events_reads_everything_in_order_in_batches(filled: EventStore, batch: int) -> None:
    assert [e.seq for e in filled.iter_events(batch=batch)] == list(range(1, 26))


def test_iter_events_with_a_filter(filled: EventStore) -> None:
    assert [e.seq for e in filled.iter_events("status:401", batch=2)] == [5, 10, 15, 20, 25]


def test_iter_events_by_seqs(filled: EventStore) -> None:
    got = filled.iter_events(seqs=[9, 3, 3, 22, 999, 1], batch=2)
    assert [e.seq for e in got] == [1, 3, 9, 22]
    assert [e.seq for e in filled.iter_events("status:401", seqs=[4, 5, 6, 10])] == [5, 10]
    assert list(filled.iter_events(seqs=[])) == []


def test_set_extra_merges_keys_and_marks_forwards(filled: EventStore) -> None:
    filled.set_extra(3, "replay", {"status": 200, "ms": 12})
    filled.set_extra(3, "forward", {"status": 502, "target": "http://127.0.0.1:1"})
    filled.set_extra(4, "forward", {"status": 200})
    got = filled.get(3)
    assert got is not None
    assert got.extra == {
        "replay": {"status": 200, "ms": 12},
        "forward": {"status": 502, "target": "http://127.0.0.1:1"},
    }
    assert [e.seq for e in filled.query("is:forwarded", descending=False)] == [3, 4]
    assert [e.seq for e in filled.query("is:forward_failed")] == [3]
    filled.set_extra(3, "replay", {"status": 500})  # overwrite one key, keep the other
    got = filled.get(3)
    assert got is not None
    assert got.extra["replay"] == {"status": 500}
    assert "forward" in got.extra


def test_clear_empties_but_seqs_keep_growing(filled: EventStore) -> None:
    filled.clear()
    assert filled.count() == 0
    (row,) = filled.insert_many([new("evt_new")])
    # A live view that remembers "after seq 25" must still see the new row.
    assert row.seq > 25
    assert [e.seq for e in filled.query_after(25)] == [row.seq]
    assert row.duplicate_of is None


def test_integrity_check(filled: EventStore) -> None:
    assert filled.integrity_check() == "ok"


def test_summary_matches_the_full_event(filled: EventStore) -> None:
    full = filled.get(7)
    assert full is not None
    (summary,) = filled.query("id:evt_06")
    assert summary == full.summary()
    assert summary.received_at_iso == full.received_at_iso
    assert full.received_at_iso.endswith("Z")
