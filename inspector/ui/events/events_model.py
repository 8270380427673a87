"""The events table model: a paged window onto the store, never the whole history in memory.

Rows are `EventSummary` objects (no bodies). The first page comes from one SQL query; more pages
arrive through canFetchMore/fetchMore as the view scrolls. Live deliveries are inserted where the
current sort puts them (the top, for the default newest-first) with beginInsertRows, one insert per
coalesced batch; a reset happens only when the filter or the sort changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
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
from PySide6.QtGui import QColor

from inspector.core import events as ev
from inspector.core.events import EventSummary
from inspector.core.store.event_store import EventStore
from inspector.core.store.filter_query import Filter, parse_filter
from inspector.core.terminal_text import escape_controls
from inspector.ui.background import BackgroundRunner
from inspector.ui.bridge import CommitNotice

COL_TIME = 0
COL_METHOD = 1
COL_PATH = 2
COL_TYPE = 3
COL_EVENT_ID = 4
COL_STATUS = 5
COL_SIZE = 6
COL_VERDICT = 7
COL_FORWARD = 8  # how the forward target answered (issue 6); empty when not forwarded
HEADERS = ("Received", "Method", "Path", "Event type", "Event ID", "Status", "Size", "Verdict", "Forward")

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

PAGE_SIZE = 200
RECOUNT_MS = 1000  # after live inserts, recount "N of M" at most this often
# Rows held back while capture is paused; past this we only count them and reload on resume.
MAX_PENDING = 20_000

# flag -> (badge text, kind); kind picks the colour in the delegate ("bad", "warn", "info").
BADGES: dict[str, tuple[str, str]] = {
    ev.FLAG_UNAUTHORIZED: ("unauthorized", "bad"),
    ev.FLAG_INVALID_JSON: ("invalid JSON", "bad"),
    ev.FLAG_TOO_LARGE: ("too large", "bad"),
    ev.FLAG_UNSUPPORTED_MEDIA_TYPE: ("not JSON", "bad"),
    ev.FLAG_METHOD_NOT_ALLOWED: ("method", "bad"),
    ev.FLAG_DUPLICATE: ("duplicate", "warn"),
    ev.FLAG_NOT_ENVELOPE: ("not an envelope", "warn"),
    ev.FLAG_DUPLICATE_KEYS: ("duplicate keys", "warn"),
    ev.FLAG_TRUNCATED: ("truncated", "info"),
    ev.FLAG_UNVERIFIED: ("unverified", "info"),
    ev.FLAG_RULE: ("rule", "info"),
}

_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
# Roles the default delegate asks for that we never set: answered before any other work.
_UNUSED_ROLES = frozenset(
    int(r)
    for r in (
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.SizeHintRole,
        Qt.ItemDataRole.EditRole,
    )
)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ERROR_RED = QColor(0xD3, 0x3F, 0x3F)
_OK_GREEN = QColor(0x2E, 0x9E, 0x5B)


def badges_for(summary: EventSummary) -> tuple[tuple[str, str], ...]:
    out = [BADGES[f] for f in summary.flags if f in BADGES]
    if summary.webhook_id:
        # An imported file chooses the webhook id: shown escaped like every request-chosen cell.
        out.append((f"verified: {escape_controls(summary.webhook_id)}", "ok"))
    return tuple(out)


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    size = float(n)
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"
    return f"{n} B"  # pragma: no cover - loop always returns


def forward_text(forward_status: int | None) -> str:
    """The Forward cell: empty when not forwarded, "no answer" when the target was down."""
    if forward_status is None:
        return ""
    return "no answer" if forward_status == 0 else str(forward_status)


def local_time(ts: float) -> str:
    try:
        lt = time.localtime(ts)
    except (OverflowError, OSError, ValueError):  # past what the platform's clock can show
        return ev.iso_utc(ts)
    return time.strftime("%Y-%m-%d %H:%M:%S", lt) + f".{int(ts * 1000) % 1000:03d}"


def _sort_value(summary: EventSummary, key: str) -> tuple[int, Any]:
    """SQLite's order for one column: NULL sorts before any value; text compares like Python's."""
    value = getattr(summary, key)
    return (0, 0) if value is None else (1, value)


class EventsModel(QAbstractTableModel):
    countsChanged = Signal()  # matching_count / total_count changed
    streamed = Signal(int)  # live rows were inserted; argument = the newest inserted seq
    loaded = Signal()  # a filter/sort reload finished (the model was reset)
    jobFailed = Signal(str)  # a background query failed (store closed, disk error)

    def __init__(
        self,
        store: EventStore,
        parent: QObject | None = None,
        page_size: int = PAGE_SIZE,
        *,
        background: bool = True,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._runner: BackgroundRunner | None = None
        if background:
            self._runner = BackgroundRunner(self)
            self._runner.done.connect(self._on_job_done)
            self._runner.failed.connect(self._on_job_failed)
        self._generation = 0
        self._applied_generation = 0
        self._counting = False
        self._count_again = False
        self._fetching = False
        # Highest seq a commit notice told us about (what the live view has to catch up to).
        self._notified_max = store.max_seq()
        # Rows up to this seq are accounted for in total_count (seqs are contiguous: AUTOINCREMENT,
        # one writer), so a notice about rows a count already saw adds nothing twice.
        self._total_upto = self._notified_max
        self._recount_timer = QTimer(self)
        self._recount_timer.setSingleShot(True)
        self._recount_timer.setInterval(RECOUNT_MS)
        self._recount_timer.timeout.connect(self.request_counts)
        self._page_size = page_size
        self._rows: list[EventSummary] = []
        self._seqs: set[int] = set()
        self._cells: dict[int, tuple[str, ...]] = {}  # seq -> display strings, filled lazily
        self._filter_text = ""
        self._filter: Filter = parse_filter("")
        self._order_by = "seq"
        self._descending = True
        self._exhausted = False
        self._last_seq = 0  # every committed row up to here has been seen (shown, pending or skipped)
        self._paused = False
        self._pending: list[EventSummary] = []
        self._pending_shift = 0  # rows that sort inside the loaded window but are not shown yet
        self._pending_overflow = False
        self.matching_count: int | None = None  # None until the background count answers
        self.total_count: int | None = None
        self.insert_operations = 0  # beginInsertRows calls from live updates (tests, benchmarks)
        self.resets = 0

    # -- Qt model API --------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == COL_TIME:
                return "Local time the delivery was received (sorts by arrival order)"
        return None

    # flags() is not overridden: the C++ default (enabled, selectable, no children) is what we
    # want, and a Python override would be called for every visible cell on every repaint.

    # The delegate asks for ~7 roles per visible cell on every repaint; multiData answers them in
    # one Python call instead of seven. While the listener's threads are busy, each call into
    # Python from the event loop competes for the GIL, so fewer calls is a shorter stall.
    def multiData(self, index: QModelIndex | QPersistentModelIndex, roleDataSpan: QModelRoleDataSpan) -> None:
        data = self.data
        for k in range(len(roleDataSpan)):
            slot = roleDataSpan[k]
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
        if not 0 <= r < len(self._rows) or not index.isValid():
            return None
        row = self._rows[r]
        col = index.column()
        if role == _DISPLAY:
            cells = self._cells.get(row.seq)
            if cells is None:
                cells = self._cells[row.seq] = tuple(self._display(row, c) for c in range(len(HEADERS)))
            return cells[col]
        if role == _ALIGN:
            return _RIGHT if col in (COL_SIZE, COL_STATUS) else None
        if role == _FOREGROUND:
            if col == COL_STATUS:
                return _ERROR_RED if row.status >= 400 else _OK_GREEN
            if col == COL_FORWARD and row.forward_status is not None:
                return _OK_GREEN if 200 <= row.forward_status < 300 else _ERROR_RED
            return None
        if role == SummaryRole:
            return row
        if role == SeqRole:
            return row.seq
        if role == BadgesRole:
            return badges_for(row)
        if role == _TOOLTIP:
            return self._tooltip(row, col)
        return None

    @staticmethod
    def _display(row: EventSummary, col: int) -> str:
        if col == COL_TIME:
            return local_time(row.received_at)
        # Whoever reaches the listener chooses these: a CR LF would split the cell, a U+202E would
        # make it read backwards. Only the shown text is escaped; sorting and filtering use the
        # stored values.
        if col == COL_METHOD:
            return escape_controls(row.method)
        if col == COL_PATH:
            return escape_controls(row.path)
        if col == COL_TYPE:
            return escape_controls(row.event_identifier or "")
        if col == COL_EVENT_ID:
            return escape_controls(row.event_id or "")
        if col == COL_STATUS:
            return str(row.status)
        if col == COL_SIZE:
            return human_size(row.body_size)
        if col == COL_FORWARD:
            return forward_text(row.forward_status)
        return " · ".join(text for text, _kind in badges_for(row))

    @staticmethod
    def _tooltip(row: EventSummary, col: int) -> str | None:
        if col == COL_TIME:
            return f"#{row.seq} received {row.received_at_iso}"
        if col == COL_SIZE:
            return f"{row.body_size:,} bytes"
        if col == COL_VERDICT and row.duplicate_of is not None:
            return f"duplicate of delivery #{row.duplicate_of}"
        if col == COL_FORWARD and row.forward_status is not None:
            if row.forward_status == 0:
                return "Forwarded; the target gave no HTTP answer (refused, timed out or dropped)"
            return f"Forwarded; the target answered {row.forward_status}"
        return None

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        """Next page, off the GUI thread: a page sorted by an unindexed column (size, method) or
        filtered by a rare free-text term can take seconds on a million rows."""
        if parent.isValid() or self._exhausted:
            return
        if self._runner is None:
            self.fetch_more_now()
            return
        if self._fetching:
            return  # the view asks again while it waits; one page at a time
        self._fetching = True
        store, flt, size = self._store, self._filter, self._page_size
        offset = len(self._rows) + self._pending_shift
        order_by, descending = self._order_by, self._descending
        self._runner.submit(
            ("more", self._generation),
            lambda: store.query(flt, limit=size, offset=offset, order_by=order_by, descending=descending),
        )

    def fetch_more_now(self) -> None:
        """Next page on the calling thread (jumping to a row needs it at once)."""
        if not self._exhausted:
            self._append_page(self._fetch_page())

    def _append_page(self, page: list[EventSummary]) -> None:
        if page:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._append(page)
            self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS.get(column)
        if key is None:
            return  # the verdict column has no SQL order; keep the current one
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self._order_by, self._descending) and self.resets:
            return
        self.reload(order=(key, descending))

    # -- queries -------------------------------------------------------------------------------

    @property
    def filter_text(self) -> str:
        return self._filter_text

    @property
    def order(self) -> tuple[str, bool]:
        return self._order_by, self._descending

    @property
    def newest_first(self) -> bool:
        return self._order_by in ("seq", "received_at") and self._descending

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
        flt = self._filter if text is None else parse_filter(text)
        text = self._filter_text if text is None else text
        order_by, descending = order or (self._order_by, self._descending)
        self._generation += 1
        tag = ("page", self._generation, text, flt, order_by, descending)
        store, size = self._store, self._page_size

        def job() -> tuple[int, list[EventSummary]]:
            # Read max_seq first: rows committed during the page query are caught up afterwards
            # (duplicates dropped by seq), never lost.
            last = store.max_seq()
            page = store.query(flt, limit=size, order_by=order_by, descending=descending)
            return last, page

        if wait or self._runner is None:
            self._on_job_done(tag, job())
        else:
            self._runner.submit(tag, job)

    def refresh(self) -> None:
        """Reload synchronously (history cleared, long pause ended)."""
        self.reload(wait=True)

    @property
    def notified_max(self) -> int:
        return self._notified_max

    @property
    def runner_idle(self) -> bool:
        """No background page or count in flight."""
        return self._runner is None or self._runner.in_flight == 0

    @property
    def loading(self) -> bool:
        return self._applied_generation != self._generation

    def _apply_page(  # noqa: PLR0917 - private, called from one place with the job's tag
        self,
        text: str,
        flt: Filter,
        order_by: str,
        descending: bool,
        last_seq: int,
        page: list[EventSummary],
    ) -> None:
        self.beginResetModel()
        self._filter_text, self._filter = text, flt
        self._order_by, self._descending = order_by, descending
        self._rows = []
        self._seqs = set()
        self._cells = {}
        self._pending = []
        self._pending_shift = 0
        self._pending_overflow = False
        self._exhausted = len(page) < self._page_size
        self._fetching = False  # a page in flight for the old query is dropped when it lands
        self._last_seq = last_seq
        self._append(page)
        self.resets += 1
        self.endResetModel()
        if self._notified_max > self._last_seq:
            # Notices handled while the page was loading advanced under the old filter; catch up.
            self._catch_up()
        self.loaded.emit()
        self.request_counts()

    # -- counts (background) ---------------------------------------------------------------

    def request_counts(self) -> None:
        """Recount "N of M" off the GUI thread; one count in flight at a time.

        The worker counts up to fixed seq bounds; when the answer is back, the rows committed
        after those bounds (already counted live) are added by a cheap primary-key range count,
        so the figures stay exact while deliveries stream in.
        """
        bounds = (max(self._total_upto, self._last_seq), self._last_seq)
        if self._runner is None:
            self._apply_counts(bounds, self._count_upto(self._filter, *bounds))
            return
        if self._counting:
            self._count_again = True
            return
        self._counting = True
        self._count_again = False
        flt = self._filter
        self._runner.submit(("count", self._generation, bounds), lambda: self._count_upto(flt, *bounds))

    def _count_upto(self, flt: Filter, total_upto: int, matching_upto: int) -> tuple[int, int]:
        total = self._store.count(upto=total_upto)
        if flt.empty and matching_upto == total_upto:
            return total, total
        return self._store.count(flt, upto=matching_upto), total

    def _apply_counts(self, bounds: tuple[int, int], counts: tuple[int, int]) -> None:
        total_upto, matching_upto = bounds
        matching, total = counts
        if self._total_upto > total_upto:
            total += self._store.count(after=total_upto, upto=self._total_upto)
        self._total_upto = max(self._total_upto, total_upto)
        if self._last_seq > matching_upto:
            matching += self._store.count(self._filter, after=matching_upto, upto=self._last_seq)
        self.set_counts(matching, total)

    def _on_job_done(self, tag: object, result: object) -> None:
        kind, generation = tag[0], tag[1]  # type: ignore[index]
        if kind == "page":
            if generation != self._generation:
                return  # a newer filter/sort superseded this one
            _, _, text, flt, order_by, descending = tag  # type: ignore[misc]
            last_seq, page = result  # type: ignore[misc]
            self._applied_generation = generation
            self._apply_page(text, flt, order_by, descending, last_seq, page)
        elif kind == "more":
            if generation != self._generation:
                return  # the page of a filter/sort that was replaced meanwhile
            self._fetching = False
            page: list[EventSummary] = result  # type: ignore[assignment]
            if len(page) < self._page_size:
                self._exhausted = True
            # Live rows inserted meanwhile shift offsets forward: overlap, never a gap; drop repeats.
            self._append_page([r for r in page if r.seq not in self._seqs])
        elif kind == "count":
            self._counting = False
            if generation == self._generation:
                self._apply_counts(tag[2], result)  # type: ignore[index, arg-type]
            if self._count_again or generation != self._generation:
                self.request_counts()

    def _on_job_failed(self, tag: object, error: object) -> None:
        if tag[0] == "count":  # type: ignore[index]
            self._counting = False
        elif tag[0] == "more":  # type: ignore[index]
            self._fetching = False
        self.jobFailed.emit(str(error))

    def update_summaries(self, summaries: Sequence[EventSummary]) -> int:
        """Replace loaded rows whose summary changed (a forward result came back); returns how
        many were loaded. One pass over the rows, one dataChanged per updated row."""
        fresh = {s.seq: s for s in summaries if s.seq in self._seqs}
        if not fresh:
            return 0
        last_col = len(HEADERS) - 1
        for r, row in enumerate(self._rows):
            summary = fresh.get(row.seq)
            if summary is not None:
                self._rows[r] = summary
                self._cells.pop(row.seq, None)
                self.dataChanged.emit(self.index(r, 0), self.index(r, last_col))
        return len(fresh)

    def summary_at(self, row: int) -> EventSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_seq(self, seq: int) -> int | None:
        for i, row in enumerate(self._rows):
            if row.seq == seq:
                return i
        return None

    def loaded_seqs(self) -> Sequence[int]:
        return [r.seq for r in self._rows]

    def set_counts(self, matching: int | None, total: int | None) -> None:
        self.matching_count, self.total_count = matching, total
        self.countsChanged.emit()

    # -- live updates --------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._paused

    def set_paused(self, paused: bool) -> None:
        if paused == self._paused:
            return
        self._paused = paused
        if paused:
            return
        if self._pending_overflow:
            self.refresh()
            return
        pending, self._pending, self._pending_shift = self._pending, [], 0
        self._insert_sorted(pending)

    def on_committed(self, notice: CommitNotice) -> None:
        """Catch up with the store after a coalesced notice: one query, one insert per block."""
        self._notified_max = max(self._notified_max, notice.max_seq)
        fresh = min(notice.new_count, max(0, notice.max_seq - self._total_upto))
        self._total_upto = max(self._total_upto, notice.max_seq)
        if self.total_count is not None:
            self.total_count += fresh
        # The live increments are exact for what we see; a quiet recount corrects any race.
        if not self._recount_timer.isActive():
            self._recount_timer.start()
        self._catch_up(notice.rows)

    def _carried_rows(self, rows: tuple[EventSummary, ...]) -> list[EventSummary] | None:
        """The notice's own rows, if they are exactly what a store query would return now."""
        if not rows or not self._filter.empty:
            return None
        if rows[0].seq != self._last_seq + 1 or rows[-1].seq != self._notified_max:
            return None  # a gap (another writer, a dropped notice): read the store instead
        if len(rows) != rows[-1].seq - rows[0].seq + 1:
            return None
        return [r for r in rows if r.seq not in self._seqs]

    def _catch_up(self, carried: tuple[EventSummary, ...] = ()) -> None:
        if self._notified_max <= self._last_seq:
            self.countsChanged.emit()
            return
        new_rows = self._carried_rows(carried)
        if new_rows is not None:
            self._last_seq = self._notified_max
            self._show_new(new_rows)
            return
        new_rows = []
        while True:
            chunk = self._store.query_after(self._last_seq, self._filter, limit=5000)
            new_rows.extend(r for r in chunk if r.seq not in self._seqs)
            if chunk:
                self._last_seq = max(self._last_seq, chunk[-1].seq)
            if len(chunk) < 5000:
                break
        self._last_seq = max(self._last_seq, self._notified_max)
        self._show_new(new_rows)

    def _show_new(self, new_rows: list[EventSummary]) -> None:
        if self.matching_count is not None:
            self.matching_count += len(new_rows)
        self.countsChanged.emit()
        if not new_rows:
            return
        if self._paused:
            self._hold(new_rows)
        else:
            self._insert_sorted(new_rows)

    def _hold(self, rows: list[EventSummary]) -> None:
        in_window = [r for r in rows if self._in_window(self._position(r))]
        self._pending_shift += len(in_window)
        if self._pending_overflow or len(self._pending) + len(in_window) > MAX_PENDING:
            self._pending_overflow = True
            self._pending = []
        else:
            self._pending.extend(in_window)

    def _insert_sorted(self, rows: list[EventSummary]) -> None:
        if not rows:
            return
        key = self._row_key()
        rows = sorted(rows, key=key, reverse=self._descending)
        # Positions in the current rows; rows sorting together land in one contiguous block.
        placed = [(self._position(r), r) for r in rows]
        placed = [(p, r) for p, r in placed if self._in_window(p)]
        shift = 0
        i = 0
        while i < len(placed):
            pos = placed[i][0]
            j = i
            while j < len(placed) and placed[j][0] == pos:
                j += 1
            block = [r for _p, r in placed[i:j]]
            at = pos + shift
            self.beginInsertRows(QModelIndex(), at, at + len(block) - 1)
            self._rows[at:at] = block
            self._seqs.update(r.seq for r in block)
            self.endInsertRows()
            self.insert_operations += 1
            shift += len(block)
            i = j
        if placed:
            self.streamed.emit(max(r.seq for _p, r in placed))

    def _in_window(self, pos: int) -> bool:
        # A row past the loaded window is picked up by fetchMore in its turn.
        return pos < len(self._rows) or self._exhausted

    def _row_key(self) -> Callable[[EventSummary], tuple[tuple[int, Any], int]]:
        order_by = self._order_by
        return lambda r: (_sort_value(r, order_by), r.seq)

    def _position(self, row: EventSummary) -> int:
        """Where `row` goes among the loaded rows under the current ORDER BY (binary search)."""
        key = self._row_key()
        target = key(row)
        lo, hi = 0, len(self._rows)
        while lo < hi:
            mid = (lo + hi) // 2
            k = key(self._rows[mid])
            before = k > target if self._descending else k < target
            if before:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _fetch_page(self) -> list[EventSummary]:
        # Held-back rows sort inside the window, so the store's offsets are shifted by them.
        page = self._store.query(
            self._filter,
            limit=self._page_size,
            offset=len(self._rows) + self._pending_shift,
            order_by=self._order_by,
            descending=self._descending,
        )
        if len(page) < self._page_size:
            self._exhausted = True
        return [r for r in page if r.seq not in self._seqs]

    def _append(self, page: list[EventSummary]) -> None:
        self._rows.extend(page)
        self._seqs.update(r.seq for r in page)
