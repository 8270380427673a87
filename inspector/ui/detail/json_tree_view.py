"""The JSON tree view: copy value / copy JSON path, and an expand-all that cannot run away.

QTreeView's own expandAll() and its `*` key expand recursively, which on a lazy model means
fetching every node of a 5 MB body in one go; both are replaced here by a bounded walk.
"""

from __future__ import annotations

import json
from collections import deque

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTreeView, QWidget

from .filter_terms import terms_for
from .json_tree_model import COL_KEY, JSON_TYPE_ROLE, JsonTreeModel

EXPAND_ALL_MAX_EXPANDED = 2_000  # containers opened by one "expand all"
EXPAND_ALL_MAX_NODES = 20_000  # nodes created by one "expand all"

COPY_PATH_KEYS = QKeySequence("Ctrl+Shift+C")
EXPAND_ALL_KEYS = QKeySequence("Ctrl+E")


class JsonTreeView(QTreeView):
    # Human sentence about what the last action did (copied, expansion stopped at the limit).
    message = Signal(str)
    # "Filter ref:VALUE" / "Filter data.amount:>5000" from a value's menu: the query to apply.
    filterRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jsonTree")
        self.setUniformRowHeights(True)  # lets the view skip measuring every row
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._show_menu)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

        # triggered(bool) would land in the optional index parameter: the lambdas drop it.
        self.copy_value_action = QAction("Copy value", self)
        self.copy_value_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy_value_action.triggered.connect(lambda _checked=False: self.copy_value())
        self.copy_path_action = QAction("Copy JSON path", self)
        self.copy_path_action.setShortcut(COPY_PATH_KEYS)
        self.copy_path_action.triggered.connect(lambda _checked=False: self.copy_path())
        self.expand_all_action = QAction("Expand all (bounded)", self)
        self.expand_all_action.setShortcut(EXPAND_ALL_KEYS)
        self.expand_all_action.triggered.connect(lambda _checked=False: self.expand_all_bounded())
        self.collapse_all_action = QAction("Collapse all", self)
        self.collapse_all_action.triggered.connect(self.collapseAll)
        # The actions live in the menu only: their keys are handled in keyPressEvent, because a
        # widget shortcut for Ctrl+C would be ambiguous with the window's "copy body" Ctrl+C.
        self.filter_value_action = QAction("Filter on this value", self)
        self.filter_value_action.setObjectName("jsonFilterOnValueAction")
        self.filter_value_action.triggered.connect(lambda _checked=False: self._request_filter())
        self._filter_term: str | None = None
        self._menu = QMenu(self)
        for action in (self.copy_value_action, self.copy_path_action, self.filter_value_action):
            self._menu.addAction(action)
        self._menu.addSeparator()
        self._menu.addAction(self.expand_all_action)
        self._menu.addAction(self.collapse_all_action)
        self._filter_actions: list[QAction] = []

    def json_model(self) -> JsonTreeModel | None:
        model = self.model()
        return model if isinstance(model, JsonTreeModel) else None

    # -- copying ----------------------------------------------------------------------------------

    def copy_value(self, index: QModelIndex | None = None) -> str:
        """Put the value at `index` (default: current row) on the clipboard; returns it."""
        model = self.json_model()
        index = self.currentIndex() if index is None else index
        if model is None or not index.isValid():
            return ""
        text = model.value_text(index.siblingAtColumn(COL_KEY))
        QGuiApplication.clipboard().setText(text)
        self.message.emit(f"Copied the value of {model.json_path(index)}.")
        return text

    def copy_path(self, index: QModelIndex | None = None) -> str:
        model = self.json_model()
        index = self.currentIndex() if index is None else index
        if model is None or not index.isValid():
            return ""
        path = model.json_path(index.siblingAtColumn(COL_KEY))
        if path:
            QGuiApplication.clipboard().setText(path)
            self.message.emit(f"Copied {path}.")
        return path

    # -- expanding --------------------------------------------------------------------------------

    def expand_all_bounded(
        self,
        root: QModelIndex | None = None,
        *,
        max_expanded: int = EXPAND_ALL_MAX_EXPANDED,
        max_nodes: int = EXPAND_ALL_MAX_NODES,
    ) -> int:
        """Expand breadth-first under `root` until a limit is reached; returns containers opened."""
        model = self.json_model()
        if model is None:
            return 0
        root = QModelIndex() if root is None else root.siblingAtColumn(COL_KEY)
        start_nodes = model.created_node_count()
        expanded = 0
        stopped = False
        queue: deque[QModelIndex] = deque([root])
        self.setUpdatesEnabled(False)
        try:
            while queue:
                if expanded >= max_expanded or model.created_node_count() - start_nodes >= max_nodes:
                    stopped = True
                    break
                parent = queue.popleft()
                if parent.isValid():
                    if model.canFetchMore(parent):
                        model.fetchMore(parent)
                    self.expand(parent)
                    expanded += 1
                for row in range(model.rowCount(parent)):
                    child = model.index(row, COL_KEY, parent)
                    if model.hasChildren(child):
                        queue.append(child)
        finally:
            self.setUpdatesEnabled(True)
        if stopped:
            self.message.emit(
                f"Expanded {expanded:,} nodes and stopped there, so a huge body cannot freeze "
                "the window; expand further by hand."
            )
        return expanded

    def _on_scrolled(self, value: int) -> None:
        # At the end of what is loaded: page in the next batch of the innermost container that
        # has more (the model only creates more when asked, see JsonTreeModel).
        model = self.json_model()
        if model is None or value < self.verticalScrollBar().maximum():
            return
        # The bottom row of the view: the last child, descending while expanded.
        index = QModelIndex()
        while True:
            rows = model.rowCount(index)
            if rows == 0 or (index.isValid() and not self.isExpanded(index)):
                break
            index = model.index(rows - 1, COL_KEY, index)
        while index.isValid():
            parent = index.parent()
            if model.has_unloaded_children(parent):
                model.fetch_next_batch(parent)
                return
            index = parent

    # -- keys and menu ----------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        # Claim our copy keys before the window's shortcuts see them (see __init__).
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._is_own_key(event)
        ):
            event.accept()
            return True
        return super().event(event)

    def _is_own_key(self, event: QKeyEvent) -> bool:
        combo = QKeySequence(event.keyCombination())
        return (
            event.matches(QKeySequence.StandardKey.Copy)
            or combo.matches(COPY_PATH_KEYS) == QKeySequence.SequenceMatch.ExactMatch
            or combo.matches(EXPAND_ALL_KEYS) == QKeySequence.SequenceMatch.ExactMatch
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        combo = QKeySequence(event.keyCombination())
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_value()
        elif combo.matches(COPY_PATH_KEYS) == QKeySequence.SequenceMatch.ExactMatch:
            self.copy_path()
        elif combo.matches(EXPAND_ALL_KEYS) == QKeySequence.SequenceMatch.ExactMatch:
            self.expand_all_bounded()
        elif event.key() == Qt.Key.Key_Asterisk:
            # QTreeView expands the whole subtree on `*`; bounded here.
            current = self.currentIndex()
            if current.isValid():
                self.expand_all_bounded(current)
        else:
            super().keyPressEvent(event)

    def _show_menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        if index.isValid():
            self.setCurrentIndex(index)
        has_item = index.isValid() and not self._is_note(index)
        self.copy_value_action.setEnabled(has_item)
        self.copy_path_action.setEnabled(has_item)
        self._filter_term = self.filter_term(index) if has_item else None
        shown = (self._filter_term or "").replace("&", "&&")
        self.filter_value_action.setText(f"Filter on “{shown}”" if shown else "Filter on this value")
        self.filter_value_action.setEnabled(self._filter_term is not None)
        terms = filter_terms_at(self.json_model(), index) if has_item else []
        self.set_filter_actions([t for t in terms if t != self._filter_term])
        self._menu.popup(self.viewport().mapToGlobal(pos))

    def set_filter_actions(self, terms: list[str]) -> list[QAction]:
        """The menu's "Filter …" entries, one per term, before the copy actions."""
        for action in self._filter_actions:
            self._menu.removeAction(action)
            action.deleteLater()
        self._filter_actions = []
        first = self._menu.actions()[0] if self._menu.actions() else None
        for term in terms:
            action = QAction(f"Filter {term}", self)
            action.triggered.connect(lambda _checked=False, t=term: self.filterRequested.emit(t))
            self._menu.insertAction(first, action)  # type: ignore[arg-type]
            self._filter_actions.append(action)
        if terms:
            separator = QAction(self)
            separator.setSeparator(True)
            self._menu.insertAction(first, separator)  # type: ignore[arg-type]
            self._filter_actions.append(separator)
        return self._filter_actions[: len(terms)]

    def filter_term(self, index: QModelIndex) -> str | None:
        """The filter term for the node at `index`, if the query language can say it."""
        from inspector.ui.events.cell_filters import term_for_node

        model = self.json_model()
        if model is None or not index.isValid():
            return None
        key_index = index.siblingAtColumn(COL_KEY)
        scalar = not model.hasChildren(key_index)
        return term_for_node(model.json_path(key_index), model.value_text(key_index), scalar)

    def _request_filter(self) -> None:
        if self._filter_term is not None:
            self.filterRequested.emit(self._filter_term)

    def _is_note(self, index: QModelIndex) -> bool:
        model = self.json_model()
        return model is None or model.is_note()


def filter_terms_at(model: JsonTreeModel | None, index: QModelIndex) -> list[str]:
    """The filter terms for the value at `index` (filter_terms.py)."""
    if model is None or not index.isValid():
        return []
    index = index.siblingAtColumn(COL_KEY)
    kind = index.data(JSON_TYPE_ROLE)
    key = index.data()
    text = model.value_text(index)
    if kind == "string":
        value: object = text
    elif kind in ("number", "boolean", "null"):
        value = json.loads(text)
    else:
        value = None
    return terms_for(model.json_path(index), key, str(kind), value)
