"""The Related tab: the selected delivery's story and its retries.

Top: when its event_id was delivered more than once, the retry timeline (retry_timeline.py) and
one line per attempt (offset, our answer, why). Below: every stored event that shares a
reference with it (inspector/core/store/related.py), one group per reference in received order,
captioned "transaction txn_…: authorized 12:00:01 → settled +2 d 03:12", the delivery itself in
bold. A click (or Enter) on a step jumps to it; a group's context menu filters `ref:VALUE`.
The lookups run on the runner's db pool; an answer for a delivery no longer shown is dropped.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QFont, QGuiApplication
from PySide6.QtWidgets import QLabel, QMenu, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from inspector.core import events as ev
from inspector.core.events import StoredEvent
from inspector.core.store.event_store import EventStore
from inspector.core.store.related import Sequences, related
from inspector.ui.detail.retry_timeline import RetryTimeline
from inspector.ui.detail.sequence_text import caption, clock, offset
from inspector.ui.events.filter_bar import quote_value
from inspector.ui.runner import Job, Runner

SEQ_ROLE = Qt.ItemDataRole.UserRole + 1  # on step and attempt rows: the delivery's seq
REF_ROLE = Qt.ItemDataRole.UserRole + 2  # on group rows: the reference value
COLUMNS = ("Step", "Received", "Gap", "Flags", "#")
# Flags worth a word in a step's row (the table shows them all).
SHOWN_FLAGS = (ev.FLAG_OUT_OF_ORDER, ev.FLAG_DUPLICATE, ev.FLAG_UNAUTHORIZED, ev.FLAG_RULE)


class RelatedPane(QWidget):
    seqActivated = Signal(int)  # jump to this delivery
    filterRequested = Signal(str)  # put this query in the filter bar
    loaded = Signal(object)  # the Sequences now shown (tests and the tab's title listen)

    def __init__(self, store: EventStore, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("relatedPane")
        self._store = store
        self._runner = runner
        self._job: Job | None = None
        self._seq: int | None = None
        self.shown: Sequences | None = None

        self.note = QLabel(self)
        self.note.setObjectName("relatedNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)

        self.retry_label = QLabel(self)
        self.retry_label.setObjectName("retryLabel")
        self.retry_label.setTextFormat(Qt.TextFormat.PlainText)
        self.timeline = RetryTimeline(self)
        self.timeline.attemptActivated.connect(self.seqActivated)
        self.attempts = QTreeWidget(self)
        self.attempts.setObjectName("retryList")
        self.attempts.setHeaderLabels(["Offset", "Status", "Why", "#"])
        self.attempts.setRootIsDecorated(False)
        self.attempts.setMaximumHeight(120)
        self.attempts.itemActivated.connect(self._on_item)
        self.attempts.itemClicked.connect(self._on_item)

        self.groups = QTreeWidget(self)
        self.groups.setObjectName("relatedTree")
        self.groups.setHeaderLabels(list(COLUMNS))
        self.groups.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.groups.customContextMenuRequested.connect(self._show_menu)
        self.groups.itemActivated.connect(self._on_item)
        self.groups.itemClicked.connect(self._on_item)
        self.groups.header().resizeSection(0, 260)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.note)
        layout.addWidget(self.retry_label)
        layout.addWidget(self.timeline)
        layout.addWidget(self.attempts)
        layout.addWidget(self.groups, 1)
        self._show(None)

    # -- the contract -----------------------------------------------------------------------------

    def show_event(self, event: StoredEvent | None) -> None:
        """Look up what is related to `event` (off the GUI thread) and show it when known."""
        if self._job is not None:
            self._job.cancel()
            self._job = None
        self._seq = event.seq if event is not None else None
        if event is None:
            self._show(None)
            return
        if self.shown is None or self.shown.seq != event.seq:
            self._clear("Looking for related events…")
        seq = event.seq
        self._job = self._runner.submit(
            lambda: related(self._store, seq),
            on_done=lambda result: self._on_done(seq, result),
            on_error=lambda exc: self._on_error(seq, exc),
            owner=self,
        )

    # -- results ----------------------------------------------------------------------------------

    def _on_done(self, seq: int, result: object) -> None:
        if seq != self._seq or not isinstance(result, Sequences):
            return  # another delivery was selected meanwhile
        self._job = None
        self._show(result)

    def _on_error(self, seq: int, exc: BaseException) -> None:
        if seq != self._seq:
            return
        self._job = None
        self._clear(f"Related events could not be read: {exc}")

    def _clear(self, note: str) -> None:
        self.note.setText(note)
        self.note.show()
        for w in (self.retry_label, self.timeline, self.attempts):
            w.hide()
        self.timeline.set_attempts(())
        self.attempts.clear()
        self.groups.clear()

    def _show(self, result: Sequences | None) -> None:
        self.shown = result
        if result is None:
            self._clear("Select an event to see the events that share its ids and its retries.")
            self.loaded.emit(None)
            return
        self._clear("")
        self._fill_attempts(result)
        self._fill_groups(result)
        if not result.groups:
            self.note.setText("No other stored event shares an id with this one.")
        else:
            self.note.hide()
        self.loaded.emit(result)

    def _fill_attempts(self, result: Sequences) -> None:
        if not result.attempts:
            return
        span = result.attempts[-1].offset_s
        self.retry_label.setText(
            f"{result.event_id} was delivered {len(result.attempts)} times over {offset(span).lstrip('+')}:"
        )
        self.timeline.set_attempts(result.attempts, result.seq)
        for a in result.attempts:
            item = QTreeWidgetItem([offset(a.offset_s), str(a.status), a.why, f"#{a.seq}"])
            item.setData(0, SEQ_ROLE, a.seq)
            self._mark_current(item, a.seq == result.seq)
            self.attempts.addTopLevelItem(item)
        for w in (self.retry_label, self.timeline, self.attempts):
            w.show()

    def _fill_groups(self, result: Sequences) -> None:
        for group in result.groups:
            top = QTreeWidgetItem([caption(group)])
            top.setData(0, REF_ROLE, group.value)
            top.setToolTip(0, caption(group))
            self.groups.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)
            for step in group.steps:
                flags = " ".join(f for f in SHOWN_FLAGS if f in step.flags)
                gap = offset(step.gap_s) if step.gap_s is not None else ""
                row = QTreeWidgetItem(
                    [
                        step.event_identifier or "(no type)",
                        clock(step.received_at),
                        gap,
                        flags,
                        f"#{step.seq}",
                    ]
                )
                row.setData(0, SEQ_ROLE, step.seq)
                self._mark_current(row, step.seq == result.seq)
                top.addChild(row)
            if group.total > len(group.steps):
                more = QTreeWidgetItem(
                    [f"… {group.total - len(group.steps):,} more: filter ref:{group.value}"]
                )
                more.setData(0, REF_ROLE, group.value)
                top.addChild(more)
            top.setExpanded(True)

    @staticmethod
    def _mark_current(item: QTreeWidgetItem, current: bool) -> None:
        if current:
            font = QFont(item.font(0))
            font.setBold(True)
            for column in range(item.columnCount()):
                item.setFont(column, font)

    # -- interaction ------------------------------------------------------------------------------

    def _on_item(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        seq = item.data(0, SEQ_ROLE)
        if isinstance(seq, int):
            if seq != self._seq:
                self.seqActivated.emit(seq)
            return
        value = item.data(0, REF_ROLE)
        if isinstance(value, str) and item.parent() is not None:  # the "… more" row
            self.filterRequested.emit(f"ref:{quote_value(value)}")

    def ref_at(self, pos: QPoint) -> str | None:
        item = self.groups.itemAt(pos)
        while item is not None and not isinstance(item.data(0, REF_ROLE), str):
            item = item.parent()
        return item.data(0, REF_ROLE) if item is not None else None

    def menu_for(self, value: str) -> QMenu:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        term = f"ref:{quote_value(value)}"
        filter_action = QAction(f"Filter {term}", menu)
        filter_action.triggered.connect(lambda _checked=False: self.filterRequested.emit(term))
        copy_action = QAction("Copy value", menu)
        copy_action.triggered.connect(lambda _checked=False: QGuiApplication.clipboard().setText(value))
        menu.addAction(filter_action)
        menu.addAction(copy_action)
        return menu

    def _show_menu(self, pos: QPoint) -> None:
        value = self.ref_at(pos)
        if value is not None:
            self.menu_for(value).popup(self.groups.viewport().mapToGlobal(pos))
