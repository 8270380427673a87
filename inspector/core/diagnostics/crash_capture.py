"""Native crashes (a segfault in Qt, an abort) written to a file, and found again at the next start.

Each run leaves two files in the crash dir (the log dir):

    run-<start>-<pid>.marker     what ran (command, version, pid), locked while the run lives
    run-<start>-<pid>.crash.txt  faulthandler's output; empty unless the process died of a signal

A clean exit (`CrashCapture.close`, also at interpreter exit) removes both. At the next start,
`previous_crash` looks at the markers nobody holds any more: a run that left a non-empty crash
file crashed, and its report becomes `crash-<time>-<command>.txt` (with the marker's facts on
top) and is returned once; a run killed without a report (SIGKILL, power cut) is just cleaned up.

The lock (flock on POSIX, a byte-range lock on Windows; both vanish with the process) is how a
start tells a live run of another command from a dead one: two windows, or the window and a
`listen`, run side by side and must not take each other's files for leftovers.
"""

from __future__ import annotations

import atexit
import contextlib
import faulthandler
import json
import logging
import os
import platform
import stat
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from inspector import __version__

log = logging.getLogger("inspector.crash")

MARKER_SUFFIX = ".marker"
CRASH_SUFFIX = ".crash.txt"
KEEP_REPORTS = 10
# A marker younger than this with no facts in it yet belongs to a run that is just starting.
_STARTING_SECONDS = 60.0

if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True


@dataclass(frozen=True, slots=True)
class CrashReport:
    """A previous run that crashed, and where its report is."""

    path: Path
    command: str
    summary: str  # faulthandler's first line: "Fatal Python error: Segmentation fault"
    crashed_at: datetime

    @property
    def message(self) -> str:
        return (
            f"The last run of webhook-inspector {self.command} crashed ({self.summary}); "
            f"the report is at {self.path}"
        )


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _owner_only_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if hasattr(os, "getuid"):
        info = path.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) != 0o700:
            path.chmod(0o700)


def _create(path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    return os.open(path, flags, 0o600)


class CrashCapture:
    """faulthandler pointed at this run's crash file, and the marker that says the run is alive."""

    def __init__(self, crash_dir: Path, command: str) -> None:
        self.crash_dir = crash_dir
        self.command = command
        started = datetime.now(UTC)
        stem = f"run-{_stamp(started)}-{os.getpid()}"
        self.marker_path = crash_dir / f"{stem}{MARKER_SUFFIX}"
        self.crash_path = crash_dir / f"{stem}{CRASH_SUFFIX}"
        self._marker_fd: int | None = _create(self.marker_path)
        self._crash_file: IO[bytes] | None = None
        # An embedder (or pytest) may have pointed faulthandler at stderr before us.
        self._was_enabled = faulthandler.is_enabled()
        try:
            if not _try_lock(self._marker_fd):
                raise OSError(f"cannot lock {self.marker_path}")
            facts = {
                "command": command,
                "version": __version__,
                "pid": os.getpid(),
                "started": started.isoformat(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            }
            os.write(self._marker_fd, json.dumps(facts).encode())
            self._crash_file = open(_create(self.crash_path), "wb", buffering=0)  # noqa: SIM115
            faulthandler.enable(self._crash_file, all_threads=True)
        except BaseException:
            self.close()
            raise
        atexit.register(self.close)

    def close(self) -> None:
        """The run ends cleanly: stop capturing and remove this run's files."""
        crash_file, self._crash_file = self._crash_file, None
        marker_fd, self._marker_fd = self._marker_fd, None
        # Whatever the crash file holds by now was no crash: this run got to exit. (On Windows,
        # faulthandler also writes exceptions that were handled, e.g. COM errors under Qt.)
        if crash_file is not None:
            faulthandler.disable()
            if self._was_enabled and sys.__stderr__ is not None:
                with contextlib.suppress(ValueError, OSError, RuntimeError):
                    faulthandler.enable(sys.__stderr__, all_threads=True)
            crash_file.close()
            self.crash_path.unlink(missing_ok=True)
        if marker_fd is not None:
            os.close(marker_fd)
            self.marker_path.unlink(missing_ok=True)
        atexit.unregister(self.close)


def start_crash_capture(crash_dir: Path, command: str) -> CrashCapture | None:
    """Enable faulthandler into a file in `crash_dir`; None (and a warning logged) if impossible."""
    try:
        _owner_only_dir(crash_dir)
        return CrashCapture(crash_dir, command)
    except OSError as exc:
        log.warning("native crashes will not be recorded: %s", exc)
        return None


def _read_facts(fd: int) -> dict[str, object] | None:
    os.lseek(fd, 0, os.SEEK_SET)
    data = b""
    while chunk := os.read(fd, 65536):
        data += chunk
    try:
        facts = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return facts if isinstance(facts, dict) else None


def _report_from(marker: Path, facts: dict[str, object], crash: Path) -> CrashReport:
    text = crash.read_bytes().decode("utf-8", "replace")
    summary = next((line.strip() for line in text.splitlines() if line.strip()), "native crash")
    crashed_at = datetime.fromtimestamp(crash.stat().st_mtime, UTC)
    command = str(facts.get("command", "app"))
    if not command.replace("-", "").isalnum():
        command = "app"
    target = crash.with_name(f"crash-{_stamp(crashed_at)}-{command}.txt")
    n = 1
    while target.exists():
        n += 1
        target = crash.with_name(f"crash-{_stamp(crashed_at)}-{command}-{n}.txt")
    header = "".join(f"{key}: {value}\n" for key, value in facts.items())
    fd = _create(target)
    with open(fd, "w", encoding="utf-8") as out:
        out.write(f"webhook-inspector crash report\n{header}crashed: {crashed_at.isoformat()}\n\n{text}")
    crash.unlink()
    return CrashReport(target, command, summary[:200], crashed_at)


def _claim(marker: Path) -> CrashReport | None:
    """The report of a dead run's marker (and its files cleaned up), or None if it still lives."""
    try:
        fd = os.open(marker, os.O_RDWR | getattr(os, "O_BINARY", 0))
    except OSError:
        return None  # gone meanwhile (its run exited, or another start claimed it)
    report = None
    claimed = False
    try:
        if not _try_lock(fd):
            return None  # its run is alive
        facts = _read_facts(fd)
        if facts is None and time.time() - os.fstat(fd).st_mtime < _STARTING_SECONDS:
            return None  # created a moment ago, not yet filled in
        claimed = True
        crash = marker.with_name(marker.name.removesuffix(MARKER_SUFFIX) + CRASH_SUFFIX)
        if crash.is_file() and crash.stat().st_size > 0:
            report = _report_from(marker, facts or {}, crash)
        else:
            crash.unlink(missing_ok=True)  # killed without a report, or an older clean-up missed
    except OSError as exc:
        log.warning("could not read the crash marker %s: %s", marker, exc)
    finally:
        os.close(fd)
    if claimed:
        marker.unlink(missing_ok=True)
    return report


def _prune_reports(crash_dir: Path) -> None:
    reports = sorted(crash_dir.glob("crash-*.txt"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in reports[KEEP_REPORTS:]:
        old.unlink(missing_ok=True)


def previous_crash(crash_dir: Path) -> CrashReport | None:
    """The newest crash of a run that has ended since the last look; each crash is returned once."""
    try:
        markers = sorted(crash_dir.glob(f"run-*{MARKER_SUFFIX}"))
    except OSError:
        return None
    reports = [r for r in (_claim(m) for m in markers) if r is not None]
    if not reports:
        return None
    with contextlib.suppress(OSError):
        _prune_reports(crash_dir)
    newest = max(reports, key=lambda r: r.crashed_at)
    log.info("previous run crashed: %s", newest.message)
    return newest
