"""The Webhooks panel and the tunnel status, docked into the main window.

Kept out of main_window.py because the window is useful (and tested) without a provider: tests
and `--self-test` build it bare, the app adds this. Everything the panel needs is the session's:
the dock only places the widgets and keeps the layout.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QFrame, QScrollArea

from inspector.ui.webhooks.tunnel_status import TunnelStatus
from inspector.ui.webhooks.webhooks_panel import WebhooksPanel
from inspector.ui.window.main_window import MainWindow

KEY_DOCKS = "window/docks"
DEFAULT_WIDTH = 380


class WebhooksDock(QDockWidget):
    def __init__(self, window: MainWindow, settings: QSettings) -> None:
        super().__init__("Webhooks", window)
        self.setObjectName("webhooksDock")
        self._window = window
        self._settings = settings
        session = window.session
        self.panel = WebhooksPanel(session, settings=settings, parent=self)
        # Scrolled rather than squeezed: the tunnel controls alone are taller than a 640-pixel
        # window, and a dock's minimum height would otherwise become the window's.
        self.panel_scroll = QScrollArea(self)
        self.panel_scroll.setObjectName("webhooksScroll")
        self.panel_scroll.setWidgetResizable(True)
        self.panel_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.panel_scroll.setWidget(self.panel)
        self.setWidget(self.panel_scroll)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self)
        state = settings.value(KEY_DOCKS)
        if not (isinstance(state, QByteArray) and window.restoreState(state)):
            # First run: the events table stays the widest thing in the window.
            window.resizeDocks([self], [DEFAULT_WIDTH], Qt.Orientation.Horizontal)

        self.tunnel = TunnelStatus(session.tunnel, parent=window.statusBar(), tunnels=session.tunnels)
        window.statusBar().addPermanentWidget(self.tunnel)
        self.panel.message.connect(lambda text: window.statusBar().showMessage(text, 5000))
        window.aboutToClose.connect(self.save_layout)

        toggle = self.toggleViewAction()
        toggle.setText("&Webhooks panel")
        window.view_menu.addAction(toggle)
        # The key goes *to* the panel (shows it if hidden, focuses it); only pressed again from
        # inside the panel does it hide it. A plain toggle closed the panel a first run had opened.
        self.go_action = QAction("Go to the Webhooks panel", window)
        self.go_action.setObjectName("goToWebhooksAction")
        self.go_action.setShortcut(QKeySequence("Ctrl+Shift+W"))
        self.go_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.go_action.triggered.connect(lambda _checked=False: self.go_to())
        window.addAction(self.go_action)
        window.view_menu.addAction(self.go_action)

    def go_to(self) -> None:
        """Show and focus the panel; hide it when the focus is in it already."""
        focus = QApplication.focusWidget()
        inside = focus is not None and self.isAncestorOf(focus)
        if self.isVisible() and inside:
            self.hide()
            self._window.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        self.show()
        self.raise_()
        self.panel.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def save_layout(self) -> None:
        self._settings.setValue(KEY_DOCKS, self._window.saveState())  # layout only, never a secret


def add_webhooks_dock(window: MainWindow, settings: QSettings) -> WebhooksDock:
    return WebhooksDock(window, settings)
