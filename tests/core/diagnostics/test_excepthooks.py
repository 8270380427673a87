"""Unexpected exceptions: the main thread (a real interpreter exit) and worker threads."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from inspector.core.diagnostics import crash_details, doing, install_excepthooks, setup_logging
from tests.core.diagnostics.conftest import RunChild

pytestmark = pytest.mark.usefixtures("clean_logging")


def test_uncaught_exception_in_a_command_is_one_sentence_and_a_redacted_log(
    run_child: RunChild, tmp_path: Path, secret: str
) -> None:
    code = (
        "import sys\n"
        "from inspector.core.diagnostics import register_secret, start_run\n"
        "register_secret(sys.argv[1])\n"
        "run = start_run('listen')\n"
        "def export():\n"
        "    raise RuntimeError('boom, Authorization: Bearer ' + sys.argv[1])\n"
        "export()\n"
    )
    result = run_child(code, secret)
    log_file = tmp_path / "logs" / "listen.log"
    assert result.returncode == 1
    assert result.stderr == (
        f"webhook-inspector: unexpected error in export (RuntimeError); the details are in {log_file}\n"
    )
    text = log_file.read_text()
    assert secret not in text
    assert "ERROR   inspector.crash" in text
    assert "unexpected error in export" in text
    assert "Traceback (most recent call last):" in text
    assert "RuntimeError: boom, Authorization: Bearer [redacted]" in text


def test_ctrl_c_keeps_its_usual_behaviour(run_child: RunChild) -> None:
    code = (
        "from inspector.core.diagnostics import install_excepthooks\n"
        "seen = []\n"
        "install_excepthooks(lambda context, exc: seen.append(exc))\n"
        "import atexit\n"
        "atexit.register(lambda: print('on_error calls:', len(seen)))\n"
        "raise KeyboardInterrupt\n"
    )
    result = run_child(code)
    assert "KeyboardInterrupt" in result.stderr  # Python's own report, as without our hooks
    assert "on_error calls: 0" in result.stdout


def test_thread_exception_is_logged_and_reported_with_what_was_being_done(
    tmp_path: Path, secret: str
) -> None:
    log_file = tmp_path / "gui.log"
    setup_logging(verbose=False, log_file=log_file, command="gui")
    seen: list[tuple[str, BaseException]] = []
    done = threading.Event()

    def on_error(context: str, exc: BaseException) -> None:
        seen.append((context, exc))
        done.set()

    @doing("syncing webhook tokens")
    def work() -> None:
        raise ConnectionError(f"provider said no to token={secret}")

    hooks = install_excepthooks(on_error)
    try:
        worker = threading.Thread(target=work, name="token-sync")
        worker.start()
        worker.join(30)
        assert done.wait(30)
    finally:
        hooks.uninstall()
    ((context, exc),) = seen
    assert context == "while syncing webhook tokens (thread token-sync)"
    assert isinstance(exc, ConnectionError)
    text = log_file.read_text()
    assert secret not in text
    assert "unexpected error while syncing webhook tokens (thread token-sync)" in text
    assert "ConnectionError: provider said no to token=[redacted]" in text


def test_a_failing_on_error_is_logged_not_raised(tmp_path: Path) -> None:
    log_file = tmp_path / "gui.log"
    setup_logging(verbose=False, log_file=log_file, command="gui")

    def broken(context: str, exc: BaseException) -> None:
        raise RuntimeError("the dialog broke")

    hooks = install_excepthooks(broken)
    try:
        worker = threading.Thread(target=lambda: 1 / 0, name="w")
        worker.start()
        worker.join(30)
    finally:
        hooks.uninstall()
    text = log_file.read_text()
    assert "ZeroDivisionError" in text
    assert "the error report itself failed" in text and "the dialog broke" in text


def test_uninstall_puts_back_the_previous_hooks() -> None:
    before = (sys.excepthook, threading.excepthook)
    hooks = install_excepthooks(lambda context, exc: None)
    assert (sys.excepthook, threading.excepthook) != before
    hooks.uninstall()
    assert (sys.excepthook, threading.excepthook) == before


def test_crash_details_are_redacted_printable_and_complete(secret: str) -> None:
    def deep() -> None:
        raise ValueError(f"bad answer\x1b[2J for {secret}")

    try:
        with doing("exporting events"):
            deep()
    except ValueError as exc:
        text = crash_details("while exporting events", exc, log_file="/logs/gui.log")
    assert secret not in text
    assert "\x1b" not in text
    assert text.startswith("Webhook Inspector ")
    assert "Unexpected error while exporting events: ValueError" in text
    assert "Log file: /logs/gui.log" in text
    assert "in deep" in text
    assert "ValueError: bad answer\\x1b[2J for [redacted]" in text


def divide() -> float:
    return 1 / 0


def test_on_error_can_be_switched_after_install(tmp_path: Path) -> None:
    # A command starts with the stderr notice; the window takes over once its dialog exists.
    first: list[str] = []
    second: list[str] = []
    hooks = install_excepthooks(lambda context, exc: first.append(context))
    try:
        hooks.on_error = lambda context, exc: second.append(context)
        worker = threading.Thread(target=divide, name="w")
        worker.start()
        worker.join(30)
    finally:
        hooks.uninstall()
    assert first == []
    assert second == ["in divide (thread w)"]  # not threading's own frames
