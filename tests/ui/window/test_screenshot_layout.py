"""The window rendered at 1280x800 in the light and the dark palette: every column header and the
badges of the newest rows are inside the viewport and actually painted (the issue's "done when")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication

from inspector.core.capture.listener import Listener
from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from inspector.ui import theme
from inspector.ui.events.events_model import COL_VERDICT, HEADERS, BadgesRole
from inspector.ui.webhooks.webhooks_dock import add_webhooks_dock
from inspector.ui.window.main_window import MainWindow

WEBHOOK_ID = "wh_" + "0123456789abcdef01234567"
NEWEST = 8


@pytest.fixture(params=["light", "dark"])
def palette(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    old = QApplication.palette()
    if request.param == "dark":
        QApplication.setPalette(theme.dark_palette())
    else:
        QApplication.setPalette(QApplication.style().standardPalette())
    yield request.param
    QApplication.setPalette(old)


def history(store: EventStore) -> None:
    body = b'{"event_id": "evt_%d", "event_identifier": "transaction.authorized", "data": {}}'
    headers = (("Content-Type", "application/json"),)
    rows = []
    for i in range(30):
        kind = i % 3
        rows.append(
            NewEvent(
                1.7e9 + i,
                "POST",
                "/hooks/penny",
                "",
                headers,
                body % i,
                401 if kind == 2 else 200,
                event_id=f"evt_{i:024x}",
                event_identifier="transaction.authorized",
                webhook_id=WEBHOOK_ID if kind == 0 else None,
                flags=("unauthorized",) if kind == 2 else ("unverified",) if kind == 1 else (),
            )
        )
    store.insert_many(rows)


def has_colour(image: QImage, rect: Any, colour: QColor) -> bool:
    for x in range(max(rect.left(), 0), min(rect.right(), image.width() - 1)):
        for y in range(max(rect.top(), 0), min(rect.bottom(), image.height() - 1)):
            c = QColor(image.pixel(x, y))
            if (
                abs(c.red() - colour.red()) + abs(c.green() - colour.green()) + abs(c.blue() - colour.blue())
                < 24
            ):
                return True
    return False


def test_headers_and_newest_badges_are_on_screen_in_both_palettes(
    qtbot: Any,
    palette: str,
    make_window: Callable[..., MainWindow],
    store: EventStore,
    listener: Listener,
    settings: QSettings,
    no_keyring: KeyringBackend,
) -> None:
    history(store)
    window = make_window(store, listener)
    add_webhooks_dock(window, settings)
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.model.rowCount() == 30, timeout=10_000)
    assert theme.is_dark(window.palette()) == (palette == "dark")
    table, header = window.table, window.table.horizontalHeader()

    def outside() -> list[str]:
        width = table.viewport().width()
        return [
            HEADERS[c]
            for c in range(header.count())
            if header.sectionViewportPosition(c) < 0
            or header.sectionViewportPosition(c) + header.sectionSize(c) > width
        ]

    qtbot.waitUntil(lambda: outside() == [], timeout=10_000)
    shot = window.grab().toImage()
    assert (shot.width(), shot.height()) == (window.width(), window.height())
    viewport = table.viewport().grab().toImage()
    for row in range(NEWEST):
        rect = table.visualRect(window.model.index(row, COL_VERDICT))
        assert rect.left() >= 0 and rect.right() <= table.viewport().width(), row
        assert rect.bottom() <= table.viewport().height(), row  # the newest rows are on screen
        badges = window.model.index(row, COL_VERDICT).data(BadgesRole)
        assert badges, row
        colour = theme.badge_colour(badges[0][1])  # the first pill is always drawn
        assert has_colour(viewport, rect, colour), (row, badges)
    base = window.palette().color(QPalette.ColorRole.Base)
    assert theme.is_dark() == (base.lightness() < 128)
