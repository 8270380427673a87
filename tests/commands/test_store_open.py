"""Opening the event database from the commands: read-only data dirs and files (real read-only
mounts in a private namespace, since root writes through any file mode), and a damaged file."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import pytest

from inspector.core.events import NewEvent
from inspector.core.paths import DB_FILENAME
from inspector.core.store.event_store import EventStore
from tests.import_samples import good_line, write_lines
from tests.listen_process import CliProcess, run_cli
from tests.namespaces import exit_codes, inspector_argv, need_unshare, run_with_mounts
from tests.store_files import damaged_history, digest, history
from tests.waiting import wait_until


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("webhook-inspector: error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


# -- read-only ------------------------------------------------------------------------------------


def test_export_reads_a_data_dir_on_a_read_only_mount(tmp_path: Path) -> None:
    need_unshare()
    data = tmp_path / "data"
    db = history(data, 50)
    content = digest(db)
    before = sorted(p.name for p in data.iterdir())
    assert before == [DB_FILENAME]  # closed cleanly: no -wal, no -shm for a reader to use
    outs = {fmt: tmp_path / f"out.{fmt}" for fmt in ("ndjson", "har", "curl")}
    result = run_with_mounts(
        [
            inspector_argv("export", "--data-dir", str(data), "--format", fmt, "--out", str(out))
            for fmt, out in outs.items()
        ]
        + [inspector_argv("export", "--data-dir", str(data), "--filter", "id:e7")],
        read_only=[data],
    )
    assert exit_codes(result.stderr) == [0, 0, 0, 0], result.stderr
    assert len(outs["ndjson"].read_text(encoding="utf-8").splitlines()) == 50
    assert len(json.loads(outs["har"].read_text(encoding="utf-8"))["log"]["entries"]) == 50
    assert outs["curl"].read_text(encoding="utf-8").count("\ncurl ") == 50
    assert [json.loads(line)["event_id"] for line in result.stdout.splitlines()] == ["e7"]
    assert sorted(p.name for p in data.iterdir()) == before
    assert digest(db) == content


def test_export_on_a_read_only_mount_sees_what_a_running_writer_committed(tmp_path: Path) -> None:
    need_unshare()
    data = tmp_path / "data"
    history(data, 10)
    writer = EventStore.open(data)  # the app, still running: its last commits are in the -wal
    try:
        writer.insert_many(
            [NewEvent(1_795_690_000.0 + i, "POST", "/late", "", (), b"{}", 200) for i in range(5)]
        )
        assert (data / f"{DB_FILENAME}-wal").stat().st_size > 0
        result = run_with_mounts([inspector_argv("export", "--data-dir", str(data))], read_only=[data])
    finally:
        writer.close()
    assert exit_codes(result.stderr) == [0], result.stderr
    paths = [json.loads(line)["path"] for line in result.stdout.splitlines()]
    assert paths == ["/hooks"] * 10 + ["/late"] * 5


def test_a_read_only_database_file_is_refused_at_start(tmp_path: Path) -> None:
    """listen, gui and import say so at once, instead of a listener that answers 503 forever."""
    need_unshare()
    data, config = tmp_path / "data", tmp_path / "config"
    db = history(data, 3)
    source = write_lines(tmp_path / "more.ndjson", [good_line(1)])
    common = ["--data-dir", str(data), "--config-dir", str(config)]
    result = run_with_mounts(
        [
            inspector_argv("listen", "--port", "0", *common),
            inspector_argv("gui", "--port", "0", *common),
            inspector_argv("import", str(source), *common[:2]),
            inspector_argv("export", *common[:2]),  # reading is still fine
        ],
        read_only=[db],
        timeout=60,
    )
    assert exit_codes(result.stderr) == [2, 2, 2, 0], result.stderr
    assert "listening on" not in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("webhook-inspector: error: ")]
    assert len(errors) == 3, result.stderr
    for line in errors:
        assert "read-only" in line and str(db) in line, line
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stdout.splitlines() if line.startswith("{")]) == 3


# -- damaged --------------------------------------------------------------------------------------


@pytest.fixture
def damaged(tmp_path: Path) -> tuple[Path, str]:
    db = damaged_history(tmp_path / "data")
    return db, digest(db)


def test_export_of_a_damaged_database_is_one_sentence_and_leaves_it_alone(
    damaged: tuple[Path, str], tmp_path: Path
) -> None:
    db, before = damaged
    data = str(db.parent)
    to_stdout = run_cli("export", "--data-dir", data)
    assert to_stdout.returncode == 2
    line = one_error_line(to_stdout.stderr)
    assert "damaged" in line and "left untouched" in line and str(db) in line, line
    assert "the export stopped after" in line

    out = tmp_path / "out" / "events.ndjson"
    out.parent.mkdir()
    to_file = run_cli("export", "--data-dir", data, "--format", "har", "--out", str(out))
    assert to_file.returncode == 2
    line = one_error_line(to_file.stderr)
    assert "damaged" in line and f"nothing was written to {out}" in line, line
    assert list(out.parent.iterdir()) == []
    assert digest(db) == before


def test_listen_on_a_damaged_database_warns_at_start_and_leaves_it_alone(
    damaged: tuple[Path, str], tmp_path: Path
) -> None:
    db, before = damaged
    proc = CliProcess(
        "listen", "--port", "0", "--data-dir", str(db.parent), "--config-dir", str(tmp_path / "c")
    )
    try:
        proc.wait_listening()
        warning = wait_until(lambda: next((x for x in proc.stderr if "damaged" in x), None), timeout=30)
    finally:
        proc.proc.send_signal(signal.SIGTERM)
    assert proc.wait_exit() == 0
    assert warning.startswith("warning: the event database ")
    assert str(db) in warning and "left untouched" in warning
    assert "Traceback" not in "\n".join(proc.stderr)
    assert digest(db) == before


def test_import_into_a_damaged_database_stops_with_one_sentence(
    damaged: tuple[Path, str], tmp_path: Path
) -> None:
    db, _ = damaged
    # The same times as the stored rows: looking for them in the history reads the damaged page.
    lines = [good_line(i) for i in range(3000)]
    result = run_cli("import", str(write_lines(tmp_path / "a.ndjson", lines)), "--data-dir", str(db.parent))
    assert result.returncode == 1, result.stderr
    line = one_error_line(result.stderr)
    assert "the import stopped at line" in line and "malformed" in line, line
    claimed = int(re.match(r"imported ([\d,]+) events?", result.stdout).group(1).replace(",", ""))
    assert claimed == 0 or f"the {claimed:,} events before it are in the history" in line
    store = EventStore.open(db.parent)
    try:
        assert store.count() == 3000 + claimed  # counted on an index, away from the damaged page
    finally:
        store.close()
