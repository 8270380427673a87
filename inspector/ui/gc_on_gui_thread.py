"""Garbage collection only on the GUI thread, from a timer.

Python's cyclic collector runs on whichever thread happens to allocate when a threshold is hit: a
pool thread counting rows, a listener thread. If it then frees a QObject that lived on the GUI
thread, the object's C++ destructor runs on the wrong thread, takes Qt's locks there and waits for
the GIL the GUI thread needs back — a deadlock (seen in the test suite: ~QObject on a pool thread
inside gc_collect_main while the GUI thread waited on a Qt mutex). So automatic collection is
turned off and a timer on the GUI thread collects instead, the way qutebrowser does.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.setObjectName("guiThreadCollector")
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    def collect(self) -> None:
        # Young generations often, a full collection when the collector's own counters ask for it.
        gen0, gen1, gen2 = gc.get_count()
        threshold0, threshold1, threshold2 = gc.get_threshold()
        if gen2 > threshold2 or gen1 > threshold1:
            gc.collect()
        elif gen0 > threshold0:
            gc.collect(0)

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
