"""The events table model: a Qt adapter over `HistoryView` (inspector/core/store/history_view.py).

The view knows the rows, paging, live inserts, the pause buffer and the counts; this model runs
its slow reads on the runner's db pool (or at once, without a runner), applies the changes they
return between Qt's begin/end calls, and answers the table's data() calls from a per-row cache of
display strings (cells.py). The first page comes from one SQL query, more pages as the view
scrolls; live rows are inserted where the current sort puts them; a reset happens only when the
filter or the sort changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from inspector.core.events import EventSummary
from inspector.core.store.event_store import EventStore
from inspector.core.store.history_view import (
    PAGE_SIZE,
    Changes,
    HistoryView,
    Inserted,
    Read,
    Removed,
    Reset,
)
from inspector.ui.bridge import CommitNotice
from inspector.ui.events.cells import (
    COL_EVENT_ID,
    COL_FORWARD,
    COL_METHOD,
    COL_PATH,
    COL_SIZE,
    COL_STATUS,
    COL_TIME,
    COL_TYPE,
    COL_VERDICT,
    HEADERS,
    RIGHT,
    TIME_HEADER_TIP,
    background,
    badges_for,
    display_texts,
    foreground,
    tooltip,
)
from inspector.ui.runner import Runner

__all__ = [
    "COL_EVENT_ID",
    "COL_FORWARD",
    "COL_METHOD",
    "COL_PATH",
    "COL_SIZE",
    "COL_STATUS",
    "COL_TIME",
    "COL_TYPE",
    "COL_VERDICT",
    "HEADERS",
    "PAGE_SIZE",
    "SORT_KEYS",
    "BadgesRole",
    "EventsModel",
    "SeqRole",
    "SummaryRole",
]

# Column -> the store's order_by key. Time sorts by seq: same order as received_at, and it is the
# primary key, so the newest-first first page is an index walk even with a million rows.
SORT_KEYS: dict[int, str] = {
    COL_TIME: "seq",
    COL_METHOD: "method",
    COL_PATH: "path",
    COL_TYPE: "event_identifier",
    COL_EVENT_ID: "event_id",
    COL_STATUS: "status",
    COL_SIZE: "body_size",
}

SummaryRole = Qt.ItemDataRole.UserRole + 1  # the row's EventSummary (proxy-safe accessor)
SeqRole = Qt.ItemDataRole.UserRole + 2  # the row's seq (int)
BadgesRole = Qt.ItemDataRole.UserRole + 3  # tuple of (label, kind) verdict badges

RECOUNT_MS = 1000  # after live inserts, recount "N of M" at most this often

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
# Roles the default delegate asks for that we never set: answered before any other work.
_UNUSED_ROLES = frozenset(
    int(r)
    for r in (
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.SizeHintRole,
        Qt.ItemDataRole.EditRole,
    )
)
_LAST_COL = len(HEADERS) - 1


class EventsModel(QAbstractTableModel):
    countsChanged = Signal()  # matching_count / total_count changed
    streamed = Signal(int)  # live rows were inserted; argument = the newest inserted seq
    loaded = Signal()  # a filter/sort reload finished (the model was reset)
    jobFailed = Signal(str)  # a background query failed (store closed, disk error)

    def __init__(
        self,
        store: EventStore,
        runner: Runner | None,
        parent: QObject | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        """`runner` runs the store reads off the GUI thread; None runs them at once (tests)."""
        super().__init__(parent)
        self._view = HistoryView(store, page_size=page_size)
        self._runner = runner
        self._in_flight = 0
        # The rows as Qt was told about them: the view is already past a change when it returns it,
        # while Qt needs each one between its begin/end calls (views and proxies read the old rows
        # in beginInsertRows).
        self._shown: list[EventSummary] = []
        self._cells: dict[int, tuple[str, ...]] = {}  # seq -> display strings, filled lazily
        self._recount_timer = QTimer(self)
        self._recount_timer.setSingleShot(True)
        self._recount_timer.setInterval(RECOUNT_MS)
        self._recount_timer.timeout.connect(self.request_counts)
        self.insert_operations = 0  # beginInsertRows calls from live updates (tests, benchmarks)
        self.resets = 0

    # -- Qt model API --------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == COL_TIME:
                return TIME_HEADER_TIP
        return None

    # flags() is not overridden: the C++ default (enabled, selectable, no children) is what we
    # want, and a Python override would be called for every visible cell on every repaint.

    # The delegate asks for ~7 roles per visible cell on every repaint; multiData answers them in
    # one Python call instead of seven. While the listener's threads are busy, each call into
    # Python from the event loop competes for the GIL, so fewer calls is a shorter stall.
    def multiData(  # type: ignore[override]  # Qt only ever passes a span here
        self, index: QModelIndex | QPersistentModelIndex, roleDataSpan: QModelRoleDataSpan
    ) -> None:
        data = self.data
        for k in range(len(roleDataSpan)):  # type: ignore[arg-type]  # the span is sized and indexable
            slot = roleDataSpan[k]  # type: ignore[index]
            role = slot.role()
            value = None if role in _UNUSED_ROLES else data(index, role)
            if value is None:
                slot.clearData()
            else:
                slot.setData(value)

    # data() answers from plain ints and a per-row cache of display strings.
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if role in _UNUSED_ROLES:
            return None
        r = index.row()
        if not 0 <= r < len(self._shown) or not index.isValid():
            return None
        row = self._shown[r]
        col = index.column()
        if role == _DISPLAY:
            cells = self._cells.get(row.seq)
            if cells is None:
                cells = self._cells[row.seq] = display_texts(row)
            return cells[col]
        if role == _ALIGN:
            return RIGHT if col in (COL_SIZE, COL_STATUS) else None
        if role == _FOREGROUND:
            return foreground(row, col)
        if role == _BACKGROUND:
            return background(row)  # the verdict tint, over the alternating base
        if role == SummaryRole:
            return row
        if role == SeqRole:
            return row.seq
        if role == BadgesRole:
            return badges_for(row)
        if role == _TOOLTIP:
            return tooltip(row, col)
        return None

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and self._view.can_fetch_more

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        """Next page, off the GUI thread: a page sorted by an unindexed column (size, method) or
        filtered by a rare free-text term can take seconds on a million rows."""
        if parent.isValid():
            return
        if self._runner is None:
            self.fetch_more_now()
        else:
            self._start(self._view.fetch_more())  # None while a page is on its way: one at a time

    def fetch_more_now(self) -> None:
        """Next page on the calling thread (jumping to a row needs it at once)."""
        self._apply(self._view.fetch_more_now())

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS.get(column)
        if key is None:
            return  # the verdict column has no SQL order; keep the current one
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == self._view.order and self.resets:
            return
        self.reload(order=(key, descending))

    # -- filter, sort, reload --------------------------------------------------------------------

    @property
    def filter_text(self) -> str:
        return self._view.filter_text

    @property
    def order(self) -> tuple[str, bool]:
        return self._view.order

    @property
    def newest_first(self) -> bool:
        return self._view.newest_first

    def set_filter(self, text: str) -> None:
        """Apply a query; raises FilterError (and changes nothing) when it does not parse."""
        self.reload(text)

    def reload(
        self, text: str | None = None, order: tuple[str, bool] | None = None, *, wait: bool = False
    ) -> None:
        """Load the first page for a new filter/sort: off the GUI thread unless `wait`.

        A rare free-text match can scan every body, so the query must not run on the GUI thread;
        the reset happens when the page is back (`loaded` is emitted). Raises FilterError at once.
        """
        read = self._view.reload(text, order)
        if wait:
            self._apply(read.now())
        else:
            self._start(read)

    def refresh(self) -> None:
        """Reload synchronously (history cleared, long pause ended)."""
        self.reload(wait=True)

    @property
    def notified_max(self) -> int:
        return self._view.notified_max

    @property
    def runner_idle(self) -> bool:
        """No background page or count of this model in flight."""
        return self._in_flight == 0

    @property
    def loading(self) -> bool:
        return self._view.loading

    # -- counts ----------------------------------------------------------------------------------

    @property
    def matching_count(self) -> int | None:
        return self._view.matching_count

    @property
    def total_count(self) -> int | None:
        return self._view.total_count

    def request_counts(self) -> None:
        """Recount "N of M" off the GUI thread; one count in flight at a time."""
        self._start(self._view.recount())

    def set_counts(self, matching: int | None, total: int | None) -> None:
        self._apply(self._view.set_counts(matching, total))

    # -- rows ------------------------------------------------------------------------------------

    def update_summaries(self, summaries: Sequence[EventSummary]) -> int:
        """Replace loaded rows whose summary changed (a forward result came back); returns how
        many were loaded. One dataChanged per updated row."""
        changes = self._view.update_summaries(summaries)
        self._apply(changes)
        return len(changes.rows)

    def summary_at(self, row: int) -> EventSummary | None:
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def row_of_seq(self, seq: int) -> int | None:
        for i, row in enumerate(self._shown):
            if row.seq == seq:
                return i
        return None

    def loaded_seqs(self) -> Sequence[int]:
        return [r.seq for r in self._shown]

    # -- live updates ----------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._view.paused

    def set_paused(self, paused: bool) -> None:
        self._apply(self._view.set_paused(paused))

    def on_pruned(self, seqs: Sequence[int]) -> None:
        """Drop the rows of events the pruner deleted; the counts follow."""
        self._apply(self._view.on_pruned(seqs))

    def on_committed(self, notice: CommitNotice) -> None:
        """Catch up with the store after a coalesced notice: one query, one insert per block."""
        changes = self._view.on_committed(notice.max_seq, notice.new_count, notice.rows)
        # The live increments are exact for what we see; a quiet recount corrects any race.
        if not self._recount_timer.isActive():
            self._recount_timer.start()
        self._apply(changes)

    # -- running reads and applying what changed ------------------------------------------------

    def _start(self, read: Read[Any] | None) -> None:
        if read is None:
            return
        if self._runner is None:
            self._apply(read.now())
            return

        def done(answer: Any) -> None:
            self._in_flight -= 1
            self._apply(read.finish(answer))

        def failed(error: BaseException) -> None:
            self._in_flight -= 1
            read.fail()
            self.jobFailed.emit(str(error))

        self._in_flight += 1
        self._runner.submit(read.run, on_done=done, on_error=failed, owner=self)

    def _apply(self, changes: Changes) -> None:
        for change in changes.rows:
            if isinstance(change, Reset):
                self.beginResetModel()
                self._shown = list(change.rows)
                self._cells = {}
                self.resets += 1
                self.endResetModel()
            elif isinstance(change, Inserted):
                self.beginInsertRows(QModelIndex(), change.at, change.at + len(change.rows) - 1)
                self._shown[change.at : change.at] = change.rows
                self.endInsertRows()
                if change.live:
                    self.insert_operations += 1
            elif isinstance(change, Removed):
                self.beginRemoveRows(QModelIndex(), change.at, change.at + change.count - 1)
                for row in self._shown[change.at : change.at + change.count]:
                    self._cells.pop(row.seq, None)
                del self._shown[change.at : change.at + change.count]
                self.endRemoveRows()
            else:
                self._shown[change.at] = change.row
                self._cells.pop(change.row.seq, None)
                self.dataChanged.emit(self.index(change.at, 0), self.index(change.at, _LAST_COL))
        if changes.counts:
            self.countsChanged.emit()
        if changes.streamed is not None:
            self.streamed.emit(changes.streamed)
        if changes.loaded:
            self.loaded.emit()
        if changes.recount:
            self.request_counts()
