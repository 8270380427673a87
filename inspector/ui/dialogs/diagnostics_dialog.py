"""Help → About / Diagnostics: the same text as `webhook-inspector --diagnostics`, to copy.

The text (versions, keyring backend, data/config/log paths, listener URL, database size and row
count) is put together on the runner's db pool: counting a large database or asking the keyring
for its backend must not hold up the window. `add_help_menu(window, log)` adds the Help menu
(About, Diagnostics, Open log folder); `log` is this run's logging setup, None when nothing is
logged to a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector import __version__
from inspector.core.diagnostics import DiagnosticPaths, LogSetup, default_log_dir, diagnostics
from inspector.ui.session import InspectorSession

if TYPE_CHECKING:
    from inspector.ui.window.main_window import MainWindow

COLLECTING = "Collecting diagnostics…"


def log_folder(log: LogSetup | None) -> Path:
    """The folder "Open log folder" opens: this run's, else where logs go by default."""
    return log.log_dir if log is not None and log.log_dir is not None else default_log_dir()


def diagnostics_text(session: InspectorSession, log: LogSetup | None) -> str:
    """The report for this window's session (blocking: it counts rows; call it off the GUI thread)."""
    paths = DiagnosticPaths(
        session.dirs.data,
        session.dirs.config,
        log.log_dir if log is not None else None,
        log.log_file if log is not None else None,
    )
    return diagnostics(paths, session.url or None, session.store)


def open_folder(folder: Path) -> bool:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class DiagnosticsDialog(QDialog):
    """Version heading, the diagnostics text, Copy, Open log folder, Close; never modal."""

    def __init__(
        self, session: InspectorSession, log: LogSetup | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("diagnosticsDialog")
        self.setWindowTitle("About Webhook Inspector")
        self.setModal(False)
        self._session = session
        self._log = log
        heading = QLabel(f"Webhook Inspector {__version__}")
        heading.setObjectName("diagnosticsHeading")
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        heading.setFont(font)
        note = QLabel("For a bug report, copy this text and attach the log file from the log folder.")
        note.setWordWrap(True)
        self.text = QPlainTextEdit(COLLECTING)
        self.text.setObjectName("diagnosticsText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setMinimumHeight(260)
        self.folder_label = QLabel()
        self.folder_label.setObjectName("diagnosticsFolder")
        self.folder_label.setTextFormat(Qt.TextFormat.PlainText)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label.hide()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setObjectName("diagnosticsCopy")
        self.copy_button.setEnabled(False)
        self.open_log_button = QPushButton("Open &log folder")
        self.open_log_button.setObjectName("diagnosticsOpenLog")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.open_log_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy)
        self.open_log_button.clicked.connect(self.open_log_folder)

        layout = QVBoxLayout(self)
        for widget in (heading, note, self.text, self.folder_label):
            layout.addWidget(widget)
        layout.addWidget(buttons)
        self.resize(720, 420)

    @property
    def ready(self) -> bool:
        return self.copy_button.isEnabled()

    def refresh(self) -> None:
        """Collect the text again (off the GUI thread); Copy waits for it."""
        self.copy_button.setEnabled(False)
        self.text.setPlainText(COLLECTING)
        session, log = self._session, self._log
        session.runner.submit(
            lambda: diagnostics_text(session, log), on_done=self._show, on_error=self._failed, owner=self
        )

    def _show(self, text: str) -> None:
        self.text.setPlainText(text)
        self.copy_button.setEnabled(True)

    def _failed(self, error: BaseException) -> None:
        self.text.setPlainText(f"The diagnostics could not be collected: {type(error).__name__}: {error}")

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())

    def open_log_folder(self) -> None:
        folder = log_folder(self._log)
        try:
            opened = open_folder(folder)
        except OSError:
            opened = False
        if not opened:  # no file manager (a server, a sandboxed build): say where it is
            self.folder_label.setText(f"The log folder is {folder}")
            self.folder_label.show()


class HelpMenu:
    """The Help menu's actions and the one diagnostics dialog they open."""

    def __init__(self, window: MainWindow, log: LogSetup | None) -> None:
        self.window = window
        self.log = log
        self.dialog: DiagnosticsDialog | None = None
        self.menu: QMenu = window.menuBar().addMenu("&Help")
        self.menu.setObjectName("helpMenu")
        self.diagnostics_action = QAction("&Diagnostics…", window)
        self.diagnostics_action.setObjectName("diagnosticsAction")
        self.diagnostics_action.setStatusTip("Versions, backends and paths to paste into a bug report")
        self.diagnostics_action.triggered.connect(self.show_diagnostics)
        self.log_folder_action = QAction("Open &Log Folder", window)
        self.log_folder_action.setObjectName("openLogFolderAction")
        self.log_folder_action.triggered.connect(self.open_log_folder)
        self.about_action = QAction("&About Webhook Inspector", window)
        self.about_action.setObjectName("aboutAction")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_diagnostics)
        self.menu.addAction(self.diagnostics_action)
        self.menu.addAction(self.log_folder_action)
        self.menu.addSeparator()
        self.menu.addAction(self.about_action)

    def open_log_folder(self) -> None:
        folder = log_folder(self.log)
        try:
            opened = open_folder(folder)
        except OSError:
            opened = False
        if not opened:
            self.window.show_message(f"The log folder is {folder}", 15000)

    def show_diagnostics(self) -> DiagnosticsDialog:
        if self.dialog is None:
            self.dialog = DiagnosticsDialog(self.window.session, self.log, self.window)
        self.dialog.refresh()
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog


def add_help_menu(window: MainWindow, log: LogSetup | None) -> HelpMenu:
    return HelpMenu(window, log)
