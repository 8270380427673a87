"""Native crashes in real child processes: the report file, and the next start finding it once."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from inspector.core.diagnostics import previous_crash
from tests.core.diagnostics.conftest import REPO, RunChild

START = (
    "import sys, json\n"
    "from pathlib import Path\n"
    "from inspector.core.diagnostics import previous_crash, start_crash_capture\n"
    "crash_dir = Path(sys.argv[1])\n"
    "found = previous_crash(crash_dir)\n"
    "print(json.dumps(None if found is None else {'path': str(found.path), 'message': found.message,"
    " 'summary': found.summary, 'command': found.command}), flush=True)\n"
    "capture = start_crash_capture(crash_dir, sys.argv[2])\n"
    "assert capture is not None\n"
)
CRASHES = {
    "sigsegv": "import faulthandler\nfaulthandler._sigsegv()\n",
    "null-read": "import ctypes\nctypes.string_at(0)\n",
    "abort": "import os\nos.abort()\n",
}


def start(run_child: RunChild, crash_dir: Path, command: str, then: str = "") -> tuple[int, dict | None]:
    result = run_child(START + then, str(crash_dir), command)
    first_line = result.stdout.splitlines()[0] if result.stdout else "missing"
    return result.returncode, json.loads(first_line)


@pytest.mark.parametrize("how", sorted(CRASHES))
def test_a_native_crash_leaves_a_report_the_next_start_finds_once(
    run_child: RunChild, tmp_path: Path, how: str
) -> None:
    crash_dir = tmp_path / "logs"
    code, found = start(
        run_child,
        crash_dir,
        "gui",
        "def paint_table():\n    " + CRASHES[how].replace("\n", "\n    ") + "\npaint_table()\n",
    )
    assert found is None
    assert code == -(signal.SIGABRT if how == "abort" else signal.SIGSEGV)
    (crash_file,) = crash_dir.glob("run-*.crash.txt")
    text = crash_file.read_text()
    assert "Fatal Python error" in text
    assert "paint_table" in text  # the Python stack at the crash
    assert stat.S_IMODE(crash_file.stat().st_mode) == 0o600

    code, found = start(run_child, crash_dir, "listen")
    assert code == 0
    assert found is not None
    report = Path(found["path"])
    assert (
        report.parent == crash_dir and report.name.startswith("crash-") and report.name.endswith("-gui.txt")
    )
    assert found["command"] == "gui"
    assert found["summary"].startswith("Fatal Python error")
    assert found["message"] == (
        f"The last run of webhook-inspector gui crashed ({found['summary']}); the report is at {report}"
    )
    content = report.read_text()
    assert "command: gui" in content and "paint_table" in content
    assert stat.S_IMODE(report.stat().st_mode) == 0o600

    code, found = start(run_child, crash_dir, "listen")  # reported once
    assert (code, found) == (0, None)
    assert report.exists()  # the report itself stays for the user


def test_clean_runs_leave_nothing_and_report_nothing(run_child: RunChild, tmp_path: Path) -> None:
    crash_dir = tmp_path / "logs"
    assert start(run_child, crash_dir, "listen") == (0, None)
    assert sorted(p.name for p in crash_dir.iterdir()) == []
    explicit = "capture.close()\nprint(sorted(p.name for p in crash_dir.iterdir()))\n"
    result = run_child(START + explicit, str(crash_dir), "gui")
    assert result.stdout.splitlines()[1] == "[]"
    assert start(run_child, crash_dir, "listen") == (0, None)


def test_a_killed_run_is_cleaned_up_without_a_report(run_child: RunChild, tmp_path: Path) -> None:
    crash_dir = tmp_path / "logs"
    code, _ = start(run_child, crash_dir, "gui", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    assert code == -signal.SIGKILL
    assert len(list(crash_dir.glob("run-*"))) == 2  # marker and an empty crash file
    assert start(run_child, crash_dir, "listen") == (0, None)
    assert list(crash_dir.iterdir()) == []


def test_a_live_run_is_not_taken_for_a_crashed_one(run_child: RunChild, tmp_path: Path) -> None:
    # A window still running while a `listen` starts: its files are not leftovers, even when its
    # crash file is not empty.
    crash_dir = tmp_path / "logs"
    live = (
        "import faulthandler\n"
        "faulthandler.dump_traceback(capture._crash_file)\n"  # non-empty, yet alive
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", START + live, str(crash_dir), "gui"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "WEBHOOK_INSPECTOR_LOG_DIR": str(tmp_path / "logs")},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "null"
        assert child.stdout.readline().strip() == "ready"
        assert previous_crash(crash_dir) is None
        assert len(list(crash_dir.glob("run-*"))) == 2
    finally:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.close()
        child.wait(60)
        child.stdout.close()
    assert child.returncode == 0
    assert list(crash_dir.iterdir()) == []  # it exited cleanly: nothing to report
    assert previous_crash(crash_dir) is None


def test_close_gives_faulthandler_back_to_stderr_if_it_was_there(run_child: RunChild, tmp_path: Path) -> None:
    code = (
        "import faulthandler, sys\n"
        "from pathlib import Path\n"
        "from inspector.core.diagnostics import start_crash_capture\n"
        "faulthandler.enable()\n"
        "start_crash_capture(Path(sys.argv[1]), 'gui').close()\n"
        "faulthandler._sigsegv()\n"
    )
    result = run_child(code, str(tmp_path / "logs"))
    assert result.returncode == -signal.SIGSEGV
    assert "Fatal Python error: Segmentation fault" in result.stderr
    assert list((tmp_path / "logs").iterdir()) == []
