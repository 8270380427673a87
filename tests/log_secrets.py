"""pytest plugin: the run fails when a secret the tests used reached a log file.

Enable it for the whole suite with `pytest_plugins = [..., "tests.log_secrets"]` in
tests/conftest.py (or `-p tests.log_secrets`).

- At start it points WEBHOOK_INSPECTOR_LOG_DIR at a fresh temp dir, so every log the suite's
  commands write (in-process or in child processes, which inherit the variable) lands there.
- The secrets: every value this process registers with inspector's `register_secret` (the
  keyring wrapper, the token ring), every value given to `remember_secret` (for a token only a
  child process holds, such as a `--token-env` one), and every `log_secret()` a test makes.
- At the end of the session it reads the suite's log dir, every path given to `watch_log_path`,
  and the files under pytest's basetemp named like logs (`*.log`, `*.log.N`, crash reports) or
  like what the app writes besides (the event database and its WAL, profiles/webhooks/tunnel
  JSON, window settings, NDJSON/HAR/cURL exports).
  Each secret is looked for as is and URL-encoded. A hit fails the run, naming the file and the
  test that made the secret known; the secret itself is shown only as a fingerprint.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from inspector.core.diagnostics.log_setup import LOG_DIR_ENV
from inspector.core.diagnostics.secret_registry import MIN_SECRET_LENGTH, watch_registrations

LOG_NAME = re.compile(r".*\.log(\.\d+)?|crash-.*\.txt|run-.*\.crash\.txt")
# What the app writes besides logs: the event database, the config dir's files, and exports. A
# secret that reached one of these is as much a leak as one in a log. (The sandbox's own state
# file is left out: it is the stand-in provider's database, where webhook tokens belong.)
DATA_NAME = re.compile(r"events\.sqlite3(-wal)?|.*\.(ndjson|har|sh|ini)|(profiles|webhooks|tunnel)\.json")


@dataclass
class _State:
    log_dir: Path
    previous_env: str | None
    secrets: dict[str, str] = field(default_factory=dict)  # value -> the test that made it known
    paths: list[Path] = field(default_factory=list)
    basetemp: Path | None = None
    current: str = "(collection)"
    stop_watching: Callable[[], None] | None = None
    found: list[str] = field(default_factory=list)


class _Active:
    state: _State | None = None  # one plugin per pytest process


def _current() -> _State | None:
    return _Active.state


def remember_secret(value: str) -> None:
    """A secret the suite must not find in any log (one the registry in this process never sees)."""
    state = _current()
    if state is not None and value and len(value) >= MIN_SECRET_LENGTH:
        state.secrets.setdefault(value, state.current)


def watch_log_path(path: Path) -> None:
    """Also look in `path` (a file or a folder) at the end of the session."""
    state = _current()
    if state is not None:
        state.paths.append(Path(path))


@pytest.fixture
def log_secret() -> Callable[[], str]:
    """Makes fresh tokens the suite checks the logs for: `token = log_secret()`."""

    def make() -> str:
        value = f"tok-{secrets.token_hex(16)}"
        remember_secret(value)
        return value

    return make


@pytest.fixture(scope="session", autouse=True)
def _log_secrets_basetemp(tmp_path_factory: pytest.TempPathFactory) -> None:
    state = _current()
    if state is not None:
        state.basetemp = tmp_path_factory.getbasetemp()


def pytest_configure(config: pytest.Config) -> None:
    log_dir = Path(tempfile.mkdtemp(prefix="webhook-inspector-test-logs-"))
    state = _State(log_dir=log_dir, previous_env=os.environ.get(LOG_DIR_ENV))
    _Active.state = state
    os.environ[LOG_DIR_ENV] = str(log_dir)
    state.stop_watching = watch_registrations(lambda value: state.secrets.setdefault(value, state.current))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    state = _current()
    if state is not None:
        state.current = item.nodeid
    try:
        return (yield)
    finally:
        if state is not None:
            state.current = "(between tests)"


def _candidates(state: _State) -> list[Path]:
    roots = [state.log_dir, *state.paths]
    files: set[Path] = set()
    for root in roots:
        if root.is_file():
            files.add(root)
        elif root.is_dir():
            files.update(p for p in root.rglob("*") if p.is_file())
    if state.basetemp is not None and state.basetemp.is_dir():
        files.update(
            p
            for p in state.basetemp.rglob("*")
            if p.is_file() and (LOG_NAME.fullmatch(p.name) or DATA_NAME.fullmatch(p.name))
        )
    return sorted(files)


def _fingerprint(value: str) -> str:
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:12]


def scan(state: _State) -> list[str]:
    """One line per (file, secret) hit."""
    needles = {
        spelling.encode(): value
        for value in state.secrets
        for spelling in {value, quote(value, safe=""), quote(value), quote_plus(value)}
    }
    hits = []
    for path in _candidates(state):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        reported: set[str] = set()
        for needle, value in needles.items():
            if value not in reported and needle in data:
                reported.add(value)
                hits.append(f"{path}: secret {_fingerprint(value)} (from {state.secrets[value]})")
    return hits


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    state = _current()
    if state is None:
        return
    state.found = scan(state)
    if state.found and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    state = _current()
    if state is None or not state.found:
        return
    terminalreporter.write_sep("=", "secrets found in log or data files", red=True, bold=True)
    for line in state.found:
        terminalreporter.write_line(line, red=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    state, _Active.state = _Active.state, None
    if state is None:
        return
    if state.stop_watching is not None:
        state.stop_watching()
    if state.previous_env is None:
        os.environ.pop(LOG_DIR_ENV, None)
    else:
        os.environ[LOG_DIR_ENV] = state.previous_env
    if not state.found:  # a dir with a leak stays, for whoever fixes it
        shutil.rmtree(state.log_dir, ignore_errors=True)
