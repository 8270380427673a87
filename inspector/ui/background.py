"""Run a blocking call (a COUNT over a million rows, a VACUUM) on the global QThreadPool.

The result comes back as a signal on the GUI thread; callers tag each call so a late answer to a
superseded question (the filter changed meanwhile) can be ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    # Emitted from the worker thread; the receiver lives on the GUI thread, so delivery is queued.
    done = Signal(object, object)  # (tag, result)
    failed = Signal(object, object)  # (tag, exception)


class _Call(QRunnable):
    def __init__(self, relay: _Relay, tag: object, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._relay = relay
        self._tag = tag
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # reported to the GUI; a worker must never die silently
            self._emit(self._relay.failed, exc)
        else:
            self._emit(self._relay.done, result)

    def _emit(self, signal: Any, value: object) -> None:
        try:
            signal.emit(self._tag, value)
        except RuntimeError:  # the owner was destroyed while we worked; nobody is listening
            pass


class BackgroundRunner(QObject):
    """Owns a relay; `submit(tag, fn)` runs fn off the GUI thread and emits done/failed with tag."""

    done = Signal(object, object)
    failed = Signal(object, object)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._relay = _Relay(self)
        self._relay.done.connect(self.done)
        self._relay.failed.connect(self.failed)
        self.in_flight = 0
        self.done.connect(self._finished)
        self.failed.connect(self._finished)

    def submit(self, tag: object, fn: Callable[[], Any]) -> None:
        self.in_flight += 1
        self._pool.start(_Call(self._relay, tag, fn))

    def _finished(self, _tag: object, _value: object) -> None:
        self.in_flight -= 1
