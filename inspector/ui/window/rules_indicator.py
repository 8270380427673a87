"""Always-visible word on the active response rule, and the watcher that keeps it current.

`RuleSet.on_change` fires on whatever thread changed the rules, often a listener thread (a counted
"fail the next N" rule used up by a delivery). `RuleSetWatcher` turns that into a queued
`changed` signal on the GUI thread, coalesced like the event bridge: at most one is pending.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QWidget

from inspector.core.actions.response_rules import RuleSet
from inspector.ui import theme


class RuleSetWatcher(QObject):
    """Emits `changed` on the GUI thread after the rules change. One per RuleSet is enough:
    pass it to the indicator and the dialog. A callback already set on the RuleSet still runs."""

    changed = Signal()
    _wake = Signal()

    def __init__(self, rules: RuleSet, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rules = rules
        self._lock = threading.Lock()
        self._pending = False
        self._previous = rules.on_change
        self._wake.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        rules.on_change = self._on_change

    def _on_change(self) -> None:
        if self._previous is not None:
            self._previous()
        with self._lock:
            if self._pending:
                return
            self._pending = True
        try:
            self._wake.emit()
        except RuntimeError:  # the watcher is gone (window closed); the rules carry on
            pass

    @Slot()
    def _deliver(self) -> None:
        with self._lock:
            self._pending = False
        self.changed.emit()


class RulesIndicator(QLabel):
    """Status-bar label: "Answering 503 to the next 2 deliveries", or hidden when no rule is set."""

    def __init__(self, rules: RuleSet, watcher: RuleSetWatcher | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("rulesIndicator")
        self.setStyleSheet(theme.warn_css(bold=True))
        self.setToolTip("A response rule is active: the listener is not giving its normal answer")
        self.rules = rules
        self.watcher = watcher or RuleSetWatcher(rules, self)
        self.watcher.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        text = self.rules.describe() if self.rules else ""
        self.setText(text)
        self.setVisible(bool(text))
