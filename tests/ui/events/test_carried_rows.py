"""Rows handed over by the bridge reach the table without a read-back on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from inspector.core.store.event_store import EventStore
from inspector.ui.bridge import CommitNotice, EventBridge
from inspector.ui.events.events_model import EventsModel
from tests.ui.events.helpers import model_seqs, new_event


class CountingStore:
    """The real store, counting the catch-up reads the model makes."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self.reads = 0

    def query_after(self, *args: Any, **kwargs: Any) -> Any:
        self.reads += 1
        return self._store.query_after(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.fixture
def counting(store: EventStore) -> CountingStore:
    return CountingStore(store)


@pytest.fixture
def model(counting: CountingStore, own: Callable[[Any], Any]) -> EventsModel:
    m = own(EventsModel(counting, None, page_size=50))  # type: ignore[arg-type]
    m.refresh()
    return m


def test_bridged_batches_are_shown_from_the_notice(
    qtbot: Any, store: EventStore, counting: CountingStore, model: EventsModel, own: Callable[[Any], Any]
) -> None:
    bridge = own(EventBridge(interval_ms=10))
    bridge.committed.connect(model.on_committed)
    for start, end in ((0, 40), (40, 90), (90, 95)):
        bridge.on_committed(store.insert_many([new_event(n) for n in range(start, end)]))
    qtbot.waitUntil(lambda: model.rowCount() == 95, timeout=5000)
    assert model_seqs(model) == list(range(95, 0, -1))
    assert counting.reads == 0


def test_a_gap_or_a_filter_falls_back_to_the_store(
    store: EventStore, counting: CountingStore, model: EventsModel
) -> None:
    first = store.insert_many([new_event(n) for n in range(3)])
    store.insert_many([new_event(3)])  # written by someone the bridge never saw
    last = store.insert_many([new_event(4)])
    model.on_committed(CommitNotice(5, 4, frozenset(), tuple(e.summary() for e in (*first, *last))))
    assert model_seqs(model) == [5, 4, 3, 2, 1]
    assert counting.reads == 1

    model.set_filter("type:card.created")
    reads = counting.reads
    more = store.insert_many([new_event(n) for n in range(5, 8)])
    model.on_committed(CommitNotice(8, 3, frozenset(), tuple(e.summary() for e in more)))
    assert counting.reads == reads + 1  # a filtered view asks SQL which rows match
    shown = [model.summary_at(r) for r in range(model.rowCount())]
    assert shown
    assert all(s is not None and s.event_identifier == "card.created" for s in shown)
