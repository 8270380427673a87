"""One long job (replay, export of many events) on the QThreadPool, with progress and cancel.

`background.BackgroundRunner` answers "done or failed"; a job the user watches also needs a
progress bar and a Cancel button, so this adds both. The job function runs on a pool thread and
gets a `JobControl`: `report(done, total)` and `cancelled` / `check()` to stop between two steps.
Progress is coalesced like the event bridge: the worker only stores the newest count and wakes the
GUI thread when no wake-up is pending, so a million-event export queues at most one signal at a
time, and the bar still ends on the exact last count.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class Cancelled(Exception):
    """Raised by `JobControl.check()` once the user pressed Cancel."""


class _Relay(QObject):
    # Emitted on a pool thread; the relay lives on the GUI thread, so delivery is queued.
    progress = Signal()  # "read the newest count"
    succeeded = Signal(object)
    failed = Signal(object)


class JobControl:
    """What the job function sees: progress reporting and the cancel flag."""

    def __init__(self, relay: _Relay, cancel_event: threading.Event) -> None:
        self._relay = relay
        self.cancel_event = cancel_event
        self._lock = threading.Lock()
        self._latest: tuple[int, int] | None = None
        self._wake_pending = False

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def check(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled()

    def report(self, done: int, total: int) -> None:
        with self._lock:
            self._latest = (done, total)
            wake = not self._wake_pending
            self._wake_pending = True
        if wake:
            _emit(self._relay.progress)

    def take_progress(self) -> tuple[int, int] | None:
        """GUI side: the newest (done, total) since the last call, re-arming the wake-up."""
        with self._lock:
            latest, self._latest = self._latest, None
            self._wake_pending = False
        return latest


def _emit(signal: Any, *values: object) -> None:
    try:
        signal.emit(*values)
    except RuntimeError:  # the dialog was destroyed while we worked: nobody is listening
        pass


class _Job(QRunnable):
    def __init__(self, relay: _Relay, control: JobControl, fn: Callable[[JobControl], Any]) -> None:
        super().__init__()
        self._relay = relay
        self._control = control
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn(self._control)
        except Exception as exc:  # Cancelled included; a worker must never die silently
            _emit(self._relay.failed, exc)
        else:
            _emit(self._relay.succeeded, result)


class ProgressJob(QObject):
    """Runs one job at a time; `finished` always follows `succeeded` or `failed`."""

    progress = Signal(int, int)  # (done, total)
    succeeded = Signal(object)  # the job function's result
    failed = Signal(object)  # the exception (Cancelled when the user cancelled before a result)
    finished = Signal()
    runningChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._relay = _Relay(self)
        self._relay.progress.connect(self._on_progress)
        self._relay.succeeded.connect(self._on_succeeded)
        self._relay.failed.connect(self._on_failed)
        self._cancel = threading.Event()
        self._control: JobControl | None = None
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def start(self, fn: Callable[[JobControl], Any]) -> None:
        if self._running:
            raise RuntimeError("a job is already running")
        self._cancel = threading.Event()
        self._running = True
        self.runningChanged.emit(True)
        self._control = JobControl(self._relay, self._cancel)
        self._pool.start(_Job(self._relay, self._control, fn))

    def cancel(self) -> None:
        """Ask the job to stop before its next step; `finished` follows when it has."""
        self._cancel.set()

    def _on_progress(self) -> None:
        latest = self._control.take_progress() if self._control is not None else None
        if latest is not None:
            self.progress.emit(*latest)

    def _on_succeeded(self, result: object) -> None:
        self._on_progress()  # the last count before the result, if its wake-up is still queued
        self._end()
        self.succeeded.emit(result)
        self.finished.emit()

    def _on_failed(self, error: object) -> None:
        self._on_progress()
        self._end()
        self.failed.emit(error)
        self.finished.emit()

    def _end(self) -> None:
        self._running = False
        self.runningChanged.emit(False)
