"""A writer killed with SIGKILL mid-export leaves no hidden temp file behind, and temp files that
dead writers did leave (another platform, an older version) go away on the next write."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inspector.core.events import NewEvent
from inspector.core.io.atomic_file import STALE_AFTER_SECONDS, atomic_file, atomic_write_json
from inspector.core.store.event_store import EventStore
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def big_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 60 MB of NDJSON: an export of it takes long enough to be caught halfway."""
    data = tmp_path_factory.mktemp("big") / "data"
    store = EventStore.open(data)
    pad = "x" * 2000
    try:
        for start in range(0, 30_000, 5000):
            store.insert_many(
                [
                    NewEvent(
                        1_795_687_200.0 + i,
                        "POST",
                        "/hooks",
                        "",
                        (("Content-Type", "application/json"),),
                        json.dumps({"event_id": f"e{i}", "data": {"pad": pad}}).encode(),
                        200,
                        event_id=f"e{i}",
                    )
                    for i in range(start, start + 5000)
                ]
            )
    finally:
        store.close()
    return data


def written_fd_in(pid: int, folder: Path) -> bool:
    """True once process `pid` holds a file in `folder` open with some bytes written to it."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        entries = list(fds.iterdir())
    except OSError:
        return False
    for fd in entries:
        try:
            if os.readlink(fd).startswith(f"{folder}/") and fd.stat().st_size > 0:
                return True
        except OSError:
            continue
    return False


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see the writer's open files")
def test_an_export_killed_midway_leaves_no_temp_file(big_history: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "inspector",
            "export",
            "--data-dir",
            str(big_history),
            "--out",
            str(out / "e.ndjson"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    try:
        wait_until(lambda: proc.poll() is not None or written_fd_in(proc.pid, out), timeout=60)
        proc.send_signal(signal.SIGSTOP)  # hold it where it is: mid-export, file half written
        assert proc.poll() is None, "the export finished before it could be killed: make the history bigger"
        assert written_fd_in(proc.pid, out)
        proc.kill()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)
        assert proc.stderr is not None
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert sorted(p.name for p in out.iterdir()) == []


def dead_pid() -> int:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return int(finished.stdout)


def test_temp_files_of_dead_writers_go_away_on_the_next_write(tmp_path: Path) -> None:
    gone = dead_pid()
    old = time.time() - STALE_AFTER_SECONDS - 60
    files = {
        "dead writer": tmp_path / f".e.ndjson.{gone}.a1b2c3d4.part",
        "older version, old": tmp_path / ".e.ndjson.k2j3h4g5.part",
        "live writer": tmp_path / f".e.ndjson.{os.getppid()}.a1b2c3d4.part",
        "older version, fresh": tmp_path / ".e.ndjson.q9w8e7r6.part",
        "another target": tmp_path / f".other.ndjson.{gone}.a1b2c3d4.part",
        "not ours": tmp_path / f"e.ndjson.{gone}.a1b2c3d4.part",
    }
    for path in files.values():
        path.write_text("half an export")
    os.utime(files["older version, old"], (old, old))
    with atomic_file(tmp_path / "e.ndjson") as f:
        f.write("whole\n")
    left = {name for name, path in files.items() if path.exists()}
    assert left == {"live writer", "older version, fresh", "another target", "not ours"}
    assert (tmp_path / "e.ndjson").read_text() == "whole\n"


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    atomic_write_json(target, {"v": 1})
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(RuntimeError), atomic_file(target) as f:
        f.write("partial")
        raise RuntimeError("the writer failed")
    assert json.loads(target.read_text()) == {"v": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.json"]
