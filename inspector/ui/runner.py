"""The one way the window runs work off the GUI thread: `Runner.submit(fn, on_done=…)`.

Two pools: `"db"` (the global QThreadPool, one thread per core) for store queries, counts, exports
and imports; `"net"` (a few threads of its own) for calls that wait on sockets — the provider's
API, the keyring over D-Bus, tunnel probes — so a provider taking its whole 20 s timeout never
holds up the table's queries.

Each call has its own callbacks (`on_done(result)`, `on_error(exc)`, `on_progress(done, total)`),
run on the GUI thread, and can be cancelled (`Job.cancel()`; a function that takes a `JobControl`
checks it between steps). Callbacks of an `owner` that was destroyed meanwhile are dropped.

Transport, and the one answer to lost wake-ups: a pool thread puts its outcome in a thread-safe
queue and posts an event to the runner; the GUI thread drains the queue. The queue carries the data,
so nothing is lost or doubled. While calls are outstanding a slow watchdog drains it too, because
under load a cross-thread wake-up from a pool thread has been seen not to arrive with PySide6
6.11/6.12 — a lost wake-up must not leave a dialog "working" forever.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from collections.abc import Callable
from typing import Any, Literal

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRunnable, QThreadPool, QTimer, Signal

log = logging.getLogger(__name__)

Pool = Literal["db", "net"]
NETWORK_THREADS = 4
WATCHDOG_MS = 250
_WAKE = QEvent.Type(QEvent.registerEventType())


def _unexpected(exc: BaseException) -> None:
    """An exception nobody handled, reported as one escaping a slot would be: through sys.excepthook
    (the app's hook logs it and shows the crash dialog, inspector/ui/crash_reporting.py)."""
    try:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    except Exception:  # the hook itself failed: the log is the last resort
        log.exception("a background call failed", exc_info=exc)


class Cancelled(Exception):
    """Raised by `JobControl.check()` once the job was cancelled."""


class JobControl:
    """What a job function that takes one sees: progress reporting and the cancel flag."""

    def __init__(self, job: Job) -> None:
        self._job = job

    @property
    def cancelled(self) -> bool:
        return self._job.cancelled

    @property
    def cancel_event(self) -> threading.Event:
        """For core loops that take an Event to stop on (replay, export)."""
        return self._job._cancel

    def check(self) -> None:
        if self._job.cancelled:
            raise Cancelled()

    def report(self, done: int, total: int) -> None:
        """Coalesced: the GUI sees the newest count, at most one wake-up pending at a time."""
        self._job._report(done, total)


class Job:
    """A submitted call: `cancel()` asks it to stop; `done` once its outcome was delivered."""

    def __init__(  # noqa: PLR0917 - built in one place, Runner.submit
        self,
        runner: Runner,
        fn: Callable[..., Any],
        with_control: bool,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        on_progress: Callable[[int, int], None] | None,
        owner: QObject | None,
    ) -> None:
        self._runner = runner
        self._fn = fn
        self._with_control = with_control
        self.on_done = on_done
        self.on_error = on_error
        self.on_progress = on_progress
        self.owner = owner
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._latest: tuple[int, int] | None = None
        self.done = False

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:  # on a pool thread
        try:
            result = self._fn(JobControl(self)) if self._with_control else self._fn()
        except Exception as exc:  # reported to the GUI; a worker must never die silently
            self._runner._post(self, False, exc)
        else:
            self._runner._post(self, True, result)

    def _report(self, done: int, total: int) -> None:
        with self._lock:
            wake = self._latest is None
            self._latest = (done, total)
        if wake:
            self._runner._post(self, None, None)

    def take_progress(self) -> tuple[int, int] | None:
        with self._lock:
            latest, self._latest = self._latest, None
        return latest


class _Task(QRunnable):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self._job = job

    def run(self) -> None:
        self._job.run()


class Runner(QObject):
    """Runs calls on the db or net pool; outcomes arrive as callbacks on the GUI thread."""

    busyChanged = Signal(bool)  # any call in flight

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        db_pool: QThreadPool | None = None,
        net_pool: QThreadPool | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("runner")
        self._pools: dict[str, QThreadPool] = {"db": db_pool or QThreadPool.globalInstance()}
        # Database threads stay for the app's life: each holds the store's read connection for
        # its thread (inspector/core/store/event_store.py), which a thread made anew after Qt's
        # 30 s idle expiry would open again.
        self._pools["db"].setExpiryTimeout(-1)
        if net_pool is not None:
            self._pools["net"] = net_pool
        self._outcomes: queue.SimpleQueue[tuple[Job, bool | None, Any]] = queue.SimpleQueue()
        self._jobs: set[Job] = set()
        self._closed = False
        self.rescued = 0  # outcomes the watchdog delivered before their wake-up did (diagnostics)
        self._watchdog = QTimer(self)
        self._watchdog.setObjectName("runnerWatchdog")
        self._watchdog.setInterval(WATCHDOG_MS)
        self._watchdog.timeout.connect(self._drain_by_watchdog)

    # -- submitting -------------------------------------------------------------------------------

    def submit(
        self,
        fn: Callable[..., Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        pool: Pool = "db",
        owner: QObject | None = None,
        with_control: bool = False,
    ) -> Job:
        """Run `fn()` (or `fn(control)` with `with_control`) on `pool`; callbacks on the GUI thread."""
        job = Job(self, fn, with_control, on_done, on_error, on_progress, owner)
        if self._closed:
            # The app is shutting down: a timer that fires late (a recount) starts nothing.
            job.done = True
            return job
        self._jobs.add(job)
        if len(self._jobs) == 1:
            self._watchdog.start()
            self.busyChanged.emit(True)
        self._pool(pool).start(_Task(job))
        return job

    def _pool(self, name: Pool) -> QThreadPool:
        if name not in self._pools:  # made on first use: a runner that only queries needs none
            self._pools[name] = _own_pool(self, "networkPool", NETWORK_THREADS)
        return self._pools[name]

    @property
    def in_flight(self) -> int:
        return len(self._jobs)

    def cancel_all(self) -> None:
        for job in list(self._jobs):
            job.cancel()

    def close(self, timeout_ms: int = 5000) -> bool:
        """Shutdown for good: cancel, wait for running calls, refuse new ones from here on."""
        self.cancel_all()
        ok = self.wait(timeout_ms)
        self._closed = True
        self._watchdog.stop()
        return ok

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Shutdown: drop queued calls, let running ones finish, deliver what they return."""
        ok = True
        for pool in self._pools.values():
            pool.clear()
            ok = pool.waitForDone(timeout_ms) and ok
        self.drain()
        return ok

    # -- delivering -------------------------------------------------------------------------------

    def _post(self, job: Job, ok: bool | None, value: Any) -> None:  # on a pool thread
        self._outcomes.put((job, ok, value))
        try:
            QCoreApplication.postEvent(self, QEvent(_WAKE))
        except RuntimeError:  # the runner was destroyed while we worked; nobody is listening
            pass

    def event(self, event: QEvent) -> bool:
        if event.type() == _WAKE:
            self.drain()
            return True
        return super().event(event)

    def drain(self) -> int:
        """Deliver every outcome that has arrived; returns how many calls finished."""
        finished = 0
        while True:
            try:
                job, ok, value = self._outcomes.get_nowait()
            except queue.Empty:
                break
            if job.done:
                continue
            alive = job.owner is None or shiboken6.isValid(job.owner)
            latest = job.take_progress()
            if alive and latest is not None and job.on_progress is not None:
                self._call(job.on_progress, *latest)
            if ok is None:
                continue  # a progress wake-up only
            job.done = True
            finished += 1
            self._jobs.discard(job)
            if alive:
                callback = job.on_done if ok else job.on_error
                if callback is not None:
                    self._call(callback, value)
                elif not ok and not isinstance(value, Cancelled):
                    _unexpected(value)  # a worker failed with nobody to tell: the crash dialog
        if finished and not self._jobs:
            self._watchdog.stop()
            self.busyChanged.emit(False)
        return finished

    @staticmethod
    def _call(callback: Callable[..., None], *args: Any) -> None:
        try:
            callback(*args)
        except Exception as exc:  # a failing callback must not stop the others
            _unexpected(exc)

    def _drain_by_watchdog(self) -> None:
        self.rescued += self.drain()


class JobGroup(QObject):
    """The calls of one widget: `busy` / `busyChanged` for its busy bar, `cancel_all` when it closes.

    Owned by the widget, so its callbacks are dropped once the widget is gone.
    """

    busyChanged = Signal(bool)

    def __init__(self, runner: Runner, parent: QObject) -> None:
        super().__init__(parent)
        self.runner = runner
        self._jobs: set[Job] = set()

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def submit(
        self,
        fn: Callable[..., Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        pool: Pool = "db",
        with_control: bool = False,
    ) -> Job:
        job: Job

        def finish(callback: Callable[[Any], None] | None) -> Callable[[Any], None]:
            def deliver(value: Any) -> None:
                self._jobs.discard(job)
                if not self._jobs:
                    self.busyChanged.emit(False)
                if callback is not None:
                    callback(value)

            return deliver

        job = self.runner.submit(
            fn,
            on_done=finish(on_done),
            on_error=finish(on_error),
            on_progress=on_progress,
            pool=pool,
            owner=self,
            with_control=with_control,
        )
        self._jobs.add(job)
        if len(self._jobs) == 1:
            self.busyChanged.emit(True)
        return job

    def cancel_all(self) -> None:
        for job in list(self._jobs):
            job.cancel()


def _own_pool(parent: QObject, name: str, threads: int) -> QThreadPool:
    pool = QThreadPool(parent)
    pool.setObjectName(name)
    pool.setMaxThreadCount(threads)
    return pool


class WatchedJob(QObject):
    """One job at a time that a dialog watches: progress bar, Cancel, and a `finished` signal.

    `finished` always follows `succeeded` or `failed` (Cancelled, when it was cancelled before a
    result). The bar ends on the exact last count: a final progress report arrives before the result.
    """

    progress = Signal(int, int)  # (done, total)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()
    runningChanged = Signal(bool)

    def __init__(self, runner: Runner, parent: QObject, *, pool: Pool = "db") -> None:
        super().__init__(parent)
        self.runner = runner
        self._pool: Pool = pool
        self._job: Job | None = None

    @property
    def running(self) -> bool:
        return self._job is not None and not self._job.done

    @property
    def cancel_requested(self) -> bool:
        return self._job is not None and self._job.cancelled

    def start(self, fn: Callable[[JobControl], Any]) -> None:
        if self.running:
            raise RuntimeError("a job is already running")
        self._job = self.runner.submit(
            fn,
            with_control=True,
            on_progress=self.progress.emit,
            on_done=lambda result: self._end(self.succeeded, result),
            on_error=lambda error: self._end(self.failed, error),
            pool=self._pool,
            owner=self,
        )
        self.runningChanged.emit(True)

    def cancel(self) -> None:
        """Ask the job to stop before its next step; `finished` follows when it has."""
        if self._job is not None:
            self._job.cancel()

    def _end(self, signal: Any, value: object) -> None:
        self.runningChanged.emit(False)
        signal.emit(value)
        self.finished.emit()
