"""Group commit: concurrent deliveries are committed together, and only then acknowledged.

There is no dedicated writer thread. The first request thread to arrive becomes the leader and
commits everything queued in one transaction (one fsync for the batch); requests that arrive while
it commits wait, and one of them leads the next batch. A thread that finds no commit running
commits at once, so a lone delivery never waits for a thread wake-up — on CPython those hand-offs
between threads cost milliseconds each and, with a writer thread, halved our throughput.

A `judge` (the learned payload shapes, inspector/core/capture/payload_learning.py) sees each
delivery that came with a `note`, in commit order, just before its batch is committed: it may add
flags to the row and entries to the row's `extra` (written right after the commit, before anyone
is answered). Leaders take turns, so the judge never runs on two threads at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from sqlite3 import OperationalError
from typing import Any

from inspector.core.diagnostics.log_events import commit_failed, commit_recovered
from inspector.core.events import NewEvent, StoredEvent
from inspector.core.store.columns import prepare_row
from inspector.core.store.event_store import EventStore

log = logging.getLogger(__name__)

MAX_BATCH = 256
Subscriber = Callable[[list[StoredEvent]], None]
# (event, its note) -> (flags to add, extra entries) or None for no change.
Judge = Callable[[NewEvent, Any], tuple[tuple[str, ...], dict[str, Any]] | None]


class WriterStoppedError(RuntimeError):
    pass


class CommitTimeoutError(RuntimeError):
    pass


class _Pending:
    __slots__ = ("error", "event", "extra", "note", "promoted", "result", "row", "wake")

    def __init__(self, event: NewEvent, note: Any = None) -> None:
        self.event = event
        self.note = note
        self.extra: dict[str, Any] | None = None
        self.row = prepare_row(event)  # on the request's own thread, not in the serial commit
        self.result: StoredEvent | None = None
        self.error: BaseException | None = None
        self.promoted = False
        self.wake = threading.Event()


class BatchWriter:
    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending: list[_Pending] = []
        self._committing = False
        self._accepting = False
        self._subscribers: list[Subscriber] = []
        self.judge: Judge | None = None
        self._failures = 0  # commits failed in a row (only the leader commits: no lock needed)
        self._failing_since = 0.0

    def subscribe(self, callback: Subscriber) -> None:
        """`callback` runs after each committed batch, in commit order, on a request thread."""
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    def start(self) -> None:
        self._accepting = True

    def stop(self, timeout: float = 5.0) -> None:
        """Refuse new work and wait for queued work to be committed."""
        with self._lock:
            self._accepting = False
            self._idle.wait_for(lambda: not self._committing and not self._pending, timeout)

    def write(self, event: NewEvent, timeout: float = 10.0, note: Any = None) -> StoredEvent:
        """Store `event` and return it as committed; raises if it could not be committed.

        `note` (made on the caller's thread) is handed to the judge with the event."""
        item = _Pending(event, note)
        with self._lock:
            if not self._accepting:
                raise WriterStoppedError("the listener is shutting down")
            self._pending.append(item)
            leader = not self._committing
            if leader:
                self._committing = True
        if not leader:
            if not item.wake.wait(timeout):
                with self._lock:
                    # Still queued and not chosen to lead: withdraw, so no later leader can hand the
                    # next batch to a caller that has gone (nobody would commit again).
                    if not item.promoted and item in self._pending:
                        self._pending.remove(item)
                        raise CommitTimeoutError(f"the store did not commit within {timeout:.0f} s")
                # Taken into a batch (or promoted) meanwhile: that batch ends soon (its commit is
                # bounded by the store's busy timeout), and then this caller has its answer.
                item.wake.wait()
            if not item.promoted:
                return _outcome(item)
        self._lead()
        return _outcome(item)

    def _lead(self) -> None:
        with self._lock:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        stored: list[StoredEvent] = []
        try:
            judge = self.judge
            if judge is not None:
                for p in batch:
                    if p.note is not None:
                        _judge(judge, p)
            stored = self._commit(batch)
            if (
                len(stored) < len(batch)
                and len(batch) > 1
                and not isinstance(batch[0].error, OperationalError)
            ):
                # One bad row must not cost its neighbours their acknowledgement: retry them one by
                # one. (Not for a locked or failing database: every retry would wait its busy timeout.)
                stored = [row for p in batch for row in self._commit([p])]
        finally:
            for p in batch:
                p.promoted = False
                p.wake.set()
            if stored:
                for callback in list(self._subscribers):
                    try:
                        callback(stored)
                    except Exception:  # a broken subscriber must not stop the store
                        log.exception("event subscriber failed")
            self._hand_over()

    def _hand_over(self) -> None:
        """Promote the next queued writer to lead, or mark the writer idle."""
        with self._lock:
            if self._pending:
                successor = self._pending[0]
                successor.promoted = True
                successor.wake.set()
            else:
                self._committing = False
                self._idle.notify_all()

    def _commit(self, batch: list[_Pending]) -> list[StoredEvent]:
        """Commit `batch`, fill each item's result or error; returns what was stored."""
        try:
            stored = self._store.insert_prepared([p.event for p in batch], [p.row for p in batch])
        except Exception as exc:  # any failure to commit -> these waiters answer 503
            commit_failed(exc, len(batch))
            if not self._failures:
                self._failing_since = time.monotonic()
            self._failures += 1
            for p in batch:
                p.error = exc
            return []
        if self._failures:
            commit_recovered(self._failures, time.monotonic() - self._failing_since)
            self._failures = 0
        for p, row in zip(batch, stored, strict=True):
            p.result, p.error = row, None
            if p.extra:
                p.result = self._attach(row, p.extra)
        return [p.result for p in batch if p.result is not None]

    def _attach(self, row: StoredEvent, extra: dict[str, Any]) -> StoredEvent:
        """The judge's extra entries on the committed row (best effort: the row and its flags stand)."""
        try:
            for key, value in extra.items():
                self._store.set_extra(row.seq, key, value)
        except Exception as exc:
            log.error("could not store the notes of delivery #%d: %s", row.seq, exc)
            return row
        return replace(row, extra={**row.extra, **extra})


def _judge(judge: Judge, p: _Pending) -> None:
    try:
        verdict = judge(p.event, p.note)
    except Exception:  # a broken judge must not cost the delivery its commit
        log.exception("delivery judge failed")
        return
    if verdict is None:
        return
    flags, extra = verdict
    if flags:
        p.event = replace(p.event, flags=(*p.event.flags, *flags))
        p.row = prepare_row(p.event)
    p.extra = extra or None


def _outcome(item: _Pending) -> StoredEvent:
    if item.error is not None:
        raise item.error
    assert item.result is not None
    return item.result
