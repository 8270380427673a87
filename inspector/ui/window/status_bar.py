"""Status bar widgets: listener URL (+ copy), event count, pause/resume, follow, clear history,
and warnings when verification tokens could not be loaded or the database is damaged."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QToolButton, QWidget

from inspector.ui import theme


class ElidedLabel(QLabel):
    """A one-line label that ends with "…" at a word when it is narrower than its text (never cut
    mid-letter by the status bar); `full_text` and the tooltip keep the whole sentence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""
        # Preferred down to minimumSizeHint: as wide as the sentence when there is room, elided when not.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        self._elide()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self.fontMetrics().horizontalAdvance(self.full_text) + 8, hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("Mmmmm…"), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        width = self.width() - 4
        text = self.full_text
        if metrics.horizontalAdvance(text) > width:
            text = elide_at_word(text, lambda t: metrics.horizontalAdvance(t) <= width)
        if text != self.text():
            self.setText(text)


def elide_at_word(text: str, fits: Callable[[str], bool]) -> str:
    """The longest "first words…" of `text` that fits (or the first word's letters, then "…")."""
    words = text.split(" ")
    for n in range(len(words) - 1, 0, -1):
        candidate = " ".join(words[:n]).rstrip(",;:—-") + "…"
        if fits(candidate):
            return candidate
    for n in range(len(text) - 1, 0, -1):
        if fits(text[:n] + "…"):
            return text[:n] + "…"
    return "…"


class StatusControls:
    """Builds and owns the status bar's permanent widgets; the window wires the behaviour."""

    def __init__(self, bar: QStatusBar) -> None:
        self.bar = bar
        bar.setObjectName("statusBar")

        self.url_label = ElidedLabel(bar)
        self.url_label.set_full_text("not listening")
        self.url_label.setObjectName("statusListenerUrl")
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.copy_url_button = _tool_button(bar, "copyUrlButton", "Copy URL", "Copy the listener URL")
        self.copy_url_button.clicked.connect(self.copy_url)

        self.count_label = QLabel(bar)
        self.count_label.setObjectName("statusEventCount")
        # Fixed widths: these change with every live update; a resize would repaint the window.
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        metrics = self.count_label.fontMetrics()
        self.count_label.setFixedWidth(metrics.horizontalAdvance("99,999,999 events") + 8)

        self.paused_label = QLabel(bar)
        self.paused_label.setObjectName("statusPausedCount")
        self.paused_label.setStyleSheet(f"color: {theme.warn_colour().name()}; font-weight: bold;")
        self.paused_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bold = self.paused_label.font()
        bold.setBold(True)
        self.paused_label.setFixedWidth(
            QFontMetrics(bold).horizontalAdvance("99,999,999 new while paused") + 8
        )
        self.paused_label.hide()

        self.pause_button = _tool_button(
            bar, "pauseButton", "Pause", "Stop streaming new rows into the table (still recorded)"
        )
        self.pause_button.setCheckable(True)

        self.follow_toggle = _tool_button(
            bar, "followToggle", "Follow newest", "Select each new delivery as it arrives"
        )
        self.follow_toggle.setCheckable(True)

        self.clear_button = _tool_button(
            bar, "clearHistoryButton", "Clear history…", "Delete every stored delivery"
        )

        self.token_problem_label = ElidedLabel(bar)
        self.token_problem_label.setObjectName("statusTokenProblem")
        self.token_problem_label.setStyleSheet(theme.error_css())
        self.token_problem_label.hide()

        self.store_problem_label = ElidedLabel(bar)
        self.store_problem_label.setObjectName("statusStoreProblem")
        self.store_problem_label.setStyleSheet(theme.error_css())
        self.store_problem_label.hide()

        bar.addWidget(self.url_label)
        bar.addWidget(self.copy_url_button)
        bar.addWidget(self.token_problem_label)
        bar.addWidget(self.store_problem_label)
        bar.addPermanentWidget(self.paused_label)
        bar.addPermanentWidget(self.count_label)
        bar.addPermanentWidget(self.pause_button)
        bar.addPermanentWidget(self.follow_toggle)
        bar.addPermanentWidget(self.clear_button)
        self._url = ""

    def set_url(self, url: str | None, problem: str = "") -> None:
        self._url = url or ""
        if url:
            self.url_label.set_full_text(url)
            self.url_label.setToolTip("Where the listener receives deliveries (point your tunnel here)")
            self.url_label.setStyleSheet("")
        else:
            self.url_label.set_full_text(f"not listening — {problem}" if problem else "not listening")
            self.url_label.setStyleSheet(theme.error_css())
        self.copy_url_button.setEnabled(bool(url))

    @property
    def url(self) -> str:
        return self._url

    def copy_url(self) -> None:
        if self._url:
            QGuiApplication.clipboard().setText(self._url)
            self.bar.showMessage("Listener URL copied", 2000)

    def set_token_problem(self, problem: str | None) -> None:
        """Say why deliveries cannot be verified (no keyring, a webhook's token missing) and what
        the listener does meanwhile (accepts them unverified, or answers 401)."""
        text = problem[:1].upper() + problem[1:] if problem else ""
        label = self.token_problem_label
        if text == label.full_text and label.isVisible() == bool(text):
            return  # polled every few seconds: no relayout when nothing changed
        label.set_full_text(text)
        label.setToolTip(
            f"{text}. Verification tokens come from the system keyring (one per registered webhook)"
            " or from --token-env NAME."
            if text
            else ""
        )
        self.token_problem_label.setVisible(bool(text))

    def set_store_problem(self, problem: str | None) -> None:
        """Say the database is damaged (found by a background check); the full sentence is the tip."""
        text = problem[:1].upper() + problem[1:] if problem else ""
        self.store_problem_label.set_full_text(text.split(";", 1)[0] if text else "")
        self.store_problem_label.setToolTip(text)
        self.store_problem_label.setVisible(bool(text))

    def set_count(self, total: int | None) -> None:
        self.count_label.setText("…" if total is None else f"{total:,} event{'' if total == 1 else 's'}")

    def set_paused_new(self, n: int | None) -> None:
        if n is None:
            self.paused_label.hide()
        else:
            self.paused_label.setText(f"{n:,} new while paused")
            self.paused_label.show()


def _tool_button(parent: QWidget, name: str, text: str, tip: str) -> QToolButton:
    button = QToolButton(parent)
    button.setObjectName(name)
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button
