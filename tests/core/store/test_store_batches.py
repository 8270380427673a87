"""insert_many at the sizes imports use: beyond one INSERT statement, duplicates across chunks."""

from __future__ import annotations

import time

from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore


def delivery(event_id: str | None, status: int = 200) -> NewEvent:
    return NewEvent(
        time.time(), "POST", "/h", "", (), b"{}", status, event_id=event_id, event_identifier="t.x"
    )


def test_a_batch_larger_than_one_statement_is_stored_whole_with_its_duplicates(store: EventStore) -> None:
    batch = [delivery(f"evt_{i % 2500}") for i in range(7000)]  # 2.8 chunks; ids repeat across chunks
    stored = store.insert_many(batch)
    assert [e.seq for e in stored] == list(range(1, 7001))
    assert store.count() == 7000
    assert store.count("is:duplicate") == 4500
    # Each repeat points at the first delivery of its id, in memory and on disk alike.
    assert stored[2500].duplicate_of == 1
    assert stored[6999].duplicate_of == 2000
    on_disk = store.get(7000)
    assert on_disk is not None
    assert on_disk.duplicate_of == 2000
    assert "duplicate" in on_disk.flags


def test_a_rejected_delivery_is_never_the_original_of_a_duplicate(store: EventStore) -> None:
    stored = store.insert_many([delivery("evt_1", 401), delivery("evt_1"), delivery("evt_1"), delivery(None)])
    assert [e.duplicate_of for e in stored] == [None, None, 2, None]
    later = store.insert_many([delivery("evt_1")])
    assert later[0].duplicate_of == 2
