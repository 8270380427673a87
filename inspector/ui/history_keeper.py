"""The window's side of retention: the session's pruner thread, its limits and the Keep mark.

`HistoryKeeper` runs a `RetentionWorker` (inspector/core/store/retention.py) and hands what it
did to the GUI thread: which events went (`pruned`, coalesced), how much disk the history takes
(`usageChanged`), and a sentence when a delete was refused (`problemChanged`). Pinning runs on the
runner's db pool. The limits the user saves live in the window settings (`limits_from_settings`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from inspector.core.store.event_store import EventStore
from inspector.core.store.keep_limits import KeepLimits
from inspector.core.store.retention import Pruner, RetentionWorker, Usage
from inspector.ui.runner import Runner

_KEYS = {"days": "history/keepDays", "events": "history/keepEvents", "size": "history/keepSize"}
_NONE = "none"
# A lost cross-thread wakeup (see inspector/ui/bridge.py) is picked up this late at most.
WATCHDOG_MS = 1000
NO_LIMITS = KeepLimits(days=None, events=None, size=None)


def limits_from_settings(settings: QSettings, default: KeepLimits | None = None) -> KeepLimits:
    """The limits saved in the window settings; what is missing or unreadable is the default's."""
    default = default or KeepLimits()
    values: dict[str, float | int | None] = {}
    for name, key in _KEYS.items():
        fallback = getattr(default, name)
        raw = settings.value(key)
        if raw is None:
            values[name] = fallback
        elif str(raw) == _NONE:
            values[name] = None
        else:
            try:
                number = float(str(raw))
            except ValueError:
                number = 0.0
            good = number > 0 and number != float("inf")
            values[name] = (number if name == "days" else int(number)) if good else fallback
    return KeepLimits(**values)  # type: ignore[arg-type]


def save_limits(settings: QSettings, limits: KeepLimits) -> None:
    for name, key in _KEYS.items():
        value = getattr(limits, name)
        settings.setValue(key, _NONE if value is None else str(value))


class HistoryKeeper(QObject):
    """`limits=None`: nothing is pruned until limits are set (tests, embedders); the window's
    command passes the saved or given ones."""

    pruned = Signal(object)  # list[int]: the seqs deleted since the last signal, on the GUI thread
    usageChanged = Signal(object)  # Usage
    limitsChanged = Signal(object)  # KeepLimits
    problemChanged = Signal(object)  # str | None
    pinnedChanged = Signal(object, bool)  # (seqs that changed, pinned)
    _wake = Signal()  # emitted on the pruner's thread, delivered queued

    def __init__(
        self,
        store: EventStore,
        runner: Runner,
        limits: KeepLimits | None,
        parent: QObject | None = None,
        *,
        interval_s: float = 2.0,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyKeeper")
        self.store = store
        self.runner = runner
        self.usage: Usage | None = None
        self.problem: str | None = None
        self._lock = threading.Lock()
        self._pending: list[int] = []
        self._pending_usage: Usage | None = None
        self._pending_problem: tuple[str | None] | None = None
        self._armed = False
        self._worker = RetentionWorker(
            Pruner(store, limits or NO_LIMITS),
            interval_s=interval_s,
            on_pruned=self._from_worker_pruned,
            on_usage=self._from_worker_usage,
            on_error=self._from_worker_error,
        )
        self._active = limits is not None
        self._stopped = False
        self._wake.connect(self._deliver)
        self._watchdog = QTimer(self)
        self._watchdog.setObjectName("historyKeeperWatchdog")
        self._watchdog.setInterval(WATCHDOG_MS)
        self._watchdog.timeout.connect(self._deliver)
        if self._active:
            self._start()

    @property
    def limits(self) -> KeepLimits:
        return self._worker.limits if self._active else NO_LIMITS

    @property
    def pruned_total(self) -> int:
        return self._worker.pruner.deleted_total

    def set_limits(self, limits: KeepLimits) -> None:
        """Keep within `limits` from now on (pruning what is over them at once, in batches)."""
        self._worker.set_limits(limits)
        if not self._active:
            self._active = True
            self._start()
        self.limitsChanged.emit(limits)

    def poke(self, *_args: object) -> None:
        """Deliveries were committed: look soon (the worker spaces its looks out)."""
        if self._active:
            self._worker.poke()

    def pin(self, seqs: Sequence[int], pinned: bool = True) -> None:
        """Mark events kept (or not) on the db pool; `pinnedChanged` follows with what changed."""
        chosen = list(seqs)
        if not chosen:
            return
        store = self.store
        self.runner.submit(
            lambda: store.set_pinned(chosen, pinned),
            on_done=lambda changed: self.pinnedChanged.emit(changed, pinned),
            owner=self,
        )

    def stop(self) -> None:
        """Stop pruning (before the store closes); waits for the batch in progress."""
        self._stopped = True
        self._watchdog.stop()
        self._worker.stop()

    # -- from the pruner's thread ----------------------------------------------------------------

    def _start(self) -> None:
        self._worker.start()
        self._watchdog.start()

    def _from_worker_pruned(self, seqs: list[int]) -> None:
        with self._lock:
            self._pending.extend(seqs)
        self._notify()

    def _from_worker_usage(self, usage: Usage) -> None:
        with self._lock:
            self._pending_usage = usage
            # A look that ended normally means deletes go through again.
            if self.problem is not None:
                self._pending_problem = (None,)
        self._notify()

    def _from_worker_error(self, problem: str) -> None:
        with self._lock:
            self._pending_problem = (problem,)
        self._notify()

    def _notify(self) -> None:
        with self._lock:
            if self._armed:
                return
            self._armed = True
        try:
            self._wake.emit()
        except RuntimeError:  # the C++ side is gone (the window closed while a batch ran)
            pass

    # -- on the GUI thread -----------------------------------------------------------------------

    def _deliver(self) -> None:
        with self._lock:
            self._armed = False
            seqs, self._pending = self._pending, []
            usage, self._pending_usage = self._pending_usage, None
            problem, self._pending_problem = self._pending_problem, None
        if self._stopped:
            return
        if seqs:
            self.pruned.emit(seqs)
        if usage is not None:
            self.usage = usage
            self.usageChanged.emit(usage)
        if problem is not None and problem[0] != self.problem:
            self.problem = problem[0]
            self.problemChanged.emit(self.problem)
