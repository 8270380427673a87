"""Two events side by side with their structural JSON diff (path, kind, old, new), coloured.

The older event (lower seq) is "old". The diff is computed off the GUI thread: it is bounded in
core (`json_diff`), but two multi-megabyte bodies still take longer than a frame.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.actions.json_diff import ADDED, CHANGED, REMOVED, JsonDiff, diff_events
from inspector.core.events import StoredEvent
from inspector.ui.dialogs.edit_send_dialog import editable_text
from inspector.ui.runner import Runner

COL_PATH, COL_KIND, COL_OLD, COL_NEW = range(4)
HEADERS = ("Path", "Change", "Old", "New")
VALUE_CHARS = 300  # per cell; the side-by-side views show everything
# Translucent mid-tones: readable on light and dark palettes alike.
KIND_COLOURS = {
    ADDED: QColor(46, 160, 67, 70),
    REMOVED: QColor(215, 58, 73, 70),
    CHANGED: QColor(210, 153, 34, 80),
}
SHOWN_BODY_CHARS = 512 * 1024


def value_text(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def event_title(event: StoredEvent) -> str:
    parts = [
        f"#{event.seq}",
        event.event_identifier or "(no type)",
        event.event_id or "",
        event.received_at_iso,
    ]
    return "  ".join(p for p in parts if p)


class DiffDialog(QDialog):
    diffReady = Signal(object)  # JsonDiff

    def __init__(
        self, first: StoredEvent, second: StoredEvent, *, runner: Runner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("diffDialog")
        self.old, self.new = sorted((first, second), key=lambda e: e.seq)
        self.setWindowTitle(f"Diff #{self.old.seq} → #{self.new.seq}")
        self.diff: JsonDiff | None = None
        self.runner = runner

        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.old_view = self._body_view("diffOldBody", self.old, fixed)
        self.new_view = self._body_view("diffNewBody", self.new, fixed)
        sides = QSplitter(Qt.Orientation.Horizontal, self)
        sides.addWidget(self._titled(f"Old: {event_title(self.old)}", self.old_view))
        sides.addWidget(self._titled(f"New: {event_title(self.new)}", self.new_view))

        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("diffTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_PATH, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_KIND, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(COL_PATH, 260)
        self.table.setColumnWidth(COL_OLD, 220)

        self.summary_label = QLabel("Comparing…", self)
        self.summary_label.setObjectName("diffSummary")

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(sides)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        self.resize(1000, 700)

        old, new = self.old, self.new
        self.runner.submit(
            lambda: diff_events(old, new),
            on_done=self._on_diff,
            on_error=lambda err: self.summary_label.setText(f"Cannot compare: {err}"),
            owner=self,
        )

    def _body_view(self, name: str, event: StoredEvent, font: Any) -> QPlainTextEdit:
        view = QPlainTextEdit(self)
        view.setObjectName(name)
        view.setReadOnly(True)
        view.setFont(font)
        view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        view.setPlainText(editable_text(event)[:SHOWN_BODY_CHARS])
        return view

    def _titled(self, title: str, body: QWidget) -> QWidget:
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(title, box)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(label)
        layout.addWidget(body, 1)
        return box

    def _on_diff(self, result: JsonDiff) -> None:
        self.diff = result
        self.table.setRowCount(len(result.changes))
        for row, change in enumerate(result.changes):
            brush = QBrush(KIND_COLOURS[change.kind])
            cells = (
                change.path,
                change.kind,
                "" if change.kind == ADDED else value_text(change.old),
                "" if change.kind == REMOVED else value_text(change.new),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setBackground(brush)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.summary_label.setText(f"#{self.old.seq} → #{self.new.seq}: {result.summary()}")
        self.diffReady.emit(result)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The table as text (for tests and copy)."""
        return [
            (
                _text(self.table.item(r, 0)),
                _text(self.table.item(r, 1)),
                _text(self.table.item(r, 2)),
                _text(self.table.item(r, 3)),
            )
            for r in range(self.table.rowCount())
        ]


def _text(item: QTableWidgetItem | None) -> str:
    return item.text() if item is not None else ""
