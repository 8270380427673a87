"""The events model on a real SQLite store: paging, live inserts, sorting, pause, counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt

from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from inspector.core.store.filter_query import FilterError
from inspector.ui.bridge import CommitNotice, EventBridge
from inspector.ui.events.events_model import (
    COL_PATH,
    COL_SIZE,
    COL_STATUS,
    COL_TIME,
    COL_VERDICT,
    BadgesRole,
    EventsModel,
    SeqRole,
    SummaryRole,
)
from inspector.ui.runner import Runner
from tests.ui.events.helpers import TYPES, model_seqs, new_event


def commit(store: EventStore, model: EventsModel, events: list[NewEvent]) -> None:
    """What the bridge delivers after a committed batch."""
    stored = store.insert_many(events)
    types = frozenset(e.event_identifier for e in stored if e.event_identifier)
    model.on_committed(CommitNotice(max(e.seq for e in stored), len(stored), types))


def load_all(model: EventsModel) -> None:
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())


@pytest.fixture
def model(store: EventStore, own: Callable[[Any], Any]) -> EventsModel:
    m = own(EventsModel(store, None, page_size=50))
    m.refresh()
    return m


def test_qtmodeltester_passes(
    own: Callable[[Any], Any], qtmodeltester: Any, store: EventStore, model: EventsModel
) -> None:
    # `own` first: the model is deleted only after qtmodeltester has let go of it.
    store.insert_many([new_event(n) for n in range(120)])
    model.refresh()
    qtmodeltester.check(model, force_py=True)
    commit(store, model, [new_event(n) for n in range(120, 130)])
    qtmodeltester.check(model, force_py=True)


def test_pages_instead_of_loading_everything(store: EventStore, model: EventsModel) -> None:
    store.insert_many([new_event(n) for n in range(120)])
    model.refresh()
    assert model.rowCount() == 50
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 100
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 120
    assert not model.canFetchMore(QModelIndex())
    assert model_seqs(model) == list(range(120, 0, -1))


def test_rows_carry_summary_and_badges(store: EventStore, model: EventsModel) -> None:
    store.insert_many([new_event(1)])
    store.insert_many([new_event(1)])  # same event_id again: a duplicate
    model.refresh()
    top = model.index(0, COL_VERDICT)
    assert top.data(SummaryRole).duplicate_of == 1
    assert ("duplicate", "warn") in top.data(BadgesRole)
    assert model.index(0, COL_STATUS).data() == "200"
    assert model.index(0, COL_SIZE).data().endswith("B")
    assert model.index(1, COL_TIME).data(SeqRole) == 1


def test_live_rows_go_on_top_in_one_insert_without_reset(
    qtbot: Any, store: EventStore, model: EventsModel
) -> None:
    store.insert_many([new_event(n) for n in range(10)])
    model.refresh()
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserts.append((first, last)))
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    commit(store, model, [new_event(n) for n in range(10, 40)])
    assert inserts == [(0, 29)]
    assert not resets
    assert model_seqs(model)[:3] == [40, 39, 38]
    assert model.rowCount() == 40


def test_filter_applies_in_sql_and_bad_query_changes_nothing(store: EventStore, model: EventsModel) -> None:
    store.insert_many([new_event(n) for n in range(30)])
    model.set_filter("type:transaction.*")
    load_all(model)
    assert model.rowCount() == 20
    assert model.matching_count == 20 and model.total_count == 30
    with pytest.raises(FilterError):
        model.set_filter("status:nope")
    assert model.filter_text == "type:transaction.*"
    assert model.rowCount() == 20
    # Live rows that do not match are counted in the total only.
    commit(
        store, model, [new_event(100, event_type="card.created"), new_event(101, event_type="transaction.x")]
    )
    assert model.rowCount() == 21
    assert (model.matching_count, model.total_count) == (21, 32)


@pytest.mark.parametrize(
    ("column", "order_by"),
    [(COL_STATUS, "status"), (COL_PATH, "path"), (COL_SIZE, "body_size"), (COL_TIME, "seq")],
)
@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_live_rows_land_where_the_sort_puts_them(
    store: EventStore, model: EventsModel, column: int, order_by: str, order: Qt.SortOrder
) -> None:
    store.insert_many([new_event(n, status=(200, 401, 404)[n % 3]) for n in range(120)])
    model.sort(column, order)
    descending = order == Qt.SortOrder.DescendingOrder
    model.fetchMore(QModelIndex())  # 100 of 120 loaded: part of the history is not in memory
    commit(store, model, [new_event(n, status=(200, 401, 404, 500)[n % 4]) for n in range(120, 160)])
    load_all(model)
    expected = [r.seq for r in store.query(limit=1000, order_by=order_by, descending=descending)]
    assert model_seqs(model) == expected


def test_pause_holds_rows_and_paging_stays_consistent(store: EventStore, model: EventsModel) -> None:
    store.insert_many([new_event(n) for n in range(120)])
    model.refresh()
    model.set_paused(True)
    commit(store, model, [new_event(n) for n in range(120, 135)])
    assert model.rowCount() == 50
    load_all(model)  # scrolling while paused neither repeats nor skips older rows
    assert model_seqs(model) == list(range(120, 0, -1))
    model.set_paused(False)
    assert model_seqs(model) == list(range(135, 0, -1))


def test_counts_stay_exact_when_a_count_races_live_rows(store: EventStore, model: EventsModel) -> None:
    store.insert_many([new_event(n) for n in range(20)])
    model.set_filter("type:card.*")
    commit(store, model, [new_event(n) for n in range(20, 26)])
    model.request_counts()
    assert (model.matching_count, model.total_count) == (
        store.count("type:card.*"),
        store.count(),
    )


def test_background_reload_emits_loaded(qtbot: Any, store: EventStore, own: Callable[[Any], Any]) -> None:
    store.insert_many([new_event(n) for n in range(30)])
    model = own(EventsModel(store, own(Runner()), page_size=50))
    model.refresh()
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.set_filter("type:card.created")
    assert model.rowCount() == 10
    qtbot.waitUntil(lambda: model.matching_count == 10 and model.total_count == 30, timeout=5000)
    # A superseded reload never lands after the newer one.
    model.set_filter("type:transaction.created")
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.set_filter("type:transaction.settled")
    qtbot.waitUntil(lambda: not model.loading, timeout=5000)
    assert model.filter_text == "type:transaction.settled"


def test_bridge_coalesces_batches_into_one_notice(
    qtbot: Any, store: EventStore, own: Callable[[Any], Any]
) -> None:
    bridge = own(EventBridge(interval_ms=20))
    notices: list[CommitNotice] = []
    bridge.committed.connect(notices.append)
    stored = store.insert_many([new_event(n) for n in range(30)])
    for i in range(0, 30, 3):  # ten batches, as the writer thread would hand them over
        bridge.on_committed(stored[i : i + 3])
    qtbot.waitUntil(lambda: len(notices) == 1, timeout=2000)
    assert notices[0].max_seq == 30 and notices[0].new_count == 30
    assert notices[0].event_types == frozenset(TYPES)
    assert bridge.wakeups == 1
    bridge.detach()
    bridge.on_committed(store.insert_many([new_event(99)]))
    assert bridge.wakeups == 1


def test_more_pages_load_off_the_gui_thread(qtbot: Any, store: EventStore, own: Callable[[Any], Any]) -> None:
    store.insert_many([new_event(n) for n in range(120)])
    model = own(EventsModel(store, own(Runner()), page_size=50))
    model.refresh()
    model.sort(COL_SIZE, Qt.SortOrder.DescendingOrder)  # an unindexed order: slow on big stores
    qtbot.waitUntil(lambda: model.order == ("body_size", True) and not model.loading, timeout=5000)
    with qtbot.waitSignal(model.rowsInserted, timeout=5000):
        model.fetchMore(QModelIndex())
        model.fetchMore(QModelIndex())  # asked again while waiting: still one page
    assert model.rowCount() == 100
    qtbot.waitUntil(lambda: model.runner_idle, timeout=5000)
    assert model.rowCount() == 100
    expected = [r.seq for r in store.query(limit=100, order_by="body_size", descending=True)]
    assert model_seqs(model) == expected


def test_lost_wakeups_are_recovered(
    qtbot: Any, store: EventStore, monkeypatch: pytest.MonkeyPatch, own: Callable[[Any], Any]
) -> None:
    """A cross-thread wakeup that never arrives must not stop live rows or background queries."""
    from inspector.ui import bridge, runner

    class NoPost:
        @staticmethod
        def postEvent(*_args: object) -> None:  # the wakeup goes missing
            return None

    monkeypatch.setattr(bridge, "QCoreApplication", NoPost)
    monkeypatch.setattr(runner, "QCoreApplication", NoPost)
    hub = own(EventBridge(interval_ms=10))
    notices: list[CommitNotice] = []
    hub.committed.connect(notices.append)
    hub.on_committed(store.insert_many([new_event(1)]))
    qtbot.waitUntil(lambda: len(notices) == 1, timeout=3000)
    assert hub.rescued == 1

    model = own(EventsModel(store, own(Runner()), page_size=50))
    with qtbot.waitSignal(model.loaded, timeout=3000):
        model.set_filter("type:card.created")
    qtbot.waitUntil(lambda: model.runner_idle, timeout=3000)
    assert model.total_count == 1
    hub.detach()
