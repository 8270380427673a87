"""One logging setup for every command: a rotating, owner-only log file, and stderr with --verbose.

Records go to the root logger, so what libraries log (urllib3, werkzeug) is kept and redacted
too. Each command writes its own file (`gui.log`, `listen.log`, ...) in the platform's user log
dir: the window and a `listen` often run at the same time, and two processes rotating one file
would rename it under each other (on Windows the rename fails outright).

`WEBHOOK_INSPECTOR_LOG_DIR` moves the default log dir (the test suite points it at a temp dir);
`--log-file` names one file instead.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import re
import stat
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from inspector.core.diagnostics.log_filter import RedactingFilter
from inspector.core.paths import APP_NAME
from inspector.core.terminal_text import escape_controls

LOG_DIR_ENV = "WEBHOOK_INSPECTOR_LOG_DIR"
MAX_BYTES = 5 * 1024 * 1024
BACKUP_COUNT = 3
FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(process)d %(threadName)s] %(message)s"
STDERR_FORMAT = "%(levelname)s %(name)s: %(message)s"

_lock = threading.Lock()
_installed: list[logging.Handler] = []
_warned: set[str] = set()


def default_log_dir() -> Path:
    override = os.environ.get(LOG_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def log_file_name(command: str) -> str:
    """`gui.log`, `listen.log`; anything but a plain word becomes `app.log`."""
    return f"{command}.log" if re.fullmatch(r"[a-z][a-z0-9_-]{0,30}", command) else "app.log"


@dataclass(frozen=True, slots=True)
class LogSetup:
    command: str
    verbose: bool
    log_file: Path | None  # None: the file could not be opened, records go to stderr only
    log_dir: Path | None  # the folder to show the user ("Open log folder")
    problem: str | None = None  # one sentence: why there is no log file


class OwnerOnlyRotatingHandler(logging.handlers.RotatingFileHandler):
    """RotatingFileHandler whose files (the first and every one after a rollover) are mode 0600."""

    def _open(self) -> io.TextIOWrapper:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
        fd = os.open(self.baseFilename, flags, 0o600)
        try:
            # A file left by an older version may be wider; a device (--log-file /dev/stderr) is
            # not ours to change.
            if hasattr(os, "fchmod") and stat.S_ISREG(os.fstat(fd).st_mode):
                os.fchmod(fd, 0o600)
        except OSError:
            pass
        return io.TextIOWrapper(open(fd, "ab"), encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:
        # logging's default prints a traceback for every failed write (a full disk: every record).
        _warn_once(f"write:{self.baseFilename}", f"writing the log file {self.baseFilename} failed")


class _QuietStderrHandler(logging.StreamHandler):  # type: ignore[type-arg,unused-ignore]  # generic in typeshed only
    def handleError(self, record: logging.LogRecord) -> None:
        pass  # stderr itself is gone (a closed pipe): nowhere left to say so


def _warn_once(key: str, sentence: str) -> None:
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    if sys.stderr is not None:
        try:
            print(f"webhook-inspector: {escape_controls(sentence)}", file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass


def _owner_only_dir(path: Path, *, tighten: bool) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not tighten or not hasattr(os, "getuid"):
        return
    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) != 0o700:
        path.chmod(0o700)


def _open_file(log_file: Path | None, command: str) -> tuple[logging.Handler, Path]:
    if log_file is None:
        directory = default_log_dir()
        _owner_only_dir(directory, tighten=True)
        path = directory / log_file_name(command)
    else:
        path = Path(log_file).expanduser()
        # Only a folder we create is made owner-only: --log-file /tmp/x.log must not chmod /tmp.
        if not path.parent.exists():
            _owner_only_dir(path.parent, tighten=False)
    handler = OwnerOnlyRotatingHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
    return handler, Path(handler.baseFilename)


def _formatter(fmt: str) -> logging.Formatter:
    formatter = logging.Formatter(fmt)
    formatter.default_msec_format = "%s.%03d"
    return formatter


def setup_logging(*, verbose: bool, log_file: Path | None, command: str) -> LogSetup:
    """Route every record to the log file (and to stderr when verbose); safe to call again.

    INFO and up by default, DEBUG with `verbose`. A log file that cannot be opened does not stop
    the app: one line on stderr says so and records go to stderr instead.
    """
    root = logging.getLogger()
    level = logging.DEBUG if verbose else logging.INFO
    handlers: list[logging.Handler] = []
    path: Path | None = None
    problem: str | None = None
    try:
        file_handler, path = _open_file(log_file, command)
    except OSError as exc:
        target = log_file if log_file is not None else default_log_dir() / log_file_name(command)
        problem = f"cannot write the log file {target}: {exc.strerror or exc}; logging to stderr only"
        _warn_once(f"open:{target}", problem)
    else:
        file_handler.setFormatter(_formatter(FILE_FORMAT))
        handlers.append(file_handler)
    if (verbose or path is None) and sys.stderr is not None:
        handlers.append(_QuietStderrHandler(sys.stderr))
        handlers[-1].setFormatter(_formatter(STDERR_FORMAT))
    for handler in handlers:
        handler.setLevel(level)
        handler.addFilter(RedactingFilter())
    with _lock:
        old = list(_installed)
        _installed[:] = handlers
    for handler in old:
        root.removeHandler(handler)
        handler.close()
    # First in line: the filter rewrites each record in place, so handlers someone else put on
    # the root logger (pytest's capture, an embedding app's) also get the redacted text.
    root.handlers[0:0] = handlers
    root.setLevel(level)
    return LogSetup(command, verbose, path, path.parent if path else None, problem)


def shutdown_logging() -> None:
    """Remove (and close) what setup_logging installed; records after this go nowhere of ours."""
    root = logging.getLogger()
    with _lock:
        old = list(_installed)
        _installed.clear()
    for handler in old:
        root.removeHandler(handler)
        handler.close()
