"""The window checks its database in the background and says in the status bar when it is damaged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from inspector.core.store.event_store import EventStore
from inspector.ui.window.main_window import MainWindow
from tests.store_files import damaged_history, digest, history
from tests.ui.helpers import WAIT


def test_a_damaged_database_shows_in_the_status_bar(
    qtbot: Any, tmp_path: Path, make_window: Callable[..., MainWindow]
) -> None:
    db = damaged_history(tmp_path / "data")
    before = digest(db)
    store = EventStore.open(db.parent)
    try:
        window = make_window(store, None)
        label = window.status.store_problem_label
        with qtbot.waitSignal(window.session.storeProblem, timeout=WAIT):
            window.session.check_store()
        qtbot.waitUntil(label.isVisible, timeout=WAIT)
        text = label.full_text  # what is shown is that, or its first words and "…"
        assert text.startswith("The event database ") and "is damaged" in text
        assert label.text() == text or text.startswith(label.text()[:-1].rstrip(",;:—-"))
        assert "left untouched" in label.toolTip()
        window.close()
    finally:
        store.close()
    assert digest(db) == before


def test_a_sound_database_shows_nothing(
    qtbot: Any, tmp_path: Path, make_window: Callable[..., MainWindow]
) -> None:
    history(tmp_path / "data", 20)
    store = EventStore.open(tmp_path / "data")
    try:
        window = make_window(store, None)
        with qtbot.waitSignal(window.session.storeProblem, timeout=WAIT) as done:
            window.session.check_store()
        assert done.args[0] is None
        assert not window.status.store_problem_label.isVisible()
        window.close()
    finally:
        store.close()
