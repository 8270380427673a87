"""The window's crash reporting with a real run (log file, excepthooks), a real window and listener."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from inspector.core.diagnostics import LOG_DIR_ENV
from inspector.ui.crash_dialog import CrashDialog
from inspector.ui.crash_reporting import install_crash_reporting
from inspector.ui.window.main_window import MainWindow
from tests.log_secrets import remember_secret
from tests.ui.conftest import StartRun

# Our hooks take the exceptions here; pytest-qt's own capture would fail the tests.
pytestmark = pytest.mark.qt_no_exception_capture

SECRET = "tok-slot-error-5d1c9e7a2b"
REPO = Path(__file__).resolve().parents[2]
CRASHING_GUI = textwrap.dedent(
    """
    import faulthandler, resource, sys
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    import inspector.commands.gui as gui
    gui.run = lambda args: faulthandler._sigsegv()  # a native crash inside the real command
    from inspector.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def envelope(event_id: str) -> dict[str, object]:
    return {"event_id": event_id, "event_identifier": "card.created", "data": {"n": 1}}


def test_an_exception_in_a_slot_opens_the_dialog_and_the_app_keeps_answering(
    qtbot: Any,
    window: MainWindow,
    post: Callable[..., requests.Response],
    start_gui_run: StartRun,
    logs: Path,
) -> None:
    remember_secret(SECRET)
    reporting = install_crash_reporting(window, start_gui_run())
    reporter = reporting.reporter
    assert reporting.notice is None  # no earlier crash

    def broken_view(_notice: object) -> None:
        raise RuntimeError(f"the view broke; Authorization: Bearer {SECRET}")

    window.session.committed.connect(broken_view)
    assert post(envelope("evt_slot_1")).status_code == 200
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    assert isinstance(dialog, CrashDialog)
    assert dialog.summary.text().startswith("Unexpected error in ")
    assert "broken_view: RuntimeError: the view broke" in dialog.summary.text()
    assert SECRET not in dialog.details_text() and "[redacted]" in dialog.details_text()

    # The window lives on: the next deliveries are answered, stored and shown.
    window.session.committed.disconnect(broken_view)
    assert post(envelope("evt_slot_2")).status_code == 200
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)

    # A worker that fails with nobody to tell reaches the same dialog.
    def failing_count() -> int:
        raise ValueError("a background count failed")

    window.session.runner.submit(failing_count)
    qtbot.waitUntil(lambda: dialog.count == 2)
    assert "a background count failed" in dialog.details_text()
    text = (logs / "gui.log").read_text()
    assert "ERROR   inspector.crash" in text and "the view broke" in text
    assert "a background count failed" in text
    assert SECRET not in text


def test_a_native_crash_leaves_a_report_the_next_window_mentions(
    qtbot: Any,
    window: MainWindow,
    start_gui_run: StartRun,
    logs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_GUI, "gui", "--data-dir", str(tmp_path / "other")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPO,
        env={**os.environ, LOG_DIR_ENV: str(logs)},
    )
    assert crashed.returncode == -signal.SIGSEGV, crashed.stderr
    reporting = install_crash_reporting(window, start_gui_run())
    notice = reporting.notice
    assert isinstance(notice, QMessageBox) and notice.isVisible() and not notice.isModal()
    assert notice.text().startswith("The last run of webhook-inspector gui crashed (Fatal Python error: Segm")
    report = Path(notice.text().rsplit("the report is at ", 1)[1])
    assert report.parent == logs and "Segmentation fault" in report.read_text()
    assert window.statusBar().currentMessage() == notice.text()
    opened: list[str] = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", lambda url: opened.append(QUrl(url).toLocalFile()) or True
    )
    button = next(b for b in notice.buttons() if b.objectName() == "previousCrashOpenLog")
    button.click()
    assert opened == [str(logs)]
