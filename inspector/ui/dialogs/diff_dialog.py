"""Two events side by side with their structural JSON diff (path, kind, old, new), coloured.

The older event (lower seq) is "old". The diff is computed off the GUI thread: it is bounded in
core (`json_diff`), but two multi-megabyte bodies still take longer than a frame.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QFontDatabase, QTextCursor, QTextFormat
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
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from inspector.core.actions.json_diff import ADDED, CHANGED, REMOVED, JsonDiff, diff_events
from inspector.core.events import StoredEvent
from inspector.ui import theme
from inspector.ui.dialogs.edit_send_dialog import editable_text
from inspector.ui.runner import Runner

COL_PATH, COL_KIND, COL_OLD, COL_NEW = range(4)
HEADERS = ("Path", "Change", "Old", "New")
VALUE_CHARS = 300  # per cell; the side-by-side views show everything
SHOWN_BODY_CHARS = 512 * 1024
MAX_DIFFED_LINES = 20_000  # difflib is quadratic at worst: past this the panes stay uncoloured


def changed_lines(old: str, new: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(line, kind) of the old text's removed/changed lines and the new text's added/changed ones."""
    a, b = old.splitlines(), new.splitlines()
    if len(a) > MAX_DIFFED_LINES or len(b) > MAX_DIFFED_LINES:
        return [], []
    old_marks: list[tuple[int, str]] = []
    new_marks: list[tuple[int, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        kind_old = REMOVED if tag == "delete" else CHANGED
        kind_new = ADDED if tag == "insert" else CHANGED
        old_marks += [(i, kind_old) for i in range(i1, i2)]
        new_marks += [(j, kind_new) for j in range(j1, j2)]
    return old_marks, new_marks


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
        self.summary_label.setWordWrap(True)
        self.marked_lines: tuple[list[tuple[int, str]], list[tuple[int, str]]] = ([], [])

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
        old_text, new_text = self.old_view.toPlainText(), self.new_view.toPlainText()
        self.runner.submit(lambda: changed_lines(old_text, new_text), on_done=self._mark_lines, owner=self)
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
        label.setWordWrap(True)  # "#12  card.created  evt_…  2026-…" is wider than half the dialog
        label.setToolTip(title)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(label)
        layout.addWidget(body, 1)
        return box

    def _mark_lines(self, marks: tuple[list[tuple[int, str]], list[tuple[int, str]]]) -> None:
        """Colour the changed lines of both panes as the table colours its rows."""
        for view, found in zip((self.old_view, self.new_view), marks, strict=True):
            selections = []
            document = view.document()
            for line, kind in found:
                block = document.findBlockByNumber(line)
                if not block.isValid():
                    continue
                selection = QTextEdit.ExtraSelection()
                selection.format.setBackground(QBrush(theme.diff_tint(kind)))
                selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                cursor = QTextCursor(block)
                selection.cursor = cursor
                selections.append(selection)
            view.setExtraSelections(selections)
        self.marked_lines = marks

    def _on_diff(self, result: JsonDiff) -> None:
        self.diff = result
        self.table.setRowCount(len(result.changes))
        for row, change in enumerate(result.changes):
            brush = QBrush(theme.diff_tint(change.kind))
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
