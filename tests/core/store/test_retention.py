"""Keeping the history within its limits, on a real SQLite file: which events go, which stay
(pinned, newest), that the file stops growing, and the pruning thread."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from inspector.core.events import NewEvent
from inspector.core.paths import DB_FILENAME
from inspector.core.store.event_store import EventStore
from inspector.core.store.keep_limits import (
    DAY_S,
    KeepLimits,
    format_size,
    parse_count,
    parse_days,
    parse_size,
)
from inspector.core.store.migrations import MIGRATIONS, SCHEMA_VERSION
from inspector.core.store.retention import Pruner, RetentionWorker, estimate_removal
from tests.waiting import wait_until

NOW = 1_800_000_000.0


def event(i: int, *, received_at: float = NOW, pad: int = 0) -> NewEvent:
    body = json.dumps({"event_id": f"e{i}", "event_identifier": "card.created", "data": {"p": "x" * pad}})
    return NewEvent(
        received_at,
        "POST",
        "/hooks",
        "",
        (("Content-Type", "application/json"),),
        body.encode(),
        200,
        event_id=f"e{i}",
        event_identifier="card.created",
    )


def fill(store: EventStore, n: int, **kw: float | int) -> list[int]:
    start = store.max_seq()
    return [e.seq for e in store.insert_many([event(start + i, **kw) for i in range(n)])]  # type: ignore[arg-type]


def prune_all(pruner: Pruner) -> list[int]:
    deleted: list[int] = []
    while batch := pruner.prune_batch():
        deleted.extend(batch)
    return deleted


def seqs_left(store: EventStore) -> list[int]:
    return [s.seq for s in store.query("", limit=1_000_000, descending=False)]


# -- what the user types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("2GB", 2_000_000_000),
        ("500 MB", 500_000_000),
        ("1.5GiB", int(1.5 * 1024**3)),
        ("10mb", 10_000_000),
        ("none", None),
        ("Unlimited", None),
    ],
)
def test_sizes_read_as_a_user_writes_them(text: str, size: int | None) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(
    ("text", "why"), [("2 parsecs", "not a size"), ("", "not a size"), ("1KB", "too small")]
)
def test_a_size_that_is_no_size_says_how_to_write_one(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_size(text)


def test_counts_and_days_read_with_separators_and_refuse_nonsense() -> None:
    assert parse_count("200,000") == parse_count("200_000") == 200_000
    assert parse_days("0.5") == 0.5
    assert parse_days("none") is None
    for bad in ("0", "-3", "many", "inf", "nan"):
        with pytest.raises(ValueError, match="days"):
            parse_days(bad)
    for bad in ("0", "1e5", "-1", "lots"):
        with pytest.raises(ValueError, match="number of events"):
            parse_count(bad)


def test_limits_describe_themselves() -> None:
    assert KeepLimits().describe() == "30 days or 2 GB, whichever comes first"
    assert KeepLimits(days=None, events=200_000, size=None).describe() == "200,000 events"
    assert KeepLimits(days=1, events=5, size=None).describe() == "1 day or 5 events, whichever comes first"
    assert KeepLimits(None, None, None).describe() == "everything (no limit)"
    assert format_size(1_234_567_890) == "1.2 GB"


# -- which events go ---------------------------------------------------------------------------


def test_a_count_limit_keeps_exactly_the_newest_and_every_pinned_event(store: EventStore) -> None:
    seqs = fill(store, 1000)
    pinned = [seqs[0], seqs[10], seqs[500]]
    assert store.set_pinned(pinned, True) == pinned
    deleted = prune_all(Pruner(store, KeepLimits(days=None, events=100, size=None)))
    left = seqs_left(store)
    assert left == sorted(pinned + seqs[-100:])
    assert sorted(deleted) == sorted(set(seqs[:-100]) - set(pinned))
    assert deleted == sorted(deleted)  # the oldest went first
    assert [s.seq for s in store.query("is:pinned", limit=10, descending=False)] == pinned


def test_an_age_limit_removes_what_is_older_and_nothing_else(store: EventStore) -> None:
    old = fill(store, 30, received_at=NOW - 10 * DAY_S)
    recent = fill(store, 20, received_at=NOW - 1 * DAY_S)
    store.set_pinned([old[3]], True)
    pruner = Pruner(store, KeepLimits(days=7, events=None, size=None), clock=lambda: NOW)
    assert sorted(prune_all(pruner)) == sorted(set(old) - {old[3]})
    assert seqs_left(store) == [old[3], *recent]


def test_an_unpinned_event_can_be_pruned_again(store: EventStore) -> None:
    seqs = fill(store, 10)
    store.set_pinned(seqs[:2], True)
    assert store.set_pinned(seqs[:2], True) == []  # already kept: nothing changed
    assert store.set_pinned([seqs[0]], False) == [seqs[0]]
    prune_all(Pruner(store, KeepLimits(days=None, events=3, size=None)))
    assert seqs_left(store) == [seqs[1], *seqs[-3:]]


def test_within_the_limits_nothing_is_deleted(store: EventStore) -> None:
    fill(store, 50)
    assert Pruner(store, KeepLimits(days=30, events=50, size=10**9), clock=lambda: NOW).prune_batch() == []
    assert store.count() == 50


def test_batches_stay_small_and_shrink_when_a_batch_takes_too_long(store: EventStore) -> None:
    fill(store, 3000)
    pruner = Pruner(store, KeepLimits(days=None, events=1, size=None), max_batch=400, budget_s=0.0)
    sizes = []
    while batch := pruner.prune_batch():
        sizes.append(len(batch))
    # No transaction is ever fast enough for a budget of 0 s: every batch halves the next one,
    # down to a floor that keeps the pruner ahead of a steady stream.
    assert sizes[:5] == [50, 25, 12, 10, 10] and max(sizes) <= 400
    assert store.count() == 1


def test_waiting_for_the_write_lock_does_not_shrink_the_batch(store: EventStore) -> None:
    """Under a stream of commits the pruner waits for the lock; that wait is not time commits
    spend behind it. Counted, it halved every batch down to one event while the history grew
    (the soak's database tripled past its limit)."""
    fill(store, 3000)
    pruner = Pruner(store, KeepLimits(days=None, events=1, size=None), max_batch=400)
    store._write_lock.acquire()  # a commit in progress on another thread
    release = threading.Timer(0.05, store._write_lock.release)
    release.start()
    first = pruner.prune_batch()  # waits for the lock, then deletes 50 in well under 1 ms
    release.join()
    second = pruner.prune_batch()
    assert len(first) == 50 and len(second) >= 50, (len(first), len(second))


def test_at_its_size_limit_the_file_stops_growing(store: EventStore) -> None:
    limit = 10_000_000
    pruner = Pruner(store, KeepLimits(days=None, events=None, size=limit))
    file_sizes = []
    for _round in range(8):
        fill(store, 400, pad=8000)  # about 3.2 MB a round
        prune_all(pruner)
        used, file_bytes = store.space()
        assert used <= limit
        file_sizes.append(file_bytes)
    assert store.count() < 8 * 400
    # Once full, freed pages take the new rows: the file keeps the size it reached. (Within a page
    # or so: the refs index is keyed by value, so its pages empty and fill in a different order
    # than the events table's.)
    assert file_sizes[-1] - file_sizes[-3] <= file_sizes[-1] // 100
    assert file_sizes[-1] < limit * 1.5
    assert store.integrity_check() == "ok"


def test_what_tighter_limits_would_remove_is_said_before_anything_goes(store: EventStore) -> None:
    old = fill(store, 40, received_at=NOW - 10 * DAY_S)
    fill(store, 60, received_at=NOW)
    store.set_pinned(old[:5], True)
    assert estimate_removal(store, KeepLimits(days=7, events=None, size=None), now=NOW) == 35
    assert estimate_removal(store, KeepLimits(days=7, events=20, size=None), now=NOW) == 75
    assert estimate_removal(store, KeepLimits(days=30, events=None, size=None), now=NOW) == 0
    assert store.count() == 100  # an estimate deletes nothing
    big = Pruner(store, KeepLimits(days=None, events=None, size=10_000_000))
    assert estimate_removal(store, big.limits) == 0


# -- the schema ---------------------------------------------------------------------------------


def test_a_history_from_the_first_release_gains_the_keep_mark(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    conn.executescript(MIGRATIONS[0])
    conn.execute(
        "INSERT INTO events (received_at, method, path, headers, body, body_size, status)"
        " VALUES (1, 'POST', '/h', '[]', x'7b7d', 2, 200)"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = EventStore.open(tmp_path)
    try:
        [row] = store.query("")
        assert row.pinned is False
        assert store.set_pinned([row.seq], True) == [row.seq]
        assert store.query("is:pinned")[0].pinned is True
    finally:
        store.close()
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


# -- the thread ----------------------------------------------------------------------------------


def test_the_worker_prunes_on_its_own_thread_and_reports_what_went(store: EventStore) -> None:
    seqs = fill(store, 500)
    reported: list[int] = []
    threads: set[str] = set()
    usage: list[object] = []

    def pruned(batch: list[int]) -> None:
        threads.add(threading.current_thread().name)
        reported.extend(batch)

    worker = RetentionWorker(
        Pruner(store, KeepLimits(days=None, events=100, size=None)),
        interval_s=60,
        on_pruned=pruned,
        on_usage=usage.append,
    )
    worker.start()
    try:
        wait_until(lambda: len(reported) == 400 and usage)
        assert sorted(reported) == seqs[:400]
        assert threads == {"retention"}
        more = fill(store, 50)
        worker.poke()  # a burst arrived: look now rather than in a minute
        wait_until(lambda: len(reported) == 450)
        worker.set_limits(KeepLimits(days=None, events=10, size=None))
        wait_until(lambda: len(reported) == 540)
        assert seqs_left(store) == more[-10:]
    finally:
        worker.stop()


class _FullDisk(EventStore):
    """A store whose deletes fail the way they do on a full disk, until told otherwise."""

    full = True

    def delete_unpinned(self, seqs: Sequence[int]) -> list[int]:
        if self.full:
            raise sqlite3.OperationalError("database or disk is full")
        return super().delete_unpinned(seqs)


def test_a_refused_delete_is_reported_and_tried_again(data_dir: Path) -> None:
    store = _FullDisk.open(data_dir)
    try:
        fill(store, 20)
        errors: list[str] = []
        worker = RetentionWorker(
            Pruner(store, KeepLimits(days=None, events=5, size=None)), interval_s=60, on_error=errors.append
        )
        worker.start()
        wait_until(lambda: errors)
        assert errors[0] == "old events could not be removed: database or disk is full"
        assert store.count() == 20  # nothing lost, nothing half-done
        store.full = False
        worker.poke()
        wait_until(lambda: store.count() == 5)
        worker.stop()
    finally:
        store.close()


def test_one_look_finds_the_count_limit_once_not_per_batch(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding where the count limit falls walks as many index entries as the limit; made for
    every batch, it let a 576/s stream outrun the pruner at a 60,000-event limit (soak)."""
    fill(store, 1200)
    walks = []
    real = store.newest_unpinned_after

    def counted(n: int) -> int | None:
        walks.append(n)
        return real(n)

    monkeypatch.setattr(store, "newest_unpinned_after", counted)
    pruner = Pruner(store, KeepLimits(days=None, events=200, size=None), max_batch=50, budget_s=1.0)
    pruner.new_look()
    batches = 0
    while pruner.prune_batch():
        batches += 1
    assert store.count() == 200
    assert batches >= 20 and len(walks) <= 2, (batches, len(walks))
