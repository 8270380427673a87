"""What happened when an event was forwarded, replayed or sent edited: one row per attempt.

For the detail panes (a "Forwarding" tab): `show_event(event)` lists extra["forward"] and
extra["replays"], newest first, green for a 2xx answer and red for anything else; selecting a row
shows what the target answered.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.events import StoredEvent
from inspector.ui import theme
from inspector.ui.window.forward_settings import describe_forward_result, record_ok

COL_KIND, COL_AT, COL_URL, COL_RESULT = range(4)
HEADERS = ("Attempt", "When (UTC)", "Sent to", "Answer")


def attempts(event: StoredEvent) -> list[tuple[str, dict[str, Any]]]:
    """(kind, record) for every forward/replay of the event, newest first."""
    found: list[tuple[str, dict[str, Any]]] = []
    forward = event.extra.get("forward")
    if isinstance(forward, dict):
        found.append(("Forwarded", forward))
    replays = event.extra.get("replays")
    if isinstance(replays, list):
        for record in replays:
            if isinstance(record, dict):
                found.append(("Sent edited" if record.get("edited") else "Replayed", record))
    found.sort(key=lambda pair: str(pair[1].get("at") or ""), reverse=True)
    return found


def forward_summary(event: StoredEvent) -> str:
    """Short text for a table cell: "201 · 12 ms", "down" or "" when never forwarded."""
    forward = event.extra.get("forward")
    if not isinstance(forward, dict):
        return ""
    if forward.get("error"):
        return "down" if forward.get("status") is None else str(forward["error"])
    latency = forward.get("latency_ms")
    return f"{forward.get('status')} · {latency:.0f} ms" if isinstance(latency, int | float) else ""


class ActionResultsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("actionResults")
        self._records: list[dict[str, Any]] = []
        self.empty_label = QLabel("Not forwarded or replayed yet.", self)
        self.empty_label.setObjectName("actionResultsEmpty")
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("actionResultsTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_body(row))
        self.body_view = QPlainTextEdit(self)
        self.body_view.setObjectName("actionResultBody")
        self.body_view.setReadOnly(True)
        self.body_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.body_view.setPlaceholderText("What the target answered")
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.body_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty_label)
        layout.addWidget(split, 1)
        self.show_event(None)

    def show_event(self, event: StoredEvent | None) -> None:
        rows = attempts(event) if event is not None else []
        self._records = [record for _kind, record in rows]
        self.table.setRowCount(len(rows))
        for row, (kind, record) in enumerate(rows):
            brush = QBrush(theme.ok_colour() if record_ok(record) else theme.error_colour())
            cells = (
                kind,
                str(record.get("at") or ""),
                str(record.get("url") or ""),
                describe_forward_result(record),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if col == COL_RESULT:
                    item.setForeground(brush)
                self.table.setItem(row, col, item)
        self.empty_label.setVisible(not rows)
        self.body_view.clear()
        if rows:
            self.table.setCurrentCell(0, 0)
            self._show_body(0)

    def rows(self) -> list[tuple[str, ...]]:
        return [
            tuple(_text(self.table.item(r, c)) for c in range(len(HEADERS)))
            for r in range(self.table.rowCount())
        ]

    def _show_body(self, row: int) -> None:
        if 0 <= row < len(self._records):
            record = self._records[row]
            body = str(record.get("body") or "")
            if record.get("body_truncated"):
                body += "\n… (cut at 64 KiB)"
            self.body_view.setPlainText(body)


def _text(item: QTableWidgetItem | None) -> str:
    return item.text() if item is not None else ""
