"""Columns share the table's width: when they add up to more than the viewport, the long ones shrink.

Wireshark's packet list never pushes a column off to the right: here, when the sections are wider
than the viewport (a small window, the Webhooks panel opened beside it), the text columns (path,
event type, event id, received) give up width in proportion to what they have above their minimum,
so the status, verdict and forward columns stay on screen; their text elides with "…". Growing the
window gives the width to the last column (it stretches); the user's own widths are kept otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QTableView


class ColumnFitter(QObject):
    def __init__(self, table: QTableView, shrinkable: Sequence[int], minimum: Mapping[int, int]) -> None:
        super().__init__(table)
        self.setObjectName("columnFitter")
        self.table = table
        self.shrinkable = tuple(shrinkable)
        self.minimum = dict(minimum)
        # Once per event-loop turn, after the layout settled (a dock opening resizes in steps).
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        table.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._timer.start()
        return False

    def fit(self) -> None:
        header = self.table.horizontalHeader()
        available = self.table.viewport().width()
        last = header.count() - 1
        if available <= 0 or last < 0:
            return
        # The stretched last section takes what is left: count it at its minimum.
        widths = {c: header.sectionSize(c) for c in range(header.count()) if not header.isSectionHidden(c)}
        widths[last] = max(header.minimumSectionSize(), self.minimum.get(last, 0))
        excess = sum(widths.values()) - available
        if excess <= 0:
            return
        if header.stretchLastSection() and header.sectionSize(last) > widths[last]:
            # A stretched section never gets narrower than the width it was last given: give it
            # its minimum, and it stretches back over whatever the others leave.
            header.resizeSection(last, widths[last])
        spare = {c: widths[c] - self.minimum.get(c, 40) for c in self.shrinkable if c in widths}
        spare = {c: s for c, s in spare.items() if s > 0}
        total_spare = sum(spare.values())
        if total_spare <= 0:
            return
        take = min(excess, total_spare)
        for col, s in spare.items():
            header.resizeSection(col, widths[col] - round(take * s / total_spare))
