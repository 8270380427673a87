"""The window's answer to an unexpected exception: one non-blocking "Something went wrong" dialog.

`CrashReporter.report(context, exc)` is an `on_error` for
`inspector.core.diagnostics.install_excepthooks`: callable from any thread (PySide6 reports an
exception in a pool thread's QRunnable on that thread). It turns the exception into redacted text
at once (so no traceback frames are kept alive) and hands it to the GUI thread, where one dialog
shows it. Errors that follow while the dialog is open are added to it and counted; closing the
dialog starts the count again. The app keeps running throughout: the dialog is never modal.

Transport as in background.py: a thread-safe queue carries the errors, a posted event wakes the
GUI thread, and a slow watchdog drains the queue in case a cross-thread wakeup is lost.
"""

from __future__ import annotations

import queue
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.diagnostics.excepthooks import crash_details
from inspector.core.diagnostics.log_filter import safe_text

_ERROR_EVENT = QEvent.Type(QEvent.registerEventType())
WATCHDOG_MS = 1000
KEPT_ERRORS = 10  # details kept per episode; the log has every one


class CrashDialog(QDialog):
    """Heading, what was being done, a collapsed details section, Copy details, Open log folder."""

    def __init__(self, parent: QWidget | None = None, log_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("Something went wrong")
        self.setModal(False)
        self._log_dir = log_dir
        self._details: list[str] = []
        self.count = 0

        heading = QLabel("Something went wrong")
        heading.setObjectName("crashHeading")
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        heading.setFont(font)
        # Exception text is plain text: a message must not be able to render as rich text.
        self.summary = QLabel()
        self.summary.setObjectName("crashSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.count_label = QLabel()
        self.count_label.setObjectName("crashCount")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.hide()
        note = QLabel("The app keeps running. The error is also in the log.")
        note.setWordWrap(True)

        self.details_toggle = QToolButton()
        self.details_toggle.setObjectName("crashDetailsToggle")
        self.details_toggle.setText("Details")
        self.details_toggle.setCheckable(True)
        self.details_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.details_toggle.toggled.connect(self._show_details)
        self.details = QPlainTextEdit()
        self.details.setObjectName("crashDetails")
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setMinimumHeight(200)
        self.details.hide()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.setObjectName("crashCopy")
        self.open_log_button = QPushButton("Open log folder")
        self.open_log_button.setObjectName("crashOpenLog")
        self.open_log_button.setEnabled(log_dir is not None)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.open_log_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_details)
        self.open_log_button.clicked.connect(self.open_log_folder)

        layout = QVBoxLayout(self)
        for widget in (heading, self.summary, self.count_label, note, self.details_toggle, self.details):
            layout.addWidget(widget)
        layout.addWidget(buttons)
        self.finished.connect(self._reset)
        self.resize(640, 260)

    def add_error(self, context: str, summary: str, details: str) -> None:
        """One more error in this episode; the first one stays the headline (it is often the cause)."""
        self.count += 1
        if self.count == 1:
            self.summary.setText(f"Unexpected error {context}: {summary}")
        if len(self._details) < KEPT_ERRORS:
            self._details.append(details)
        if self.count > 1:
            shown = len(self._details)
            self.count_label.setText(f"{self.count} errors so far; the details show the first {shown}.")
            self.count_label.show()
        self.details.setPlainText(self.details_text())

    def details_text(self) -> str:
        if len(self._details) == 1:
            return self._details[0]
        parts = (f"--- error {i} of {self.count} ---\n{text}" for i, text in enumerate(self._details, 1))
        return "\n".join(parts)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details_text())

    def open_log_folder(self) -> None:
        if self._log_dir is None:
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._log_dir))):
            self.summary.setText(f"{self.summary.text()}\nThe log folder is {self._log_dir}")

    def _show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.adjustSize()

    def _reset(self) -> None:
        self.count = 0
        self._details.clear()
        self.count_label.hide()
        self.details_toggle.setChecked(False)


class CrashReporter(QObject):
    """Thread-safe `report(context, exc)`; shows and feeds the one CrashDialog on the GUI thread."""

    shown = Signal(int)  # the dialog's error count after each error it took

    def __init__(
        self,
        parent: QWidget | None = None,
        log_dir: Path | None = None,
        log_file: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = parent
        self._log_dir = log_dir
        self._log_file = str(log_file) if log_file is not None else None
        self._pending: queue.SimpleQueue[tuple[str, str, str]] = queue.SimpleQueue()
        self._dialog: CrashDialog | None = None
        self._watchdog = QTimer(self)
        self._watchdog.setObjectName("crashWatchdog")
        self._watchdog.setInterval(WATCHDOG_MS)
        self._watchdog.timeout.connect(self.drain)
        self._watchdog.start()

    @property
    def dialog(self) -> CrashDialog | None:
        return self._dialog

    def report(self, context: str, exc: BaseException) -> None:
        """Queue an error for the dialog; from any thread, never raises."""
        summary = safe_text(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)[:300]
        self._pending.put((context, summary, crash_details(context, exc, log_file=self._log_file)))
        if QCoreApplication.instance() is None:
            return
        try:
            QCoreApplication.postEvent(self, QEvent(_ERROR_EVENT))
        except RuntimeError:
            pass  # the reporter is gone (shutting down): the error is in the log

    def event(self, event: QEvent) -> bool:
        if event.type() == _ERROR_EVENT:
            self.drain()
            return True
        return super().event(event)

    def drain(self) -> int:
        taken = 0
        while True:
            try:
                context, summary, details = self._pending.get_nowait()
            except queue.Empty:
                break
            dialog = self._ensure_dialog()
            dialog.add_error(context, summary, details)
            taken += 1
        if taken and self._dialog is not None:
            self._dialog.show()
            self._dialog.raise_()
            self._dialog.activateWindow()
            self.shown.emit(self._dialog.count)
        return taken

    def _ensure_dialog(self) -> CrashDialog:
        if self._dialog is None:
            self._dialog = CrashDialog(self._window, self._log_dir)
        return self._dialog
