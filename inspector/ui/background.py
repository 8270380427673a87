"""Run a blocking call (a COUNT over a million rows, a VACUUM) on the global QThreadPool.

The result comes back as a signal on the GUI thread; callers tag each call so a late answer to a
superseded question (the filter changed meanwhile) can be ignored.

Transport: the pool thread puts its result in a thread-safe queue and posts an event to the
runner, which drains the queue on the GUI thread. The queue carries the data, so nothing is lost
or doubled; while calls are outstanding a slow watchdog drains it too, because under load a
cross-thread wakeup from a pool thread has been seen not to arrive with PySide6 6.11/6.12 (see
provider_worker.py) — a lost wakeup must not leave the table "loading" forever.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRunnable, QThreadPool, QTimer, Signal

_RESULT_EVENT = QEvent.Type(QEvent.registerEventType())
WATCHDOG_MS = 250


class _Call(QRunnable):
    def __init__(self, runner: BackgroundRunner, tag: object, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._runner = runner
        self._results = runner.results
        self._tag = tag
        self._fn = fn

    def run(self) -> None:
        try:
            item = ("done", self._tag, self._fn())
        except Exception as exc:  # reported to the GUI; a worker must never die silently
            item = ("failed", self._tag, exc)
        self._results.put(item)
        try:
            QCoreApplication.postEvent(self._runner, QEvent(_RESULT_EVENT))
        except RuntimeError:  # the runner was destroyed while we worked; nobody is listening
            pass


class BackgroundRunner(QObject):
    """`submit(tag, fn)` runs fn off the GUI thread; done/failed(tag, value) arrive on the GUI thread."""

    done = Signal(object, object)
    failed = Signal(object, object)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self.results: queue.SimpleQueue[tuple[str, object, Any]] = queue.SimpleQueue()
        self.in_flight = 0
        self.rescued = 0  # results the watchdog delivered before their wakeup did (diagnostics)
        self._watchdog = QTimer(self)
        self._watchdog.setObjectName("backgroundWatchdog")
        self._watchdog.setInterval(WATCHDOG_MS)
        self._watchdog.timeout.connect(self._drain_by_watchdog)

    def submit(self, tag: object, fn: Callable[[], Any]) -> None:
        self.in_flight += 1
        if not self._watchdog.isActive():
            self._watchdog.start()
        self._pool.start(_Call(self, tag, fn))

    def event(self, event: QEvent) -> bool:
        if event.type() == _RESULT_EVENT:
            self.drain()
            return True
        return super().event(event)

    def drain(self) -> int:
        """Deliver every finished call's result; returns how many."""
        delivered = 0
        while True:
            try:
                kind, tag, value = self.results.get_nowait()
            except queue.Empty:
                break
            self.in_flight -= 1
            delivered += 1
            (self.done if kind == "done" else self.failed).emit(tag, value)
        if self.in_flight <= 0:
            self._watchdog.stop()
        return delivered

    def _drain_by_watchdog(self) -> None:
        self.rescued += self.drain()
