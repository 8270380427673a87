"""The bar above the table: query box, event-type dropdown, clear button, "N of M events", errors."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store.filter_query import FilterError

DEBOUNCE_MS = 200
ALL_TYPES = "All event types"
PLACEHOLDER = 'Filter…  type:transaction.*  status:4xx  is:duplicate  id:evt_123  "free text"'


def quote_value(value: str) -> str:
    """A filter value as the query language reads it back (quoted when it has spaces or quotes)."""
    if value and not any(ch.isspace() or ch == '"' for ch in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class FilterBar(QWidget):
    # The full query to run (typed text plus the dropdown's type), after the debounce.
    queryChanged = Signal(str)
    # Up/Down pressed in the box: the window moves the table's selection.
    navigate = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self.edit = QLineEdit(self)
        self.edit.setObjectName("filterEdit")
        self.edit.setPlaceholderText(PLACEHOLDER)
        self.edit.setClearButtonEnabled(False)
        self.edit.setToolTip(
            "type:GLOB  id:ID  status:401|4xx|>=400  path:/hooks  method:POST  webhook:wh_1\n"
            "is:duplicate|rejected|unauthorized|invalid_json|not_envelope|verified|unverified\n"
            '-term negates · "quoted text" and bare words search the body · terms are ANDed'
        )
        self.edit.installEventFilter(self)

        self.clear_button = QToolButton(self)
        self.clear_button.setObjectName("clearFilterButton")
        self.clear_button.setText("Clear")
        self.clear_button.setToolTip("Clear the filter (Ctrl+L)")
        self.clear_button.clicked.connect(self.clear)

        self.type_combo = QComboBox(self)
        self.type_combo.setObjectName("eventTypeCombo")
        self.type_combo.setToolTip("Show only one event type")
        self.type_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.type_combo.setMinimumContentsLength(18)
        self.type_combo.addItem(ALL_TYPES, None)

        self.count_label = QLabel(self)
        self.count_label.setObjectName("filterCountLabel")
        self.count_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Fixed width: the count changes with every live update, and a label that resized would
        # re-layout and repaint the whole window each time.
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        widest = "99,999,999 of 99,999,999 events"
        self.count_label.setFixedWidth(self.count_label.fontMetrics().horizontalAdvance(widest) + 8)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("filterErrorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d33f3f;")
        self.error_label.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.clear_button)
        row.addWidget(self.type_combo)
        row.addWidget(self.count_label)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 2)
        outer.setSpacing(2)
        outer.addLayout(row)
        outer.addWidget(self.error_label)

        self._debounce = QTimer(self)
        self._debounce.setObjectName("filterDebounce")
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_now)
        # textEdited, not textChanged: programmatic setText (clear, duplicate jump) applies itself.
        self.edit.textEdited.connect(lambda _text: self._debounce.start())
        self.edit.returnPressed.connect(self.apply_now)
        self.type_combo.activated.connect(lambda _i: self.apply_now())

    # -- query ---------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.edit.text()

    @property
    def selected_type(self) -> str | None:
        return self.type_combo.currentData()

    def query(self) -> str:
        # Not stripped: error positions must map back onto the box's own columns.
        typed = self.edit.text() if self.edit.text().strip() else ""
        event_type = self.selected_type
        if event_type is None:
            return typed
        term = f"type:{quote_value(event_type)}"
        return f"{term} {typed}" if typed else term

    def apply_now(self) -> None:
        self._debounce.stop()
        self.queryChanged.emit(self.query())

    def set_text(self, text: str, *, apply: bool = True) -> None:
        self.edit.setText(text)
        if apply:
            self.apply_now()

    def add_term(self, term: str, *, exclude: bool = False) -> None:
        """AND `term` (or its negation) onto the typed query and apply it ("filter on this value")."""
        term = f"-{term}" if exclude else term
        typed = self.edit.text().strip()
        if term in typed.split():
            return
        self.set_text(f"{typed} {term}" if typed else term)

    def clear(self) -> None:
        self.edit.clear()
        self.type_combo.setCurrentIndex(0)
        self.apply_now()

    @property
    def typed_offset(self) -> int:
        """Where the typed text starts inside query() (error positions are reported in it)."""
        if self.selected_type is None:
            return 0
        return len(self.query()) - len(self.edit.text())

    # -- event types ---------------------------------------------------------------------------

    def types(self) -> list[str]:
        return [self.type_combo.itemData(i) for i in range(1, self.type_combo.count())]

    def set_types(self, types: Iterable[str]) -> None:
        current = self.selected_type
        self.type_combo.blockSignals(True)
        try:
            self.type_combo.clear()
            self.type_combo.addItem(ALL_TYPES, None)
            for t in sorted(set(types)):
                self.type_combo.addItem(t, t)
            if current is not None:
                i = self.type_combo.findData(current)
                self.type_combo.setCurrentIndex(max(i, 0))
        finally:
            self.type_combo.blockSignals(False)

    def add_types(self, types: Iterable[str]) -> None:
        known = set(self.types())
        fresh = set(types) - known
        if fresh:
            self.set_types(known | fresh)

    # -- feedback ------------------------------------------------------------------------------

    def show_counts(self, matching: int | None, total: int | None) -> None:
        if total is None:
            self.count_label.setText("counting…")
        elif matching is None:
            self.count_label.setText(f"… of {total:,} events")
        else:
            self.count_label.setText(f"{matching:,} of {total:,} events")

    def show_error(self, error: FilterError | None, query: str | None = None) -> None:
        """Show why `query` (default: the bar's own) does not parse, pointing at the bad part."""
        if error is None:
            self.error_label.hide()
            self.error_label.clear()
            self.edit.setStyleSheet("")
            return
        query = self.query() if query is None else query
        pos = max(0, min(error.position, len(query)))
        fragment = query[pos : pos + 24].split(" ")[0] or query[pos : pos + 24]
        column = pos - self.typed_offset + 1
        where = f" — at “{fragment}” (column {column})" if fragment else f" (column {column})"
        self.error_label.setText(f"⚠ {error}{where}")
        self.error_label.show()
        self.edit.setStyleSheet("QLineEdit { border: 1px solid #d33f3f; }")

    @property
    def error_text(self) -> str:
        return "" if self.error_label.isHidden() else self.error_label.text()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        ):
            self.navigate.emit(-1 if event.key() == Qt.Key.Key_Up else 1)
            return True
        return super().eventFilter(watched, event)
