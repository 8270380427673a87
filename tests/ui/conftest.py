"""Qt-only fixtures: the real main window on a temp data dir with a real listener on loopback."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import shiboken6
from PySide6.QtCore import QSettings, QThreadPool

from inspector.core.capture.listener import Listener
from inspector.core.diagnostics import RunDiagnostics, shutdown_logging, start_run
from inspector.core.paths import AppDirs
from inspector.core.store.event_store import EventStore
from inspector.ui.runner import Runner
from inspector.ui.session import InspectorSession, session_around
from inspector.ui.window.main_window import MainWindow, build_main_window


@pytest.fixture
def settings(config_dir: Path) -> QSettings:
    """Window settings (layout only) in the test's config dir."""
    return QSettings(str(config_dir / "window.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def own() -> Iterator[Callable[[Any], Any]]:
    """Give a parentless QObject (model, bridge) a lifetime that ends on the GUI thread.

    Left to Python's garbage collector, a QObject with timers can be freed on whatever thread
    happens to run the collection (a pool thread counting rows), which crashes Qt.
    """
    owned: list[Any] = []

    def keep(obj: Any) -> Any:
        owned.append(obj)
        return obj

    yield keep
    QThreadPool.globalInstance().waitForDone(10_000)
    for obj in reversed(owned):
        if shiboken6.isValid(obj):
            shiboken6.delete(obj)


@pytest.fixture
def drain_pool() -> Iterator[None]:
    """After the test, wait for pool jobs (a forwarder closing, a send) so none outlives its store."""
    yield
    QThreadPool.globalInstance().waitForDone(15_000)


@pytest.fixture
def runner() -> Iterator[Runner]:
    """The one background runner, for a widget or dialog tested without a window."""
    made = Runner()
    yield made
    made.wait(10_000)
    shiboken6.delete(made)  # on the GUI thread


@pytest.fixture
def make_session(tmp_path: Path) -> Iterator[Callable[..., InspectorSession]]:
    """Sessions on a store and a listener the test started (shut down at the end of the test)."""
    made: list[InspectorSession] = []

    def make(store: EventStore, listener: Listener | None, **kwargs: Any) -> InspectorSession:
        dirs = AppDirs.resolve(store.path.parent, tmp_path / "config", tmp_path / "log")
        session = session_around(store, listener, dirs, **kwargs)
        made.append(session)
        return session

    yield make
    for session in made:
        session.shutdown()
        if shiboken6.isValid(session):
            shiboken6.delete(session)


@pytest.fixture
def make_window(
    qtbot: Any, settings: QSettings, make_session: Callable[..., InspectorSession]
) -> Iterator[Callable[..., MainWindow]]:
    """Builds (and later closes) windows, each on its own session; closing waits for background
    queries to finish."""
    built: list[MainWindow] = []

    def make(
        store: EventStore, listener: Listener | None, qsettings: QSettings = settings, **kwargs: Any
    ) -> MainWindow:
        window = build_main_window(make_session(store, listener, **kwargs), qsettings)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        built.append(window)
        return window

    yield make
    for window in built:
        window.close()
    QThreadPool.globalInstance().waitForDone(10_000)


@pytest.fixture
def window(make_window: Callable[..., MainWindow], store: EventStore, listener: Listener) -> MainWindow:
    return make_window(store, listener)


@pytest.fixture
def post(listener: Listener) -> Callable[..., requests.Response]:
    session = requests.Session()
    lock = threading.Lock()

    def send(body: Any, path: str = "/webhooks", **kwargs: Any) -> requests.Response:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
        with lock:  # a Session is not thread-safe; bursts use their own sessions
            return session.post(listener.url + path, data=data, headers=headers, timeout=10, **kwargs)

    return send


StartRun = Callable[[], RunDiagnostics]


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    """The log dir of a test's run (`start_gui_run`)."""
    return tmp_path / "logs"


@pytest.fixture
def start_gui_run(logs: Path) -> Iterator[StartRun]:
    """Start a run as `gui` does (log file and crash files in `logs`); closed, and logging put back,
    at the end of the test."""
    root = logging.getLogger()
    level = root.level
    runs: list[RunDiagnostics] = []

    def make() -> RunDiagnostics:
        runs.append(start_run("gui", log_file=logs / "gui.log", crash_dir=logs))
        return runs[-1]

    yield make
    for run in runs:
        run.close()
    shutdown_logging()
    root.setLevel(level)
