"""What the window shows and offers of retention: the status-bar word on the limits and the disk
the history takes, "Keep history…", and the Keep / Stop keeping action on the selected events.

The table drops the rows the pruner deleted, and shows a kept event's "kept" badge after a pin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStatusBar, QToolButton, QWidget

from inspector.core.events import EventSummary
from inspector.core.store.keep_limits import KeepLimits, format_size
from inspector.core.store.retention import Usage
from inspector.ui.dialogs.history_dialog import HistoryDialog
from inspector.ui.history_keeper import HistoryKeeper

KEEP_KEYS = "Ctrl+K"
KEEP_TEXT = "Keep (never remove)"
UNKEEP_TEXT = "Stop keeping"


class HistoryHost(Protocol):
    """What the controls need of the window."""

    def selected_seqs(self) -> list[int]: ...
    def selected_summaries(self) -> list[EventSummary]: ...
    def refresh_events(self, seqs: Sequence[int]) -> None: ...
    def show_message(self, text: str, timeout_ms: int = 5000) -> None: ...


def short_limits(limits: KeepLimits) -> str:
    """`30 d / 2 GB`: the limits in a few characters, for the status bar."""
    parts = []
    if limits.days is not None:
        parts.append(f"{limits.days:g} d")
    if limits.events is not None:
        parts.append(f"{limits.events:,} events")
    if limits.size is not None:
        parts.append(format_size(limits.size))
    return " / ".join(parts) or "no limit"


class HistoryIndicator(QToolButton):
    """`History 23 MB · keeps 30 d / 2 GB` in the status bar; a click opens "Keep history"."""

    def __init__(self, keeper: HistoryKeeper, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyIndicator")
        self.setAutoRaise(True)
        self.keeper = keeper
        keeper.usageChanged.connect(lambda _usage: self.update_text())
        keeper.limitsChanged.connect(lambda _limits: self.update_text())
        keeper.problemChanged.connect(lambda _problem: self.update_text())
        self.update_text()

    def update_text(self) -> None:
        keeper = self.keeper
        usage: Usage | None = keeper.usage
        size = f"History {format_size(usage.used_bytes)}" if usage is not None else "History"
        limits = keeper.limits
        text = f"{size} · keeps {short_limits(limits)}"
        tip = [f"Keeping {limits.describe()}; the newest events are kept, and the ones you keep always."]
        if usage is not None:
            tip.append(f"In use {format_size(usage.used_bytes)} of a {format_size(usage.file_bytes)} file.")
        if keeper.pruned_total:
            tip.append(f"{keeper.pruned_total:,} old events removed since the app started.")
        if keeper.problem:
            text = f"⚠ {text}"
            tip.append(keeper.problem[0].upper() + keeper.problem[1:] + ".")
        tip.append("Click to change.")
        self.setText(text)
        self.setToolTip("\n".join(tip))


class HistoryControls(QObject):
    """The retention actions and indicator of one window."""

    def __init__(
        self, keeper: HistoryKeeper, host: HistoryHost, settings: QSettings, window: QWidget
    ) -> None:
        super().__init__(window)
        self.setObjectName("historyControls")
        self.keeper = keeper
        self.host = host
        self.settings = settings
        self._window = window
        self.dialog: HistoryDialog | None = None

        self.keep_action = QAction(KEEP_TEXT, window)
        self.keep_action.setObjectName("keepAction")
        self.keep_action.setShortcut(QKeySequence(KEEP_KEYS))
        self.keep_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.keep_action.setToolTip("Keep the selected events however old the history gets (Ctrl+K)")
        self.keep_action.triggered.connect(lambda _checked=False: self.toggle_keep())
        window.addAction(self.keep_action)

        self.history_action = QAction("Keep history…", window)
        self.history_action.setObjectName("historySettingsAction")
        self.history_action.setToolTip("How long and how much history to keep")
        self.history_action.triggered.connect(lambda _checked=False: self.open_dialog())
        window.addAction(self.history_action)

        self.indicator = HistoryIndicator(keeper)
        self.indicator.clicked.connect(lambda _checked=False: self.open_dialog())
        keeper.pinnedChanged.connect(self._on_pinned)
        keeper.problemChanged.connect(self._on_problem)
        self.update_enabled()

    def add_to(self, bar: QStatusBar) -> None:
        bar.addPermanentWidget(self.indicator)

    def update_enabled(self) -> None:
        """Keep or Stop keeping, after what the selection holds: unkeep only when all are kept."""
        rows = self.host.selected_summaries()
        self.keep_action.setEnabled(bool(rows))
        all_kept = bool(rows) and all(r.pinned for r in rows)
        self.keep_action.setText(UNKEEP_TEXT if all_kept else KEEP_TEXT)

    def toggle_keep(self) -> None:
        rows = self.host.selected_summaries()
        if not rows:
            return
        self.keeper.pin([r.seq for r in rows], not all(r.pinned for r in rows))

    def open_dialog(self) -> HistoryDialog:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        self.dialog = HistoryDialog(self.keeper, self.settings, self._window)
        self.dialog.saved.connect(lambda limits: self.host.show_message(f"Keeping {limits.describe()}", 8000))
        self.dialog.open()
        return self.dialog

    def _on_pinned(self, seqs: list[int], pinned: bool) -> None:
        self.host.refresh_events(seqs)
        self.update_enabled()
        if seqs:
            what = "event" if len(seqs) == 1 else "events"
            verb = "kept: never removed" if pinned else "no longer kept"
            self.host.show_message(f"{len(seqs):,} {what} {verb}")

    def _on_problem(self, problem: str | None) -> None:
        if problem:
            self.host.show_message(problem[0].upper() + problem[1:], 10000)
