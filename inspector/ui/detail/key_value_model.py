"""A two-column name/value table model, for request headers and query parameters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

COL_NAME = 0
COL_VALUE = 1
_HEADERS = ("Name", "Value")
DISPLAY_CHARS = 1_000  # a very long header value is cut in the cell; the tooltip holds more
TOOLTIP_CHARS = 4_000

ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invalid index, as a default argument


class KeyValueModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str]] = []

    def set_pairs(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.beginResetModel()
        self._rows = [(str(k), str(v)) for k, v in pairs]
        self.endResetModel()

    def pairs(self) -> list[tuple[str, str]]:
        return list(self._rows)

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(_HEADERS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        text = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text if len(text) <= DISPLAY_CHARS else text[:DISPLAY_CHARS] + "…"
        if role == Qt.ItemDataRole.ToolTipRole and len(text) > 60:
            return text[:TOOLTIP_CHARS]
        if role == Qt.ItemDataRole.UserRole:
            return text  # the whole value, for copying
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(_HEADERS):
            return _HEADERS[section]
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None
