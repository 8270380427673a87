"""The theme module: colours follow the palette, row tints read in light and dark."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QGuiApplication, QPalette

from inspector.core import events as ev
from inspector.core.events import EventSummary
from inspector.ui import theme
from inspector.ui.events.cells import background, foreground
from inspector.ui.events.events_model import COL_STATUS


def summary(status: int = 200, flags: tuple[str, ...] = (), duplicate_of: int | None = None) -> EventSummary:
    return EventSummary(1, 1.0, "POST", "/h", "e", "card.created", status, 2, flags, None, duplicate_of)


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two opaque colours."""

    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def over(tint: QColor, base: QColor) -> QColor:
    a = tint.alphaF()
    return QColor.fromRgbF(
        *(t * a + b * (1 - a) for t, b in zip(tint.getRgbF()[:3], base.getRgbF()[:3], strict=True))
    )


def test_row_tints_and_status_text_read_in_both_palettes(qtbot: Any) -> None:
    light = QPalette(QColor("#f0f0f0"))
    light.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    light.setColor(QPalette.ColorRole.Text, QColor("#000000"))
    for pal in (light, theme.dark_palette()):
        base, text = pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)
        for kind in ("bad", "warn"):
            tinted = over(theme.tint(kind, pal), base)
            assert tinted != base
            assert contrast(text, tinted) >= 7.0, (kind, theme.is_dark(pal))  # WCAG AAA for body text
        assert contrast(theme.error_colour(pal), base) >= 4.5
        assert contrast(theme.ok_colour(pal), base) >= 4.5
    assert theme.is_dark(theme.dark_palette()) and not theme.is_dark(light)


def test_rows_are_tinted_by_verdict_and_follow_the_application_palette(qtbot: Any) -> None:
    assert background(summary()) is None
    assert background(summary(401, (ev.FLAG_UNAUTHORIZED,))) == theme.tint("bad")
    assert background(summary(duplicate_of=1)) == theme.tint("warn")
    before = foreground(summary(500), COL_STATUS)
    old = QGuiApplication.palette()
    try:
        QGuiApplication.setPalette(theme.dark_palette())
        assert foreground(summary(500), COL_STATUS) != before  # lighter red on a dark base
    finally:
        QGuiApplication.setPalette(old)
