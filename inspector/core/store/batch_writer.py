"""Group commit: concurrent deliveries are committed together, and only then acknowledged.

There is no dedicated writer thread. The first request thread to arrive becomes the leader and
commits everything queued in one transaction (one fsync for the batch); requests that arrive while
it commits wait, and one of them leads the next batch. A thread that finds no commit running
commits at once, so a lone delivery never waits for a thread wake-up — on CPython those hand-offs
between threads cost milliseconds each and, with a writer thread, halved our throughput.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from sqlite3 import OperationalError

from inspector.core.events import NewEvent, StoredEvent
from inspector.core.store.columns import prepare_row
from inspector.core.store.event_store import EventStore

log = logging.getLogger(__name__)

MAX_BATCH = 256
Subscriber = Callable[[list[StoredEvent]], None]


class WriterStoppedError(RuntimeError):
    pass


class CommitTimeoutError(RuntimeError):
    pass


class _Pending:
    __slots__ = ("error", "event", "promoted", "result", "row", "wake")

    def __init__(self, event: NewEvent) -> None:
        self.event = event
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

    def write(self, event: NewEvent, timeout: float = 10.0) -> StoredEvent:
        """Store `event` and return it as committed; raises if it could not be committed."""
        item = _Pending(event)
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
            log.error("could not store %d deliveries: %s", len(batch), exc)
            for p in batch:
                p.error = exc
            return []
        for p, row in zip(batch, stored, strict=True):
            p.result, p.error = row, None
        return stored


def _outcome(item: _Pending) -> StoredEvent:
    if item.error is not None:
        raise item.error
    assert item.result is not None
    return item.result
