"""Toolbar icons: bundled SVGs rendered in the palette's text colour, text still beside them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QToolBar

from inspector.ui import theme
from inspector.ui.icons import icon
from inspector.ui.window.main_window import MainWindow


def ink(pal: QPalette) -> str:
    """The most common fully opaque colour of the replay icon (edges are antialiased)."""
    image = icon("replay", pal).pixmap(24, 24).toImage()
    seen = [QColor.fromRgba(image.pixel(x, y)) for x in range(24) for y in range(24)]
    opaque = [c.name() for c in seen if c.alpha() == 255]
    return max(set(opaque), key=opaque.count)


def test_icons_follow_the_palette(qtbot: Any) -> None:
    light = QPalette(QColor("#f0f0f0"))
    dark = theme.dark_palette()
    assert ink(light) == light.color(QPalette.ColorRole.WindowText).name()
    assert ink(dark) == dark.color(QPalette.ColorRole.WindowText).name()
    assert icon("no-such-icon").isNull()


def test_toolbar_actions_have_icons_and_words(window: MainWindow) -> None:
    bar = window.findChild(QToolBar, "eventsToolBar")
    assert bar is not None and bar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    actions = [a for a in bar.actions() if not a.isSeparator()]
    assert actions and all(not a.icon().isNull() and a.text() for a in actions)


def test_icons_are_redrawn_when_the_palette_changes(window: MainWindow) -> None:
    from PySide6.QtWidgets import QApplication

    action = window.event_actions.replay_action
    before = action.icon().pixmap(24, 24).toImage()
    old = QApplication.palette()
    try:
        QApplication.setPalette(theme.dark_palette())
        QApplication.processEvents()
        assert action.icon().pixmap(24, 24).toImage() != before
    finally:
        QApplication.setPalette(old)
