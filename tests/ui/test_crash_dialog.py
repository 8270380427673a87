"""The crash dialog with real widgets: exceptions escaping real slots and workers reach it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from inspector.core.diagnostics import doing, install_excepthooks, register_secret, setup_logging
from inspector.core.diagnostics.log_setup import shutdown_logging
from inspector.ui.crash_dialog import CrashDialog, CrashReporter

# Our hooks take the exceptions in these tests; pytest-qt's own capture would fail them.
pytestmark = pytest.mark.qt_no_exception_capture

SECRET = "tok-crash-dialog-0f3a9c2e71b4"
UNREGISTERED = "Zq8unregisteredXy41"


@pytest.fixture
def window(qtbot: Any) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "logs"
    setup_logging(verbose=False, log_file=directory / "gui.log", command="gui")
    yield directory
    shutdown_logging()


@pytest.fixture
def reporter(window: QWidget, log_dir: Path) -> Iterator[CrashReporter]:
    crash = CrashReporter(window, log_dir, log_dir / "gui.log")
    hooks = install_excepthooks(crash.report)
    yield crash
    hooks.uninstall()


@doing("exporting events")
def export_events() -> None:
    raise ValueError(f"provider said Authorization: Bearer {UNREGISTERED}; token={SECRET}")


def failing_button(window: QWidget) -> QPushButton:
    button = QPushButton("Export", window)
    button.clicked.connect(export_events)
    button.show()
    return button


def visible_crash_dialogs() -> list[CrashDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog) and w.isVisible()]


def test_an_exception_in_a_slot_opens_a_non_blocking_dialog(
    qtbot: Any, window: QWidget, reporter: CrashReporter
) -> None:
    button = failing_button(window)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    assert dialog is not None
    assert dialog.windowTitle() == "Something went wrong"
    assert dialog.summary.text().startswith(
        "Unexpected error while exporting events: ValueError: provider said"
    )
    assert not dialog.isModal() and QApplication.activeModalWidget() is None
    assert not dialog.details.isVisible()  # collapsed until asked for
    assert not dialog.count_label.isVisible()

    # The app keeps running: the window still reacts.
    clicks: list[bool] = []
    other = QPushButton("Other", window)
    other.clicked.connect(lambda: clicks.append(True))
    other.show()
    qtbot.mouseClick(other, Qt.MouseButton.LeftButton)
    assert clicks == [True]


def test_several_errors_make_one_dialog_with_a_count(
    qtbot: Any, window: QWidget, reporter: CrashReporter
) -> None:
    button = failing_button(window)
    for _ in range(3):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.count == 3)
    dialog = reporter.dialog
    assert dialog is not None
    assert visible_crash_dialogs() == [dialog]
    assert dialog.count_label.isVisible()
    assert dialog.count_label.text() == "3 errors so far; the details show the first 3."
    assert dialog.details_text().count("--- error ") == 3

    dialog.reject()  # closed: the next error starts a new count in the same dialog
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.isVisible)
    assert reporter.dialog is dialog and dialog.count == 1
    assert not dialog.count_label.isVisible()
    assert visible_crash_dialogs() == [dialog]


def test_copy_details_puts_redacted_text_on_the_clipboard(
    qtbot: Any, window: QWidget, reporter: CrashReporter, log_dir: Path
) -> None:
    assert register_secret(SECRET)
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(failing_button(window), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    assert dialog is not None
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    shown = dialog.details.toPlainText()
    logged = (log_dir / "gui.log").read_text()
    for text in (copied, shown, dialog.summary.text(), logged):
        assert SECRET not in text
        assert UNREGISTERED not in text
    assert copied == shown
    assert "Unexpected error while exporting events: ValueError" in copied
    assert f"Log file: {log_dir / 'gui.log'}" in copied
    assert "Traceback (most recent call last):" in copied
    assert "ValueError: provider said Authorization: Bearer [redacted]" in copied


def test_details_open_and_close(qtbot: Any, window: QWidget, reporter: CrashReporter) -> None:
    qtbot.mouseClick(failing_button(window), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    assert dialog is not None
    qtbot.mouseClick(dialog.details_toggle, Qt.MouseButton.LeftButton)
    assert dialog.details.isVisible()
    assert "export_events" in dialog.details.toPlainText()
    qtbot.mouseClick(dialog.details_toggle, Qt.MouseButton.LeftButton)
    assert not dialog.details.isVisible()


class UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_open_log_folder_asks_the_desktop_to_open_the_log_dir(
    qtbot: Any, window: QWidget, reporter: CrashReporter, log_dir: Path
) -> None:
    qtbot.mouseClick(failing_button(window), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    assert dialog is not None
    catcher = UrlCatcher()
    # Qt's own hook for file: URLs, so the test does not start a file manager.
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        qtbot.mouseClick(dialog.open_log_button, Qt.MouseButton.LeftButton)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in catcher.urls] == [str(log_dir)]


class FailingJob(QRunnable):
    def run(self) -> None:
        raise RuntimeError(f"worker failed with token={SECRET}")


def test_an_exception_in_a_pool_worker_reaches_the_dialog(qtbot: Any, reporter: CrashReporter) -> None:
    QThreadPool.globalInstance().start(FailingJob())
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), timeout=10_000)
    dialog = reporter.dialog
    assert dialog is not None
    assert "in FailingJob.run (thread " in dialog.summary.text()
    assert "RuntimeError: worker failed with token=[redacted]" in dialog.summary.text()
    assert dialog.thread() is QApplication.instance().thread()  # built on the GUI thread


def test_an_exception_in_a_python_thread_reaches_the_dialog(qtbot: Any, reporter: CrashReporter) -> None:
    worker = threading.Thread(target=lambda: {}["missing"], name="sync-tokens")
    worker.start()
    worker.join(30)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), timeout=10_000)
    dialog = reporter.dialog
    assert dialog is not None
    assert "(thread sync-tokens): KeyError" in dialog.summary.text()
