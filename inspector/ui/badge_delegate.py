"""Paints the verdict column as small coloured pills (unauthorized, duplicate, invalid JSON, …)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from inspector.ui.events_model import BadgesRole

# Mid-saturation colours with white text read on both light and dark palettes.
KIND_COLORS: dict[str, QColor] = {
    "bad": QColor(0xC6, 0x3B, 0x3B),
    "warn": QColor(0xC2, 0x7C, 0x0E),
    "info": QColor(0x5B, 0x6B, 0x7F),
    "ok": QColor(0x2E, 0x8B, 0x57),
}
_PAD_X = 6
_GAP = 4


class BadgeDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        badges = index.data(BadgesRole) or ()
        # Let the style draw selection/background, without the plain text.
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        if not badges:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = opt.font
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 7.0))
        painter.setFont(font)
        metrics = QFontMetrics(font)
        rect = option.rect.adjusted(3, 3, -3, -3)
        x = float(rect.left())
        for text, kind in badges:
            width = metrics.horizontalAdvance(text) + 2 * _PAD_X
            if x + width > rect.right() + 1:
                break  # the tooltip/display text still lists them all
            pill = QRectF(x, rect.top(), width, rect.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(KIND_COLORS.get(kind, KIND_COLORS["info"]))
            painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
            painter.setPen(QColor(Qt.GlobalColor.white))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
            x += width + _GAP
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        base = super().sizeHint(option, index)
        badges = index.data(BadgesRole) or ()
        metrics = QFontMetrics(option.font)
        width = sum(metrics.horizontalAdvance(t) + 2 * _PAD_X + _GAP for t, _k in badges) + 6
        return QSize(max(base.width(), width), base.height())
