"""The Webhooks panel's "Public URL" section: start, stop and watch the tunnel, check it, keep the
profile's webhooks on it; how to install a tool when none is; the tool's last output lines.

Everything goes through `session.tunnels` (inspector/ui/tunnels.py): this widget shows its
signals and calls its methods, and never runs a process or a request itself.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.tunnel.follower import FollowResult
from inspector.core.tunnel.health import HealthCheck
from inspector.core.tunnel.supervisor import Phase, TunnelState
from inspector.core.tunnel.tools import TOOL_NAMES, TOOLS, ToolLookup, ToolName
from inspector.ui import theme
from inspector.ui.session import InspectorSession
from inspector.ui.tunnels import Tunnels


def install_html(lookups: dict[ToolName, ToolLookup]) -> str:
    """How to install each missing tool: its download page (a link) and the commands, as rich text."""
    parts = []
    for tool in TOOL_NAMES:
        lookup = lookups[tool]
        if lookup.found:
            continue
        info = TOOLS[tool]
        rows = []
        for hint in info.hints:
            text = f"<code>{html.escape(hint.command)}</code>" if hint.command else ""
            note = html.escape(hint.note)
            if note:
                text = f"{text} ({note})" if text else note
            rows.append(f"<li>{html.escape(hint.platform)}: {text}</li>")
        link = html.escape(info.download_url, quote=True)
        parts.append(
            f"<p><b>{tool}</b> — {html.escape(lookup.problem or '')} "
            f'<a href="{link}">Download page</a><ul>{"".join(rows)}</ul></p>'
        )
    return "".join(parts)


def plain_tip(text: str) -> str:
    """`text` as a tooltip that is never read as markup (Qt guesses rich text from a tag)."""
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>" if text else ""


def health_text(result: HealthCheck) -> tuple[str, str]:
    """(text, style) for a health check's result."""
    if result.ok:
        return f"✓ {result.message}", theme.ok_css()
    return f"⚠ {result.message}", theme.warn_css()


def state_style(state: TunnelState | None) -> str:
    if state is None or state.phase is Phase.STOPPED:
        return ""
    if state.phase is Phase.FAILED:
        return theme.error_css()
    return theme.warn_css() if state.phase is Phase.RESTARTING else ""


class TunnelOutputDialog(QDialog):
    """The tool's last lines (secrets redacted), refreshed while it is open."""

    def __init__(self, tunnels: Tunnels, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tunnelOutputDialog")
        self.tunnels = tunnels
        self.setWindowTitle("Tunnel output")
        self.resize(760, 420)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("tunnelOutputText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button = buttons.addButton("Refresh", QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        self.refresh_button.clicked.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        tunnels.stateChanged.connect(self.refresh)
        self.refresh()

    def refresh(self, *_: object) -> None:
        lines = self.tunnels.output()
        tool = self.tunnels.state.tool if self.tunnels.state is not None else "tunnel"
        self.setWindowTitle(f"{tool} output (last {len(lines)} lines)")
        self.text.setPlainText("\n".join(lines) if lines else "(no output yet)")
        bar = self.text.verticalScrollBar()
        bar.setValue(bar.maximum())


class TunnelControls(QGroupBox):
    """Embeddable section (the Webhooks panel holds one) on the session's tunnels."""

    def __init__(self, session: InspectorSession, parent: QWidget | None = None) -> None:
        super().__init__("Public URL (tunnel)", parent)
        self.setObjectName("tunnelControls")
        self.session = session
        self.tunnels = session.tunnels
        self.profile = ""
        self.output_dialog: TunnelOutputDialog | None = None
        self._build()
        self._wire()
        self.update_tools()
        self._on_state(self.tunnels.state)
        self._on_public_url(session.public_url)
        self._on_offers()

    # --- building ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.state_label = QLabel(self)
        self.state_label.setTextFormat(Qt.TextFormat.PlainText)  # shows what a tool or agent said
        self.state_label.setObjectName("tunnelState")
        self.state_label.setWordWrap(True)
        self.state_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.url_label = QLabel(self)
        self.url_label.setTextFormat(Qt.TextFormat.PlainText)  # shows what a tool or agent said
        self.url_label.setObjectName("tunnelPublicUrl")
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setObjectName("copyPublicUrlButton")
        self.copy_button.setToolTip("Copy the public URL")

        self.tool_combo = QComboBox(self)
        self.tool_combo.setObjectName("tunnelToolCombo")
        self.tool_combo.setToolTip("Which tunnel tool to run")
        self.start_button = QPushButton("Start tunnel", self)
        self.start_button.setObjectName("startTunnelButton")
        self.start_button.setToolTip("Run the tool against the listener's port and show its public URL")
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setObjectName("stopTunnelButton")
        self.restart_button = QPushButton("Restart", self)
        self.restart_button.setObjectName("restartTunnelButton")
        self.restart_button.setToolTip("Stop and start again (a quick tunnel comes back with a new URL)")
        self.check_button = QPushButton("Check", self)
        self.check_button.setObjectName("checkTunnelButton")
        self.check_button.setToolTip("Send one request through the public URL: does it reach this listener?")
        self.output_button = QPushButton("Output…", self)
        self.output_button.setObjectName("tunnelOutputButton")
        self.output_button.setToolTip("The tool's last lines of output")

        self.health_label = QLabel(self)
        self.health_label.setTextFormat(Qt.TextFormat.PlainText)  # shows what a tool or agent said
        self.health_label.setObjectName("tunnelHealth")
        self.health_label.setWordWrap(True)
        self.health_label.hide()

        self.hints_label = QLabel(self)
        self.hints_label.setObjectName("tunnelInstallHints")
        self.hints_label.setWordWrap(True)
        self.hints_label.setTextFormat(Qt.TextFormat.RichText)
        self.hints_label.setOpenExternalLinks(True)
        self.hints_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.path_row = QWidget(self)
        self.path_edit = QLineEdit(self.path_row)
        self.path_edit.setObjectName("tunnelToolPath")
        self.path_edit.setPlaceholderText("installed elsewhere? path to cloudflared or ngrok")
        self.path_edit.setClearButtonEnabled(True)
        self.path_button = QPushButton("Use", self.path_row)
        self.path_button.setObjectName("useTunnelToolPathButton")
        self.path_problem = QLabel(self)
        self.path_problem.setTextFormat(Qt.TextFormat.PlainText)  # shows what a tool or agent said
        self.path_problem.setObjectName("tunnelToolPathProblem")
        self.path_problem.setWordWrap(True)
        self.path_problem.setStyleSheet(theme.error_css())
        self.path_problem.hide()

        self.follow_check = QCheckBox(self)
        self.follow_check.setObjectName("followTunnelCheck")
        self.follow_check.setToolTip(
            "When the tunnel's public URL changes, update this profile's webhooks that point at the "
            "old one without asking"
        )
        self.offer_row = QWidget(self)
        self.offer_row.setObjectName("tunnelOfferRow")
        self.offer_label = QLabel(self.offer_row)
        self.offer_label.setObjectName("tunnelOffer")
        self.offer_label.setWordWrap(True)
        self.offer_label.setTextFormat(Qt.TextFormat.PlainText)
        self.offer_label.setStyleSheet(theme.warn_css())
        self.update_button = QPushButton("Update", self.offer_row)
        self.update_button.setObjectName("followTunnelButton")
        self.update_button.setToolTip("Change the webhook's URL with the provider to the tunnel's new URL")
        self.dismiss_button = QPushButton("Not now", self.offer_row)
        self.dismiss_button.setObjectName("dismissFollowButton")
        self.follow_label = QLabel(self)
        self.follow_label.setObjectName("tunnelFollowResult")
        self.follow_label.setWordWrap(True)
        self.follow_label.setTextFormat(Qt.TextFormat.PlainText)
        self.follow_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.follow_label.hide()

        url_row = QHBoxLayout()
        url_row.addWidget(self.url_label, 1)
        url_row.addWidget(self.copy_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.tool_combo)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.restart_button)
        buttons.addStretch(1)
        more = QHBoxLayout()
        more.addWidget(self.check_button)
        more.addWidget(self.output_button)
        more.addStretch(1)
        path_layout = QHBoxLayout(self.path_row)
        path_layout.setContentsMargins(0, 0, 0, 0)
        path_layout.addWidget(self.path_edit, 1)
        path_layout.addWidget(self.path_button)
        offer_layout = QHBoxLayout(self.offer_row)
        offer_layout.setContentsMargins(0, 0, 0, 0)
        offer_layout.addWidget(self.offer_label, 1)
        offer_layout.addWidget(self.update_button)
        offer_layout.addWidget(self.dismiss_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.state_label)
        layout.addLayout(url_row)
        layout.addLayout(buttons)
        layout.addLayout(more)
        layout.addWidget(self.health_label)
        layout.addWidget(self.hints_label)
        layout.addWidget(self.path_row)
        layout.addWidget(self.path_problem)
        layout.addWidget(self.follow_check)
        layout.addWidget(self.offer_row)
        layout.addWidget(self.follow_label)

    def _wire(self) -> None:
        tunnels = self.tunnels
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.restart_button.clicked.connect(self.restart)
        self.check_button.clicked.connect(self.check)
        self.output_button.clicked.connect(self.show_output)
        self.copy_button.clicked.connect(self.copy_url)
        self.path_button.clicked.connect(self.use_path)
        self.path_edit.returnPressed.connect(self.use_path)
        self.follow_check.toggled.connect(self._on_follow_toggled)
        self.update_button.clicked.connect(self.update_webhooks)
        self.dismiss_button.clicked.connect(self.dismiss_offer)
        tunnels.stateChanged.connect(self._on_state)
        tunnels.healthChecked.connect(self._on_health)
        tunnels.offersChanged.connect(self._on_offers)
        tunnels.followed.connect(self._on_followed)
        tunnels.toolsChanged.connect(self.update_tools)
        self.session.tunnel.publicUrlChanged.connect(self._on_public_url)

    # --- actions ----------------------------------------------------------------------------------

    def set_profile(self, name: str) -> None:
        """The panel's profile: the one "keep my webhooks on this tunnel" is about."""
        self.profile = name
        self.follow_check.blockSignals(True)
        self.follow_check.setText(f"Keep my webhooks on this tunnel ({name})")
        self.follow_check.setChecked(self.tunnels.follows(name))
        self.follow_check.blockSignals(False)

    def start(self) -> None:
        tool = self.tool_combo.currentData()
        self._show_problem(self.tunnels.start(tool if tool in TOOL_NAMES else None))

    def stop(self) -> None:
        self.tunnels.stop()

    def restart(self) -> None:
        self._show_problem(self.tunnels.restart())

    def check(self) -> None:
        self.tunnels.check_health()

    def copy_url(self) -> None:
        if self.session.public_url:
            QGuiApplication.clipboard().setText(self.session.public_url)

    def show_output(self) -> TunnelOutputDialog:
        if self.output_dialog is None:
            self.output_dialog = TunnelOutputDialog(self.tunnels, self)
        self.output_dialog.refresh()
        self.output_dialog.show()
        self.output_dialog.raise_()
        return self.output_dialog

    def use_path(self) -> None:
        """Use the typed path for the tool it names (cloudflared, ngrok), or a folder for both."""
        text = self.path_edit.text().strip()
        if not text:
            return
        path = Path(text).expanduser()
        name = path.name.lower().removesuffix(".exe")
        tools = list(TOOL_NAMES) if path.is_dir() else [t for t in TOOL_NAMES if name.startswith(t)]
        if not tools:
            self._show_path_problem(
                "Give the path of a program named cloudflared or ngrok, or of its folder."
            )
            return
        problems = []
        for tool in tools:
            lookup = self.tunnels.set_tool_path(tool, text)
            if not lookup.found:
                self.tunnels.set_tool_path(tool, None)  # a wrong path must not hide the one on PATH
                problems.append(lookup.problem or f"No {tool} at {text}.")
        if len(problems) == len(tools):
            self._show_path_problem(problems[0])
            return
        self.path_edit.clear()
        self.path_problem.hide()

    def update_webhooks(self) -> None:
        for offer in list(self.tunnels.offers):
            self.tunnels.apply(offer)

    def dismiss_offer(self) -> None:
        for offer in list(self.tunnels.offers):
            self.tunnels.dismiss(offer)

    # --- display ----------------------------------------------------------------------------------

    def update_tools(self) -> None:
        lookups = self.tunnels.tools()
        current = self.tool_combo.currentData()
        self.tool_combo.blockSignals(True)
        self.tool_combo.clear()
        for tool in TOOL_NAMES:
            if lookups[tool].found:
                self.tool_combo.addItem(tool, tool)
        index = self.tool_combo.findData(current)
        self.tool_combo.setCurrentIndex(max(index, 0))
        self.tool_combo.blockSignals(False)
        installed = self.tool_combo.count() > 0
        self.tool_combo.setVisible(installed)
        hints = install_html(lookups)
        if not installed:
            hints = (
                "<p>No tunnel tool is installed. Install one to get a public URL in one click:</p>" + hints
            )
        self.hints_label.setText(hints)
        self.hints_label.setVisible(bool(hints))
        self.path_row.setVisible(bool(hints))
        self._update_buttons()

    def _update_buttons(self) -> None:
        active = self.tunnels.active
        state = self.tunnels.state
        self.start_button.setEnabled(self.tool_combo.count() > 0 and not active)
        self.stop_button.setEnabled(active)
        self.restart_button.setEnabled(state is not None and self.tool_combo.count() > 0)
        self.output_button.setEnabled(bool(self.tunnels.output()) or state is not None)
        self.check_button.setEnabled(bool(self.session.public_url) and not self.tunnels.checking)

    def _on_state(self, state: TunnelState | None) -> None:
        if state is None:
            self.state_label.setText("No tunnel started here.")
        else:
            self.state_label.setText(self.tunnels.describe())
        self.state_label.setStyleSheet(state_style(state))
        self._update_buttons()

    def _on_public_url(self, url: str) -> None:
        source = {"started": "started here", "detected": "detected", "manual": "typed"}.get(
            self.session.tunnel.source, ""
        )
        self.url_label.setText(f"{url}  ({source})" if url else "No public URL yet.")
        self.copy_button.setEnabled(bool(url))
        self._update_buttons()

    def _on_health(self, result: HealthCheck | None) -> None:
        if result is None:
            self.health_label.setText("Checking through the tunnel…")
            self.health_label.setStyleSheet("")
        else:
            text, style = health_text(result)
            self.health_label.setText(text)
            self.health_label.setStyleSheet(style)
        self.health_label.show()
        self._update_buttons()

    def _on_offers(self) -> None:
        offers = self.tunnels.offers
        self.offer_label.setText("\n".join(o.describe() for o in offers))
        self.offer_row.setVisible(bool(offers))
        busy = any(o.profile in self.tunnels.following for o in offers)
        self.update_button.setEnabled(bool(offers) and not busy)
        self.update_button.setText("Updating…" if busy else "Update")

    def _on_followed(self, result: FollowResult) -> None:
        self.follow_label.setText(result.describe())
        self.follow_label.setStyleSheet(theme.error_css() if result.failed or result.problem else "")
        self.follow_label.show()

    def _on_follow_toggled(self, checked: bool) -> None:
        if self.profile:
            self.tunnels.set_follow(self.profile, checked)

    def _show_problem(self, problem: str | None) -> None:
        if problem:
            self.state_label.setText(problem)
            self.state_label.setStyleSheet(theme.error_css())

    def _show_path_problem(self, text: str) -> None:
        self.path_problem.setText(text)
        self.path_problem.show()
