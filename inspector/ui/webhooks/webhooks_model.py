"""The Webhooks panel's table: the profile's webhooks as the provider lists them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

from inspector.core.provider.webhook_service import WebhookRow

COL_ID, COL_URL, COL_EVENTS, COL_TOKEN = range(4)
_HEADERS = ("ID", "URL", "Events", "Token set?")
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the WebhookRow, whatever proxy sits on top


def token_text(row: WebhookRow) -> str:
    provider_has = row.webhook.has_authorization_token
    if row.token_here:
        return "yes, kept here"
    if provider_has is True:
        return "yes, not on this machine"
    if provider_has is False:
        return "no"
    return "unknown"


class WebhooksModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[WebhookRow] = []

    def set_rows(self, rows: list[WebhookRow]) -> None:
        self.beginResetModel()  # a list answer replaces everything; it is a handful of rows
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[WebhookRow]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _HEADERS[section] if 0 <= section < len(_HEADERS) else None
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            col = index.column()
            if col == COL_ID:
                return row.webhook.id
            if col == COL_URL:
                return row.webhook.url
            if col == COL_EVENTS:
                return ", ".join(row.webhook.events) or "(none)"
            if col == COL_TOKEN:
                return token_text(row)
        return None
