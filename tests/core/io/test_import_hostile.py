"""Hostile import files against a real store: each bad line is skipped with a counted reason, what
is stored can always be read and exported again, and the report is true even when the import
stops midway."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from inspector.core.events import NewEvent, iso_utc
from inspector.core.io.export_har import write_har
from inspector.core.io.export_ndjson import write_ndjson
from inspector.core.io.import_events import import_file
from inspector.core.redaction import redact_query
from inspector.core.store.event_store import EventStore
from tests.import_samples import (
    GOOD_HAR_ENTRY,
    HOSTILE_HAR,
    HOSTILE_NDJSON,
    good_line,
    write_har_file,
    write_lines,
)
from tests.listen_process import run_cli


def readable_everywhere(store: EventStore) -> None:
    """What a later export or the window does with every stored row must not raise."""
    for event in store.iter_events():
        json.dumps(event.to_export_dict(), ensure_ascii=False).encode("utf-8")
        event.received_at_iso.encode("utf-8")
        for name, value in event.headers:
            (name + value).encode("utf-8")


@pytest.mark.parametrize(("shape", "line", "reason"), HOSTILE_NDJSON, ids=[s for s, _, _ in HOSTILE_NDJSON])
def test_a_hostile_ndjson_line_is_skipped_with_its_reason(
    store: EventStore, tmp_path: Path, shape: str, line: str, reason: str
) -> None:
    path = write_lines(tmp_path / "hostile.ndjson", [good_line(1), line, good_line(2)])
    report = import_file(path, store)
    assert (report.imported, report.skipped, report.stopped) == (2, 1, None), report.summary()
    ((kind, counted),) = report.reasons.items()
    assert reason in kind, (shape, kind)
    assert (counted.count, counted.numbers) == (1, [2])
    assert report.errors[0].startswith("line 2: ")
    assert store.count() == 2
    readable_everywhere(store)


@pytest.mark.parametrize(("shape", "entry", "reason"), HOSTILE_HAR, ids=[s for s, _, _ in HOSTILE_HAR])
def test_a_hostile_har_entry_is_skipped_with_its_reason(
    store: EventStore, tmp_path: Path, shape: str, entry: dict, reason: str
) -> None:
    path = write_har_file(tmp_path / "hostile.har", [GOOD_HAR_ENTRY, entry])
    report = import_file(path, store)
    assert (report.imported, report.skipped, report.stopped) == (1, 1, None), report.summary()
    ((kind, counted),) = report.reasons.items()
    assert reason in kind, (shape, kind)
    assert counted.numbers == [2]
    assert report.errors[0].startswith("entry 2: ")
    readable_everywhere(store)


def hostile_file(tmp_path: Path) -> Path:
    """1,000 good lines, then every hostile shape, then one more good line."""
    lines = [good_line(i) for i in range(1000)] + [line for _, line, _ in HOSTILE_NDJSON] + [good_line(1000)]
    return write_lines(tmp_path / "hostile.ndjson", lines)


def test_good_lines_before_and_after_hostile_ones_all_go_in_and_every_export_works(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    store = EventStore.open(data)
    try:
        report = import_file(hostile_file(tmp_path), store)
        assert report.imported == 1001 == store.count()
        assert report.skipped == len(HOSTILE_NDJSON)
        assert report.stopped is None
        assert sum(r.count for r in report.reasons.values()) == len(HOSTILE_NDJSON)
        first_bad = min(n for r in report.reasons.values() for n in r.numbers)
        assert first_bad == 1001
        assert report.summary().startswith("imported 1,001 events, skipped 20 bad records (first: line 1001:")
        readable_everywhere(store)
    finally:
        store.close()
    for fmt in ("ndjson", "har", "curl"):
        result = run_cli("export", "--data-dir", str(data), "--format", fmt)
        assert result.returncode == 0, (fmt, result.stderr)
        assert "Traceback" not in result.stderr


def test_reimporting_a_file_does_not_double_the_history(store: EventStore, tmp_path: Path) -> None:
    path = hostile_file(tmp_path)
    assert import_file(path, store).imported == 1001
    again = import_file(path, store)
    assert (again.imported, again.already_present, again.skipped) == (0, 1001, len(HOSTILE_NDJSON))
    assert store.count() == 1001
    assert "skipped 1,001 already in the history" in again.summary()
    # A changed line is new, the rest is still known.
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace('"i": 5', '"i": 5, "edited": true')
    write_lines(path, lines)
    third = import_file(path, store)
    assert (third.imported, third.already_present) == (1, 1000)


def test_an_export_imported_into_its_own_history_adds_nothing(store: EventStore, tmp_path: Path) -> None:
    # Times as the listener takes them (sub-millisecond), bodies as the sandbox serialises them.
    news = [
        NewEvent(
            1_795_687_200.123456 + i * 0.37,
            "POST",
            "/hooks",
            redact_query("token=abc&x=1"),  # stored as the listener stores it
            (("Content-Type", "application/json"), ("Authorization", "Bearer [redacted]")),
            json.dumps({"event_id": f"e{i}", "data": {"n": i}}).encode(),
            200,
            event_id=f"e{i}",
        )
        for i in range(50)
    ]
    store.insert_many(news)
    for name, writer in (("own.ndjson", write_ndjson), ("own.har", write_har)):
        path = tmp_path / name
        with path.open("w", encoding="utf-8") as f:
            writer(store.iter_events(), f)
        report = import_file(path, store)
        assert (report.imported, report.already_present) == (0, 50), (name, report.summary())
    assert store.count() == 50


def test_twin_lines_of_one_file_both_go_in_the_first_time(store: EventStore, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "twins.ndjson", [good_line(1), good_line(1)])
    assert import_file(path, store).imported == 2
    assert import_file(path, store).already_present == 2
    assert store.count() == 2


def test_an_import_that_stops_midway_says_how_many_went_in(store: EventStore, tmp_path: Path) -> None:
    # A real failing write: SQLite itself refuses the third batch (as a full disk would), through
    # a trigger in the database file; the importer does not know the trigger exists.
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.path = '/refused'"
            " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    refused = json.loads(good_line(5000))
    refused["path"] = "/refused"
    lines = [good_line(i) for i in range(1000)] + [json.dumps(refused)]
    lines += [good_line(i) for i in range(1001, 1010)]
    report = import_file(write_lines(tmp_path / "partial.ndjson", lines), store)
    assert report.imported == 1000 == store.count()
    assert report.stopped is not None and "line 1,001" in report.stopped
    assert "database or disk is full" in report.stopped
    summary = report.summary()
    assert summary.startswith("imported 1,000 events; the import stopped at line 1,001")
    assert "nothing" not in summary.lower()


def test_rows_already_out_of_range_in_a_database_are_shown_and_exported(tmp_path: Path) -> None:
    """Rows an older importer let in: times past year 9999 or before year 1, headers that are not
    valid Unicode. They stay in the file; reading, showing and exporting them never raises."""
    data = tmp_path / "data"
    store = EventStore.open(data)
    try:
        base = NewEvent(0.0, "POST", "/hooks", "", (), b"{}", 200)
        rows = [
            NewEvent(1e20, "POST", "/hooks", "", (), b"{}", 200),
            NewEvent(-1e20, "POST", "/hooks", "", (), b"{}", 200),
            NewEvent(1e300, "POST", "/hooks", "", (), b"{}", 200),
            NewEvent(1_795_687_200.0, "POST", "/hooks", "", (("X-Note", "a\udc00"),), b"{}", 200),
            base,
        ]
        store.insert_many(rows)
        shown = [e.received_at_iso for e in store.iter_events()]
        assert shown[4] == "1970-01-01T00:00:00.000Z"
        for text in shown[:3]:
            assert "invalid time" in text
        readable_everywhere(store)
    finally:
        store.close()
    assert iso_utc(float("nan")).startswith("invalid time")
    for fmt in ("ndjson", "har", "curl"):
        result = run_cli("export", "--data-dir", str(data), "--format", fmt)
        assert result.returncode == 0, (fmt, result.stderr)
