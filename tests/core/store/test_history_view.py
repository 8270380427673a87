"""HistoryView on a real SQLite store, no Qt: paging, live rows, pause, counts, superseded reads.

Every test applies the changes the view returns to a plain list, as a table model would, and
checks that the list then equals the view's rows: the changes alone must describe what happened.
"""

from __future__ import annotations

import json

import pytest

from inspector.core.events import EventSummary, NewEvent
from inspector.core.store import history_view
from inspector.core.store.event_store import EventStore
from inspector.core.store.filter_query import FilterError
from inspector.core.store.history_view import Changes, HistoryView, Inserted, Removed, Replaced, Reset
from inspector.core.store.keep_limits import KeepLimits
from inspector.core.store.retention import Pruner

TYPES = ("transaction.created", "card.created", "transaction.settled")


def new_event(n: int, *, status: int = 200, event_type: str | None = None) -> NewEvent:
    kind = event_type or TYPES[n % len(TYPES)]
    body = json.dumps({"event_id": f"evt_{n}", "event_identifier": kind, "data": {"n": n}}).encode()
    return NewEvent(
        received_at=1_790_000_000.0 + n,
        method="POST",
        path=f"/hooks/{n % 7}",
        query="",
        headers=(),
        body=body + b" " * (n % 13),
        status=status,
        event_id=f"evt_{n}",
        event_identifier=kind,
    )


class Table:
    """What a table model does with a view: applies each change to the rows it shows."""

    def __init__(self, view: HistoryView) -> None:
        self.view = view
        self.shown: list[EventSummary] = []
        self.applied: list[Changes] = []

    def apply(self, changes: Changes) -> Changes:
        for change in changes.rows:
            if isinstance(change, Reset):
                self.shown = list(change.rows)
            elif isinstance(change, Inserted):
                assert 0 <= change.at <= len(self.shown)
                self.shown[change.at : change.at] = change.rows
            elif isinstance(change, Removed):
                assert change.count > 0 and change.at + change.count <= len(self.shown)
                del self.shown[change.at : change.at + change.count]
            else:
                assert self.shown[change.at].seq == change.row.seq
                self.shown[change.at] = change.row
        assert self.shown == list(self.view.rows)
        self.applied.append(changes)
        return changes

    def seqs(self) -> list[int]:
        return [r.seq for r in self.shown]

    def load_all(self) -> None:
        while self.view.can_fetch_more:
            self.apply(self.view.fetch_more_now())

    def commit(self, store: EventStore, events: list[NewEvent], *, carry: bool = False) -> Changes:
        """What the bridge hands over after a committed batch (with the rows, when `carry`)."""
        stored = store.insert_many(events)
        rows = tuple(e.summary() for e in stored) if carry else ()
        return self.apply(self.view.on_committed(max(e.seq for e in stored), len(stored), rows))


def inserts(changes: Changes) -> list[Inserted]:
    return [c for c in changes.rows if isinstance(c, Inserted)]


def recount(view: HistoryView) -> Changes:
    read = view.recount()
    assert read is not None
    return read.now()


@pytest.fixture
def table(store: EventStore) -> Table:
    t = Table(HistoryView(store, page_size=50))
    t.apply(t.view.refresh())
    return t


def test_pages_instead_of_loading_everything(store: EventStore, table: Table) -> None:
    store.insert_many([new_event(n) for n in range(120)])
    changes = table.apply(table.view.refresh())
    assert [type(c) for c in changes.rows] == [Reset] and changes.loaded and changes.recount
    assert len(table.shown) == 50 and table.view.can_fetch_more
    more = table.apply(table.view.fetch_more_now())
    assert [(type(c), c.at, len(c.rows), c.live) for c in inserts(more)] == [(Inserted, 50, 50, False)]
    table.load_all()
    assert table.seqs() == list(range(120, 0, -1))
    assert not table.view.can_fetch_more
    assert table.view.fetch_more_now() == Changes()


def test_live_rows_go_on_top_in_one_block_without_a_reset(store: EventStore, table: Table) -> None:
    store.insert_many([new_event(n) for n in range(10)])
    table.apply(table.view.refresh())
    changes = table.commit(store, [new_event(n) for n in range(10, 40)])
    assert [(c.at, len(c.rows), c.live) for c in inserts(changes)] == [(0, 30, True)]
    assert len(changes.rows) == 1
    assert changes.streamed == 40 and changes.counts and not changes.loaded
    assert table.seqs()[:3] == [40, 39, 38] and len(table.shown) == 40


@pytest.mark.parametrize("order_by", ["status", "path", "body_size", "seq", "event_identifier"])
@pytest.mark.parametrize("descending", [True, False])
def test_live_rows_land_where_the_sort_puts_them(
    store: EventStore, table: Table, order_by: str, descending: bool
) -> None:
    store.insert_many([new_event(n, status=(200, 401, 404)[n % 3]) for n in range(120)])
    table.apply(table.view.reload(order=(order_by, descending)).now())
    table.apply(table.view.fetch_more_now())  # 100 of 120 loaded: part of the history is not in memory
    table.commit(store, [new_event(n, status=(200, 401, 404, 500)[n % 4]) for n in range(120, 160)])
    table.load_all()
    expected = [r.seq for r in store.query(limit=1000, order_by=order_by, descending=descending)]
    assert table.seqs() == expected


def test_a_filter_shows_matching_live_rows_and_counts_the_others(store: EventStore, table: Table) -> None:
    store.insert_many([new_event(n) for n in range(30)])
    table.apply(table.view.reload("type:transaction.*").now())
    table.apply(recount(table.view))
    table.load_all()
    assert len(table.shown) == 20
    assert (table.view.matching_count, table.view.total_count) == (20, 30)
    with pytest.raises(FilterError):
        table.view.reload("status:nope")
    assert table.view.filter_text == "type:transaction.*" and not table.view.loading
    table.commit(
        store, [new_event(100, event_type="card.created"), new_event(101, event_type="transaction.x")]
    )
    assert len(table.shown) == 21
    assert (table.view.matching_count, table.view.total_count) == (21, 32)


def test_the_rows_a_notice_carries_are_shown_without_a_store_read(
    store: EventStore, table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []
    query_after = store.query_after
    monkeypatch.setattr(store, "query_after", lambda *a, **k: reads.append(1) or query_after(*a, **k))
    for start, end in ((0, 40), (40, 90)):
        table.commit(store, [new_event(n) for n in range(start, end)], carry=True)
    assert table.seqs() == list(range(90, 0, -1)) and reads == []

    store.insert_many([new_event(90)])  # written by someone the notice never saw: a gap
    table.commit(store, [new_event(91)], carry=True)
    assert table.seqs()[:2] == [92, 91] and reads == [1]

    table.apply(table.view.reload("type:card.created").now())
    table.commit(store, [new_event(n) for n in range(93, 96)], carry=True)
    assert reads == [1, 1]  # a filtered view asks SQL which rows match
    assert all(r.event_identifier == "card.created" for r in table.shown)


def test_pause_holds_rows_and_paging_stays_consistent(store: EventStore, table: Table) -> None:
    store.insert_many([new_event(n) for n in range(120)])
    table.apply(table.view.refresh())
    assert table.apply(table.view.set_paused(True)) == Changes()
    changes = table.commit(store, [new_event(n) for n in range(120, 135)])
    assert changes.rows == [] and changes.counts
    assert len(table.shown) == 50
    # The held rows sort before the loaded ones: the next page starts past them, a whole page.
    (page,) = inserts(table.apply(table.view.fetch_more_now()))
    assert [r.seq for r in page.rows] == list(range(70, 20, -1))
    table.load_all()  # scrolling while paused neither repeats nor skips older rows
    assert table.seqs() == list(range(120, 0, -1))
    resumed = table.apply(table.view.set_paused(False))
    assert [type(c) for c in resumed.rows] == [Inserted] and resumed.streamed == 135
    assert table.seqs() == list(range(135, 0, -1))


def test_resuming_after_more_held_rows_than_kept_reloads(
    store: EventStore, table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_view, "MAX_PENDING", 5)
    store.insert_many([new_event(n) for n in range(10)])
    table.apply(table.view.refresh())
    table.apply(table.view.set_paused(True))
    table.commit(store, [new_event(n) for n in range(10, 14)])
    table.commit(store, [new_event(n) for n in range(14, 20)])
    resumed = table.apply(table.view.set_paused(False))
    assert [type(c) for c in resumed.rows] == [Reset] and resumed.loaded
    assert table.seqs() == list(range(20, 0, -1))


def test_counts_stay_exact_when_rows_arrive_while_a_count_runs(store: EventStore, table: Table) -> None:
    store.insert_many([new_event(n) for n in range(20)])
    table.apply(table.view.reload("type:card.*").now())
    count = table.view.recount()
    assert count is not None
    answer = count.run()  # counted up to seq 20 ...
    table.commit(store, [new_event(n) for n in range(20, 26)])  # ... while 6 more arrive
    assert table.view.recount() is None  # one count at a time; it is asked for again afterwards
    finished = table.apply(count.finish(answer))
    assert finished.counts and finished.recount
    assert (table.view.matching_count, table.view.total_count) == (store.count("type:card.*"), store.count())
    assert table.apply(recount(table.view)).recount is False
    assert (table.view.matching_count, table.view.total_count) == (store.count("type:card.*"), store.count())


def test_a_count_of_a_replaced_filter_is_ignored_and_asked_again(store: EventStore, table: Table) -> None:
    store.insert_many([new_event(n) for n in range(30)])
    count = table.view.recount()
    assert count is not None
    answer = count.run()
    table.apply(table.view.reload("type:card.created").now())
    late = table.apply(count.finish(answer))
    assert late.recount and not late.counts
    assert table.view.matching_count is None


def test_a_superseded_reload_never_lands(store: EventStore, table: Table) -> None:
    store.insert_many([new_event(n) for n in range(30)])
    first = table.view.reload("type:transaction.created")
    second = table.view.reload("type:transaction.settled")
    assert table.view.loading
    landed = table.apply(second.now())
    assert landed.loaded and not table.view.loading
    assert table.apply(first.now()) == Changes()
    assert table.view.filter_text == "type:transaction.settled"
    assert {r.event_identifier for r in table.shown} == {"transaction.settled"}


def test_one_page_at_a_time_and_a_page_of_a_replaced_sort_is_dropped(store: EventStore, table: Table) -> None:
    store.insert_many([new_event(n) for n in range(120)])
    table.apply(table.view.refresh())
    page = table.view.fetch_more()
    assert page is not None
    assert table.view.fetch_more() is None  # asked again while one is on its way
    page.fail()
    retry = table.view.fetch_more()
    assert retry is not None
    answer = retry.run()
    table.apply(table.view.reload(order=("body_size", True)).now())
    assert table.apply(retry.finish(answer)) == Changes()
    assert len(table.shown) == 50
    expected = [r.seq for r in store.query(limit=50, order_by="body_size", descending=True)]
    assert table.seqs() == expected


def test_updated_summaries_replace_only_loaded_rows(store: EventStore, table: Table) -> None:
    store.insert_many([new_event(n) for n in range(60)])
    table.apply(table.view.refresh())
    store.set_extra(55, "forward", {"status": 502})
    store.set_extra(3, "forward", {"status": 200})  # not loaded: page one holds 60..11
    changes = table.apply(table.view.update_summaries(store.summaries([3, 55])))
    assert changes.rows == [Replaced(5, store.summaries([55])[0])]
    assert table.shown[5].forward_status == 502


def test_a_page_loaded_while_rows_were_committed_catches_up(store: EventStore, table: Table) -> None:
    store.insert_many([new_event(n) for n in range(10)])
    reload = table.view.reload()
    answer = reload.run()
    table.commit(store, [new_event(n) for n in range(10, 15)])  # noticed before the page lands
    landed = table.apply(reload.finish(answer))
    assert [type(c) for c in landed.rows] == [Reset, Inserted]
    assert landed.streamed == 15 and landed.loaded
    assert table.seqs() == list(range(15, 0, -1))


# -- pruned and let-go rows ------------------------------------------------------------------------


def prune(store: EventStore, keep: int) -> list[int]:
    pruner = Pruner(store, KeepLimits(days=None, events=keep, size=None))
    deleted: list[int] = []
    while batch := pruner.prune_batch():
        deleted.extend(batch)
    return deleted


@pytest.mark.parametrize("order_by", ["seq", "path", "status"])
def test_pruned_rows_leave_the_table_and_the_counts(store: EventStore, table: Table, order_by: str) -> None:
    store.insert_many([new_event(n, status=(200, 401)[n % 2]) for n in range(120)])
    table.apply(table.view.reload(order=(order_by, True)).now())
    table.apply(table.view.fetch_more_now())
    table.apply(recount(table.view))
    assert table.view.total_count == 120
    changes = table.apply(table.view.on_pruned(prune(store, 30)))
    assert changes.recount and changes.counts
    assert all(isinstance(c, Removed) for c in changes.rows)
    assert table.view.total_count == table.view.matching_count == 30
    table.load_all()  # the pages after the loaded window line up with what is left
    assert table.seqs() == [r.seq for r in store.query(limit=1000, order_by=order_by, descending=True)]
    assert len(table.shown) == 30


def test_pruning_under_a_filter_takes_only_known_matches_off_and_recounts(
    store: EventStore, table: Table
) -> None:
    store.insert_many([new_event(n, status=(200, 401)[n % 2]) for n in range(200)])
    table.apply(table.view.reload("status:401").now())  # 50 of 100 matching rows loaded
    table.apply(recount(table.view))
    assert table.view.matching_count == 100
    changes = table.apply(table.view.on_pruned(prune(store, 20)))
    # 40 of the 50 loaded ones went; whether the 50 not loaded did is for the recount to say.
    assert table.view.matching_count == 60 and changes.recount
    table.apply(recount(table.view))
    assert (table.view.matching_count, table.view.total_count) == (10, 20)
    assert table.seqs() == [r.seq for r in store.query("status:401", limit=100)]


def test_held_rows_that_were_pruned_are_not_shown_on_resume(store: EventStore, table: Table) -> None:
    table.apply(table.view.set_paused(True))
    table.commit(store, [new_event(n) for n in range(10)])
    table.apply(table.view.on_pruned(prune(store, 4)))
    table.apply(table.view.set_paused(False))
    assert table.seqs() == [10, 9, 8, 7]


def test_a_long_stream_lets_go_of_the_far_end_and_pages_it_back(store: EventStore) -> None:
    table = Table(HistoryView(store, page_size=50, max_loaded=120))
    table.apply(table.view.refresh())
    for start in range(0, 300, 30):
        changes = table.commit(store, [new_event(n) for n in range(start, start + 30)])
        assert len(table.shown) <= 120
    assert any(isinstance(c, Removed) for c in changes.rows)
    assert table.seqs() == list(range(300, 180, -1)) and table.view.can_fetch_more
    table.apply(table.view.fetch_more_now())
    assert table.seqs() == list(range(300, 130, -1))


def test_rows_pruned_before_their_commit_notice_are_never_shown_nor_counted(
    store: EventStore, table: Table
) -> None:
    store.insert_many([new_event(n) for n in range(3)])
    table.apply(table.view.refresh())
    table.apply(recount(table.view))
    stored = store.insert_many([new_event(n) for n in range(3, 8)])
    # The pruner runs between the commit and the (delayed) notice that carries those rows.
    table.apply(table.view.on_pruned(prune(store, 2)))
    rows = tuple(e.summary() for e in stored)
    table.apply(table.view.on_committed(stored[-1].seq, len(stored), rows))
    assert table.seqs() == [8, 7]
    assert (table.view.matching_count, table.view.total_count) == (2, 2)
    table.apply(recount(table.view))
    assert (table.view.matching_count, table.view.total_count) == (2, 2)
