"""The bar above the table: query box, event-type dropdown, clear button, "N of M events", errors.

Like Wireshark's display-filter bar: the box completes keys and their values as you type
(inspector/ui/events/filter_completion.py), turns green when the query parses and red when it
does not (checked on every keystroke, before the debounced run), says why on a line of its own
that is always there (so the table never moves), and keeps the recent queries in a drop-down.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, QSettings, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store.filter_query import FilterError, parse_filter
from inspector.ui import theme
from inspector.ui.events import filter_completion

DEBOUNCE_MS = 200
ALL_TYPES = "All event types"
PLACEHOLDER = 'Filter…  type:transaction.*  status:4xx  is:duplicate  id:evt_123  "free text"'
HINT = "Type a key (type: status: is: id: webhook: path: method:) for suggestions · ▾ recent filters"
KEY_RECENT = "filter/recent"
MAX_RECENT = 12


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

    def __init__(self, parent: QWidget | None = None, *, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self._settings = settings
        self._values: dict[str, set[str]] = {"type": set(), "webhook": set()}
        self.valid: bool | None = None  # None: empty box
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

        # The message line: a hint, or why the query does not parse. Always one line tall, so
        # showing an error never pushes the table down.
        self.messages = QStackedWidget(self)
        self.messages.setObjectName("filterMessages")
        self.hint_label = QLabel(HINT, self.messages)
        self.hint_label.setObjectName("filterHintLabel")
        self.hint_label.setEnabled(False)  # the palette's dimmed text
        self.error_label = QLabel(self.messages)
        self.error_label.setObjectName("filterErrorLabel")
        self.error_label.setStyleSheet(theme.error_css())
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.messages.addWidget(self.hint_label)
        self.messages.addWidget(self.error_label)
        self.messages.setFixedHeight(self.fontMetrics().height() + 4)
        self.error_label.hide()

        self.recent_button = QToolButton(self)
        self.recent_button.setObjectName("recentFiltersButton")
        self.recent_button.setText("▾")
        self.recent_button.setToolTip("Recent filters")
        self.recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.recent_menu = QMenu(self.recent_button)
        self.recent_menu.setObjectName("recentFiltersMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.recent_button.setMenu(self.recent_menu)
        self._recent: list[str] = self._load_recent()

        self._completion_model = QStringListModel(self)
        self.completer = QCompleter(self._completion_model, self)
        self.completer.setObjectName("filterCompleter")
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setWidget(self.edit)  # not setCompleter: a pick replaces one word, not all
        self.completer.activated.connect(self.insert_completion)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.recent_button)
        row.addWidget(self.clear_button)
        row.addWidget(self.type_combo)
        row.addWidget(self.count_label)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 2)
        outer.setSpacing(2)
        outer.addLayout(row)
        outer.addWidget(self.messages)

        self._debounce = QTimer(self)
        self._debounce.setObjectName("filterDebounce")
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_now)
        # textEdited, not textChanged: programmatic setText (clear, duplicate jump) applies itself.
        self.edit.textEdited.connect(lambda _text: self._debounce.start())
        self.edit.textEdited.connect(lambda _text: self._on_typed())
        self.edit.textChanged.connect(lambda _text: self.check())
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
        query = self.query()
        if self.check() and self.edit.text().strip():
            self.remember(self.edit.text().strip())
        self.queryChanged.emit(query)

    def check(self) -> bool:
        """Colour the box by whether the query parses (green / red / plain when empty)."""
        query = self.query()
        try:
            parse_filter(query)
        except FilterError:
            valid: bool | None = False
        else:
            valid = True if self.edit.text().strip() else None
        if valid != self.valid:
            self.valid = valid
            if valid is None:
                self.edit.setStyleSheet("")
            else:
                colour = theme.tint("ok" if valid else "bad")
                rgba = f"rgba({colour.red()}, {colour.green()}, {colour.blue()}, {colour.alpha()})"
                self.edit.setStyleSheet(f"QLineEdit {{ background-color: {rgba}; }}")
        return valid is not False

    # -- completion ----------------------------------------------------------------------------

    def set_values(self, key: str, values: Iterable[str]) -> None:
        """Values offered after `key:` (webhook ids seen, …); event types come from set_types."""
        self._values[key] = set(values)

    def completions(self) -> list[str]:
        _start, word = filter_completion.current_word(self.edit.text(), self.edit.cursorPosition())
        return filter_completion.candidates(word, self._values)

    def _on_typed(self) -> None:
        found = self.completions()
        if not found or not self.edit.hasFocus():
            popup = self.completer.popup()
            if popup is not None:
                popup.hide()
            return
        self._completion_model.setStringList(found)
        self.completer.complete()

    def insert_completion(self, completion: str) -> None:
        """Replace the word at the cursor by `completion` (a key "type:" or a whole "type:card.x ")."""
        text, cursor = self.edit.text(), self.edit.cursorPosition()
        start, _word = filter_completion.current_word(text, cursor)
        tail = text[cursor:]
        done = not completion.endswith(":")
        insert = completion + (" " if done and not tail.startswith(" ") else "")
        self.edit.setText(text[:start] + insert + tail)
        self.edit.setCursorPosition(start + len(insert))
        if done:
            self.apply_now()
        else:
            self._on_typed()  # a key: go on with its values

    # -- recent queries ------------------------------------------------------------------------

    @property
    def recent(self) -> list[str]:
        return list(self._recent)

    def remember(self, text: str) -> None:
        if self._recent[:1] == [text]:
            return
        self._recent = [text, *(q for q in self._recent if q != text)][:MAX_RECENT]
        if self._settings is not None:
            self._settings.setValue(KEY_RECENT, self._recent)  # queries only: no secret in them

    def _load_recent(self) -> list[str]:
        if self._settings is None:
            return []
        value = self._settings.value(KEY_RECENT, [])
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        return [str(q) for q in items if str(q).strip()][:MAX_RECENT]

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        if not self._recent:
            empty = self.recent_menu.addAction("No recent filters")
            empty.setEnabled(False)
            return
        for query in self._recent:
            action = QAction(query.replace("&", "&&"), self.recent_menu)
            action.triggered.connect(lambda _c=False, q=query: self.set_text(q))
            self.recent_menu.addAction(action)

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
            self._values["type"] = set(types)
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
        if not self.error_label.isHidden():
            self.count_label.setText("invalid filter")  # not the last good query's count
        elif total is None:
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
            self.messages.setCurrentWidget(self.hint_label)
            self.check()
            return
        query = self.query() if query is None else query
        pos = max(0, min(error.position, len(query)))
        fragment = query[pos : pos + 24].split(" ")[0] or query[pos : pos + 24]
        column = pos - self.typed_offset + 1
        where = f" — at “{fragment}” (column {column})" if fragment else f" (column {column})"
        self.error_label.setText(f"⚠ {error}{where}")
        self.error_label.setToolTip(self.error_label.text())
        self.messages.setCurrentWidget(self.error_label)
        self.error_label.show()
        self.count_label.setText("invalid filter")
        self.check()

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
