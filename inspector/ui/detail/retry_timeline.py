"""The retry timeline: every delivery of one event_id as a mark on a time axis, drawn with QPainter.

The provider's retry schedule reads at a glance: marks at +0 s, +1.0 s, +3.0 s …, coloured by our
answer (accepted, rejected by us, a server error), with the status above and the offset below.
A click on a mark (or Left/Right then Enter) asks to jump to that delivery.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from inspector.core.store.related import Attempt
from inspector.ui import theme
from inspector.ui.detail.sequence_text import offset

MARGIN = 28
RADIUS = 6
HEIGHT = 64


def answer_colour(status: int, palette: QPalette) -> QColor:
    """Green for accepted, amber for a 4xx we chose, red for a 5xx; mixed with the palette's text
    colour so the marks read on a light and a dark theme."""
    return theme.status_colour(status, palette)


class RetryTimeline(QWidget):
    attemptActivated = Signal(int)  # seq of the attempt clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retryTimeline")
        self.setMinimumHeight(HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self._attempts: tuple[Attempt, ...] = ()
        self._current_seq: int | None = None
        self._focus_index = 0

    def sizeHint(self) -> QSize:
        return QSize(400, HEIGHT)

    def set_attempts(self, attempts: tuple[Attempt, ...], current_seq: int | None = None) -> None:
        self._attempts = attempts
        self._current_seq = current_seq
        seqs = [a.seq for a in attempts]
        self._focus_index = seqs.index(current_seq) if current_seq in seqs else 0
        self.setAccessibleDescription(
            "; ".join(f"{offset(a.offset_s)} {a.status} {a.why}" for a in attempts) or "no retries"
        )
        self.update()

    def attempts(self) -> tuple[Attempt, ...]:
        return self._attempts

    # -- geometry ---------------------------------------------------------------------------------

    def mark_centre(self, i: int) -> QPointF:
        """Where attempt `i` is drawn: offsets spread over the width, the first at the left."""
        span = max((a.offset_s for a in self._attempts), default=0.0)
        width = max(1.0, self.width() - 2 * MARGIN)
        x = MARGIN + (self._attempts[i].offset_s / span * width if span > 0 else 0.0)
        return QPointF(x, self.height() / 2)

    def attempt_at(self, point: QPointF) -> int | None:
        best: int | None = None
        best_dist = float(RADIUS * 2)
        for i in range(len(self._attempts)):
            centre = self.mark_centre(i)
            dist = abs(centre.x() - point.x()) + abs(centre.y() - point.y()) / 2
            if dist <= best_dist:
                best, best_dist = i, dist
        return best

    # -- drawing ----------------------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        y = self.height() / 2
        axis = QPen(palette.color(QPalette.ColorRole.Mid), 1)
        painter.setPen(axis)
        painter.drawLine(QPointF(MARGIN, y), QPointF(self.width() - MARGIN, y))
        metrics = painter.fontMetrics()
        last_label_right = -1e9
        for i, attempt in enumerate(self._attempts):
            centre = self.mark_centre(i)
            colour = answer_colour(attempt.status, palette)
            current = attempt.seq == self._current_seq
            painter.setPen(QPen(text_colour, 2) if current else QPen(colour.darker(130), 1))
            painter.setBrush(colour)
            radius = RADIUS + (2 if current else 0)
            painter.drawEllipse(centre, radius, radius)
            if self.hasFocus() and i == self._focus_index:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 1, Qt.PenStyle.DashLine))
                painter.drawEllipse(centre, radius + 4, radius + 4)
            # Labels only where they fit: close retries share the first label drawn.
            label = offset(attempt.offset_s)
            width = metrics.horizontalAdvance(label)
            left = centre.x() - width / 2
            if left > last_label_right + 4:
                painter.setPen(text_colour)
                painter.drawText(QRectF(left, y + radius + 2, width, metrics.height()), label)
                status = str(attempt.status)
                sw = metrics.horizontalAdvance(status)
                painter.drawText(
                    QRectF(centre.x() - sw / 2, y - radius - 2 - metrics.height(), sw, metrics.height()),
                    status,
                )
                last_label_right = left + width
        painter.end()

    # -- interaction ------------------------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        i = self.attempt_at(event.position())
        if i is None:
            QToolTip.hideText()
            return
        a = self._attempts[i]
        QToolTip.showText(
            event.globalPosition().toPoint(), f"#{a.seq}  {offset(a.offset_s)}  {a.status}  {a.why}", self
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        i = self.attempt_at(event.position())
        if i is not None and event.button() == Qt.MouseButton.LeftButton:
            self._focus_index = i
            self.attemptActivated.emit(self._attempts[i].seq)
            return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._attempts:
            super().keyPressEvent(event)
            return
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = -1 if key == Qt.Key.Key_Left else 1
            self._focus_index = max(0, min(len(self._attempts) - 1, self._focus_index + step))
            self.update()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.attemptActivated.emit(self._attempts[self._focus_index].seq)
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusOutEvent(event)
