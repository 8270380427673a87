"""Columns share the width: at the sizes a new user tries, every column and every badge is on screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from inspector.core.capture.listener import Listener
from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from inspector.ui.events.badge_delegate import BadgeDelegate
from inspector.ui.events.events_model import COL_VERDICT, HEADERS, BadgesRole
from inspector.ui.webhooks.webhooks_dock import add_webhooks_dock
from inspector.ui.window.main_window import MainWindow

WEBHOOK_ID = "wh_" + "0123456789abcdef01234567"  # a real id: 24 hex characters
WAIT = 10_000


def verified_rows(store: EventStore, n: int = 5) -> None:
    body = b'{"event_id": "evt_1", "event_identifier": "transaction.authorized", "data": {}}'
    headers = (("Content-Type", "application/json"),)
    store.insert_many(
        [
            NewEvent(
                1e9 + i,
                "POST",
                "/hooks/penny",
                "",
                headers,
                body,
                200,
                webhook_id=WEBHOOK_ID,
                event_id=f"evt_{i:024x}",
                event_identifier="transaction.authorized",
            )
            for i in range(n)
        ]
    )


def columns_outside(window: MainWindow) -> list[str]:
    header = window.table.horizontalHeader()
    width = window.table.viewport().width()
    return [
        HEADERS[c]
        for c in range(header.count())
        if header.sectionViewportPosition(c) < 0
        or header.sectionViewportPosition(c) + header.sectionSize(c) > width
    ]


@pytest.mark.parametrize("size", [(1280, 800), (1200, 780), (1024, 640)])
def test_every_column_and_badge_is_on_screen_with_the_webhooks_panel(
    qtbot: Any,
    make_window: Callable[..., MainWindow],
    store: EventStore,
    listener: Listener,
    settings: QSettings,
    no_keyring: KeyringBackend,
    size: tuple[int, int],
) -> None:
    verified_rows(store)
    window = make_window(store, listener)
    add_webhooks_dock(window, settings)
    window.resize(*size)
    QApplication.processEvents()
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=WAIT)
    qtbot.waitUntil(lambda: columns_outside(window) == [], timeout=WAIT)
    delegate = window.table.itemDelegateForColumn(COL_VERDICT)
    assert isinstance(delegate, BadgeDelegate)
    index = window.model.index(0, COL_VERDICT)
    _font, metrics = delegate._font_for(window.table.font())
    pills = delegate.layout(index.data(BadgesRole), window.table.columnWidth(COL_VERDICT) - 6, metrics)
    assert [text for _x, _w, text, _k in pills] in (["verified"], [f"verified: {WEBHOOK_ID}"])
    assert f"verified: {WEBHOOK_ID}" in index.data(3)  # ToolTipRole: the full text


def test_closing_the_panel_gives_the_columns_their_width_back(
    qtbot: Any,
    make_window: Callable[..., MainWindow],
    store: EventStore,
    listener: Listener,
    settings: QSettings,
    no_keyring: KeyringBackend,
) -> None:
    verified_rows(store)
    window = make_window(store, listener)
    natural = [window.table.columnWidth(c) for c in range(len(HEADERS) - 1)]
    dock = add_webhooks_dock(window, settings)
    window.resize(1280, 800)
    widths = lambda: [window.table.columnWidth(c) for c in range(len(HEADERS) - 1)]  # noqa: E731
    qtbot.waitUntil(lambda: widths() != natural and columns_outside(window) == [], timeout=WAIT)
    dock.hide()
    qtbot.waitUntil(lambda: widths() == natural, timeout=WAIT)
