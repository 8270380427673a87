"""`python -m inspector import FILE` as a real subprocess: counts per reason, re-import, user errors,
and a disk that fills up midway (a real tmpfs in a private mount namespace)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.import_samples import (
    GOOD_HAR_ENTRY,
    HOSTILE_HAR,
    HOSTILE_NDJSON,
    good_line,
    good_record,
    write_har_file,
    write_lines,
)
from tests.listen_process import run_cli
from tests.namespaces import exit_codes, inspector_argv, need_unshare, run_with_mounts


@pytest.fixture
def dirs(tmp_path: Path) -> list[str]:
    return ["--data-dir", str(tmp_path / "data")]


def assert_one_line_error(stderr: str, *fragments: str) -> None:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("webhook-inspector: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_import_says_what_it_imported_and_skipped_and_a_second_run_adds_nothing(
    tmp_path: Path, dirs: list[str]
) -> None:
    lines = [good_line(i) for i in range(1000)] + [line for _, line, _ in HOSTILE_NDJSON] + [good_line(1000)]
    source = write_lines(tmp_path / "hostile.ndjson", lines)

    first = run_cli("import", str(source), *dirs)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    out = first.stdout.splitlines()
    assert out[0] == "imported 1,001 events from hostile.ndjson"
    assert out[1] == f"skipped {len(HOSTILE_NDJSON)} bad lines:"
    reasons = out[2:]
    assert all(re.fullmatch(r"  .+: \d+ \(lines? \d+(, \d+)*(, …)?\)", r) for r in reasons), reasons
    assert sum(int(re.search(r": (\d+) \(", r).group(1)) for r in reasons) == len(HOSTILE_NDJSON)
    size_reason = "  body_size must be a whole number of bytes 0-9,007,199,254,740,992"
    assert f"{size_reason}: 3 (lines 1008, 1009, 1010)" in out
    assert any(r.startswith("  received_at is outside the years 1970-9999: 4 (lines 1011, ") for r in reasons)

    second = run_cli("import", str(source), *dirs)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[0] == "imported 0 events from hostile.ndjson"
    assert "skipped 1,001 already in the history" in second.stdout

    exported = run_cli("export", *dirs)
    assert exported.returncode == 0, exported.stderr
    assert len(exported.stdout.splitlines()) == 1001
    for fmt in ("har", "curl"):
        result = run_cli("export", "--format", fmt, *dirs)
        assert result.returncode == 0, (fmt, result.stderr)


def test_import_of_a_hostile_har(tmp_path: Path, dirs: list[str]) -> None:
    entries = [GOOD_HAR_ENTRY] + [entry for _, entry, _ in HOSTILE_HAR]
    source = write_har_file(tmp_path / "capture.json", entries)  # no .har: --format says it
    result = run_cli("import", str(source), "--format", "har", *dirs)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0] == "imported 1 event from capture.json"
    assert out[1] == f"skipped {len(HOSTILE_HAR)} bad entries:"
    assert "  request.url is not a valid URL: 1 (entry 2)" in out
    for fmt in ("ndjson", "har", "curl"):
        assert run_cli("export", "--format", fmt, *dirs).returncode == 0


def test_user_errors_are_one_sentence_and_exit_2(tmp_path: Path, dirs: list[str]) -> None:
    missing = run_cli("import", str(tmp_path / "nope.ndjson"), *dirs)
    assert missing.returncode == 2
    assert_one_line_error(missing.stderr, "nope.ndjson", "does not exist")
    assert not (tmp_path / "data").exists()  # a typo creates no history

    folder = run_cli("import", str(tmp_path), *dirs)
    assert folder.returncode == 2
    assert_one_line_error(folder.stderr, "is a folder")

    ndjson = write_lines(tmp_path / "events.ndjson", [good_line(1), good_line(2)])
    not_har = run_cli("import", str(ndjson), "--format", "har", *dirs)
    assert not_har.returncode == 2
    assert_one_line_error(not_har.stderr, "events.ndjson is not JSON")

    no_entries = tmp_path / "empty.har"
    no_entries.write_text('{"log": {"version": "1.2"}}', encoding="utf-8")
    result = run_cli("import", str(no_entries), *dirs)
    assert result.returncode == 2
    assert_one_line_error(result.stderr, "not a HAR file")

    latin1 = tmp_path / "latin1.har"
    latin1.write_bytes(b'{"log": {"entries": [], "comment": "caf\xe9"}}')
    result = run_cli("import", str(latin1), *dirs)
    assert result.returncode == 2
    assert_one_line_error(result.stderr, "not UTF-8")

    fifo_name = tmp_path / "name\x1b[31m.ndjson"
    result = run_cli("import", str(fifo_name), *dirs)
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\\x1b[31m" in result.stderr


def test_a_disk_that_fills_up_midway_is_reported_with_what_went_in(tmp_path: Path) -> None:
    need_unshare()
    data = tmp_path / "data"
    data.mkdir()
    # Small events first (they fit), then large ones that a 2 MiB disk cannot hold.
    lines = [good_line(i) for i in range(1000)]
    for i in range(1000, 1100):
        record = good_record(i)
        record["body"] = {"pad": "x" * 100_000, "i": i}
        lines.append(json.dumps(record))
    source = write_lines(tmp_path / "big.ndjson", lines)
    out = tmp_path / "after.ndjson"
    result = run_with_mounts(
        [
            inspector_argv("import", str(source), "--data-dir", str(data)),
            inspector_argv("export", "--data-dir", str(data), "--out", str(out)),
        ],
        tmpfs={data: "2m"},
    )
    assert exit_codes(result.stderr) == [1, 0], result.stderr
    assert "Traceback" not in result.stderr
    claimed = int(re.match(r"imported ([\d,]+) events", result.stdout).group(1).replace(",", ""))
    assert claimed >= 1000
    errors = [line for line in result.stderr.splitlines() if line.startswith("webhook-inspector: error:")]
    assert len(errors) == 1, result.stderr
    assert "the import stopped at line" in errors[0]
    assert "full" in errors[0]
    assert f"the {claimed:,} events before it are in the history" in errors[0]
    # What the import said went in is exactly what the history holds.
    assert len(out.read_text(encoding="utf-8").splitlines()) == claimed
