"""The detail panes for the selected event: Summary, Tree, JSON, Headers, Query, Raw.

The main window calls show_event() on selection. The body is parsed once per event and every pane
is bounded (lazy tree, capped text) so a 5 MB or 100,000-deep body never stalls the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from PySide6.QtCore import QByteArray, QEvent, QMimeData, Qt, QUrl, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from inspector.core.events import StoredEvent

from . import body_text
from .body_text import DisplayText, ParsedBody
from .json_highlighter import JsonHighlighter, is_dark
from .json_tree_model import COL_KEY, COL_TYPE, JsonTreeModel
from .json_tree_view import JsonTreeView
from .key_value_model import KeyValueModel
from .verdict_summary import DUPLICATE_LINK_SCHEME, new_field_marks, summary_html

# Colouring runs over every line in Python, synchronously; past this size the text is shown plain.
HIGHLIGHT_CAP_CHARS = 64 * 1024  # ~50 ms of colouring here; 256 KiB took 0.2 s

TAB_SUMMARY = 0
TAB_TREE = 1
TAB_JSON = 2
TAB_HEADERS = 3
TAB_QUERY = 4
TAB_RAW = 5


@dataclass(frozen=True, slots=True)
class _Shown:
    """What is on screen, so a repeated show_event of the same event reuses the parse."""

    seq: int
    body_id: tuple[int, int, int]  # (len, body_size, hash): identity of the body bytes
    parsed: ParsedBody


class DetailPanes(QWidget):
    duplicateActivated = Signal(int)  # the user clicked "duplicate of #N" -> N
    filterRequested = Signal(str)  # "Filter ref:…" from a value's menu in the tree

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPanes")
        self._event: StoredEvent | None = None
        self._shown: _Shown | None = None
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("detailTabs")
        self.tabs.setDocumentMode(True)

        self.summary_view = QTextBrowser()
        self.summary_view.setObjectName("summaryView")
        self.summary_view.setOpenLinks(False)  # links are ours ("seq:N"), not URLs to follow
        self.summary_view.anchorClicked.connect(self._on_anchor)

        self.tree_model = JsonTreeModel(self)
        self.tree_view = JsonTreeView()
        self.tree_view.setModel(self.tree_model)
        header = self.tree_view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_KEY, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_TYPE, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(COL_KEY, 220)
        self.tree_note = self._note_label("treeNote")
        self.tree_view.message.connect(self._show_tree_message)
        self.tree_view.filterRequested.connect(self.filterRequested)

        self.json_view = self._text_view("jsonView", mono)
        self.json_note = self._note_label("jsonNote")
        self.highlighter = JsonHighlighter(None, dark=is_dark(self.palette()))

        self.headers_model = KeyValueModel(self)
        self.headers_view = self._table_view("headersView", self.headers_model)
        self.query_model = KeyValueModel(self)
        self.query_view = self._table_view("queryView", self.query_model)

        self.raw_view = self._text_view("rawView", mono)
        self.raw_note = self._note_label("rawNote")

        self.tabs.addTab(self.summary_view, "Summary")
        self.tabs.addTab(self._stack(self.tree_note, self.tree_view), "Tree")
        self.tabs.addTab(self._stack(self.json_note, self.json_view), "JSON")
        self.tabs.addTab(self.headers_view, "Headers")
        self.tabs.addTab(self.query_view, "Query")
        self.tabs.addTab(self._stack(self.raw_note, self.raw_view), "Raw")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.show_event(None)

    # -- building ---------------------------------------------------------------------------------

    @staticmethod
    def _note_label(name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.hide()
        return label

    @staticmethod
    def _text_view(name: str, font: object) -> QPlainTextEdit:
        view = QPlainTextEdit()
        view.setObjectName(name)
        view.setReadOnly(True)
        view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        view.setFont(font)  # type: ignore[arg-type]
        view.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        return view

    @staticmethod
    def _table_view(name: str, model: KeyValueModel) -> QTableView:
        view = QTableView()
        view.setObjectName(name)
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setWordWrap(False)
        view.verticalHeader().setVisible(False)
        # One line per header, as in the events table (the style's default row is two lines tall).
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        view.horizontalHeader().setStretchLastSection(True)
        view.horizontalHeader().resizeSection(0, 200)
        return view

    @staticmethod
    def _stack(note: QLabel, view: QWidget) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(note)
        layout.addWidget(view)
        return page

    # -- the contract -----------------------------------------------------------------------------

    def current_event(self) -> StoredEvent | None:
        return self._event

    def show_event(self, event: StoredEvent | None) -> None:
        """Fill every pane from `event`; None clears them."""
        self._event = event
        if event is None:
            self._shown = None
            self.summary_view.setHtml("<p>Select an event to see its details.</p>")
            self.tree_model.clear()
            self._set_note(self.tree_note, "")
            self._set_json_text(DisplayText("", ""))
            self.headers_model.set_pairs([])
            self.query_model.set_pairs([])
            self._set_raw(DisplayText("", ""))
            return

        body_id = (len(event.body), event.body_size, hash(event.body))
        same_body = (
            self._shown is not None and self._shown.seq == event.seq and self._shown.body_id == body_id
        )
        # Summary and tables are cheap and may change (e.g. `extra` after a replay): always redone.
        self.summary_view.setHtml(summary_html(event))
        self.headers_model.set_pairs(event.headers)
        self.query_model.set_pairs(parse_qsl(event.query, keep_blank_values=True))
        if same_body:
            return  # the body panes already show this body; keep the tree's expansion state

        self.tree_model.set_marks(new_field_marks(event))
        parsed = body_text.parse_body(event)
        self._shown = _Shown(event.seq, body_id, parsed)
        self._set_note(self.tree_note, "")
        if parsed.ok:
            self.tree_model.set_document(parsed.value)
            self._set_json_text(body_text.pretty_json(parsed.value))
        else:
            self.tree_model.set_note(parsed.problem)
            self._set_json_text(DisplayText(parsed.problem, ""), highlight=False)
        self._set_raw(body_text.raw_text(event.body, event.body_truncated))

    def copy_body(self) -> None:
        """The raw body to the clipboard: as text, plus the exact bytes for apps that take them."""
        if self._event is None:
            return
        mime = QMimeData()
        mime.setText(body_text.clipboard_text(self._event.body))
        mime.setData("application/octet-stream", QByteArray(self._event.body))
        QGuiApplication.clipboard().setMimeData(mime)

    def parsed_body(self) -> ParsedBody | None:
        return self._shown.parsed if self._shown is not None else None

    # -- panes ------------------------------------------------------------------------------------

    def _set_json_text(self, shown: DisplayText, *, highlight: bool = True) -> None:
        note = shown.note
        colour = highlight and 0 < len(shown.text) <= HIGHLIGHT_CAP_CHARS
        if highlight and len(shown.text) > HIGHLIGHT_CAP_CHARS:
            extra = f"Colours are off for text over {HIGHLIGHT_CAP_CHARS // 1024} KiB."
            note = f"{note} {extra}".strip()
        # Detach before replacing the text, so the old colouring is not run over the new text.
        self.highlighter.setDocument(None)
        self.json_view.setPlainText(shown.text)
        if colour:
            self.highlighter.setDocument(self.json_view.document())
        self._set_note(self.json_note, note)

    def _set_raw(self, shown: DisplayText) -> None:
        self.raw_view.setPlainText(shown.text)
        self._set_note(self.raw_note, shown.note)

    @staticmethod
    def _set_note(label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    def _show_tree_message(self, text: str) -> None:
        self._set_note(self.tree_note, text)

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() != DUPLICATE_LINK_SCHEME:
            return
        try:
            seq = int(url.path())
        except ValueError:
            return
        self.duplicateActivated.emit(seq)

    def changeEvent(self, event: QEvent) -> None:
        # Follow a light/dark switch while running: recolour with the set that reads on it.
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            # Our own palette: children learn of the change only after this widget does.
            dark = is_dark(self.palette())
            if dark != self.highlighter.dark:
                self.highlighter.set_dark(dark)
        super().changeEvent(event)
