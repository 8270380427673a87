"""setup_logging with real files: what reaches the log file, stderr, and with which permissions."""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path

import pytest

from inspector.core.diagnostics import LOG_DIR_ENV, setup_logging
from inspector.core.diagnostics.log_setup import OwnerOnlyRotatingHandler

pytestmark = pytest.mark.usefixtures("clean_logging")
log = logging.getLogger("inspector.test")


def all_log_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


def ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if isinstance(h, OwnerOnlyRotatingHandler)]


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "state" / "logs"
    monkeypatch.setenv(LOG_DIR_ENV, str(directory))
    return directory


def fail_with(token: str) -> None:
    inner = {"Authorization": f"Bearer {token}"}
    raise ValueError(f"provider refused {inner}")


def test_planted_tokens_reach_neither_file_nor_stderr(
    log_dir: Path, secret: str, unregistered_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    setup = setup_logging(verbose=True, log_file=None, command="listen")
    assert setup.log_file == log_dir / "listen.log"

    log.info(f"in the message {secret}")
    log.info("in the args %s and %r", secret, {"token": secret})
    log.warning("a URL query https://example.test/hook?a=1&token=%s", unregistered_secret)
    log.warning("a header Authorization: Bearer %s", unregistered_secret)
    logging.getLogger("urllib3.connectionpool").debug("GET /v1/webhooks?api_key=%s", unregistered_secret)
    try:
        fail_with(secret)
    except ValueError:
        log.exception("in an exception message")
    try:
        try:
            fail_with(unregistered_secret)
        except ValueError as inner:
            raise RuntimeError(f"while retrying with token={secret}") from inner
    except RuntimeError:
        log.exception("in a chained traceback")
    log.info("with the stack", stack_info=True)

    written = all_log_bytes(log_dir)
    stderr = capsys.readouterr().err
    for planted in (secret, unregistered_secret):
        assert planted.encode() not in written
        assert planted not in stderr
    text = written.decode()
    # The records were written (redacted), not dropped.
    for expected in (
        "in the message [redacted]",
        "in the args [redacted] and {'token': '[redacted]'}",
        "?a=1&token=[redacted]",
        "Authorization: Bearer [redacted]",
        "GET /v1/webhooks?api_key=[redacted]",
        "ValueError: provider refused {'Authorization': 'Bearer [redacted]'}",
        "RuntimeError: while retrying with token=[redacted]",
        "in fail_with",  # the traceback itself is kept
        "with the stack",
    ):
        assert expected in text, expected
    assert "in the message [redacted]" in stderr


def test_file_and_dir_are_owner_only_also_after_rotation(log_dir: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        setup = setup_logging(verbose=False, log_file=None, command="gui")
        assert setup.log_file is not None
        (handler,) = ours()
        handler.maxBytes = 2000  # rotate after a few lines instead of 5 MB
        for i in range(100):
            log.info("line %d %s", i, "x" * 50)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    files = sorted(log_dir.iterdir())
    assert [p.name for p in files] == ["gui.log", "gui.log.1", "gui.log.2", "gui.log.3"]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_wider_existing_log_file_and_dir_are_tightened(log_dir: Path) -> None:
    log_dir.mkdir(parents=True, mode=0o755)
    log_dir.chmod(0o755)
    old = log_dir / "gui.log"
    old.write_text("from an older version\n")
    old.chmod(0o644)
    setup_logging(verbose=False, log_file=None, command="gui")
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(old.stat().st_mode) == 0o600


def test_explicit_log_file_does_not_touch_an_existing_parent(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    target = shared / "mine.log"
    setup = setup_logging(verbose=False, log_file=target, command="export")
    log.info("hello")
    assert setup.log_file == target
    assert "hello" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755


def test_calling_twice_does_not_duplicate_handlers(log_dir: Path) -> None:
    setup_logging(verbose=False, log_file=None, command="listen")
    setup_logging(verbose=False, log_file=None, command="listen")
    assert len(ours()) == 1
    log.info("exactly once")
    assert (log_dir / "listen.log").read_text().count("exactly once") == 1


def test_default_is_info_and_quiet_on_stderr(log_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(verbose=False, log_file=None, command="listen")
    log.debug("a debug record")
    log.info("an info record")
    text = (log_dir / "listen.log").read_text()
    assert "an info record" in text
    assert "a debug record" not in text
    assert capsys.readouterr().err == ""


def test_verbose_adds_debug_in_file_and_on_stderr_with_controls_escaped(
    log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging(verbose=True, log_file=None, command="listen")
    log.debug("path /hook\r\nforged line \x1b[2J\u202e")
    err = capsys.readouterr().err
    text = (log_dir / "listen.log").read_text()
    for output in (err, text):
        assert "path /hook\\r\\nforged line \\x1b[2J\\u202e" in output
        assert "\x1b" not in output and "\r" not in output and "\u202e" not in output
    assert len([line for line in text.splitlines() if "forged line" in line]) == 1


def test_unwritable_log_dir_warns_once_and_logs_to_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    # Root may write anywhere, but nobody can make a directory under a regular file.
    monkeypatch.setenv(LOG_DIR_ENV, str(blocker / "logs"))
    first = setup_logging(verbose=False, log_file=None, command="listen")
    second = setup_logging(verbose=False, log_file=None, command="listen")
    log.info("still logged")
    err = capsys.readouterr().err
    assert first.log_file is None and first.log_dir is None
    assert first.problem is not None and "logging to stderr only" in first.problem
    assert second.log_file is None
    assert err.count("cannot write the log file") == 1
    assert "still logged" in err
    assert "Traceback" not in err


def test_a_bad_format_string_does_not_raise(log_dir: Path) -> None:
    setup_logging(verbose=False, log_file=None, command="listen")
    log.info("%d events", "not a number")
    assert "could not be formatted" in (log_dir / "listen.log").read_text()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_log_file_on_a_device_keeps_the_device_mode(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    before = stat.S_IMODE(os.stat("/dev/null").st_mode)
    setup_logging(verbose=False, log_file=Path("/dev/null"), command="listen")
    log.info("into the void")
    assert stat.S_IMODE(os.stat("/dev/null").st_mode) == before


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_handlers_added_before_ours_also_get_redacted_records(log_dir: Path, secret: str) -> None:
    earlier = Collect()
    logging.getLogger().addHandler(earlier)
    try:
        setup_logging(verbose=False, log_file=None, command="gui")
        log.warning("token %s", secret)
    finally:
        logging.getLogger().removeHandler(earlier)
    assert earlier.lines == ["token [redacted]"]


def test_the_log_rotates_at_its_real_size_limit(log_dir: Path) -> None:
    from inspector.core.diagnostics.log_setup import MAX_BYTES

    setup_logging(verbose=False, log_file=None, command="listen")
    line = "y" * 1000
    n = 0
    while not (log_dir / "listen.log.1").exists():
        log.info("record %d %s", n, line)
        n += 1
        assert n < 2 * MAX_BYTES // 1000, "no rollover after twice the limit"
    rotated = (log_dir / "listen.log.1").stat().st_size
    assert MAX_BYTES - 2000 < rotated <= MAX_BYTES  # rolled over just before passing the limit
    log.info("after the rollover")
    current = (log_dir / "listen.log").read_text()
    assert f"record {n - 1} " in current and current.rstrip().endswith("after the rollover")
    assert sorted(p.name for p in log_dir.iterdir()) == ["listen.log", "listen.log.1"]
