"""The row columns are declared once: the schema, the statements and the records agree with COLUMNS."""

from __future__ import annotations

import dataclasses

import pytest

from inspector.core.events import EventSummary, NewEvent, StoredEvent
from inspector.core.store import columns
from inspector.core.store.event_store import EventStore


def test_every_column_of_the_table_is_declared_in_its_order(store: EventStore) -> None:
    # A migration that adds a column without a declaration (or the reverse) fails here.
    table = [row[1] for row in store._conn().execute("PRAGMA table_info(events)")]
    assert table == [c.name for c in columns.COLUMNS]


def test_the_insert_writes_every_column_a_delivery_brings_and_its_duplicate_link() -> None:
    written = columns.INSERT_HEAD.split("(", 1)[1].split(")", 1)[0].split(", ")
    given = [c.name for c in columns.COLUMNS if c.given]
    assert written == [*given, "duplicate_of"]
    assert columns.ROW_MARKS.count("?") == len(written)
    assert list(columns.PREPARED_AT) == given


def test_each_record_reads_the_columns_its_fields_name() -> None:
    assert columns.SUMMARY_SELECT.split(", ") == [f.name for f in dataclasses.fields(EventSummary)]
    assert columns.FULL_SELECT.split(", ") == [f.name for f in dataclasses.fields(StoredEvent)]


def test_a_record_field_that_is_no_column_is_refused_at_import() -> None:
    @dataclasses.dataclass
    class Wider:
        seq: int
        colour: str

    with pytest.raises(
        TypeError, match=r"Wider has fields that are no column of the events table: \['colour'\]"
    ):
        columns._record_columns(Wider)


def test_what_an_insert_returns_is_what_a_read_gives_back(store: EventStore) -> None:
    news = [
        NewEvent(
            1.5,
            "POST",
            "/a",
            "q=1",
            (("X-A", "1"),),
            b'{"event_id": "e"}',
            200,
            2.5,
            "e",
            "t.x",
            ("unverified",),
            "wh_1",
            "10.0.0.1",
        ),
        NewEvent(2.5, "POST", "/a", "", (), b'{"event_id": "e"}', 200, event_id="e", event_identifier="t.x"),
        NewEvent(
            3.5, "PUT", "/b", "", (), b"x" * 10, 413, body_size=9_000, flags=("too_large",), error="big"
        ),
    ]
    stored = store.insert_many(news)
    assert [store.get(e.seq) for e in stored] == stored
    assert [s.summary() for s in stored] == store.summaries(e.seq for e in stored)
    assert stored[1].duplicate_of == stored[0].seq and stored[1].flags == ("duplicate",)
    assert stored[2].body_size == 9_000
    assert stored[0].extra == {} and stored[0].extra is not stored[2].extra  # never one shared dict


def test_prepare_row_gives_the_stored_values_in_insert_order() -> None:
    e = NewEvent(1.0, "POST", "/p", "", (("A", "b"),), b"abc", 201, flags=("x", "y"))
    row = columns.prepare_row(e)
    at = columns.PREPARED_AT
    assert len(row) == len(at)
    assert row[at["headers"]] == '[["A", "b"]]'
    assert row[at["flags"]] == ",x,y,"
    assert row[at["body_size"]] == 3
    assert row[at["status"]] == 201
