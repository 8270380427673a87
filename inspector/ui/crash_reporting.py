"""The window's side of a run's diagnostics: errors to the crash dialog, a crash of the last run said.

`install_crash_reporting(window, run)` switches the run's excepthooks (installed by the command,
inspector/core/diagnostics/run.py) from a line on stderr to the window's CrashDialog, and says in
a non-blocking message box when the previous run died of a native crash, and where its report is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QPushButton

from inspector.core.diagnostics import CrashReport, RunDiagnostics, default_log_dir
from inspector.ui.crash_dialog import CrashReporter
from inspector.ui.dialogs.diagnostics_dialog import open_folder

if TYPE_CHECKING:
    from inspector.ui.window.main_window import MainWindow


@dataclass
class CrashReporting:
    reporter: CrashReporter
    notice: QMessageBox | None  # "the last run crashed", when it did


def previous_crash_notice(window: MainWindow, crash: CrashReport) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Warning, "The last run crashed", crash.message, parent=window)
    box.setObjectName("previousCrashNotice")
    box.setInformativeText(
        "If it happens again, please send the report and the log file from that folder with a bug report."
    )
    box.setModal(False)
    # Parented: QMessageBox.addButton does not take a Python-made button's ownership, and the
    # button would be deleted as soon as this function returns.
    open_button = QPushButton("Open log folder", box)
    open_button.setObjectName("previousCrashOpenLog")
    box.addButton(open_button, QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    open_button.clicked.connect(lambda: open_folder(crash.path.parent))  # the status bar keeps the path
    window.show_message(crash.message, 30000)
    box.show()
    return box


def install_crash_reporting(window: MainWindow, run: RunDiagnostics) -> CrashReporting:
    log = run.log
    reporter = CrashReporter(window, log.log_dir or default_log_dir(), log.log_file)
    run.hooks.on_error = reporter.report
    notice = previous_crash_notice(window, run.previous_crash) if run.previous_crash is not None else None
    return CrashReporting(reporter, notice)
