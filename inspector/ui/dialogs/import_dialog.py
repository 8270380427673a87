"""Import an NDJSON or HAR file into the history, off the GUI thread, with a result summary.

Bad lines are skipped, never fatal: the summary says "imported N events, skipped M bad records
(first: line 3: ...)", then one line per kind of problem with its line numbers. An import that
stops midway (a full disk) still reports what went in before it stopped, and the window
refreshes its table on `imported` either way.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.io.import_events import ImportFileError, ImportReport, import_file
from inspector.core.store.event_store import EventStore
from inspector.ui import theme
from inspector.ui.runner import JobGroup, Runner

MAX_REASON_LINES = 8


class ImportDialog(QDialog):
    imported = Signal(object)  # ImportReport

    def __init__(
        self, store: EventStore, *, runner: Runner, start_dir: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import events")
        self.store = store
        self.start_dir = start_dir or str(Path.home())
        self.report: ImportReport | None = None
        self.file_dialog: QFileDialog | None = None
        self.jobs = JobGroup(runner, self)

        intro = QLabel("Add the events of an NDJSON export or a HAR file to the history.", self)
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("importPath")
        self.path_edit.setPlaceholderText("events.ndjson or events.har")
        self.browse_button = QPushButton("Browse…", self)
        self.browse_button.setObjectName("importBrowseButton")
        self.browse_button.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        self.busy = QProgressBar(self)
        self.busy.setObjectName("importBusy")
        self.busy.setRange(0, 0)  # the import reports no steps: a busy bar while it runs
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.result_label = QLabel(self)
        self.result_label.setObjectName("importResult")
        self.result_label.setWordWrap(True)
        # The report quotes bits of the file: never let them render as rich text.
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)

        self.import_button = QPushButton("Import", self)
        self.import_button.setObjectName("importButton")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.busy)
        layout.addWidget(self.result_label)
        layout.addWidget(buttons)
        self.path_edit.textChanged.connect(self._update_buttons)
        self._update_buttons()
        self.resize(560, self.sizeHint().height())

    def browse(self) -> QFileDialog:
        dialog = QFileDialog(self, "Import events", self.start_dir)
        dialog.setObjectName("importFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(["Exports (*.ndjson *.jsonl *.har)", "All files (*)"])
        dialog.fileSelected.connect(self.path_edit.setText)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def start(self) -> None:
        if self.jobs.busy:
            return
        path = Path(self.path_edit.text().strip()).expanduser()
        if not path.is_file():
            self._show(f"{path} is not a file.", theme.error_css())
            return
        self.report = None
        self._show(f"Importing {path.name}…", "")
        store = self.store
        self.jobs.submit(lambda: import_file(path, store), on_done=self._on_done, on_error=self._on_failed)
        self._update_buttons()

    def _on_done(self, report: ImportReport) -> None:
        self.report = report
        summary = report.summary()
        text = summary[:1].upper() + summary[1:] + "."
        reasons = report.reason_lines()
        if reasons:
            shown = reasons[:MAX_REASON_LINES]
            if len(reasons) > len(shown):
                shown.append(f"… and {len(reasons) - len(shown)} other kinds of problems")
            text += "\n" + "\n".join(shown)
        style = (
            theme.error_css() if report.stopped else theme.warn_css() if report.skipped else theme.ok_css()
        )
        self._show(text, style)
        self._update_buttons()
        self.imported.emit(report)

    def _on_failed(self, error: BaseException) -> None:
        # import_file raises ImportFileError only before it stored anything; anything else is not
        # known to have stored nothing, so the table is reloaded and the text does not claim it.
        if isinstance(error, ImportFileError):
            self._show(f"Nothing imported: {error}", theme.error_css())
        else:
            self._show(f"The import failed: {error}", theme.error_css())
            self.imported.emit(ImportReport(stopped=f"failed: {error}"))
        self._update_buttons()

    def _show(self, text: str, style: str) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(style)

    def _update_buttons(self) -> None:
        running = self.jobs.busy
        self.busy.setVisible(running)
        self.import_button.setEnabled(not running and bool(self.path_edit.text().strip()))
        self.path_edit.setEnabled(not running)
        self.browse_button.setEnabled(not running)
        self.close_button.setEnabled(not running)
