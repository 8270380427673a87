"""Help → About / Diagnostics on a real window: the --diagnostics text with this window's facts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication

from inspector.core.diagnostics import LogSetup
from inspector.ui.dialogs.diagnostics_dialog import COLLECTING, DiagnosticsDialog, add_help_menu
from inspector.ui.window.main_window import MainWindow


@pytest.fixture
def log(tmp_path: Path) -> LogSetup:
    folder = tmp_path / "logs"
    return LogSetup("gui", False, folder / "gui.log", folder)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What "Open log folder" asked the desktop to open (there is no file manager here)."""
    urls: list[str] = []

    def open_url(url: QUrl) -> bool:
        urls.append(url.toLocalFile())
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    return urls


def shown_dialog(
    qtbot: Any, window: MainWindow, log: LogSetup, action: str = "diagnosticsAction"
) -> DiagnosticsDialog:
    menu = add_help_menu(window, log)
    assert window.menuBar().actions()[-1].menu() is menu.menu  # Help is the last menu
    next(a for a in menu.menu.actions() if a.objectName() == action).trigger()
    dialog = menu.dialog
    assert isinstance(dialog, DiagnosticsDialog)
    qtbot.waitUntil(lambda: dialog.ready)
    return dialog


def test_diagnostics_shows_versions_paths_listener_and_database(
    qtbot: Any, window: MainWindow, post: Callable[..., requests.Response], log: LogSetup
) -> None:
    assert post({"event_id": "e1", "event_identifier": "card.created", "data": {}}).status_code == 200
    dialog = shown_dialog(qtbot, window, log)
    assert dialog.isVisible() and not dialog.isModal()
    text = dialog.text.toPlainText()
    session = window.session
    for line in (
        f"Qt: {qVersion()}",
        f"Data dir: {session.dirs.data}",
        f"Config dir: {session.dirs.config}",
        f"Log dir: {log.log_dir}",
        f"Log file: {log.log_file}",
        f"Listener: {session.url}",
    ):
        assert line + "\n" in text
    assert f"Database: {session.store.path}, " in text and ", 1 events" in text
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == text


def test_about_opens_the_same_dialog_and_open_log_folder_opens_this_runs_folder(
    qtbot: Any, window: MainWindow, log: LogSetup, opened: list[str]
) -> None:
    dialog = shown_dialog(qtbot, window, log, action="aboutAction")
    assert dialog.windowTitle() == "About Webhook Inspector"
    assert dialog.text.toPlainText() != COLLECTING
    dialog.open_log_button.click()
    assert opened == [str(log.log_dir)]
    assert log.log_dir is not None and log.log_dir.is_dir()  # made if the run has not written yet


def test_without_a_file_manager_the_folder_is_named(
    qtbot: Any, window: MainWindow, log: LogSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda _url: False)
    dialog = shown_dialog(qtbot, window, log)
    dialog.open_log_button.click()
    assert dialog.folder_label.isVisible()
    assert dialog.folder_label.text() == f"The log folder is {log.log_dir}"
