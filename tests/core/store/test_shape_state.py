"""The learned shapes in the event database (migration 2), the has:/is: filters of the Shapes
view, and the batch writer's judge failing safely."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from inspector.core import events as ev
from inspector.core.events import NewEvent
from inspector.core.paths import DB_FILENAME
from inspector.core.shapes import ShapeLearner, shape_of
from inspector.core.store import shape_state
from inspector.core.store.batch_writer import BatchWriter
from inspector.core.store.event_store import EventStore
from inspector.core.store.filter_query import FilterError, parse_filter
from inspector.core.store.migrations import MIGRATIONS, SCHEMA_VERSION


def delivery(
    body: Any, *, status: int = 200, event_type: str | None = "t.x", raw: bytes | None = None
) -> NewEvent:
    return NewEvent(
        received_at=time.time(),
        method="POST",
        path="/hooks",
        query="",
        headers=(),
        body=raw if raw is not None else json.dumps(body).encode(),
        status=status,
        event_identifier=event_type,
    )


def test_a_database_that_passed_slot_2_while_it_was_empty_gains_the_table_on_first_save(
    tmp_path: Path,
) -> None:
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    conn.executescript(MIGRATIONS[0])
    conn.executescript(MIGRATIONS[3])
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")  # as made by a build with "" in slot 2
    conn.commit()
    conn.close()
    store = EventStore.open(tmp_path)
    try:
        assert shape_state.load_state(store) == {"version": 1, "types": {}}
        learner = ShapeLearner()
        body = {"event_identifier": "t.x", "data": {"a": 1}}
        learner.observe("t.x", shape_of(body), body)
        learner.learn_pending()
        shape_state.save_state(store, learner.to_state()["types"])
        again = ShapeLearner.from_state(shape_state.load_state(store))
        assert again.deliveries("t.x") == 1
    finally:
        store.close()


def test_learnable_bodies_are_accepted_json_deliveries_of_a_named_type_oldest_first(
    store: EventStore,
) -> None:
    store.insert_many(
        [
            delivery({"n": 1}),
            delivery({"n": 2}, status=401),
            delivery(None, raw=b"{broken"),
            delivery({"n": 4}, event_type=None),
            delivery({"n": 5}, event_type="t.y"),
        ]
    )
    # The broken body is stored as accepted here (no listener judged it): it is skipped, not raised.
    assert [(t, b["n"]) for t, b in shape_state.learnable_bodies(store, batch=1)] == [("t.x", 1), ("t.y", 5)]
    assert shape_state.count_learnable(store, "type:t.y") == 1
    assert set(shape_state.type_times(store, ["t.x", "t.y", "t.none"])) == {"t.x", "t.y"}


def test_save_with_replace_drops_types_no_longer_learned(store: EventStore) -> None:
    shape_state.save_state(store, {"a": {"x": 1}, "b": {"x": 2}})
    shape_state.save_state(store, {"c": {"x": 3}}, replace=True)
    assert shape_state.load_state(store)["types"] == {"c": {"x": 3}}


def test_is_new_shape_schema_invalid_and_has_filters(store: EventStore) -> None:
    bodies = [
        {"data": {"card": {"last4": "1"}, "items": [{"sku": "a"}], "odd.key": 1, "gone": None}},
        {"data": {"items": [{"x": 1}]}},
    ]
    store.insert_many([delivery(b) for b in bodies])
    store.insert_many([delivery(None, raw=b"not json", status=400, event_type=None)])
    store.insert_many([dataclasses.replace(delivery({}), flags=(ev.FLAG_NEW_SHAPE,))])

    def seqs(query: str) -> list[int]:
        return [e.seq for e in store.query(query, descending=False)]

    assert seqs("has:data.card.last4") == [1]
    assert seqs("-has:data.card.last4") == [2, 3, 4]
    assert seqs("has:data.items[].sku") == [1]
    assert seqs("has:data.items[].x") == [2]
    assert seqs('has:"data[\\"odd.key\\"]"') == [1]
    assert seqs("has:data.gone") == [1]  # a null there is there
    assert seqs("is:new_shape") == [4]
    assert seqs("is:schema_invalid") == []
    for bad in ("has:.x", "has:data..x", "has:a["):
        with pytest.raises(FilterError, match="write a path like"):
            parse_filter(bad)


def test_a_failing_judge_costs_no_delivery_its_commit(store: EventStore) -> None:
    writer = BatchWriter(store)

    def judge(_event: NewEvent, note: Any) -> Any:
        if note == "boom":
            raise RuntimeError("broken")
        return (("new_shape",), {"shape": {"differences": [{"text": "x"}]}})

    writer.judge = judge
    writer.start()
    try:
        failed = writer.write(delivery({"a": 1}), note="boom")
        judged = writer.write(delivery({"a": 2}), note="ok")
        plain = writer.write(delivery({"a": 3}))
    finally:
        writer.stop()
    assert failed.flags == () and failed.extra == {}
    assert judged.flags == ("new_shape",) and judged.extra["shape"]["differences"] == [{"text": "x"}]
    stored = store.get(judged.seq)
    assert stored is not None and stored.flags == ("new_shape",) and stored.extra == judged.extra
    assert plain.flags == ()
