"""Export selected or filtered events: NDJSON, HAR 1.2, cURL script, or one test fixture per event.

Runs on the thread pool with a progress bar and Cancel. A file export is written beside its target
and renamed into place, so a cancelled or failed export never leaves half a file (nor replaces a
good one); fixtures are each written atomically by `core.fixtures`, so a cancel keeps the complete
ones already written. Headers are redacted in the store already: nothing secret is exported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.events import StoredEvent
from inspector.core.io.atomic_file import atomic_file
from inspector.core.io.event_url import parse_base
from inspector.core.io.export_curl import write_curl
from inspector.core.io.export_har import write_har
from inspector.core.io.export_ndjson import write_ndjson
from inspector.core.io.fixtures import save_fixture
from inspector.core.store.event_store import EventStore
from inspector.core.store.filter_query import FilterError, parse_filter
from inspector.ui.runner import Cancelled, JobControl, Pool, Runner, WatchedJob

# Reading the store and writing a file: the db pool.
JOB_POOL: Pool = "db"
NDJSON = "ndjson"
HAR = "har"
CURL = "curl"
FIXTURES = "fixtures"

Writer = Callable[[Iterable[StoredEvent], TextIO], int]
WRITERS: dict[str, Writer] = {NDJSON: write_ndjson, HAR: write_har, CURL: write_curl}
WITH_URL = (HAR, CURL)  # the formats whose requests point somewhere (the "Send to" field)
URL_PLACEHOLDER = "the listener each event was received on"
FORMATS = (
    (NDJSON, "NDJSON (one JSON record per line)", "events.ndjson", "NDJSON (*.ndjson *.jsonl)"),
    (HAR, "HAR 1.2 (browser network log)", "events.har", "HAR (*.har)"),
    (CURL, "cURL commands (shell script)", "events.sh", "Shell script (*.sh)"),
    (FIXTURES, "Test fixtures (one JSON file per event, in a folder)", "", ""),
)


@dataclass(frozen=True)
class ExportResult:
    fmt: str
    count: int
    destination: Path


def write_atomically(target: Path, produce: Callable[[TextIO], int]) -> int:
    """Write beside `target` and rename over it; on any error or cancel the temp file goes away."""
    with atomic_file(target) as f:
        return produce(f)  # type: ignore[arg-type]  # text mode: a TextIO


def export_events(
    store: EventStore,
    fmt: str,
    destination: Path,
    control: JobControl,
    *,
    seqs: Sequence[int] | None = None,
    filter_text: str = "",
    base_url: str | None = None,
) -> ExportResult:
    """The job: read events in batches, report progress, stop on cancel (raising Cancelled)."""
    flt = parse_filter(filter_text)
    total = len(set(seqs)) if seqs is not None else store.count(flt)
    control.report(0, total)

    def counted() -> Iterator[StoredEvent]:
        for done, event in enumerate(store.iter_events(flt, seqs=seqs), 1):
            control.check()
            yield event
            control.report(done, total)

    if fmt == FIXTURES:
        written = 0
        try:
            for event in counted():
                save_fixture(event, destination)
                written += 1
        except Cancelled as exc:
            exc.args = (written,)  # how many complete fixtures stay in the folder
            raise
        return ExportResult(fmt, written, destination)
    if fmt in WITH_URL:
        with_url: Callable[..., int] = WRITERS[fmt]
        count = write_atomically(destination, lambda out: with_url(counted(), out, base_url=base_url))
    else:
        writer = WRITERS[fmt]
        count = write_atomically(destination, lambda out: writer(counted(), out))
    return ExportResult(fmt, count, destination)


class ExportDialog(QDialog):
    exported = Signal(object)  # ExportResult

    def __init__(
        self,
        store: EventStore,
        seqs: Sequence[int] | None = None,
        filter_text: str = "",
        *,
        runner: Runner,
        start_dir: str = "",
        selection: Sequence[int] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export events")
        self.store = store
        self.seqs = list(seqs) if seqs is not None else None
        self.filter_text = filter_text
        self.start_dir = start_dir or str(Path.home())
        self.outcome: ExportResult | None = None
        self.file_dialog: QFileDialog | None = None
        self.job = WatchedJob(runner, self, pool=JOB_POOL)

        self.selection = list(selection)
        if self.seqs is not None:
            what = f"the {len(self.seqs)} selected event{'s' if len(self.seqs) != 1 else ''}"
        elif filter_text:
            what = f"every event matching “{filter_text}”"
        else:
            what = "every stored event"
        self.scope_label = QLabel(f"Export {what}. Secret headers are already redacted.", self)
        self.scope_label.setObjectName("exportScope")
        self.scope_label.setWordWrap(True)
        # Opened on what the table shows, with a selection as the other choice.
        self.matching_radio = QRadioButton(f"What the table shows ({what})", self)
        self.matching_radio.setObjectName("exportMatchingRadio")
        n = len(self.selection)
        self.selection_radio = QRadioButton(f"Only the {n} selected event{'s' if n != 1 else ''}", self)
        self.selection_radio.setObjectName("exportSelectionRadio")
        self.scope_group = QButtonGroup(self)
        self.scope_group.addButton(self.matching_radio)
        self.scope_group.addButton(self.selection_radio)
        self.matching_radio.setChecked(True)
        offer = self.seqs is None and bool(self.selection)
        self.matching_radio.setVisible(offer)
        self.selection_radio.setVisible(offer)
        self.scope_label.setVisible(not offer)
        self.format_combo = QComboBox(self)
        self.format_combo.setObjectName("exportFormat")
        for key, label, _name, _pattern in FORMATS:
            self.format_combo.addItem(label, key)
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("exportPath")
        self.browse_button = QPushButton("Browse…", self)
        self.browse_button.setObjectName("exportBrowseButton")
        self.browse_button.clicked.connect(self.browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)

        self.url_edit = QLineEdit(self)
        self.url_edit.setObjectName("exportUrl")
        self.url_edit.setPlaceholderText(URL_PLACEHOLDER)
        self.url_edit.setToolTip(
            "Where the cURL commands and HAR requests point, e.g. http://localhost:3000/api.\n"
            "Empty: the listener each event was received on (as `export --url`)."
        )
        self.progress = QProgressBar(self)
        self.progress.setObjectName("exportProgress")
        # No "0 of 100" before anything started: the count shows once the export knows it.
        self.progress.setFormat("")
        self.progress.setValue(0)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("exportResult")
        self.result_label.setWordWrap(True)

        self.export_button = QPushButton("Export", self)
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("exportCancelButton")
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("exportCloseButton")
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.job.cancel)
        self.close_button.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow("Format:", self.format_combo)
        self.path_label = QLabel("File:", self)
        form.addRow(self.path_label, path_row)
        self.url_label = QLabel("Send to:", self)
        form.addRow(self.url_label, self.url_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scope_label)
        layout.addWidget(self.matching_radio)
        layout.addWidget(self.selection_radio)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.result_label)
        layout.addWidget(buttons)

        self.format_combo.currentIndexChanged.connect(self._on_format)
        self.path_edit.textChanged.connect(self._update_buttons)
        self.job.progress.connect(self._on_progress)
        self.job.succeeded.connect(self._on_done)
        self.job.failed.connect(self._on_failed)
        self.job.runningChanged.connect(lambda _running: self._update_buttons())
        self._on_format()
        self.resize(600, self.sizeHint().height())

    # -- choices ---------------------------------------------------------------------------------

    def fmt(self) -> str:
        return str(self.format_combo.currentData())

    def set_format(self, fmt: str) -> None:
        self.format_combo.setCurrentIndex(self.format_combo.findData(fmt))

    def _on_format(self) -> None:
        fmt = self.fmt()
        self.path_label.setText("Folder:" if fmt == FIXTURES else "File:")
        self.url_label.setEnabled(fmt in WITH_URL)
        self.url_edit.setEnabled(fmt in WITH_URL)
        current = self.path_edit.text().strip()
        default_names = {name for _k, _l, name, _p in FORMATS if name}
        # Follow the format with the suggested name, unless the user typed a name of their own.
        if not current or Path(current).name in default_names or fmt == FIXTURES:
            name = next(n for k, _l, n, _p in FORMATS if k == fmt)
            base = Path(current).parent if current and Path(current).name in default_names else None
            folder = base or Path(self.start_dir)
            self.path_edit.setText(str(folder / name) if name else str(folder))
        self._update_buttons()

    def browse(self) -> QFileDialog:
        """A non-blocking file (or folder) chooser; the choice lands in the path field."""
        fmt = self.fmt()
        dialog = QFileDialog(self, "Export to")
        dialog.setObjectName("exportFileDialog")
        if fmt == FIXTURES:
            dialog.setFileMode(QFileDialog.FileMode.Directory)
            dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        else:
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            pattern = next(p for k, _l, _n, p in FORMATS if k == fmt)
            dialog.setNameFilter(pattern)
        dialog.selectFile(self.path_edit.text())
        dialog.fileSelected.connect(self.path_edit.setText)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    # -- running ---------------------------------------------------------------------------------

    def start(self) -> None:
        if self.job.running:
            return
        text = self.path_edit.text().strip()
        if not text:
            self.result_label.setText("Choose where to write the export.")
            return
        destination = Path(text).expanduser()
        fmt = self.fmt()
        problem = self._destination_problem(fmt, destination)
        if problem:
            self.result_label.setText(problem)
            return
        try:
            parse_filter(self.filter_text)
        except FilterError as exc:
            self.result_label.setText(f"The filter does not parse: {exc}")
            return
        base_url = self.url_edit.text().strip() or None if fmt in WITH_URL else None
        if base_url is not None:
            try:
                parse_base(base_url)
            except ValueError as exc:
                self.result_label.setText(f"Send to: {exc}")
                return
        self.outcome = None
        self.result_label.setText("Exporting…")
        self.progress.setFormat("%v of %m")
        store, seqs, filter_text = self.store, self.chosen_seqs(), self.filter_text
        if seqs is not None:
            filter_text = ""  # the selection is what the table shows already
        self.job.start(
            lambda control: export_events(
                store, fmt, destination, control, seqs=seqs, filter_text=filter_text, base_url=base_url
            )
        )

    def chosen_seqs(self) -> list[int] | None:
        """The events to export: given seqs, the selection when chosen, else None (the filter)."""
        if self.seqs is not None:
            return self.seqs
        return self.selection if self.selection and self.selection_radio.isChecked() else None

    @staticmethod
    def _destination_problem(fmt: str, destination: Path) -> str:
        if fmt == FIXTURES:
            return "" if destination.is_dir() else f"{destination} is not an existing folder."
        if destination.is_dir():
            return f"{destination} is a folder; give a file name."
        if not destination.parent.is_dir():
            return f"The folder {destination.parent} does not exist."
        return ""

    def reject(self) -> None:
        self.job.cancel()  # closing the dialog stops the export; the temp file is removed
        super().reject()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(done)

    def _on_done(self, result: ExportResult) -> None:
        self.outcome = result
        self.progress.setValue(self.progress.maximum() if result.count else 0)
        noun = "fixture" if result.fmt == FIXTURES else "event"
        plural = "s" if result.count != 1 else ""
        self.result_label.setText(f"Exported {result.count} {noun}{plural} to {result.destination}.")
        self.exported.emit(result)

    def _on_failed(self, error: object) -> None:
        if isinstance(error, Cancelled):
            if self.fmt() == FIXTURES and error.args:
                self.result_label.setText(f"Cancelled; {error.args[0]} complete fixtures were kept.")
            else:
                self.result_label.setText("Cancelled; no file was written.")
            return
        if isinstance(error, OSError):
            self.result_label.setText(f"Export failed: {error.strerror or error}")
            return
        self.result_label.setText(f"Export failed: {error}")

    def _update_buttons(self) -> None:
        running = self.job.running
        self.export_button.setEnabled(not running and bool(self.path_edit.text().strip()))
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)
        for widget in (self.format_combo, self.path_edit, self.browse_button):
            widget.setEnabled(not running)
        self.url_edit.setEnabled(not running and self.fmt() in WITH_URL)
        for radio in (self.matching_radio, self.selection_radio):
            radio.setEnabled(not running)
