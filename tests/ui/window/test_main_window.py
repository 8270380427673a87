"""The main window against a real listener on loopback and a real SQLite file (offscreen Qt)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTableView,
    QTabWidget,
    QToolButton,
    QTreeView,
)

from inspector.core.capture.listener import Listener, ListenerConfig
from inspector.core.capture.token_ring import TokenRing
from inspector.core.events import NewEvent
from inspector.core.paths import AppDirs
from inspector.core.store.event_store import EventStore
from inspector.ui.events.events_model import COL_TYPE, COL_VERDICT, SeqRole
from inspector.ui.session import InspectorSession
from inspector.ui.window.main_window import MainWindow, build_main_window
from tests.ui.helpers import Post, numbered_envelope


def rows(window: MainWindow) -> int:
    return window.model.rowCount()


def seqs(window: MainWindow) -> list[int]:
    return list(window.model.loaded_seqs())


def type_filter(qtbot: Any, window: MainWindow, text: str) -> None:
    """Type into the filter box like a user and wait for the debounced reload."""
    edit = window.findChild(QLineEdit, "filterEdit")
    edit.clear()
    with qtbot.waitSignal(window.filter_bar.queryChanged, timeout=3000):
        qtbot.keyClicks(edit, text)


def stored(n: int, event_type: str = "transaction.created", **overrides: Any) -> NewEvent:
    body = json.dumps(numbered_envelope(n, event_type)).encode()
    fields: dict[str, Any] = {
        "received_at": 1_790_000_000.0 + n,
        "method": "POST",
        "path": "/webhooks",
        "query": "",
        "headers": (("Content-Type", "application/json"),),
        "body": body,
        "status": 200,
        "event_id": f"evt_{n:06d}",
        "event_identifier": event_type,
    }
    fields.update(overrides)
    return NewEvent(**fields)


def test_widgets_carry_stable_object_names(window: MainWindow) -> None:
    for cls, name in [
        (QTableView, "eventsTable"),
        (QLineEdit, "filterEdit"),
        (QComboBox, "eventTypeCombo"),
        (QTabWidget, "detailTabs"),
        (QTreeView, "jsonTree"),
        (QPlainTextEdit, "rawView"),
        (QTableView, "headersView"),
        (QLabel, "statusListenerUrl"),
        (QToolButton, "pauseButton"),
        (QToolButton, "followToggle"),
        (QToolButton, "clearHistoryButton"),
    ]:
        assert window.findChild(cls, name) is not None, name
    assert window.findChild(QLabel, "statusListenerUrl").text() == window.listener.url


def test_posted_delivery_appears_as_a_row(qtbot: Any, window: MainWindow, post: Post) -> None:
    assert rows(window) == 0
    response = post(numbered_envelope(1, "card.activated"))
    assert response.status_code == 200
    qtbot.waitUntil(lambda: rows(window) == 1, timeout=5000)
    index = window.model.index(0, COL_TYPE)
    assert index.data() == "card.activated"
    qtbot.waitUntil(lambda: window.filter_bar.count_label.text() == "1 of 1 events", timeout=5000)
    assert window.status.count_label.text() == "1 event"
    # The new type is offered in the dropdown without a restart.
    qtbot.waitUntil(lambda: "card.activated" in window.filter_bar.types(), timeout=5000)


def test_verdicts_show_as_badges(qtbot: Any, window: MainWindow, post: Post) -> None:
    post(numbered_envelope(1))
    post(numbered_envelope(1))  # redelivery: duplicate
    post({"hello": "world"})  # JSON but not the envelope
    post(b"{not json")  # 400, still recorded
    qtbot.waitUntil(lambda: rows(window) == 4, timeout=5000)
    verdicts = [window.model.index(r, COL_VERDICT).data() for r in range(4)]
    assert "invalid JSON" in verdicts[0]
    assert "not an envelope" in verdicts[1]
    assert "duplicate" in verdicts[2]
    assert "duplicate" not in verdicts[3]


def test_filter_narrows_and_bad_query_shows_its_error(qtbot: Any, window: MainWindow, post: Post) -> None:
    for n, kind in enumerate(["transaction.created", "card.created", "transaction.settled"]):
        post(numbered_envelope(n, kind))
    post(b"{broken")
    qtbot.waitUntil(lambda: rows(window) == 4, timeout=5000)

    type_filter(qtbot, window, "type:transaction.*")
    qtbot.waitUntil(lambda: rows(window) == 2, timeout=5000)
    qtbot.waitUntil(lambda: window.filter_bar.count_label.text() == "2 of 4 events", timeout=5000)

    type_filter(qtbot, window, "status:4xx")
    qtbot.waitUntil(lambda: rows(window) == 1, timeout=5000)

    type_filter(qtbot, window, "status:4xx colour:red")
    error = window.findChild(QLabel, "filterErrorLabel")
    assert not error.isHidden()
    assert "colour" in error.text()
    assert "column 12" in error.text()  # where "colour:" starts in the box
    assert rows(window) == 1  # the table keeps the last good result

    type_filter(qtbot, window, "status:abc")
    assert "status:abc" in error.text()

    # Ctrl+L clears the filter and the error.
    qtbot.keyClick(window.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: rows(window) == 4, timeout=5000)
    assert error.isHidden()
    assert window.findChild(QLineEdit, "filterEdit").text() == ""


def test_event_type_dropdown_narrows(qtbot: Any, window: MainWindow, post: Post) -> None:
    for n, kind in enumerate(["card.created", "card.created", "transaction.created"]):
        post(numbered_envelope(n, kind))
    qtbot.waitUntil(lambda: rows(window) == 3, timeout=5000)
    combo = window.findChild(QComboBox, "eventTypeCombo")
    qtbot.waitUntil(lambda: combo.count() == 3, timeout=5000)  # "All" + two types
    with qtbot.waitSignal(window.model.loaded, timeout=5000):
        combo.setCurrentIndex(combo.findData("card.created"))
        combo.activated.emit(combo.currentIndex())
    assert rows(window) == 2
    # The typed text combines with the dropdown.
    type_filter(qtbot, window, "id:evt_000001")
    qtbot.waitUntil(lambda: rows(window) == 1, timeout=5000)


def test_selecting_a_row_fills_the_panes(qtbot: Any, window: MainWindow, post: Post) -> None:
    post(numbered_envelope(7, "transaction.created", memo="coffee"), path="/webhooks?source=test")
    qtbot.waitUntil(lambda: rows(window) == 1, timeout=5000)
    window.select_row(0)
    seq = window.model.index(0, 0).data(SeqRole)
    shown = window.panes.current_event()
    assert shown is not None
    assert shown.seq == seq
    assert window.findChild(QTreeView, "jsonTree").model().rowCount(QModelIndex()) > 0
    assert "coffee" in window.findChild(QPlainTextEdit, "rawView").toPlainText()
    headers = window.findChild(QTableView, "headersView").model()
    names = {headers.index(r, 0).data() for r in range(headers.rowCount(QModelIndex()))}
    assert any(name.lower() == "content-type" for name in names)


def test_keyboard_moves_copies_and_finds(qtbot: Any, window: MainWindow, post: Post) -> None:
    for n in range(3):
        post(numbered_envelope(n))
    qtbot.waitUntil(lambda: rows(window) == 3, timeout=5000)
    window.select_row(0)
    window.activateWindow()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert window.table.currentIndex().row() == 1
    assert window.panes.current_event().event_id == "evt_000001"

    qtbot.keyClick(window.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert json.loads(QGuiApplication.clipboard().text()) == numbered_envelope(1)
    # Release the panes' QMimeData while the application is alive (PySide crashes at exit otherwise).
    QGuiApplication.clipboard().clear()

    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    edit = window.findChild(QLineEdit, "filterEdit")
    assert edit.hasFocus()
    # Up/Down in the filter box still walk the events.
    qtbot.keyClick(edit, Qt.Key.Key_Up)
    assert window.table.currentIndex().row() == 0


def test_pause_holds_rows_and_resume_shows_them(qtbot: Any, window: MainWindow, post: Post) -> None:
    post(numbered_envelope(0))
    qtbot.waitUntil(lambda: rows(window) == 1, timeout=5000)
    pause = window.findChild(QToolButton, "pauseButton")
    pause.click()
    assert window.model.paused
    for n in range(1, 4):
        post(numbered_envelope(n))
    label = window.findChild(QLabel, "statusPausedCount")
    qtbot.waitUntil(lambda: label.text() == "3 new while paused", timeout=5000)
    assert rows(window) == 1
    pause.click()
    assert rows(window) == 4
    assert label.isHidden()
    assert seqs(window) == sorted(seqs(window), reverse=True)


def test_follow_selects_the_newest(qtbot: Any, window: MainWindow, post: Post) -> None:
    post(numbered_envelope(0))
    qtbot.waitUntil(lambda: rows(window) == 1, timeout=5000)
    window.findChild(QToolButton, "followToggle").click()
    response = post(numbered_envelope(1))
    newest = response.json()["seq"]
    qtbot.waitUntil(lambda: window.panes.current_event() is not None, timeout=5000)
    qtbot.waitUntil(lambda: window.panes.current_event().seq == newest, timeout=5000)
    assert window.table.currentIndex().row() == 0


def test_clear_history_after_confirmation(
    qtbot: Any, window: MainWindow, post: Post, store: EventStore
) -> None:
    for n in range(3):
        post(numbered_envelope(n))
    qtbot.waitUntil(lambda: rows(window) == 3, timeout=5000)
    window.findChild(QToolButton, "clearHistoryButton").click()
    box = window.clear_dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "3" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert store.count() == 3

    window.findChild(QToolButton, "clearHistoryButton").click()
    window.clear_dialog.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: rows(window) == 0, timeout=10_000)
    assert store.count() == 0
    qtbot.waitUntil(lambda: window.status.count_label.text() == "0 events", timeout=5000)
    post(numbered_envelope(9))  # still listening afterwards
    qtbot.waitUntil(lambda: rows(window) == 1, timeout=5000)


def test_duplicate_link_selects_the_earlier_delivery(qtbot: Any, window: MainWindow, post: Post) -> None:
    first = post(numbered_envelope(1)).json()["seq"]
    for n in range(2, 6):
        post(numbered_envelope(n))
    post(numbered_envelope(1))  # redelivery of evt_000001
    qtbot.waitUntil(lambda: rows(window) == 6, timeout=5000)
    type_filter(qtbot, window, "is:duplicate")
    qtbot.waitUntil(lambda: rows(window) == 1, timeout=5000)
    window.select_row(0)
    assert window.panes.current_event().duplicate_of == first

    window.panes.duplicateActivated.emit(first)  # what the verdict pane's link does
    qtbot.waitUntil(lambda: window.panes.current_event().seq == first, timeout=5000)
    assert window.findChild(QLineEdit, "filterEdit").text() == ""
    assert window.table.currentIndex().data(SeqRole) == first


def test_big_body_opens_without_hanging(qtbot: Any, window: MainWindow, post: Post) -> None:
    items = [{"i": i, "memo": "x" * 40} for i in range(75_000)]
    body = numbered_envelope(1, items=items)
    assert 4_500_000 < len(json.dumps(body)) < 5 * 1024 * 1024  # just under the listener's limit
    assert post(body).status_code == 200
    post(b"[" * 100_000 + b"]" * 100_000)  # too deep: rejected (400) but recorded
    qtbot.waitUntil(lambda: rows(window) == 2, timeout=10_000)
    for row in (0, 1):
        window.select_row(row)
        assert window.panes.current_event() is not None
    # The window still answers: a debounced filter round trip completes.
    type_filter(qtbot, window, "status:200")
    qtbot.waitUntil(lambda: rows(window) == 1, timeout=5000)


def test_burst_from_four_threads_is_coalesced(qtbot: Any, window: MainWindow, listener: Listener) -> None:
    inserted: list[int] = []
    window.model.rowsInserted.connect(lambda _p, first, last: inserted.append(last - first + 1))
    resets: list[int] = []
    window.model.modelReset.connect(lambda: resets.append(1))
    per_thread, threads = 125, 4
    errors: list[BaseException] = []

    def client(t: int) -> None:
        try:
            with requests.Session() as session:
                for i in range(per_thread):
                    n = t * per_thread + i
                    r = session.post(listener.url + "/webhooks", json=numbered_envelope(n), timeout=10)
                    assert r.status_code == 200
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=client, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    total = per_thread * threads
    qtbot.waitUntil(lambda: rows(window) == total, timeout=30_000)
    for w in workers:
        w.join()
    assert not errors
    assert sum(inserted) == total
    print(f"{len(inserted)} insert operations for {total} deliveries")
    assert len(inserted) <= total // 10, f"{len(inserted)} insert operations for {total} deliveries"
    assert not resets
    assert len(set(seqs(window))) == total
    assert seqs(window) == sorted(seqs(window), reverse=True)
    qtbot.waitUntil(lambda: window.model.total_count == total, timeout=5000)
    qtbot.waitUntil(lambda: window.model.matching_count == total, timeout=5000)


def test_history_and_layout_survive_a_restart(
    qtbot: Any, make_window: Callable[..., MainWindow], tmp_path: Path, settings: QSettings
) -> None:
    data_dir = tmp_path / "restart"
    store = EventStore.open(data_dir)
    listener = Listener(store, ListenerConfig(port=0), TokenRing())
    listener.start()
    try:
        first = make_window(store, listener)
        for n in range(3):
            requests.post(listener.url + "/webhooks", json=numbered_envelope(n), timeout=10)
        qtbot.waitUntil(lambda: first.model.rowCount() == 3, timeout=5000)
        first.table.setColumnWidth(COL_TYPE, 333)
        first.resize(640, 480)  # within the offscreen 800x600 screen
        first.close()
    finally:
        listener.stop()
        store.close()

    store2 = EventStore.open(data_dir)
    listener2 = Listener(store2, ListenerConfig(port=0), TokenRing())
    listener2.start()
    try:
        again = make_window(store2, listener2, QSettings(settings.fileName(), QSettings.Format.IniFormat))
        assert again.model.rowCount() == 3
        assert again.model.index(2, 0).data(SeqRole) == 1
        assert again.table.columnWidth(COL_TYPE) == 333
        assert again.size().width() == 640
        assert "secret" not in Path(settings.fileName()).read_text().lower()
        again.close()
    finally:
        listener2.stop()
        store2.close()


def test_taken_port_opens_the_window_with_an_offer(
    qtbot: Any, store: EventStore, settings: QSettings, tmp_path: Path
) -> None:
    holder = socket.create_server(("127.0.0.1", 0))
    taken = holder.getsockname()[1]
    announced: list[str] = []
    dirs = AppDirs.resolve(tmp_path / "data", tmp_path / "config")
    session = InspectorSession(store, dirs, config=ListenerConfig(port=taken))
    session.listenerStarted.connect(announced.append)
    assert session.start_listener() is False
    window = build_main_window(session, settings)
    qtbot.addWidget(window)
    try:
        window.show()
        assert window.listener is None
        box = window.findChild(QMessageBox, "portTakenDialog")
        assert box is not None and box.isVisible()
        assert str(taken) in box.text()
        url_label = window.findChild(QLabel, "statusListenerUrl")
        assert "not listening" in url_label.text()
        assert "Errno" not in url_label.full_text and "Errno" not in box.text()  # a sentence, no errno
        assert window.statusBar().currentMessage() == ""  # nothing painted over the red label
        assert announced == []

        box.findChild(type(box.defaultButton()), "useFreePortButton").click()
        qtbot.waitUntil(lambda: window.listener is not None, timeout=5000)
        assert window.listener.port != taken
        assert announced == [window.listener.url]
        assert window.findChild(QLabel, "statusListenerUrl").text() == window.listener.url
        requests.post(window.listener.url + "/webhooks", json=numbered_envelope(1), timeout=10)
        qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    finally:
        window.close()
        session.shutdown()
        holder.close()
    assert session.listener is not None and not session.listener.running  # the session stopped its own


def test_stored_history_loads_in_pages(
    qtbot: Any, make_window: Callable[..., MainWindow], store: EventStore, listener: Listener
) -> None:
    store.insert_many([stored(n) for n in range(450)])
    window = make_window(store, listener)
    assert rows(window) == 200  # one page, not the whole history
    window.table.scrollToBottom()
    qtbot.waitUntil(lambda: rows(window) > 200, timeout=5000)
    qtbot.waitUntil(lambda: window.model.total_count == 450, timeout=5000)


def test_gui_command_prints_its_url_and_stops_cleanly(tmp_path: Path) -> None:
    """The real `webhook-inspector gui` process: URL line on stdout, a delivery stored, SIGTERM -> 0."""
    import os
    import signal
    import subprocess
    import sys

    from tests.waiting import wait_until

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    cmd = [sys.executable, "-m", "inspector", "gui", "--port", "0"]
    cmd += ["--data-dir", str(tmp_path / "data"), "--config-dir", str(tmp_path / "config")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()), daemon=True)
        reader.start()
        first = wait_until(lambda: lines and lines[0], timeout=30)
        assert first.startswith("listening on http://127.0.0.1:")
        url = first.split()[-1]
        assert requests.post(url + "/webhooks", json=numbered_envelope(1), timeout=10).status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        reader.join(5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    store = EventStore.open(tmp_path / "data")
    assert store.count() == 1
    store.close()
    assert (tmp_path / "config" / "window.ini").exists()


def test_gui_command_unusable_data_dir_is_one_line_and_exit_2(tmp_path: Path, capsys: Any) -> None:
    from inspector.cli import main

    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    assert main(["gui", "--data-dir", str(not_a_dir), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "data dir" in err and "Traceback" not in err


def test_verdict_header_click_keeps_the_real_sort(qtbot: Any, window: MainWindow) -> None:
    header = window.table.horizontalHeader()
    header.setSortIndicator(COL_VERDICT, Qt.SortOrder.AscendingOrder)
    assert header.sortIndicatorSection() == 0  # back on "Received", which is what is sorted
    assert window.model.order == ("seq", True)


def test_status_bar_sentences_end_at_a_word_and_the_title_names_the_app_once(
    qtbot: Any, window: MainWindow
) -> None:
    from inspector.ui.window.status_bar import elide_at_word

    sentence = "2 known webhooks have no verification token (wh_a, wh_b); Its token is lost"
    for width in range(4, len(sentence)):
        shown = elide_at_word(sentence, lambda t, w=width: len(t) <= w)
        assert len(shown) <= max(width, 2) or shown == "…"
        assert shown.endswith("…")
        head = shown[:-1]
        # Cut at a word: what is kept is whole words (only a single first word may be cut).
        assert sentence.startswith(head) and (
            sentence[len(head) : len(head) + 1] in (" ", ",", ";", "") or " " not in head
        ), shown
    window.status.set_token_problem(sentence)
    window.resize(700, 500)
    label = window.status.token_problem_label
    qtbot.waitUntil(lambda: label.text() != sentence, timeout=5000)
    assert label.text().endswith("…") and not label.text().endswith("l…") and label.toolTip()
    assert window.windowTitle() == window.listener.url  # Qt adds " — Webhook Inspector" itself
