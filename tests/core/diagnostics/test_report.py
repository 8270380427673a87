"""The diagnostics text: versions, backends, paths and the database, with no secret and no Qt."""

from __future__ import annotations

import importlib.metadata
import json
import platform
import subprocess
import sys
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

import inspector
from inspector.core.diagnostics import DiagnosticPaths, diagnostics
from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from inspector.core.store.migrations import SCHEMA_VERSION
from tests.core.diagnostics.conftest import REPO


def fields(text: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in text.splitlines())


def paths_under(tmp_path: Path) -> DiagnosticPaths:
    return DiagnosticPaths(
        tmp_path / "data", tmp_path / "config", tmp_path / "logs", tmp_path / "logs" / "gui.log"
    )


def add_events(store: EventStore, n: int) -> None:
    store.insert_many(
        [NewEvent(received_at=1.0, method="POST", path="/hook", query="", headers=(), body=b"{}", status=200)]
        * n
    )


def test_report_names_versions_paths_and_the_open_store(tmp_path: Path, no_keyring: KeyringBackend) -> None:
    store = EventStore.open(tmp_path / "data")
    try:
        add_events(store, 3)
        text = diagnostics(paths_under(tmp_path), "http://127.0.0.1:8765", store)
    finally:
        store.close()
    info = fields(text)
    assert info["Webhook Inspector"] == inspector.__version__
    assert info["Python"].startswith(platform.python_version())
    assert info["PySide6"] == importlib.metadata.version("PySide6-Essentials")
    assert info["Platform"] == platform.platform()
    assert info["Keyring"] == "this session only: no keyring available (keyring found no backend)"
    assert info["Data dir"] == str(tmp_path / "data")
    assert info["Config dir"] == str(tmp_path / "config")
    assert info["Log dir"] == str(tmp_path / "logs")
    assert info["Log file"] == str(tmp_path / "logs" / "gui.log")
    assert info["Listener"] == "http://127.0.0.1:8765"
    assert info["Database"].startswith(str(tmp_path / "data" / "events.sqlite3") + ", ")
    assert info["Database"].endswith(", 3 events")


def test_report_reads_a_closed_database_without_changing_it(
    tmp_path: Path, no_keyring: KeyringBackend
) -> None:
    store = EventStore.open(tmp_path / "data")
    add_events(store, 2)
    store.close()
    db = tmp_path / "data" / "events.sqlite3"
    before = db.read_bytes()
    info = fields(diagnostics(paths_under(tmp_path), keyring="in your system keyring: Secret Service"))
    assert info["Database"].endswith(f", 2 events, schema version {SCHEMA_VERSION}")
    assert info["Listener"] == "not running"
    assert info["Keyring"] == "in your system keyring: Secret Service"
    assert db.read_bytes() == before


def test_report_without_a_database(tmp_path: Path, no_keyring: KeyringBackend) -> None:
    info = fields(diagnostics(paths_under(tmp_path)))
    assert info["Database"] == f"{tmp_path / 'data' / 'events.sqlite3'} (not created yet)"
    assert not (tmp_path / "data").exists()  # the report creates nothing


def test_report_of_an_unreadable_database_says_so(tmp_path: Path, no_keyring: KeyringBackend) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "events.sqlite3").write_bytes(b"not a database at all" * 100)
    info = fields(diagnostics(paths_under(tmp_path)))
    assert "unreadable (" in info["Database"]


def test_report_with_the_real_keyring_names_the_backend(
    tmp_path: Path, system_keyring: KeyringBackend
) -> None:
    info = fields(diagnostics(paths_under(tmp_path)))
    assert info["Keyring"] == "in your system keyring: Secret Service"


def test_report_carries_no_secret_and_no_control_character(
    tmp_path: Path, secret: str, no_keyring: KeyringBackend
) -> None:
    odd = DiagnosticPaths(tmp_path / f"da\x1bta{secret}", tmp_path / "config\r\nForged: yes", None)
    text = diagnostics(odd, f"http://127.0.0.1:8765/?token={secret}")
    assert secret not in text
    assert "\x1b" not in text and "\r" not in text
    assert "Forged" not in fields(text)
    assert fields(text)["Log dir"] == "none (logging to stderr)"


@pytest.mark.parametrize("command", ["listen", "export"])
def test_a_headless_report_loads_no_qt(command: str, tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from inspector.core.diagnostics import DiagnosticPaths, diagnostics\n"
        "base = Path(sys.argv[1])\n"
        "text = diagnostics(DiagnosticPaths(base / 'data', base / 'config', base / 'logs'), keyring='x')\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print(json.dumps([text, qt]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=True,
    )
    text, qt_modules = json.loads(result.stdout)
    assert qt_modules == []
    assert fields(text)["Qt"] == "not loaded in this process"
    assert fields(text)["PySide6"] == importlib.metadata.version("PySide6-Essentials")
