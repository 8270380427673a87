"""Forwarding controls: target URL, on/off, and how the target answered last.

The widget owns the `Forwarder` while forwarding is on and plugs its `submit` into the listener's
`forward_hook`. Results arrive on forwarder threads; a relay carries them to the GUI thread, where
the status line says "200 in 12 ms" or, in red, why the target is down (never retried: the
developer replays once the app is fixed). The URL is kept in QSettings; it is not a secret.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from inspector.core.actions.forwarder import Forwarder, normalize_target_url
from inspector.core.capture.listener import Listener
from inspector.core.store.event_store import EventStore
from inspector.ui.background import BackgroundRunner

KEY_TARGET_URL = "forward/target_url"
PLACEHOLDER = "http://localhost:3000/webhooks"
OK_STYLE = "color: #2e8b57;"
DOWN_STYLE = "color: #d33f3f;"
CLOSE_TIMEOUT_S = 2.0  # a request in flight when forwarding stops may take this long to end


class _ResultRelay(QObject):
    # Emitted on a forwarder thread; received on the GUI thread (queued).
    result = Signal(int, object)


def describe_forward_result(record: dict[str, Any]) -> str:
    """One line for a forward or replay record: "200 in 12 ms" or the error sentence."""
    error = record.get("error")
    if error:
        return str(error)
    latency = record.get("latency_ms")
    took = f" in {latency:.0f} ms" if isinstance(latency, int | float) else ""
    return f"{record.get('status')}{took}"


def record_ok(record: dict[str, Any]) -> bool:
    status = record.get("status")
    return not record.get("error") and isinstance(status, int) and 200 <= status < 300


class ForwardSettings(QWidget):
    """URL field + "Forward deliveries" toggle + last result. Embed in a toolbar or a dock."""

    forwardingChanged = Signal(bool)
    # (seq, record) after the record is stored with the event: refresh that row / the detail panes.
    resultArrived = Signal(int, object)
    targetUrlChanged = Signal(str)

    def __init__(
        self,
        store: EventStore,
        listener: Listener | None,
        settings: QSettings,
        parent: QWidget | None = None,
        *,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("forwardSettings")
        self.store = store
        self.listener = listener
        self.settings = settings
        self.timeout = timeout
        self.forwarder: Forwarder | None = None
        self.last_result: dict[str, Any] | None = None
        self._relay = _ResultRelay(self)
        self._relay.result.connect(self._on_result)
        self._closer = BackgroundRunner(self)

        self.url_edit = QLineEdit(self)
        self.url_edit.setObjectName("forwardUrlEdit")
        self.url_edit.setPlaceholderText(PLACEHOLDER)
        self.url_edit.setClearButtonEnabled(True)
        self.url_edit.setToolTip("Your app's webhook endpoint: every accepted delivery is also sent here")
        self.url_edit.setText(str(settings.value(KEY_TARGET_URL, "") or ""))
        self.url_edit.editingFinished.connect(self._on_url_edited)

        self.toggle = QCheckBox("Forward", self)
        self.toggle.setObjectName("forwardToggle")
        self.toggle.setToolTip("Send each accepted delivery to the target URL as well")
        self.toggle.toggled.connect(self.set_forwarding)

        self.status_label = QLabel(self)
        self.status_label.setObjectName("forwardStatus")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(QLabel("Forward to:", self))
        layout.addWidget(self.url_edit, 1)
        layout.addWidget(self.toggle)
        layout.addWidget(self.status_label, 1)
        self._show_status("", "")

    # -- public ----------------------------------------------------------------------------------

    @property
    def forwarding(self) -> bool:
        return self.forwarder is not None

    @property
    def target_url(self) -> str:
        """The usable target URL, or "" when the field is empty or invalid."""
        try:
            return normalize_target_url(self.url_edit.text())
        except ValueError:
            return ""

    def set_listener(self, listener: Listener | None) -> None:
        """Follow a new listener (e.g. restarted on a free port); forwarding stays as it was."""
        if self.listener is not None and self.listener is not listener:
            self.listener.set_forward_hook(None)
        self.listener = listener
        if listener is not None and self.forwarder is not None:
            listener.set_forward_hook(self.forwarder.submit)

    def set_forwarding(self, on: bool) -> None:
        if on and self.forwarder is None:
            self._start()
        elif not on and self.forwarder is not None:
            self._stop()
        if self.toggle.isChecked() != self.forwarding:
            self.toggle.blockSignals(True)
            self.toggle.setChecked(self.forwarding)
            self.toggle.blockSignals(False)

    def shutdown(self) -> None:
        """Stop forwarding for good (window closing); waits briefly for a request in flight."""
        forwarder = self._detach()
        if forwarder is not None:
            forwarder.close(timeout=CLOSE_TIMEOUT_S)

    # -- internals -------------------------------------------------------------------------------

    def _start(self) -> None:
        try:
            url = normalize_target_url(self.url_edit.text())
        except ValueError as exc:
            self._show_status(f"Not forwarding: {exc}", DOWN_STYLE)
            return
        self.url_edit.setText(url)
        self._remember(url)
        self.forwarder = Forwarder(url, self.store, timeout=self.timeout, on_result=self._from_worker)
        if self.listener is not None:
            self.listener.set_forward_hook(self.forwarder.submit)
        self._show_status("Forwarding — waiting for the next delivery", "")
        self.forwardingChanged.emit(True)

    def _stop(self) -> None:
        forwarder = self._detach()
        if forwarder is not None:
            # close() joins worker threads that may be inside a request: never on the GUI thread.
            self._closer.submit("close", lambda: forwarder.close(timeout=CLOSE_TIMEOUT_S))
        self._show_status("", "")
        self.forwardingChanged.emit(False)

    def _detach(self) -> Forwarder | None:
        forwarder, self.forwarder = self.forwarder, None
        if self.listener is not None:
            self.listener.set_forward_hook(None)
        if forwarder is not None:
            forwarder.on_result = None
        return forwarder

    def _on_url_edited(self) -> None:
        text = self.url_edit.text().strip()
        if not text:
            return
        try:
            url = normalize_target_url(text)
        except ValueError as exc:
            self._show_status(str(exc)[:1].upper() + str(exc)[1:], DOWN_STYLE)
            return
        self._remember(url)
        if self.forwarder is not None and url != self.forwarder.target_url:
            self.forwarder.target_url = url  # read per job: the next delivery goes to the new URL
            self._show_status("Forwarding to the new URL from the next delivery", "")

    def _remember(self, url: str) -> None:
        self.settings.setValue(KEY_TARGET_URL, url)
        self.targetUrlChanged.emit(url)

    def _from_worker(self, seq: int, record: dict[str, Any]) -> None:
        try:
            self._relay.result.emit(seq, record)
        except RuntimeError:  # the widget is gone; the record is stored anyway
            pass

    def _on_result(self, seq: int, record: dict[str, Any]) -> None:
        self.last_result = record
        if record_ok(record):
            self._show_status(f"#{seq} → {describe_forward_result(record)}", OK_STYLE)
        elif record.get("error"):
            self._show_status(f"Target down: {record['error']}", DOWN_STYLE)
        else:
            self._show_status(f"#{seq} → target answered {describe_forward_result(record)}", DOWN_STYLE)
        self.resultArrived.emit(seq, record)

    def _show_status(self, text: str, style: str) -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip(text)
        self.status_label.setStyleSheet(style)
