"""Status-bar widget: the tunnel's public URL (copy button), manual entry, wrong-port warning.

It shows what the session's TunnelProbe finds (inspector/ui/session.py asks the local
ngrok/cloudflared agents off the GUI thread every ~10 s) and hands a typed URL back to it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from inspector.core.tunnel.detect import TunnelResult
from inspector.ui.session import TunnelProbe


class TunnelStatus(QWidget):
    """Shows where the provider can reach the listener from outside.

    `publicUrlChanged(str)` carries the public base URL to register ("" when none), whether it
    was detected or typed by the user; a detected tunnel wins over a typed URL.
    """

    publicUrlChanged = Signal(str)
    detected = Signal(object)  # every TunnelResult, for tests and curious embedders

    def __init__(self, probe: TunnelProbe, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tunnelStatus")
        self.probe = probe

        self.label = QLabel("Tunnel: looking…", self)
        self.label.setObjectName("tunnelUrl")
        self.label.setToolTip("The public URL of your ngrok or cloudflared tunnel")
        self.copy_button = QToolButton(self)
        self.copy_button.setObjectName("copyTunnelUrlButton")
        self.copy_button.setText("Copy")
        self.copy_button.setToolTip("Copy the public URL")
        self.copy_button.setAutoRaise(True)
        self.copy_button.setEnabled(False)
        self.manual_edit = QLineEdit(self)
        self.manual_edit.setObjectName("manualTunnelUrl")
        self.manual_edit.setPlaceholderText("no tunnel found: enter your public URL")
        self.manual_edit.setClearButtonEnabled(True)
        self.manual_edit.setMinimumWidth(240)
        self.manual_edit.hide()
        self.warning = QLabel(self)
        self.warning.setObjectName("tunnelWarning")
        self.warning.setStyleSheet("color: #c47f00; font-weight: bold;")
        self.warning.setWordWrap(False)
        self.warning.hide()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.manual_edit)
        layout.addWidget(self.copy_button)
        layout.addWidget(self.warning)

        self.copy_button.clicked.connect(self.copy_url)
        self.manual_edit.editingFinished.connect(self._on_manual)

        probe.found.connect(self._on_found)
        probe.publicUrlChanged.connect(self._on_public_url)
        if probe.result is not None:
            self._on_found(probe.result)

    @property
    def public_url(self) -> str:
        return self.probe.public_url

    @property
    def result(self) -> TunnelResult | None:
        return self.probe.result

    def copy_url(self) -> None:
        if self.probe.public_url:
            QGuiApplication.clipboard().setText(self.probe.public_url)

    # --- results --------------------------------------------------------------------------------

    def _on_found(self, result: TunnelResult) -> None:
        if result.url:
            self.label.setText(f"Tunnel ({result.source}): {result.url}")
            self.label.setToolTip(f"Public URL found by asking the local {result.source} agent")
            self.manual_edit.hide()
        else:
            self.label.setText("Tunnel:")
            self.label.setToolTip("No ngrok or cloudflared tunnel answered on this machine")
            self.manual_edit.show()
        self.warning.setText(f"⚠ {result.warning}" if result.warning else "")
        self.warning.setToolTip(result.warning or "")
        self.warning.setVisible(bool(result.warning))
        self.detected.emit(result)

    def _on_public_url(self, url: str) -> None:
        self.copy_button.setEnabled(bool(url))
        self.publicUrlChanged.emit(url)

    def _on_manual(self) -> None:
        text = self.manual_edit.text().strip()
        if text and not text.startswith(("http://", "https://")):
            self.manual_edit.setToolTip("A public URL starts with https:// (or http://)")
            self.manual_edit.setStyleSheet("color: #d33f3f;")
        else:
            self.manual_edit.setToolTip("")
            self.manual_edit.setStyleSheet("")
        self.probe.set_manual_url(text)
