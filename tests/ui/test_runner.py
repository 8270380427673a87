"""The background runner: callbacks on the GUI thread, and database threads that keep their
store connection from job to job."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from inspector.core.store.event_store import EventStore
from inspector.ui.runner import Runner


def test_results_and_errors_come_back_on_the_gui_thread(qtbot: QtBot, runner: Runner) -> None:
    seen: list[tuple[str, object, bool]] = []
    gui = threading.current_thread()

    def fail() -> None:
        raise ValueError("no such row")

    runner.submit(
        lambda: 41 + 1, on_done=lambda v: seen.append(("done", v, threading.current_thread() is gui))
    )
    runner.submit(fail, on_error=lambda e: seen.append(("error", str(e), threading.current_thread() is gui)))
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=10_000)
    assert sorted(seen) == [("done", 42, True), ("error", "no such row", True)]


def test_many_queries_on_the_pool_reuse_a_connection_per_thread(
    qtbot: QtBot, runner: Runner, store: EventStore
) -> None:
    """A soak found one new SQLite connection (never closed) per count job: Qt runs each job under
    a fresh Python thread state, so a thread-local connection was made again every time."""
    answers: list[int] = []
    for n in range(1, 61):
        runner.submit(store.count, on_done=answers.append)
        qtbot.waitUntil(lambda: len(answers) == n, timeout=10_000)  # noqa: B023 (waited on here)
    threads = QThreadPool.globalInstance().maxThreadCount()
    assert answers == [0] * 60
    assert store.open_connections() <= threads + 1, store.open_connections()
