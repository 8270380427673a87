"""Copy the selected events as a cURL command, a HAR entry, or the raw body (the table's context menu).

What is copied comes from the same exporters as a file export (inspector/core/io): secret headers
are redacted in the store and come out as `${WEBHOOK_TOKEN}` in cURL, so nothing secret reaches
the clipboard. URLs follow the export rule (the listener each event was received on).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import QByteArray, QMimeData, QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QWidget

from inspector.core.events import StoredEvent
from inspector.core.io.export_curl import curl_command
from inspector.core.io.export_har import har_entry
from inspector.core.store.event_store import EventStore
from inspector.ui.detail import body_text

COPY_CURL_KEYS = "Ctrl+Alt+C"  # Ctrl+Shift+C is "copy path" in the JSON tree
MAX_COPIED = 500  # a clipboard of more than this many events is a file export's job


class CopyActions(QObject):
    def __init__(
        self,
        store: EventStore,
        selected: Callable[[], list[int]],
        say: Callable[[str], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("copyActions")
        self.store = store
        self._selected = selected
        self._say = say
        self._parent = parent
        self.copy_curl_action = self._action("copyCurlAction", "Copy as cURL", self.copy_curl, COPY_CURL_KEYS)
        self.copy_har_action = self._action("copyHarAction", "Copy as HAR entry", self.copy_har)
        self.copy_body_action = self._action("copyRowBodyAction", "Copy body", self.copy_body)

    def _action(self, name: str, text: str, slot: Callable[[], object], keys: str = "") -> QAction:
        action = QAction(text, self._parent)
        action.setObjectName(name)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self._parent.addAction(action)
        return action

    def actions(self) -> list[QAction]:
        return [self.copy_curl_action, self.copy_har_action, self.copy_body_action]

    def update_enabled(self) -> None:
        n = len(self._selected())
        self.copy_curl_action.setEnabled(n >= 1)
        self.copy_har_action.setEnabled(n >= 1)
        self.copy_body_action.setEnabled(n == 1)

    def _events(self) -> list[StoredEvent]:
        seqs = self._selected()[:MAX_COPIED]
        if len(self._selected()) > MAX_COPIED:
            self._say(f"Copied the first {MAX_COPIED} selected events; export the rest to a file")
        return [e for s in seqs if (e := self.store.get(s)) is not None]

    def copy_curl(self) -> str:
        text = "\n".join(curl_command(e) for e in self._events())
        if text:
            QGuiApplication.clipboard().setText(text)
        return text

    def copy_har(self) -> str:
        entries = [har_entry(e) for e in self._events()]
        if not entries:
            return ""
        text = json.dumps(entries[0] if len(entries) == 1 else entries, indent=2, ensure_ascii=False)
        QGuiApplication.clipboard().setText(text)
        return text

    def copy_body(self) -> str:
        events = self._events()
        if len(events) != 1:
            return ""
        body = events[0].body
        mime = QMimeData()
        text = body_text.clipboard_text(body)
        mime.setText(text)
        mime.setData("application/octet-stream", QByteArray(body))
        QGuiApplication.clipboard().setMimeData(mime)
        return text
