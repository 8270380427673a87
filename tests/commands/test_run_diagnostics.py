"""-v/--verbose, --log-file, --diagnostics and the run around every command, with the real CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests

from inspector.cli import COMMANDS, build_parser, main, with_command
from inspector.core.diagnostics import LOG_DIR_ENV
from tests.listen_process import CliProcess, run_cli
from tests.log_secrets import remember_secret

CRASH_LISTEN = textwrap.dedent(
    """
    import faulthandler, resource, sys
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    import inspector.commands.listen as listen
    listen.run = lambda args: faulthandler._sigsegv()  # a native crash inside the real command
    from inspector.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.fixture
def dirs(tmp_path: Path) -> list[str]:
    return ["--data-dir", str(tmp_path / "data"), "--config-dir", str(tmp_path / "config")]


def envelope(event_id: str) -> dict[str, object]:
    return {"event_id": event_id, "event_identifier": "card.created", "data": {"n": 1}}


def test_listen_verbose_prints_debug_lines_and_the_log_has_the_support_lines(
    tmp_path: Path, dirs: list[str]
) -> None:
    token = "tok-verbose-7c1e5a9b3d2f"
    remember_secret(token)
    log_file = tmp_path / "logs" / "listen-here.log"
    proc = CliProcess(
        "listen", "-v", "--port", "0", "--log-file", str(log_file), "--token-env", "HOOK_TOKEN", *dirs,
        env={"HOOK_TOKEN": token},
    )  # fmt: skip
    try:
        url, port = proc.wait_listening()
        auth = {"Authorization": f"Bearer {token}"}
        assert requests.post(f"{url}/hooks?x=1", json=envelope("evt_v1"), headers=auth, timeout=10).ok
        bad = {"Authorization": "Bearer nope-nope-nope"}
        wrong = requests.post(f"{url}/hooks/secret-path?token={token}", json={}, headers=bad, timeout=10)
        assert wrong.status_code == 401
    finally:
        proc.proc.send_signal(signal.SIGTERM)
    assert proc.wait_exit() == 0
    debug = [line for line in proc.stderr if line.startswith("DEBUG ")]
    assert "DEBUG inspector.listener: stored delivery 1: status 200, flags -, path /hooks" in debug
    text = log_file.read_text()
    for line in (
        f"INFO    inspector.listener [{proc.proc.pid} MainThread] listener bound to 127.0.0.1:{port}",
        "store opened: ",
        ", schema version ",
        "rejected delivery: status 401, flag unauthorized, path /hooks/secret-path\n",
        "stopped webhook-inspector (listen), exit code 0",
    ):
        assert line in text
    assert token not in text and token not in "\n".join(proc.stderr)
    assert "x=1" not in text  # a query never reaches the log


def test_without_verbose_stderr_has_no_log_records(tmp_path: Path, dirs: list[str]) -> None:
    log_file = tmp_path / "quiet.log"
    result = run_cli("export", "--log-file", str(log_file), *dirs[:2])
    assert result.returncode == 2
    assert result.stderr.startswith("webhook-inspector: error: no event database in ")
    assert not re.search(r"^(INFO|DEBUG) ", result.stderr, re.MULTILINE)
    text = log_file.read_text()
    assert "WARNING inspector.app" in text and "error: no event database in " in text
    assert "exit code 2" in text


def test_diagnostics_prints_the_report_and_creates_nothing(
    tmp_path: Path, dirs: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path / "logs"))
    assert main(["--diagnostics", *dirs]) == 0
    out = capsys.readouterr().out
    assert f"Data dir: {tmp_path / 'data'}\n" in out
    assert f"Config dir: {tmp_path / 'config'}\n" in out
    assert f"Log file: {tmp_path / 'logs' / 'gui.log'}\n" in out
    assert "Listener: not running" in out and "(not created yet)" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no data dir, no log dir


def test_headless_diagnostics_loads_no_qt(dirs: list[str]) -> None:
    code = (
        "import sys\nfrom inspector.cli import main\nmain(sys.argv[1:])\n"
        "print('qt' if 'PySide6' in sys.modules else 'none')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "listen", "--diagnostics", *dirs],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Webhook Inspector: ")
    assert "Qt: not loaded in this process" in result.stdout
    assert result.stdout.splitlines()[-1] == "none"


@pytest.mark.parametrize(
    "words",
    [[name] for name in COMMANDS if name != "webhooks"]
    + [["webhooks", "list"], ["webhooks", "create", "--url", "u", "--event", "e"]],
)
def test_every_command_takes_verbose_and_log_file(words: list[str], tmp_path: Path) -> None:
    extra = ["NAME"] if words == ["trigger"] else ["FILE"] if words == ["import"] else []
    args = build_parser().parse_args(
        with_command([*words, *extra, "-v", "--log-file", str(tmp_path / "x.log")])
    )
    assert args.verbose is True and args.log_file == str(tmp_path / "x.log")


def test_a_native_crash_is_mentioned_by_the_next_start(tmp_path: Path, dirs: list[str]) -> None:
    env = {LOG_DIR_ENV: str(tmp_path / "logs")}
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_LISTEN, "listen", "--port", "0", *dirs],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **env},
    )
    assert crashed.returncode == -signal.SIGSEGV
    after = run_cli("export", *dirs[:2], env=env)
    note = next(line for line in after.stderr.splitlines() if "crashed" in line)
    assert note.startswith(
        "webhook-inspector: note: The last run of webhook-inspector listen crashed (Fatal Python error: Segm"
    )
    report = Path(note.rsplit("the report is at ", 1)[1])
    assert report.parent == tmp_path / "logs"
    assert "command: listen" in report.read_text() and "Segmentation fault" in report.read_text()
    again = run_cli("export", *dirs[:2], env=env)
    assert "crashed" not in again.stderr  # said once


def test_an_unexpected_error_in_a_command_is_one_sentence_and_a_redacted_traceback_in_the_log(
    tmp_path: Path, dirs: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspector.commands import export

    token = "tok-cli-crash-8b3e1f0c6a"
    remember_secret(token)

    def broken(_args: object) -> int:
        raise KeyError(f"Authorization: Bearer {token}")

    monkeypatch.setattr(export, "run", broken)
    log_file = tmp_path / "logs" / "export.log"
    assert main(["export", "--log-file", str(log_file), *dirs[:2]]) == 1
    err = capsys.readouterr().err
    assert re.match(
        r"webhook-inspector: unexpected error in \S+ \(KeyError\); the details are in \S+export\.log\n$", err
    )
    assert "Traceback" not in err and token not in err
    text = log_file.read_text()
    assert "ERROR   inspector.crash" in text and "Traceback (most recent call last):" in text
    assert token not in text and "exit code 1" in text
