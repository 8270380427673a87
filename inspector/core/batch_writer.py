"""One writer thread that commits concurrent deliveries in small batches (group commit).

Request threads hand over a NewEvent and wait on its Future; the writer drains everything queued,
commits it in one transaction (one fsync for the batch), then releases the waiting responses. The
2xx acknowledgement therefore always follows the commit, and throughput does not pay an fsync per
delivery.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from inspector.core.event_store import EventStore
from inspector.core.events import NewEvent, StoredEvent

log = logging.getLogger(__name__)

MAX_BATCH = 256
Subscriber = Callable[[list[StoredEvent]], None]
_STOP = object()


class WriterStoppedError(RuntimeError):
    pass


class BatchWriter:
    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._subscribers: list[Subscriber] = []
        self._thread = threading.Thread(target=self._run, name="event-writer", daemon=True)
        self._accepting = False

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)

    def start(self) -> None:
        self._accepting = True
        self._thread.start()

    def submit(self, event: NewEvent) -> Future[StoredEvent]:
        if not self._accepting:
            raise WriterStoppedError("the listener is shutting down")
        fut: Future[StoredEvent] = Future()
        self._queue.put((event, fut))
        return fut

    def stop(self, timeout: float = 5.0) -> None:
        """Commit what is queued, then end the thread."""
        if not self._thread.is_alive():
            return
        self._accepting = False
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[tuple[NewEvent, Future[StoredEvent]]] = []
            item = self._queue.get()
            while True:
                if item is _STOP:
                    stopping = True
                else:
                    batch.append(item)  # type: ignore[arg-type]
                if len(batch) >= MAX_BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._commit(batch)

    def _commit(self, batch: list[tuple[NewEvent, Future[StoredEvent]]]) -> None:
        try:
            stored = self._store.insert_many([e for e, _ in batch])
        except Exception as exc:  # any failure to commit -> every waiter answers 503
            log.error("could not store %d deliveries: %s", len(batch), exc)
            for _, fut in batch:
                fut.set_exception(exc)
            return
        for (_, fut), row in zip(batch, stored, strict=True):
            fut.set_result(row)
        for callback in list(self._subscribers):
            try:
                callback(stored)
            except Exception:  # a broken subscriber must not stop the store
                log.exception("event subscriber failed")
