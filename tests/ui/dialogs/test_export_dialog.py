"""Export dialog (HAR of a filter, fixtures, cancel) and import dialog, on real SQLite files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from inspector.core.events import StoredEvent
from inspector.core.store.event_store import EventStore
from inspector.ui.dialogs.export_dialog import CURL, FIXTURES, HAR, NDJSON, ExportDialog
from inspector.ui.dialogs.import_dialog import ImportDialog
from inspector.ui.runner import Runner
from tests.ui.helpers import WAIT, envelope, store_events


def row(e: StoredEvent) -> tuple[Any, ...]:
    """Everything an import must give back (seq is the new history's own)."""
    return (
        e.method,
        e.path,
        e.query,
        e.headers,
        e.body,
        e.status,
        e.event_id,
        e.event_identifier,
        e.flags,
        e.body_size,
        round(e.received_at, 3),
        round(e.duration_ms, 3),
    )


def mixed_history(store: EventStore) -> None:
    store_events(
        store,
        [
            envelope("evt_1", "transaction.authorized", {"amount": 1250, "merchant": "Café"}),
            envelope("evt_2", "card.created", {"card": "c_1"}),
            envelope("evt_3", "transaction.settled", {"amount": 1250}),
            envelope("evt_4", "card.frozen", {"card": "c_1"}),
            envelope("evt_5", "transaction.authorized", {"amount": 80}),
        ],
    )


def test_export_filter_as_har_reimports_to_equal_rows(
    qtbot: Any, store: EventStore, tmp_path: Path, drain_pool: None, runner: Runner
) -> None:
    mixed_history(store)
    out = tmp_path / "out"
    out.mkdir()
    dialog = ExportDialog(store, None, "type:transaction.*", start_dir=str(out), runner=runner)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.set_format(HAR)
    assert dialog.path_edit.text() == str(out / "events.har")
    with qtbot.waitSignal(dialog.exported, timeout=WAIT) as exported:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    result = exported.args[0]
    assert result.count == 3 and result.destination == out / "events.har"
    assert dialog.progress.value() == dialog.progress.maximum() == 3
    assert "Exported 3 events" in dialog.result_label.text()
    assert [p.name for p in out.iterdir()] == ["events.har"]  # no temp file left behind
    doc = json.loads((out / "events.har").read_text(encoding="utf-8"))
    assert doc["log"]["version"] == "1.2" and len(doc["log"]["entries"]) == 3

    fresh = EventStore.open(tmp_path / "fresh")
    try:
        importer = ImportDialog(fresh, start_dir=str(out), runner=runner)
        qtbot.addWidget(importer)
        importer.open()
        importer.path_edit.setText(str(out / "events.har"))
        with qtbot.waitSignal(importer.imported, timeout=WAIT) as imported:
            qtbot.mouseClick(importer.import_button, Qt.MouseButton.LeftButton)
        assert (imported.args[0].imported, imported.args[0].skipped) == (3, 0)
        assert importer.result_label.text() == "Imported 3 events."
        expected = [row(e) for e in store.iter_events("type:transaction.*")]
        assert [row(e) for e in fresh.iter_events()] == expected
    finally:
        fresh.close()


def test_export_selected_as_ndjson_curl_and_fixtures(
    qtbot: Any, store: EventStore, tmp_path: Path, drain_pool: None, runner: Runner
) -> None:
    mixed_history(store)
    dialog = ExportDialog(store, [2, 4], start_dir=str(tmp_path), runner=runner)
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.fmt() == NDJSON
    with qtbot.waitSignal(dialog.exported, timeout=WAIT):
        dialog.export_button.click()
    lines = (tmp_path / "events.ndjson").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["event_id"] for x in lines] == ["evt_2", "evt_4"]
    assert "[redacted]" in lines[0]

    dialog.set_format(CURL)
    assert dialog.path_edit.text() == str(tmp_path / "events.sh")
    with qtbot.waitSignal(dialog.exported, timeout=WAIT):
        dialog.export_button.click()
    assert (tmp_path / "events.sh").read_text(encoding="utf-8").count("curl ") == 2

    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    dialog.set_format(FIXTURES)
    dialog.path_edit.setText(str(fixtures))
    with qtbot.waitSignal(dialog.exported, timeout=WAIT):
        dialog.export_button.click()
    names = sorted(p.name for p in fixtures.iterdir())
    assert names == ["card.created_evt_2_seq2.json", "card.frozen_evt_4_seq4.json"]
    assert "2 fixtures" in dialog.result_label.text()


def test_cancelled_export_leaves_no_file_and_keeps_the_old_one(
    qtbot: Any, store: EventStore, tmp_path: Path, drain_pool: None, runner: Runner
) -> None:
    store_events(store, [envelope(f"evt_{i}", "card.created", {"i": i}) for i in range(20_000)])
    target = tmp_path / "events.ndjson"
    target.write_text("previous export\n", encoding="utf-8")
    dialog = ExportDialog(store, start_dir=str(tmp_path), runner=runner)
    qtbot.addWidget(dialog)
    dialog.open()
    # Cancel as soon as progress shows, from the progress signal itself (the user's click, early).
    dialog.job.progress.connect(lambda done, total: done > 0 and dialog.cancel_button.click())
    with qtbot.waitSignal(dialog.job.finished, timeout=WAIT):
        dialog.export_button.click()
    assert dialog.outcome is None
    assert dialog.result_label.text() == "Cancelled; no file was written."
    assert target.read_text(encoding="utf-8") == "previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name != "data"] == ["events.ndjson"]
    assert dialog.export_button.isEnabled() and dialog.close_button.isEnabled()


def test_import_reports_skipped_lines(
    qtbot: Any, store: EventStore, tmp_path: Path, drain_pool: None, runner: Runner
) -> None:
    source = tmp_path / "mixed.ndjson"
    good = {
        "received_at": "2026-11-26T10:00:00.000Z",
        "method": "POST",
        "path": "/hooks",
        "query": "",
        "headers": [["Content-Type", "application/json"]],
        "status": 200,
        "body": envelope("evt_i", "card.created", {}),
    }
    source.write_text(json.dumps(good) + "\n{not json\n" + json.dumps(good) + "\n", encoding="utf-8")
    dialog = ImportDialog(store, runner=runner)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.path_edit.setText(str(source))
    with qtbot.waitSignal(dialog.imported, timeout=WAIT):
        dialog.import_button.click()
    text = dialog.result_label.text()
    assert text.startswith("Imported 2 events, skipped 1 bad record (first: line 2: not JSON")
    assert store.count() == 2


def test_export_opens_on_the_filter_with_the_selection_as_a_choice_and_a_send_to_url(
    qtbot: Any, store: EventStore, tmp_path: Path, drain_pool: None, runner: Runner
) -> None:
    mixed_history(store)
    dialog = ExportDialog(
        store, None, "type:transaction.*", start_dir=str(tmp_path), runner=runner, selection=[2]
    )
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.progress.text() == ""  # not "0 of 100" before anything started
    assert dialog.matching_radio.isChecked() and dialog.selection_radio.isVisibleTo(dialog)
    assert not dialog.url_edit.isEnabled()  # NDJSON keeps the path as received
    with qtbot.waitSignal(dialog.exported, timeout=WAIT) as exported:
        dialog.export_button.click()
    assert exported.args[0].count == 3  # what the table shows, not the one selected row
    assert dialog.progress.text() == "3 of 3"

    dialog.set_format(CURL)
    dialog.selection_radio.setChecked(True)
    assert dialog.url_edit.isEnabled() and dialog.url_edit.placeholderText()
    dialog.url_edit.setText("http://u:p@evil.example")
    dialog.export_button.click()
    assert dialog.result_label.text().startswith("Send to:") and not dialog.job.running
    dialog.url_edit.setText("http://localhost:3000/api")
    with qtbot.waitSignal(dialog.exported, timeout=WAIT) as exported:
        dialog.export_button.click()
    script = (tmp_path / "events.sh").read_text(encoding="utf-8")
    assert exported.args[0].count == 1 and "evt_2" in script
    assert "curl -sSg http://localhost:3000/api/hooks" in script


def test_without_a_selection_there_is_no_choice(
    qtbot: Any, store: EventStore, tmp_path: Path, runner: Runner
) -> None:
    dialog = ExportDialog(store, None, "", start_dir=str(tmp_path), runner=runner)
    qtbot.addWidget(dialog)
    dialog.open()
    assert not dialog.selection_radio.isVisibleTo(dialog) and dialog.scope_label.isVisibleTo(dialog)
    assert dialog.chosen_seqs() is None
