"""The window with hostile imports: a row whose time no calendar can show paints, and the import
dialog's report is true when an import stops midway or meets a file it has seen before."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from inspector.ui.dialogs.import_dialog import ImportDialog
from inspector.ui.events.events_model import COL_TIME
from inspector.ui.runner import Runner
from inspector.ui.window.main_window import MainWindow
from tests.import_samples import HOSTILE_NDJSON, good_line, write_lines
from tests.ui.helpers import WAIT


def test_rows_with_out_of_range_times_paint_and_say_so(
    qtbot: Any, store: EventStore, make_window: Callable[..., MainWindow]
) -> None:
    # What an older importer let into somebody's database: the window must still open and paint.
    store.insert_many(
        [
            NewEvent(1e20, "POST", "/far", "", (), b"{}", 200),
            NewEvent(-1e20, "POST", "/before", "", (), b"{}", 200),
            NewEvent(1_795_687_200.5, "POST", "/fine", "", (), b"{}", 200),
        ]
    )
    window = make_window(store, None)
    model = window.model
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=WAIT)
    texts = {
        model.data(model.index(r, COL_TIME), Qt.ItemDataRole.DisplayRole): model.data(
            model.index(r, COL_TIME), Qt.ItemDataRole.ToolTipRole
        )
        for r in range(3)
    }
    shown = sorted(texts)
    assert sum("invalid time" in text for text in shown) == 2, shown
    assert any(text.startswith("2026-11-2") for text in shown), shown
    assert all("invalid time" in tip for text, tip in texts.items() if "invalid time" in text)
    window.grab()  # a full paint of the table with those rows


def test_dialog_reports_what_went_in_before_an_import_stopped(
    qtbot: Any, store: EventStore, tmp_path: Path, drain_pool: None, runner: Runner
) -> None:
    # SQLite itself refuses the third batch (as a full disk would), through a trigger in the file.
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.path = '/refused'"
            " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    refused = json.loads(good_line(5000))
    refused["path"] = "/refused"
    lines = [good_line(i) for i in range(1000)] + [json.dumps(refused), good_line(1001)]
    source = write_lines(tmp_path / "partial.ndjson", lines)
    dialog = ImportDialog(store, runner=runner)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.path_edit.setText(str(source))
    with qtbot.waitSignal(dialog.imported, timeout=WAIT) as imported:
        dialog.import_button.click()
    assert imported.args[0].imported == 1000 == store.count()
    text = dialog.result_label.text()
    assert text.startswith("Imported 1,000 events; the import stopped at line 1,001"), text
    assert "database or disk is full" in text
    assert "Nothing imported" not in text
    assert dialog.import_button.isEnabled() and dialog.close_button.isEnabled()


def test_dialog_lists_reasons_and_rows_already_known(
    qtbot: Any, store: EventStore, tmp_path: Path, drain_pool: None, runner: Runner
) -> None:
    lines = [good_line(i) for i in range(3)] + [line for _, line, _ in HOSTILE_NDJSON[:3]]
    source = write_lines(tmp_path / "mixed.ndjson", lines)
    dialog = ImportDialog(store, runner=runner)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.path_edit.setText(str(source))
    for _ in range(2):
        with qtbot.waitSignal(dialog.imported, timeout=WAIT):
            dialog.import_button.click()
    text = dialog.result_label.text()
    assert text.startswith("Imported 0 events, skipped 3 bad records"), text
    assert "skipped 3 already in the history" in text
    assert "body is not valid Unicode (lone surrogate): 1 (line 4)" in text
    assert "headers is not valid Unicode (lone surrogate): 2 (lines 5, 6)" in text
    assert store.count() == 3
