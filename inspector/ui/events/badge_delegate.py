"""Paints the verdict column as small coloured pills (unauthorized, duplicate, invalid JSON, …).

Badges never vanish: when the full texts do not fit the column, the pills show their short forms
("verified", "401", "dup"); when even those do not fit, the last pill that starts inside the cell is
elided ("ver…"), and a pill too narrow for a letter shows "…". The tooltip has the full texts.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPixmap, QPixmapCache
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from inspector.ui import theme
from inspector.ui.events.cells import short_badge
from inspector.ui.events.events_model import BadgesRole

_WHITE = QColor(theme.BADGE_TEXT)
_PAD_X = 6
_GAP = 4


class BadgeDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._font_key = ""
        self._font: QFont | None = None
        self._metrics: QFontMetrics | None = None
        self._widths: dict[str, int] = {}

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # Background and selection from the style, as for any cell; then the pills on top.
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        badges = index.data(BadgesRole)
        if not badges:
            return
        rect = option.rect.adjusted(3, 3, -3, -3)
        ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        # Rows share a handful of badge sets: draw each set once, then every repaint is a blit.
        # QPixmapCache (not a dict of ours): Qt owns and frees the pixmaps with the application.
        key = f"wi-badges:{badges}:{rect.width()}x{rect.height()}@{ratio}:{option.font.key()}"
        pixmap = QPixmapCache.find(key)  # type: ignore[call-overload]  # PySide6 returns the pixmap or None
        if pixmap is None:
            pixmap = self._render(badges, rect.width(), rect.height(), ratio, option.font)
            QPixmapCache.insert(key, pixmap)
        painter.drawPixmap(rect.topLeft(), pixmap)

    def _render(
        self, badges: tuple[tuple[str, str], ...], width: int, height: int, ratio: float, base: QFont
    ) -> QPixmap:
        pixmap = QPixmap(max(1, round(width * ratio)), max(1, round(height * ratio)))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        font, metrics = self._font_for(base)
        painter = QPainter(pixmap)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setFont(font)
            for x, w, text, kind in self.layout(badges, width, metrics):
                pill = QRectF(x, 0, w, height)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(theme.badge_colour(kind))
                painter.drawRoundedRect(pill, height / 2, height / 2)
                painter.setPen(_WHITE)
                painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        finally:
            painter.end()
        return pixmap

    def layout(
        self, badges: tuple[tuple[str, str], ...], width: int, metrics: QFontMetrics
    ) -> list[tuple[int, int, str, str]]:
        """(x, width, text, kind) of each pill drawn in `width` pixels: full texts if they all fit,
        else short forms, elided at the end; at least one pill whenever there is a badge."""
        full = sum(self._width(metrics, t) for t, _k in badges) + _GAP * (len(badges) - 1)
        texts = [(t if full <= width else short_badge(t), k) for t, k in badges]
        out: list[tuple[int, int, str, str]] = []
        x = 0
        for text, kind in texts:
            room = width - x
            if room <= 0:
                break
            w = self._width(metrics, text)
            if w > room:
                # The last pill that starts inside the cell: elided to what is left (never nothing).
                shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(0, room - 2 * _PAD_X))
                out.append((x, room, shown or "…", kind))
                break
            out.append((x, w, text, kind))
            x += w + _GAP
        return out

    def _font_for(self, base: QFont) -> tuple[QFont, QFontMetrics]:
        # Painting runs per visible cell on every repaint: build the small font once per base font.
        key = base.key()
        if self._font_key != key:
            font = QFont(base)
            font.setPointSizeF(max(base.pointSizeF() * 0.85, 7.0))
            self._font_key, self._font, self._metrics = key, font, QFontMetrics(font)
            self._widths = {}
        assert self._font is not None and self._metrics is not None
        return self._font, self._metrics

    def _width(self, metrics: QFontMetrics, text: str) -> int:
        width = self._widths.get(text)
        if width is None:
            width = self._widths[text] = metrics.horizontalAdvance(text) + 2 * _PAD_X
        return width

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        base = super().sizeHint(option, index)
        badges = index.data(BadgesRole) or ()
        _font, metrics = self._font_for(option.font)
        width = sum(self._width(metrics, t) + _GAP for t, _k in badges) + 6
        return QSize(max(base.width(), width), base.height())
