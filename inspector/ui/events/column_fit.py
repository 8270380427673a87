"""Columns share the table's width: when they add up to more than the viewport, the long ones shrink.

Wireshark's packet list never pushes a column off to the right: here, when the sections are wider
than the viewport (a small window, the Webhooks panel opened beside it), the text columns (path,
event type, event id, received) give up width in proportion to what they have above their minimum,
so the status, verdict and forward columns stay on screen; their text elides with "…". When the
viewport grows again (the panel closed), shrunk columns get their width back, up to what they had
before (the defaults, or what the user dragged them to); the rest goes to the stretched last column.
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
        header = table.horizontalHeader()
        # What each column would like: its width now, then whatever the user drags it to.
        self.natural = {c: header.sectionSize(c) for c in range(header.count())}
        self._fitting = False
        header.sectionResized.connect(self._on_resized)
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

    def _on_resized(self, col: int, _old: int, new: int) -> None:
        header = self.table.horizontalHeader()
        if not self._fitting and col != header.count() - 1:
            self.natural[col] = new  # the user's (or a restored layout's) width

    def fit(self) -> None:
        self._fitting = True
        try:
            self._fit()
        finally:
            self._fitting = False

    def _fit(self) -> None:
        header = self.table.horizontalHeader()
        available = self.table.viewport().width()
        last = header.count() - 1
        if available <= 0 or last < 0:
            return
        # The stretched last section takes what is left: count it at its minimum.
        widths = {c: header.sectionSize(c) for c in range(header.count()) if not header.isSectionHidden(c)}
        widths[last] = max(header.minimumSectionSize(), self.minimum.get(last, 0))
        excess = sum(widths.values()) - available
        if excess < 0:
            self._grow(widths, -excess)
            return
        if excess == 0:
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

    def _grow(self, widths: dict[int, int], room: int) -> None:
        """Give shrunk columns their width back, in proportion to what they lack, within `room`."""
        header = self.table.horizontalHeader()
        lacking = {c: self.natural.get(c, widths[c]) - widths[c] for c in self.shrinkable if c in widths}
        lacking = {c: n for c, n in lacking.items() if n > 0}
        total = sum(lacking.values())
        if total <= 0:
            return
        give = min(room, total)
        for col, n in lacking.items():
            header.resizeSection(col, widths[col] + (n * give) // total)
