"""Status-bar widget: the public URL (copy button), manual entry, wrong-port warning, and — with
the session's `tunnels` — "Start tunnel", the tunnel's state, its health and pending webhook
updates.

It shows the session's one public URL (inspector/ui/session.py TunnelProbe: the tunnel started
here, else one detected by asking the local ngrok/cloudflared agents every ~10 s, else the URL
typed here) and hands a typed URL back to it. Starting and stopping go through
inspector/ui/tunnels.py.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QMenu, QMessageBox, QToolButton, QWidget

from inspector.core.tunnel.detect import TunnelResult
from inspector.core.tunnel.health import HealthCheck
from inspector.core.tunnel.supervisor import Phase, TunnelState
from inspector.core.tunnel.tools import TOOL_NAMES, ToolName
from inspector.ui import theme
from inspector.ui.session import TunnelProbe
from inspector.ui.tunnels import Tunnels
from inspector.ui.webhooks.tunnel_controls import TunnelOutputDialog, health_text, install_html, plain_tip


class TunnelStatus(QWidget):
    """Shows where the provider can reach the listener from outside.

    `publicUrlChanged(str)` carries the public base URL to register ("" when none), whether it
    was started here, detected or typed by the user.
    """

    publicUrlChanged = Signal(str)
    detected = Signal(object)  # every TunnelResult, for tests and curious embedders

    def __init__(
        self, probe: TunnelProbe, parent: QWidget | None = None, *, tunnels: Tunnels | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tunnelStatus")
        self.probe = probe
        self.tunnels = tunnels
        self.hint_box: QMessageBox | None = None
        self.output_dialog: TunnelOutputDialog | None = None

        self.label = QLabel("Tunnel: looking…", self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # what a tool or agent said
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
        self.tunnel_button = QToolButton(self)
        self.tunnel_button.setObjectName("tunnelButton")
        self.tunnel_button.setText("Start tunnel")
        self.tunnel_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.tunnel_menu = QMenu(self.tunnel_button)
        self.tunnel_menu.setObjectName("tunnelMenu")
        self.tunnel_button.setMenu(self.tunnel_menu)
        self.tunnel_button.setVisible(tunnels is not None)
        self.health = QLabel(self)
        self.health.setTextFormat(Qt.TextFormat.PlainText)  # what a tool or agent said
        self.health.setObjectName("tunnelHealthBadge")
        self.health.hide()
        self.follow_button = QToolButton(self)
        self.follow_button.setObjectName("followWebhooksButton")
        self.follow_button.setToolTip("Update the webhooks that still point at the old tunnel URL")
        self.follow_button.hide()
        self.warning = QLabel(self)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)  # what a tool or agent said
        self.warning.setObjectName("tunnelWarning")
        self.warning.setStyleSheet(theme.warn_css(bold=True))
        self.warning.setWordWrap(False)
        self.warning.hide()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.manual_edit)
        layout.addWidget(self.copy_button)
        layout.addWidget(self.tunnel_button)
        layout.addWidget(self.health)
        layout.addWidget(self.follow_button)
        layout.addWidget(self.warning)

        self.copy_button.clicked.connect(self.copy_url)
        self.manual_edit.editingFinished.connect(self._on_manual)

        probe.found.connect(self._on_found)
        probe.publicUrlChanged.connect(self._on_public_url)
        if tunnels is not None:
            self.tunnel_button.clicked.connect(self.toggle_tunnel)
            self.tunnel_menu.aboutToShow.connect(self._fill_menu)
            self.follow_button.clicked.connect(self.update_webhooks)
            tunnels.stateChanged.connect(self._on_state)
            tunnels.healthChecked.connect(self._on_health)
            tunnels.offersChanged.connect(self._on_offers)
            self._fill_menu()
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

    # --- the tunnel started here --------------------------------------------------------------------

    def toggle_tunnel(self) -> None:
        """The button: stop the running tunnel, or start the first installed tool (or say how to
        install one)."""
        tunnels = self.tunnels
        if tunnels is None:
            return
        if tunnels.active:
            tunnels.stop()
        else:
            self.start(None)

    def start(self, tool: ToolName | None) -> None:
        tunnels = self.tunnels
        if tunnels is None:
            return
        if not tunnels.installed() and tool is None:
            self.show_install_hints()
            return
        problem = tunnels.start(tool)
        if problem:
            self.warning.setText(f"⚠ {problem}")
            self.warning.setToolTip(plain_tip(problem))
            self.warning.show()

    def show_install_hints(self) -> QMessageBox | None:
        if self.tunnels is None:
            return None
        if self.hint_box is not None:
            self.hint_box.deleteLater()
        box = QMessageBox(self)
        box.setObjectName("tunnelInstallHintsBox")
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle("Install a tunnel tool")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(
            "<p>A public URL needs cloudflared (no account) or ngrok (free account) on this machine. "
            "Install one, or set where it is in the Webhooks panel; meanwhile you can type a public "
            "URL in the status bar.</p>" + install_html(self.tunnels.tools())
        )
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        box.setStandardButtons(QMessageBox.StandardButton.Close)
        self.hint_box = box
        box.open()
        return box

    def show_output(self) -> TunnelOutputDialog | None:
        if self.tunnels is None:
            return None
        if self.output_dialog is None:
            self.output_dialog = TunnelOutputDialog(self.tunnels, self)
        self.output_dialog.refresh()
        self.output_dialog.show()
        return self.output_dialog

    def update_webhooks(self) -> None:
        if self.tunnels is not None:
            for offer in list(self.tunnels.offers):
                self.tunnels.apply(offer)

    def _fill_menu(self) -> None:
        tunnels = self.tunnels
        if tunnels is None:
            return
        menu = self.tunnel_menu
        menu.clear()
        lookups = tunnels.tools()
        for tool in TOOL_NAMES:
            found = lookups[tool].found
            action = QAction(f"Start {tool} tunnel" + ("" if found else " (not installed)"), menu)
            action.setObjectName(f"start-{tool}")
            action.setEnabled(found)
            action.triggered.connect(lambda _checked=False, t=tool: self.start(t))
            menu.addAction(action)
        if not any(lookup.found for lookup in lookups.values()):
            menu.addAction("How to install cloudflared or ngrok…", self.show_install_hints)
        menu.addSeparator()
        restart = menu.addAction("Restart tunnel", tunnels.restart)
        restart.setEnabled(tunnels.state is not None and bool(tunnels.installed()))
        stop = menu.addAction("Stop tunnel", tunnels.stop)
        stop.setEnabled(tunnels.active)
        check = menu.addAction("Check through the tunnel", self._check)
        check.setEnabled(bool(self.probe.public_url))
        menu.addAction("Show tunnel output…", self.show_output).setEnabled(tunnels.state is not None)

    def _check(self) -> None:
        if self.tunnels is not None:
            self.tunnels.check_health()

    def _on_state(self, state: TunnelState | None) -> None:
        tunnels = self.tunnels
        if tunnels is None:
            return
        self.tunnel_button.setText("Stop tunnel" if tunnels.active else "Start tunnel")
        self._fill_menu()
        if state is None:
            return
        self.warning.hide()
        if state.phase is Phase.RUNNING:
            self.label.setText(f"Tunnel: {state.url}")  # short: the status bar is shared
            self.label.setToolTip(plain_tip(tunnels.describe()))
            self.manual_edit.hide()
        elif state.phase in (Phase.STARTING, Phase.RESTARTING):
            text = f"starting {state.tool}…" if state.phase is Phase.STARTING else f"restarting {state.tool}…"
            self.label.setText(f"Tunnel: {text}")
            self.label.setToolTip(plain_tip(state.describe()))
            self.manual_edit.hide()
        else:
            if state.phase is Phase.FAILED:
                self.warning.setText(f"⚠ {state.tool} failed")
                self.warning.setToolTip(plain_tip(state.describe()))
                self.warning.show()
            self._on_found(self.probe.result or TunnelResult(None, None), emit=False)

    def _on_health(self, result: HealthCheck | None) -> None:
        if result is None:
            self.health.setText("checking…")
            self.health.setStyleSheet("")
            self.health.setToolTip("Sending one request through the public URL")
        else:
            text, style = health_text(result)
            self.health.setText("✓ tunnel OK" if result.ok else "⚠ tunnel check failed")
            self.health.setStyleSheet(style)
            self.health.setToolTip(plain_tip(text))
        self.health.show()

    def _on_offers(self) -> None:
        tunnels = self.tunnels
        if tunnels is None:
            return
        offers = tunnels.offers
        count = sum(len(o.plan.moves) for o in offers)
        self.follow_button.setText(f"Update {count} webhook{'s' if count != 1 else ''}")
        self.follow_button.setToolTip(plain_tip("\n".join(o.describe() for o in offers)))
        self.follow_button.setEnabled(not any(o.profile in tunnels.following for o in offers))
        self.follow_button.setVisible(bool(offers))

    # --- results --------------------------------------------------------------------------------

    def _on_found(self, result: TunnelResult, *, emit: bool = True) -> None:
        if not self.probe.started_active:  # else the tunnel started here is shown (_on_state)
            self._show_found(result)
        if emit:
            self.detected.emit(result)

    def _show_found(self, result: TunnelResult) -> None:
        if result.url:
            self.label.setText(f"Tunnel ({result.source}): {result.url}")
            self.label.setToolTip(f"Public URL found by asking the local {result.source} agent")
            self.manual_edit.hide()
        else:
            self.label.setText("Tunnel:")
            self.label.setToolTip("No ngrok or cloudflared tunnel answered on this machine")
            self.manual_edit.show()
        self.warning.setText(f"⚠ {result.warning}" if result.warning else "")
        self.warning.setToolTip(plain_tip(result.warning or ""))
        self.warning.setVisible(bool(result.warning))

    def _on_public_url(self, url: str) -> None:
        self.copy_button.setEnabled(bool(url))
        self.publicUrlChanged.emit(url)

    def _on_manual(self) -> None:
        text = self.manual_edit.text().strip()
        if text and not text.startswith(("http://", "https://")):
            self.manual_edit.setToolTip("A public URL starts with https:// (or http://)")
            self.manual_edit.setStyleSheet(theme.error_css())
        else:
            self.manual_edit.setToolTip("")
            self.manual_edit.setStyleSheet("")
        self.probe.set_manual_url(text)
