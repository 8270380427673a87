"""The table's context menu: Copy as cURL / HAR entry / body, and filter on a cell's value."""

from __future__ import annotations

import json
import shlex
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu

from inspector.core.capture.listener import Listener
from inspector.ui.events.events_model import COL_STATUS, COL_TYPE
from inspector.ui.window.main_window import MainWindow
from tests.ui.window.test_main_window_actions import WAIT, press, row_of, select, seqs3, win3

__all__ = ["seqs3", "win3"]  # fixtures, used by name


def open_menu(qtbot: Any, window: MainWindow, seq: int, col: int) -> dict[str, Any]:
    table = window.table
    for old in table.findChildren(QMenu, "eventsContextMenu"):
        old.setObjectName("closedMenu")  # deleted later, on close
        old.close()
    table.customContextMenuRequested.emit(
        table.visualRect(window.model.index(row_of(window, seq), col)).center()
    )
    menu = table.findChild(QMenu, "eventsContextMenu")
    assert menu is not None
    qtbot.waitUntil(menu.isVisible, timeout=WAIT)
    return {a.objectName(): a for a in menu.actions() if not a.isSeparator()}


def test_copy_as_curl_har_and_body(qtbot: Any, win3: MainWindow, seqs3: list[int]) -> None:
    select(qtbot, win3, seqs3[1])
    actions = open_menu(qtbot, win3, seqs3[1], 1)
    names = list(actions)
    assert names[:3] == ["copyCurlAction", "copyHarAction", "copyRowBodyAction"]
    assert "replayAction" in names  # the Events menu follows
    actions["copyCurlAction"].trigger()
    text = QGuiApplication.clipboard().text()
    words = shlex.split(text.split("\n", 1)[1].replace("\\\n", " "))
    assert words[0] == "curl" and "evt_0002" in text
    assert "http://127.0.0.1:8765/hooks" in words  # store_events rows carry that Host header

    actions["copyHarAction"].trigger()
    entry = json.loads(QGuiApplication.clipboard().text())
    assert entry["request"]["method"] == "POST" and entry["_webhookInspector"]["event_id"] == "evt_0002"

    actions["copyRowBodyAction"].trigger()
    assert json.loads(QGuiApplication.clipboard().text())["event_id"] == "evt_0002"


def test_copy_as_curl_has_a_key_and_points_at_the_listener(
    qtbot: Any, win3: MainWindow, seqs3: list[int], listener: Listener
) -> None:
    select(qtbot, win3, seqs3[0], seqs3[2])
    QGuiApplication.clipboard().clear()
    press(qtbot, win3.table, "Ctrl+Alt+C")
    text = QGuiApplication.clipboard().text()
    assert text.count("\ncurl -sSg ") == 2 and "evt_0001" in text and "evt_0003" in text
    assert "${WEBHOOK_TOKEN}" in text or "Authorization" not in text  # never a token


def test_filter_on_and_exclude_a_cell_value(qtbot: Any, win3: MainWindow, seqs3: list[int]) -> None:
    actions = open_menu(qtbot, win3, seqs3[2], COL_TYPE)
    assert actions["filterOnValueAction"].text() == "Filter on “type:refund.created”"
    actions["filterOnValueAction"].trigger()
    qtbot.waitUntil(lambda: win3.model.filter_text == "type:refund.created", timeout=WAIT)
    qtbot.waitUntil(lambda: win3.model.rowCount() == 1, timeout=WAIT)

    win3.filter_bar.clear()
    qtbot.waitUntil(lambda: win3.model.rowCount() == 3, timeout=WAIT)
    actions = open_menu(qtbot, win3, seqs3[0], COL_TYPE)
    actions["excludeValueAction"].trigger()
    qtbot.waitUntil(lambda: win3.model.rowCount() == 2, timeout=WAIT)
    assert win3.filter_bar.text == "-type:transaction.authorized"
    actions = open_menu(qtbot, win3, seqs3[1], COL_STATUS)
    actions["filterOnValueAction"].trigger()
    assert win3.filter_bar.text == "-type:transaction.authorized status:200"
