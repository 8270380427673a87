"""The Shapes view's two models: event types (counts, first and last seen), and one type's paths.

Both are filled from plain data gathered off the GUI thread (`TypeRow`, and the learner's
`TypeSummary`), so building them never touches the store or waits on the learner's locks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from inspector.core.shapes import TypeSummary
from inspector.core.terminal_text import escape_controls
from inspector.ui.events.cells import local_time

PATH_ROLE = Qt.ItemDataRole.UserRole + 1  # the learned path (`data.items[].sku`) of a tree row
TYPE_ROLE = Qt.ItemDataRole.UserRole + 1  # the event type of a types row

TYPE_HEADERS = ("Event type", "Deliveries", "Shapes", "First seen", "Last seen")
PATH_HEADERS = ("Path", "Types", "Presence", "Format", "Examples")
EXAMPLE_CHARS = 120

ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


@dataclass(frozen=True, slots=True)
class TypeRow:
    event_type: str
    deliveries: int
    shapes: int
    first_seen: float | None
    last_seen: float | None


class TypesModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[TypeRow] = []

    def set_rows(self, rows: list[TypeRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[TypeRow]:
        return list(self._rows)

    def row_of(self, event_type: str) -> int:
        for i, row in enumerate(self._rows):
            if row.event_type == event_type:
                return i
        return -1

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(TYPE_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return TYPE_HEADERS[section] if 0 <= section < len(TYPE_HEADERS) else None
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == TYPE_ROLE:
            return row.event_type
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (1, 2):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return escape_controls(row.event_type)  # chosen by whoever reached the listener
        if column == 1:
            return f"{row.deliveries:,}"
        if column == 2:
            return f"{row.shapes:,}"
        seen = row.first_seen if column == 3 else row.last_seen
        return local_time(seen) if seen is not None else "—"


def presence_text(present: int, of: int) -> str:
    """ "97% — missing in 3 of 112", or "100% (112)" when it was always there."""
    if of <= 0:
        return "—"
    if present >= of:
        return f"100% ({of:,})"
    share = int(present * 100 / of)  # floor: 99.9% present is not "100%"
    return f"{share}% — missing in {of - present:,} of {of:,}"


def _example_text(examples: list[Any], values: list[str] | None) -> str:
    if values:
        text = "one of " + ", ".join(values)
    else:
        text = ", ".join(json.dumps(e, ensure_ascii=False) for e in examples)
    text = escape_controls(text)
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def _leaf_name(path: str, parent: str | None) -> str:
    if parent is None or parent == "$":
        return path
    return path[len(parent) :].lstrip(".") or path


def paths_model(summary: TypeSummary, parent: QObject | None = None) -> QStandardItemModel:
    """A tree of the type's paths (children under their parent path), five columns."""
    model = QStandardItemModel(parent)
    model.setHorizontalHeaderLabels(list(PATH_HEADERS))
    items: dict[str, QStandardItem] = {}
    for field in summary.fields:  # in path order: a parent comes before its children
        if field.path == "$":
            continue
        name = QStandardItem(escape_controls(_leaf_name(field.path, field.parent)))
        name.setData(field.path, PATH_ROLE)
        name.setToolTip(escape_controls(field.path))
        types = ", ".join(
            f"{kind} ({n:,})" if len(field.types) > 1 else kind for kind, n in field.types.items()
        )
        row = [
            name,
            QStandardItem(types),
            QStandardItem(presence_text(field.present, field.parent_present)),
            QStandardItem(field.format or ""),
            QStandardItem(_example_text(field.examples, field.values)),
        ]
        for item in row:
            item.setEditable(False)
        holder = items.get(field.parent or "")
        (holder if holder is not None else model.invisibleRootItem()).appendRow(row)
        items[field.path] = name
    return model
