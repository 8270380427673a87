"""Run provider calls (HTTP, keyring over D-Bus) off the GUI thread and report back by signal.

A `ProviderWorker` belongs to one form or panel. `run(tag, fn)` starts `fn` on a QThreadPool;
`succeeded(tag, result)` or `failed(tag, error)` arrives on the GUI thread (queued signal). The
error is always a `ProviderError` whose str() is a sentence for the user: anything else a call
raises is wrapped, so no traceback ever reaches a dialog. `busyChanged` drives a busy indicator.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QProgressBar, QWidget

from inspector.core.provider.client import ProviderError

log = logging.getLogger(__name__)

NETWORK_THREADS = 4
POOL_NAME = "networkPool"


def network_pool() -> QThreadPool:
    """The pool for calls that wait on sockets (provider API, keyring over D-Bus, tunnel probes).

    Not the global pool: that one has one thread per core (2 here) and runs the window's
    database jobs, which a provider taking its full 20 s timeout must not hold up. A child of
    the application, so it is found again by name and waited for when the application goes.
    """
    app = QCoreApplication.instance()
    pool = app.findChild(QThreadPool, POOL_NAME) if app is not None else None
    if pool is None:
        pool = QThreadPool(app)
        pool.setObjectName(POOL_NAME)
        pool.setMaxThreadCount(NETWORK_THREADS)
    return pool


def wait_for_network_calls(timeout_ms: int = 5000) -> bool:
    """At exit: drop queued calls, wait for running ones; False if some still run."""
    pool = network_pool()
    pool.clear()
    return pool.waitForDone(timeout_ms)


class _Relay(QObject):
    # Emitted on a pool thread; the relay lives on the GUI thread, so delivery is queued.
    succeeded = Signal(object, object)
    failed = Signal(object, object)


class _Call(QRunnable):
    def __init__(self, relay: _Relay, tag: object, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._relay = relay
        self._tag = tag
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn()
        except ProviderError as exc:
            self._emit(self._relay.failed, exc)
        except Exception as exc:  # never let a worker die silently, never show a traceback
            log.debug("provider call %r failed", self._tag, exc_info=True)
            self._emit(self._relay.failed, as_user_error(exc))
        else:
            self._emit(self._relay.succeeded, result)

    def _emit(self, signal: Any, value: object) -> None:
        try:
            signal.emit(self._tag, value)
        except RuntimeError:  # the form was closed while we worked: nobody is listening
            pass


def as_user_error(exc: BaseException) -> ProviderError:
    """Any exception as a ProviderError with a readable sentence (no traceback, no repr)."""
    if isinstance(exc, ProviderError):
        return exc
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ProviderError(f"Something went wrong: {text[:200]}")


class ProviderWorker(QObject):
    """Starts calls on a thread pool; counts them so `busy` and `busyChanged` are exact."""

    succeeded = Signal(object, object)  # (tag, result)
    failed = Signal(object, object)  # (tag, ProviderError)
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or network_pool()
        self._relay = _Relay(self)
        self._relay.succeeded.connect(self._on_succeeded)
        self._relay.failed.connect(self._on_failed)
        self._in_flight = 0
        self._pending: list[object] = []  # tags of calls not answered yet (for the curious)

    @property
    def busy(self) -> bool:
        return self._in_flight > 0

    @property
    def pending(self) -> list[object]:
        return list(self._pending)

    def run(self, tag: object, fn: Callable[[], Any]) -> None:
        self._pending.append(tag)
        self._in_flight += 1
        if self._in_flight == 1:
            self.busyChanged.emit(True)
        self._pool.start(_Call(self._relay, tag, fn))

    def _done(self, tag: object) -> None:
        if tag in self._pending:
            self._pending.remove(tag)
        self._in_flight -= 1
        if self._in_flight == 0:
            self.busyChanged.emit(False)

    def _on_succeeded(self, tag: object, result: object) -> None:
        self._done(tag)
        self.succeeded.emit(tag, result)

    def _on_failed(self, tag: object, error: object) -> None:
        self._done(tag)
        self.failed.emit(tag, error)


class BusyBar(QProgressBar):
    """A thin indeterminate progress bar, visible only while its worker is busy."""

    def __init__(self, worker: ProviderWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("busyIndicator")
        self.setRange(0, 0)  # indeterminate: we cannot know how long the provider takes
        self.setTextVisible(False)
        self.setMaximumHeight(6)
        self.setVisible(worker.busy)
        worker.busyChanged.connect(self.setVisible)
