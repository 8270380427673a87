"""Forwarding controls: target URL, on/off, and how the target answered last.

The session's `Forwarding` owns the Forwarder and hooks it into the listener; this widget only
shows it: the status line says "200 in 12 ms" or, in red, why the target is down (never retried:
the developer replays once the app is fixed). The URL is kept in QSettings; it is not a secret.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from inspector.core.actions.forwarder import normalize_target_url
from inspector.ui import theme
from inspector.ui.session import Forwarding

KEY_TARGET_URL = "forward/target_url"
PLACEHOLDER = "http://localhost:3000/webhooks"


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
    """URL field + "Forward deliveries" toggle + last result, over the session's forwarding."""

    forwardingChanged = Signal(bool)
    # (seq, record) after the record is stored with the event: refresh that row / the detail panes.
    resultArrived = Signal(int, object)
    targetUrlChanged = Signal(str)

    def __init__(self, forwarding: Forwarding, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("forwardSettings")
        self.forwarding_service = forwarding
        self.settings = settings
        self.last_result: dict[str, Any] | None = None
        forwarding.changed.connect(self._on_changed)
        forwarding.result.connect(self._on_result)

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
        return self.forwarding_service.on

    @property
    def target_url(self) -> str:
        """The usable target URL, or "" when the field is empty or invalid."""
        try:
            return normalize_target_url(self.url_edit.text())
        except ValueError:
            return ""

    def set_forwarding(self, on: bool) -> None:
        if on and not self.forwarding:
            try:
                url = self.forwarding_service.start(self.url_edit.text())
            except ValueError as exc:
                self._show_status(f"Not forwarding: {exc}", theme.error_css())
            else:
                self.url_edit.setText(url)
                self._remember(url)
                self._show_status("Forwarding — waiting for the next delivery", "")
        elif not on and self.forwarding:
            self.forwarding_service.stop()
            self._show_status("", "")
        if self.toggle.isChecked() != self.forwarding:
            self.toggle.blockSignals(True)
            self.toggle.setChecked(self.forwarding)
            self.toggle.blockSignals(False)

    # -- internals -------------------------------------------------------------------------------

    def _on_changed(self, on: bool) -> None:
        if self.toggle.isChecked() != on:
            self.toggle.blockSignals(True)
            self.toggle.setChecked(on)
            self.toggle.blockSignals(False)
        self.forwardingChanged.emit(on)

    def _on_url_edited(self) -> None:
        text = self.url_edit.text().strip()
        if not text:
            return
        try:
            url = normalize_target_url(text)
        except ValueError as exc:
            self._show_status(str(exc)[:1].upper() + str(exc)[1:], theme.error_css())
            return
        self._remember(url)
        if self.forwarding and url != self.forwarding_service.target_url:
            self.forwarding_service.start(url)  # a new target from the next delivery on
            self._show_status("Forwarding to the new URL from the next delivery", "")

    def _remember(self, url: str) -> None:
        self.settings.setValue(KEY_TARGET_URL, url)
        self.targetUrlChanged.emit(url)

    def _on_result(self, seq: int, record: dict[str, Any]) -> None:
        self.last_result = record
        if record_ok(record):
            self._show_status(f"#{seq} → {describe_forward_result(record)}", theme.ok_css())
        elif record.get("error"):
            self._show_status(f"Target down: {record['error']}", theme.error_css())
        else:
            self._show_status(
                f"#{seq} → target answered {describe_forward_result(record)}", theme.error_css()
            )
        self.resultArrived.emit(seq, record)

    def _show_status(self, text: str, style: str) -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip(text)
        self.status_label.setStyleSheet(style)
