"""Hands committed batches from the listener's writer thread to the GUI thread, coalesced.

The writer thread only records "the newest seq is now N" under a lock; the first record after a
flush wakes the GUI thread once (a posted event: queued, thread-safe), which arms a single-shot
timer. When the timer fires, one `committed` signal carries everything that arrived meanwhile, so
a burst of thousands of deliveries becomes a handful of model updates — no polling loop.

A slow watchdog re-arms the timer if a wakeup was recorded but never arrived (cross-thread
wakeups from non-Qt threads have been seen to go missing under load with PySide6 6.11/6.12); the
state under the lock, not the wakeup, carries the data, so nothing is lost or doubled.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal, Slot

from inspector.core.events import EventSummary, StoredEvent

# Long enough to gather a burst into one update, short enough to feel live.
DEFAULT_INTERVAL_MS = 50
# During a burst (a flush carried at least BURST_ROWS deliveries) wait longer between updates:
# every update repaints the table, and the GUI thread shares the GIL with the listener's threads.
BURST_INTERVAL_MS = 150
BURST_ROWS = 25
# Rows carried in one notice at most; past this the model reads them from the store instead.
MAX_CARRIED_ROWS = 20_000
WATCHDOG_MS = 1000
_WAKE_EVENT = QEvent.Type(QEvent.registerEventType())


@dataclass(frozen=True, slots=True)
class CommitNotice:
    """What the GUI needs to catch up: rows with seq > its last seen seq, up to `max_seq`."""

    max_seq: int
    new_count: int  # deliveries committed since the previous notice
    event_types: frozenset[str]  # event types seen in those deliveries
    # The committed rows themselves, oldest first, when the bridge saw all of them: the model can
    # show them without reading them back from the store on the GUI thread (each row read there
    # waits for the GIL the listener's threads hold during a burst).
    rows: tuple[EventSummary, ...] = ()


class EventBridge(QObject):
    committed = Signal(object)  # CommitNotice, emitted on the GUI thread

    def __init__(self, parent: QObject | None = None, interval_ms: int = DEFAULT_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._max_seq = 0
        self._count = 0
        self._types: set[str] = set()
        self._rows: list[EventSummary] = []
        self._rows_complete = True
        self._armed = False
        self._detached = False
        self._timer = QTimer(self)
        self._timer.setObjectName("bridgeFlushTimer")
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._interval_ms = interval_ms
        self._burst_interval_ms = max(interval_ms, BURST_INTERVAL_MS)
        self._timer.timeout.connect(self._flush)
        self._watchdog = QTimer(self)
        self._watchdog.setObjectName("bridgeWatchdog")
        self._watchdog.setInterval(WATCHDOG_MS)
        self._watchdog.timeout.connect(self._check_lost_wakeup)
        self._watchdog.start()
        self.wakeups = 0  # how many times the writer thread crossed over (for tests and benchmarks)
        self.rescued = 0  # flushes the watchdog had to start (a wakeup went missing)

    def on_committed(self, batch: Sequence[StoredEvent]) -> None:
        """Listener subscriber; runs on the writer thread, so it must stay cheap and never block."""
        if not batch:
            return
        fire = False
        with self._lock:
            if self._detached:
                return
            self._max_seq = max(self._max_seq, *(e.seq for e in batch))
            self._count += len(batch)
            self._types.update(e.event_identifier for e in batch if e.event_identifier)
            if self._rows_complete:
                if len(self._rows) + len(batch) <= MAX_CARRIED_ROWS:
                    self._rows.extend(e.summary() for e in batch)
                else:
                    self._rows_complete, self._rows = False, []
            if not self._armed:
                self._armed = True
                fire = True
        if fire:
            self.wakeups += 1
            try:
                # Delivered on the thread that owns the bridge (the GUI thread).
                QCoreApplication.postEvent(self, QEvent(_WAKE_EVENT))
            except RuntimeError:  # the C++ side is gone (window closed while the writer ran)
                pass

    def detach(self) -> None:
        """Ignore further batches: the listener has no unsubscribe and may outlive the window."""
        with self._lock:
            self._detached = True
        self._timer.stop()
        self._watchdog.stop()

    def flush_now(self) -> None:
        """Deliver whatever is pending immediately (used on resume and in tests)."""
        self._timer.stop()
        self._flush()

    def event(self, event: QEvent) -> bool:
        if event.type() == _WAKE_EVENT:
            self._arm()
            return True
        return super().event(event)

    @Slot()
    def _arm(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _check_lost_wakeup(self) -> None:
        with self._lock:
            armed = self._armed
        if armed and not self._timer.isActive():
            self.rescued += 1
            self._timer.start()

    @Slot()
    def _flush(self) -> None:
        with self._lock:
            if not self._armed:
                return
            rows = tuple(sorted(self._rows, key=lambda r: r.seq)) if self._rows_complete else ()
            notice = CommitNotice(self._max_seq, self._count, frozenset(self._types), rows)
            burst = self._count >= BURST_ROWS
            self._count = 0
            self._types = set()
            self._rows, self._rows_complete = [], True
            self._armed = False
        self._timer.setInterval(self._burst_interval_ms if burst else self._interval_ms)
        self.committed.emit(notice)
