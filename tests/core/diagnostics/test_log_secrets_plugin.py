"""tests/log_secrets.py, run as a real inner pytest session in a child process."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.core.diagnostics.conftest import REPO

pytest_plugins = ["pytester"]


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    return pytester


def run(inner: pytest.Pytester, body: str) -> Any:
    # The secret is made here but never registered in this (outer) process: this suite's own
    # check must not trip over the leak the inner session plants on purpose.
    secret = f"inner-{secrets.token_hex(12)}"
    inner.makepyfile(test_inner=body.replace("SECRET", secret))
    result = inner.runpytest_subprocess("-p", "tests.log_secrets", "-p", "no:cacheprovider")
    output = result.stdout.str() + result.stderr.str()
    assert secret not in output  # the report names a fingerprint, never the secret
    return result


LEAK = """
import os
from pathlib import Path
from inspector.core.diagnostics import register_secret

def test_leaks():
    assert register_secret("SECRET")
    log_dir = Path(os.environ["WEBHOOK_INSPECTOR_LOG_DIR"])
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / "listen.log").write_text("a handler without redaction wrote SECRET")
"""


DATA_LEAK = """
from inspector.core.diagnostics import register_secret

def test_keeps_a_token(tmp_path):
    assert register_secret("SECRET")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "events.sqlite3").write_bytes(b"SQLite format 3\\0 ... SECRET ...")
    (tmp_path / "export.har").write_text("{}")
"""


def test_a_registered_secret_in_a_database_the_suite_wrote_fails_the_run(inner: pytest.Pytester) -> None:
    result = run(inner, DATA_LEAK)
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*events.sqlite3: secret sha256:* (from test_inner.py::test_keeps_a_token)"])
    assert "export.har" not in result.stdout.str()  # a file without the secret is not named


def test_a_registered_secret_in_the_suite_log_dir_fails_the_run(inner: pytest.Pytester) -> None:
    result = run(inner, LEAK)
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*secrets found in log or data files*",
            "*listen.log: secret sha256:* (from test_inner.py::test_leaks)",
        ]
    )


REDACTED = """
import logging
from pathlib import Path
from inspector.core.diagnostics import register_secret, setup_logging

def test_logs_through_the_app_setup():
    assert register_secret("SECRET")
    setup = setup_logging(verbose=True, log_file=None, command="listen")
    logging.getLogger("inspector.test").warning("token SECRET in a message")
    assert "token [redacted]" in setup.log_file.read_text()
"""


def test_a_secret_logged_through_setup_logging_passes(inner: pytest.Pytester) -> None:
    result = run(inner, REDACTED)
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    assert "secrets found in" not in result.stdout.str()


CHILD_ONLY = """
import subprocess, sys
from tests.log_secrets import remember_secret

def test_child_writes_a_log(tmp_path):
    remember_secret("SECRET")  # only the child would have held it
    code = "import sys; open(sys.argv[1], 'w').write('from a child ' + sys.argv[2])"
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "child.log"), "SECRET"], check=True)

def test_made_with_the_fixture(tmp_path, log_secret):
    token = log_secret()
    (tmp_path / "other.log.1").write_text("rotated " + token)
    (tmp_path / "not-a-log.json").write_text("ignored " + token)
"""


def test_remembered_secrets_in_logs_under_basetemp_fail_the_run(inner: pytest.Pytester) -> None:
    result = run(inner, CHILD_ONLY)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*child.log: secret sha256:* (from test_inner.py::test_child_writes_a_log)",
            "*other.log.1: secret sha256:* (from test_inner.py::test_made_with_the_fixture)",
        ]
    )
    assert "not-a-log.json" not in result.stdout.str()
