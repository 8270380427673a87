"""Retention in the real window: a real listener, a real store, the pruner's real thread; the
table drops what was pruned, Keep protects a row, the dialog asks before removing and saves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from inspector.core.capture.listener import Listener
from inspector.core.store.event_store import EventStore
from inspector.core.store.keep_limits import KeepLimits, format_size
from inspector.ui.events.events_model import BadgesRole
from inspector.ui.history_keeper import limits_from_settings, save_limits
from inspector.ui.window.history_controls import KEEP_TEXT, UNKEEP_TEXT, short_limits
from inspector.ui.window.main_window import MainWindow
from tests.ui.helpers import numbered_envelope, store_events

WAIT = 10_000
FIVE = KeepLimits(days=None, events=5, size=None)


def post_many(listener: Listener, start: int, n: int) -> None:
    with requests.Session() as http:
        for i in range(start, start + n):
            reply = http.post(f"{listener.url}/hooks", json=numbered_envelope(i), timeout=10)
            assert reply.status_code == 200


def eid(i: int) -> str:
    return str(numbered_envelope(i)["event_id"])


def shown_ids(window: MainWindow) -> list[str | None]:
    model = window.model
    return [s.event_id for r in range(model.rowCount()) if (s := model.summary_at(r)) is not None]


def test_the_table_keeps_only_what_the_limits_keep_while_deliveries_stream(
    qtbot: Any, make_window: Callable[..., MainWindow], store: EventStore, listener: Listener
) -> None:
    window = make_window(store, listener, keep=FIVE)
    indicator = window.history.indicator
    assert "keeps 5 events" in indicator.text()
    post_many(listener, 0, 20)
    newest = [eid(i) for i in range(19, 14, -1)]
    qtbot.waitUntil(lambda: shown_ids(window) == newest, timeout=WAIT)
    qtbot.waitUntil(lambda: window.model.total_count == 5, timeout=WAIT)
    assert store.count() == 5
    keeper = window.session.history
    qtbot.waitUntil(lambda: keeper.usage is not None, timeout=WAIT)
    assert keeper.usage is not None
    assert indicator.text() == f"History {format_size(keeper.usage.used_bytes)} · keeps 5 events"
    qtbot.waitUntil(lambda: "15 old events removed" in indicator.toolTip(), timeout=WAIT)


def test_a_kept_event_survives_pruning_and_can_be_let_go(
    qtbot: Any, make_window: Callable[..., MainWindow], store: EventStore, listener: Listener
) -> None:
    seqs = store_events(store, [numbered_envelope(i) for i in range(3)])
    window = make_window(store, listener)
    window.activateWindow()
    window.select_seq(seqs[0])
    controls = window.history
    assert controls.keep_action.text() == KEEP_TEXT and controls.keep_action.isEnabled()
    controls.keep_action.trigger()
    qtbot.waitUntil(lambda: controls.keep_action.text() == UNKEEP_TEXT, timeout=WAIT)
    row = window.model.row_of_seq(seqs[0])
    assert row is not None
    assert ("kept", "info") in window.model.index(row, 0).data(BadgesRole)
    window.session.history.set_limits(KeepLimits(days=None, events=1, size=None))
    post_many(listener, 10, 4)
    qtbot.waitUntil(lambda: shown_ids(window) == [eid(13), eid(0)], timeout=WAIT)
    assert [s.event_id for s in store.query("is:pinned")] == [eid(0)]
    window.select_seq(seqs[0])
    controls.keep_action.trigger()  # Stop keeping: the next look prunes it
    qtbot.waitUntil(lambda: store.count() == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: shown_ids(window) == [eid(13)], timeout=WAIT)


def test_the_dialog_says_how_many_would_go_and_removes_nothing_on_cancel(
    qtbot: Any, make_window: Callable[..., MainWindow], store: EventStore, settings: QSettings
) -> None:
    store_events(store, [numbered_envelope(i) for i in range(30)])
    window = make_window(store, None, keep=KeepLimits())
    dialog = window.history.open_dialog()
    dialog.events_check.setChecked(True)
    dialog.events_spin.setValue(10)
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: dialog.confirm_box is not None and dialog.confirm_box.isVisible(), timeout=WAIT)
    box = dialog.confirm_box
    assert box is not None
    assert "removes about 20 of the oldest events" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT)
    assert dialog.isVisible() and store.count() == 30
    assert window.session.history.limits == KeepLimits()
    assert settings.value("history/keepEvents") is None


def test_saving_tighter_limits_removes_the_oldest_and_remembers_them(
    qtbot: Any, make_window: Callable[..., MainWindow], store: EventStore, settings: QSettings
) -> None:
    store_events(store, [numbered_envelope(i) for i in range(30)])
    window = make_window(store, None, keep=KeepLimits())
    dialog = window.history.open_dialog()
    dialog.days_check.setChecked(False)
    dialog.events_check.setChecked(True)
    dialog.events_spin.setValue(10)
    dialog.size_spin.setValue(500)
    dialog.size_unit.setCurrentIndex(0)  # MB
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: dialog.confirm_box is not None and dialog.confirm_box.isVisible(), timeout=WAIT)
    box = dialog.confirm_box
    assert box is not None
    remove = next(b for b in box.buttons() if b.text() == "Remove and save")
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: store.count() == 10, timeout=WAIT)
    qtbot.waitUntil(lambda: window.model.rowCount() == 10, timeout=WAIT)
    expected = KeepLimits(days=None, events=10, size=500_000_000)
    assert window.session.history.limits == expected
    assert limits_from_settings(settings) == expected
    assert window.history.indicator.text().endswith(f"keeps {short_limits(expected)}")


def test_saved_limits_read_back_and_garbage_falls_back_to_the_default(settings: QSettings) -> None:
    save_limits(settings, KeepLimits(days=0.5, events=None, size=3_000_000_000))
    assert limits_from_settings(settings) == KeepLimits(days=0.5, events=None, size=3_000_000_000)
    settings.setValue("history/keepDays", "soon")
    settings.setValue("history/keepSize", "-5")
    assert limits_from_settings(settings) == KeepLimits(days=30, events=None, size=2_000_000_000)
