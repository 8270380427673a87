"""A lazy tree model over one parsed JSON document (key / value / type).

Nodes are created only when the view asks for a node's children (canFetchMore / fetchMore), and
then in batches, so showing a 5 MB body costs the top level only, and an array of a million items
is paged in as the user scrolls. Nothing here recurses over the document: depth costs nothing
until the user expands that far.
"""

from __future__ import annotations

import json
import re
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from inspector.core.shapes.paths import ROOT, child_path, items_path

COL_KEY = 0
COL_VALUE = 1
COL_TYPE = 2
_HEADERS = ("Key", "Value", "Type")

FETCH_BATCH = 500  # children created per fetchMore; the view asks again when scrolled to the end
VALUE_DISPLAY_CHARS = 200  # the Value column shows this much of a long string
TOOLTIP_CHARS = 2_000

JSON_PATH_ROLE = Qt.ItemDataRole.UserRole + 1  # "$.data.amount"
JSON_TYPE_ROLE = Qt.ItemDataRole.UserRole + 2  # "object" | "array" | "string" | ...
SHAPE_NOTE_ROLE = Qt.ItemDataRole.UserRole + 3  # "new field for transaction.authorized" | None

KIND_NOTE = "note"  # the single row shown when there is no document

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invalid index, as a default argument


def json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def path_segment(key: str | int) -> str:
    """One JSONPath step: `.name`, `['odd key']` or `[3]`."""
    if isinstance(key, int):
        return f"[{key}]"
    if _IDENTIFIER.match(key):
        return f".{key}"
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"['{escaped}']"


class _Node:
    __slots__ = ("children", "items", "key", "kind", "parent", "requested", "row", "value")

    def __init__(self, key: str | int | None, value: Any, parent: _Node | None, row: int) -> None:
        self.key = key
        self.value = value
        self.parent = parent
        self.row = row
        self.kind = json_kind(value)
        self.children: list[_Node] = []
        # (key, value) pairs of an object, taken once on the first fetch so batches slice it.
        self.items: list[tuple[str, Any]] | None = None
        # How many children may exist so far. QTreeView fetches again on every layout of an
        # expanded item that canFetchMore, which would page in a whole 80,000-item array over a
        # few hundred event-loop turns; past the first batch, more is created only when asked
        # (scrolling to the end, see JsonTreeView).
        self.requested = FETCH_BATCH

    def total(self) -> int:
        if self.kind in ("object", "array"):
            return len(self.value)
        return 0


class JsonTreeModel(QAbstractItemModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = _Node(None, {}, None, 0)
        self._created = 0
        self._notifying = False
        # Learned-shape path (`data.items[].sku`) -> why it is marked: fields new for the type.
        self._marks: dict[str, str] = {}

    def set_marks(self, marks: dict[str, str]) -> None:
        """Mark the nodes at these learned-shape paths (bold key, the reason in its tooltip)."""
        self._marks = dict(marks)
        if self._root.children:
            last = self.index(len(self._root.children) - 1, COL_KEY)
            self.dataChanged.emit(self.index(0, COL_KEY), last)

    def _shape_path(self, node: _Node) -> str:
        """The node's path in the learner's notation (every array element is `[]`)."""
        keys: list[str | int] = []
        while node.parent is not None and node is not self._root:
            if node.key is not None:
                keys.append(node.key)
            node = node.parent
        path = ROOT
        for key in reversed(keys):
            path = items_path(path) if isinstance(key, int) else child_path(path, key)
        return path

    def _mark(self, node: _Node) -> str | None:
        return self._marks.get(self._shape_path(node)) if self._marks else None

    def _end_reset(self) -> None:
        # Views answer modelReset / rowsInserted by fetching more at once; inserting rows from
        # inside that notification nests one change in another (QAbstractItemModelTester rejects
        # it), and views fetch again later anyway (on layout, or when scrolled to the end).
        self._notifying = True
        try:
            self.endResetModel()
        finally:
            self._notifying = False

    def _end_insert(self) -> None:
        self._notifying = True
        try:
            self.endInsertRows()
        finally:
            self._notifying = False

    # -- what the panes call ------------------------------------------------------------------

    def set_document(self, value: Any) -> None:
        """Show `value`; its top level (the first batch of it) is created now, the rest on demand."""
        self.beginResetModel()
        self._created = 0
        if json_kind(value) in ("object", "array"):
            self._root = _Node(None, value, None, 0)
            self._load_children(self._root, emit=False)
        else:
            # A bare scalar body still gets a row (key "$"), so valid JSON never shows a blank tree.
            self._root = _Node(None, [], None, 0)
            self._root.children = [_Node(None, value, self._root, 0)]
            self._created = 1
        self._end_reset()

    def set_note(self, text: str) -> None:
        """Replace the document with a single explanatory row (non-JSON body, nothing selected)."""
        self.beginResetModel()
        self._root = _Node(None, {}, None, 0)
        note = _Node(text, None, self._root, 0)
        note.kind = KIND_NOTE
        self._root.children = [note]
        self._root.items = []
        self._created = 0
        self._end_reset()

    def clear(self) -> None:
        self.beginResetModel()
        self._root = _Node(None, {}, None, 0)
        self._created = 0
        self._end_reset()

    def is_note(self) -> bool:
        children = self._root.children
        return len(children) == 1 and children[0].kind == KIND_NOTE

    def created_node_count(self) -> int:
        """How many document nodes exist so far (lets tests prove the tree stays lazy)."""
        return self._created

    def json_path(self, index: ModelIndex) -> str:
        node = self._node(index)
        if node is None or node.kind == KIND_NOTE:
            return ""
        steps: list[str] = []
        while node is not None and node is not self._root:
            if node.key is not None:
                steps.append(path_segment(node.key))
            node = node.parent
        return "$" + "".join(reversed(steps))

    def value_text(self, index: ModelIndex) -> str:
        """What "copy value" puts on the clipboard: a string as itself, anything else as JSON."""
        node = self._node(index)
        if node is None or node.kind == KIND_NOTE:
            return ""
        if node.kind == "string":
            return node.value
        try:
            return json.dumps(node.value, indent=2, ensure_ascii=False)
        except RecursionError:
            return ""

    # -- QAbstractItemModel ---------------------------------------------------------------------

    def _node(self, index: ModelIndex) -> _Node | None:
        if not index.isValid():
            return None
        return index.internalPointer()

    def _node_or_root(self, index: ModelIndex) -> _Node:
        return self._node(index) or self._root

    def index(self, row: int, column: int, parent: ModelIndex = _ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        node = self._node_or_root(parent)
        return self.createIndex(row, column, node.children[row])

    def parent(self, index: ModelIndex) -> QModelIndex:  # type: ignore[override]
        node = self._node(index)
        if node is None or node.parent is None or node.parent is self._root:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent)

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:
        if parent.column() > 0:
            return 0
        return len(self._node_or_root(parent).children)

    def columnCount(self, parent: ModelIndex = _ROOT) -> int:
        return len(_HEADERS)

    def hasChildren(self, parent: ModelIndex = _ROOT) -> bool:
        if parent.column() > 0:
            return False
        node = self._node_or_root(parent)
        return bool(node.children) or node.total() > 0

    def canFetchMore(self, parent: ModelIndex) -> bool:
        if parent.column() > 0 or self._notifying:
            return False
        node = self._node_or_root(parent)
        return len(node.children) < min(node.total(), node.requested)

    def has_unloaded_children(self, parent: ModelIndex) -> bool:
        """True when `parent` has children not created yet, asked for or not."""
        if parent.column() > 0:
            return False
        node = self._node_or_root(parent)
        return len(node.children) < node.total()

    def fetch_next_batch(self, parent: ModelIndex) -> int:
        """Create the next batch of children of `parent` (the user asked); returns rows added."""
        node = self._node_or_root(parent)
        before = len(node.children)
        node.requested = max(node.requested, before + FETCH_BATCH)
        if self.canFetchMore(parent):
            self.fetchMore(parent)
        return len(node.children) - before

    def fetchMore(self, parent: ModelIndex) -> None:
        if parent.column() > 0 or self._notifying:
            return
        self._load_children(self._node_or_root(parent), emit=True, parent=parent)

    def _load_children(self, node: _Node, *, emit: bool, parent: ModelIndex = _ROOT) -> None:
        start = len(node.children)
        stop = min(node.total(), start + FETCH_BATCH)
        if stop <= start:
            return
        if node.kind == "object" and node.items is None:
            # A dict cannot be sliced: its pairs are listed once (an array is indexed directly).
            node.items = list(node.value.items())
        if emit:
            self.beginInsertRows(parent, start, stop - 1)
        if node.items is not None:
            for row in range(start, stop):
                key, value = node.items[row]
                node.children.append(_Node(key, value, node, row))
        else:
            values = node.value
            for row in range(start, stop):
                node.children.append(_Node(row, values[row], node, row))
        self._created += stop - start
        if stop == node.total():
            node.items = None  # every child exists now; drop the slice source
        if emit:
            self._end_insert()

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        node = self._node(index)
        if node is None:
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if node.total() == 0:
            flags |= Qt.ItemFlag.ItemNeverHasChildren
        return flags

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(_HEADERS)
        ):
            return _HEADERS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self._node(index)
        if node is None:
            return None
        column = index.column()
        if node.kind == KIND_NOTE:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole) and column == 0:
                return node.key
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COL_KEY:
                return self._key_text(node)
            if column == COL_VALUE:
                return _value_display(node, VALUE_DISPLAY_CHARS)
            if column == COL_TYPE:
                return node.kind
        elif role == Qt.ItemDataRole.ToolTipRole:
            if column == COL_VALUE and node.kind == "string" and len(node.value) > 80:
                return node.value[:TOOLTIP_CHARS]
            if column == COL_KEY:
                mark = self._mark(node)
                return self.json_path(index) + (f" — {mark}" if mark else "")
        elif role == SHAPE_NOTE_ROLE:
            return self._mark(node)
        elif role == Qt.ItemDataRole.FontRole and column == COL_KEY and self._mark(node):
            font = QFont()
            font.setBold(True)
            return font
        elif role == JSON_PATH_ROLE:
            return self.json_path(index)
        elif role == JSON_TYPE_ROLE:
            return node.kind
        return None

    def _key_text(self, node: _Node) -> str:
        if node.key is None:  # a bare scalar document
            return "$"
        if isinstance(node.key, int):
            return f"[{node.key}]"
        return node.key


def _value_display(node: _Node, limit: int) -> str:
    kind = node.kind
    if kind == "object":
        n = len(node.value)
        return f"{{{n} key{'s' if n != 1 else ''}}}"
    if kind == "array":
        n = len(node.value)
        return f"[{n} item{'s' if n != 1 else ''}]"
    if kind == "string":
        text = node.value if len(node.value) <= limit else node.value[:limit] + "…"
        # Escaped so a value with newlines stays on one row.
        return json.dumps(text, ensure_ascii=False)
    return json.dumps(node.value)
