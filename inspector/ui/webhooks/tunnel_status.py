"""Status-bar widget: the tunnel's public URL (copy button), manual entry, wrong-port warning.

Detection is network I/O (it asks local ngrok/cloudflared agents), so a QTimer only *starts* a
probe on the thread pool every ~10 s; the answer comes back by signal. One probe at a time: a
tick that finds one still running is skipped rather than piling probes up.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from inspector.core.tunnel.detect import TunnelResult, detect_tunnel
from inspector.ui.provider_worker import network_pool

POLL_INTERVAL_MS = 10_000
Detector = Callable[[int], TunnelResult]


class _Relay(QObject):
    found = Signal(object)  # TunnelResult, emitted on a pool thread, delivered queued


class _Probe(QRunnable):
    def __init__(self, relay: _Relay, detect: Detector, port: int) -> None:
        super().__init__()
        self._relay, self._detect, self._port = relay, detect, port

    def run(self) -> None:
        try:
            result = self._detect(self._port)
        except Exception:  # detection must never break the status bar
            result = TunnelResult(None, None)
        try:
            self._relay.found.emit(result)
        except RuntimeError:  # the widget is gone
            pass


class TunnelStatus(QWidget):
    """Shows where the provider can reach the listener from outside.

    `publicUrlChanged(str)` carries the public base URL to register ("" when none), whether it
    was detected or typed by the user; a detected tunnel wins over a typed URL.
    """

    publicUrlChanged = Signal(str)
    detected = Signal(object)  # every TunnelResult, for tests and curious embedders

    def __init__(
        self,
        listener_port: int | None = None,
        *,
        detect: Detector = detect_tunnel,
        interval_ms: int = POLL_INTERVAL_MS,
        pool: QThreadPool | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tunnelStatus")
        self._detect = detect
        self._pool = pool or network_pool()
        self._port = listener_port
        self._probing = False
        self._result: TunnelResult | None = None
        self._public_url = ""
        self._relay = _Relay(self)
        self._relay.found.connect(self._on_found)

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

        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.refresh)
        if listener_port is not None:
            self.start()

    # --- control --------------------------------------------------------------------------------

    def set_listener_port(self, port: int | None) -> None:
        """The listener's real port (it may change when the window rebinds); probes at once."""
        self._port = port
        if port is None:
            self.timer.stop()
            return
        self.start()

    def start(self) -> None:
        self.timer.start()
        self.refresh()

    def stop(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        """Start one probe off the GUI thread, unless one is still running."""
        if self._probing or self._port is None:
            return
        self._probing = True
        self._pool.start(_Probe(self._relay, self._detect, self._port))

    @property
    def probing(self) -> bool:
        return self._probing

    @property
    def result(self) -> TunnelResult | None:
        return self._result

    @property
    def public_url(self) -> str:
        return self._public_url

    def copy_url(self) -> None:
        if self._public_url:
            QGuiApplication.clipboard().setText(self._public_url)

    # --- results --------------------------------------------------------------------------------

    def _on_found(self, result: TunnelResult) -> None:
        self._probing = False
        self._result = result
        if result.url:
            self.label.setText(f"Tunnel ({result.source}): {result.url}")
            self.label.setToolTip(f"Public URL found by asking the local {result.source} agent")
            self.manual_edit.hide()
            self._set_public_url(result.url)
        else:
            self.label.setText("Tunnel:")
            self.label.setToolTip("No ngrok or cloudflared tunnel answered on this machine")
            self.manual_edit.show()
            self._set_public_url(self._manual_url())
        self.warning.setText(f"⚠ {result.warning}" if result.warning else "")
        self.warning.setToolTip(result.warning or "")
        self.warning.setVisible(bool(result.warning))
        self.detected.emit(result)

    def _manual_url(self) -> str:
        text = self.manual_edit.text().strip().rstrip("/")
        return text if text.startswith(("http://", "https://")) else ""

    def _on_manual(self) -> None:
        if self._result is not None and self._result.url:
            return  # a detected tunnel wins; the field is hidden then anyway
        text = self.manual_edit.text().strip()
        if text and not text.startswith(("http://", "https://")):
            self.manual_edit.setToolTip("A public URL starts with https:// (or http://)")
            self.manual_edit.setStyleSheet("color: #d33f3f;")
        else:
            self.manual_edit.setToolTip("")
            self.manual_edit.setStyleSheet("")
        self._set_public_url(self._manual_url())

    def _set_public_url(self, url: str) -> None:
        self.copy_button.setEnabled(bool(url))
        if url != self._public_url:
            self._public_url = url
            self.publicUrlChanged.emit(url)
