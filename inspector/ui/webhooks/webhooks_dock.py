"""The Webhooks panel and the tunnel status, docked into the main window.

Kept out of main_window.py because the window is useful (and tested) without a provider: tests
and `--self-test` build it bare, the app adds this with the user's config dir and keyring.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget

from inspector.core.capture.token_ring import TokenRing
from inspector.core.provider.secrets import SecretStore
from inspector.ui.webhooks.tunnel_status import TunnelStatus
from inspector.ui.webhooks.webhooks_panel import WebhooksPanel, build_webhooks_panel
from inspector.ui.window.main_window import MainWindow

KEY_DOCKS = "window/docks"
DEFAULT_WIDTH = 380


class WebhooksDock(QDockWidget):
    def __init__(
        self,
        window: MainWindow,
        config_dir: Path,
        tokens: TokenRing,
        settings: QSettings,
        secrets: SecretStore | None = None,
    ) -> None:
        super().__init__("Webhooks", window)
        self.setObjectName("webhooksDock")
        self._window = window
        listener = window.listener
        self.panel: WebhooksPanel = build_webhooks_panel(
            config_dir,
            tokens,
            settings=settings,
            listener_url=listener.url if listener is not None else "",
            secrets=secrets,
            parent=self,
        )
        self.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self)
        self._settings = settings
        state = settings.value(KEY_DOCKS)
        if not (isinstance(state, QByteArray) and window.restoreState(state)):
            # First run: the events table stays the widest thing in the window.
            window.resizeDocks([self], [DEFAULT_WIDTH], Qt.Orientation.Horizontal)

        self.tunnel = TunnelStatus(listener.port if listener is not None else None, parent=window.statusBar())
        window.statusBar().addPermanentWidget(self.tunnel)
        self.tunnel.publicUrlChanged.connect(self.panel.set_public_url)
        self.panel.message.connect(lambda text: window.statusBar().showMessage(text, 5000))
        window.listenerAttached.connect(self._on_listener)

        toggle = self.toggleViewAction()
        toggle.setText("&Webhooks panel")
        toggle.setShortcut(QKeySequence("Ctrl+Shift+W"))
        window.menuBar().addMenu("&View").addAction(toggle)
        # The window tells nobody it closes; watch for it to stop the sandbox and the tunnel polling.
        window.installEventFilter(self)

    def _on_listener(self, url: str) -> None:
        listener = self._window.listener
        self.panel.set_listener_url(url)
        self.tunnel.set_listener_port(listener.port if listener is not None else None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def shutdown(self) -> None:
        self._settings.setValue(KEY_DOCKS, self._window.saveState())  # layout only, never a secret
        self.panel.shutdown()
        self.tunnel.stop()


def add_webhooks_dock(
    window: MainWindow,
    config_dir: Path,
    tokens: TokenRing,
    settings: QSettings,
    secrets: SecretStore | None = None,
) -> WebhooksDock:
    return WebhooksDock(window, config_dir, tokens, settings, secrets)
