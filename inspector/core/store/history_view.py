"""A paged, live window onto the history for one filter and sort, without Qt.

`HistoryView` holds the loaded rows (summaries, never bodies), pages further on request, places
live rows where the current ORDER BY puts them, holds them back while paused, drops the rows the
pruner deleted, and keeps the exact "N of M" counts while deliveries stream in. Its methods return
`Changes`: what happened to the rows, in order (`Reset`, `Inserted`, `Replaced`, `Removed`), and
which figures changed, so a table model only
has to apply them. Rows are never reset except for a new filter or sort.

Reads that can take long on a big history (a first page, the next page, a count) are handed out
as `Read`s: `run()` on any thread (it only reads the store), then `finish(answer)` — or `fail()` —
on the view's thread. A read for a filter or sort that was replaced meanwhile finishes as nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from inspector.core.events import EventSummary
from inspector.core.store.event_store import EventStore
from inspector.core.store.filter_query import Filter, parse_filter

PAGE_SIZE = 200
# Rows held back while paused; past this they are only counted, and resuming reloads.
MAX_PENDING = 20_000
# Loaded rows at most: past this, live inserts let go of the far end of the window (a later page
# brings it back when scrolled to), so a window left open for a million deliveries stays small.
MAX_LOADED = 50_000
CATCH_UP_CHUNK = 5000  # rows per store read when catching up after a commit notice

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Reset:
    """The rows are now exactly these."""

    rows: tuple[EventSummary, ...]


@dataclass(frozen=True, slots=True)
class Inserted:
    """These rows now start at row `at` (an index into the rows as they were before this change)."""

    at: int
    rows: tuple[EventSummary, ...]
    live: bool  # newly committed rows (False: a further page of the history)


@dataclass(frozen=True, slots=True)
class Replaced:
    """Row `at` now shows this summary (the same event, with a forward result)."""

    at: int
    row: EventSummary


@dataclass(frozen=True, slots=True)
class Removed:
    """Rows `at` .. `at + count - 1` are gone (pruned from the history, or let go of)."""

    at: int
    count: int


RowChange = Reset | Inserted | Replaced | Removed


@dataclass
class Changes:
    rows: list[RowChange] = field(default_factory=list)  # apply in this order
    counts: bool = False  # matching_count / total_count changed
    streamed: int | None = None  # the newest seq among live rows inserted
    loaded: bool = False  # a reload (filter, sort, refresh) landed: the rows were reset
    recount: bool = False  # a fresh background count is due now

    def add(self, other: Changes) -> Changes:
        self.rows.extend(other.rows)
        self.counts |= other.counts
        if other.streamed is not None:
            self.streamed = max(other.streamed, self.streamed or 0)
        self.loaded |= other.loaded
        self.recount |= other.recount
        return self


@dataclass(frozen=True, slots=True)
class Read(Generic[T]):
    run: Callable[[], T]  # reads the store only: safe on any thread
    finish: Callable[[T], Changes]
    fail: Callable[[], None]

    def now(self) -> Changes:
        """Run and finish on the calling thread."""
        return self.finish(self.run())


def _sort_value(summary: EventSummary, key: str) -> tuple[int, Any]:
    """SQLite's order for one column: NULL sorts before any value; text compares like Python's."""
    value = getattr(summary, key)
    return (0, 0) if value is None else (1, value)


def _nothing() -> None:
    return None


class HistoryView:
    """The rows one table shows. Not thread-safe: call it (and finish its Reads) on one thread."""

    def __init__(
        self, store: EventStore, *, page_size: int = PAGE_SIZE, max_loaded: int = MAX_LOADED
    ) -> None:
        self._store = store
        self._page_size = page_size
        self._max_loaded = max(max_loaded, page_size)
        self._generation = 0  # one per reload; reads of an older one are ignored
        self._applied_generation = 0
        self._fetching = False
        self._counting = False
        self._count_again = False
        # Highest seq a commit notice told us about (what the view has to catch up to).
        self._notified_max = store.max_seq()
        # Rows up to this seq are accounted for in total_count (seqs are contiguous: AUTOINCREMENT,
        # one writer), so a notice about rows a count already saw adds nothing twice.
        self._total_upto = self._notified_max
        self._rows: list[EventSummary] = []
        self._seqs: set[int] = set()
        self._filter_text = ""
        self._filter: Filter = parse_filter("")
        self._order_by = "seq"
        self._descending = True
        self._exhausted = False
        self._last_seq = 0  # every committed row up to here has been seen (shown, held or skipped)
        self._paused = False
        self._pending: list[EventSummary] = []
        self._pending_shift = 0  # held rows that sort inside the loaded window
        self._pending_overflow = False
        # Pruned before their commit notice came (a notice waits up to a bridge interval): their
        # rows, carried by that notice, must not be shown, nor counted.
        self._pruned_ahead: set[int] = set()
        self.matching_count: int | None = None  # None until a count answers
        self.total_count: int | None = None

    # -- state ---------------------------------------------------------------------------------

    @property
    def rows(self) -> Sequence[EventSummary]:
        return self._rows

    @property
    def filter_text(self) -> str:
        return self._filter_text

    @property
    def order(self) -> tuple[str, bool]:
        return self._order_by, self._descending

    @property
    def newest_first(self) -> bool:
        return self._order_by in ("seq", "received_at") and self._descending

    @property
    def can_fetch_more(self) -> bool:
        return not self._exhausted

    @property
    def loading(self) -> bool:
        """A reload was asked for and has not landed yet."""
        return self._applied_generation != self._generation

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def notified_max(self) -> int:
        return self._notified_max

    # -- a filter or sort ----------------------------------------------------------------------

    def reload(
        self, text: str | None = None, order: tuple[str, bool] | None = None
    ) -> Read[tuple[int, list[EventSummary]]]:
        """The first page of a new filter/sort (None keeps the current one); raises FilterError
        at once, changing nothing. The rows are reset when the read finishes."""
        flt = self._filter if text is None else parse_filter(text)
        text = self._filter_text if text is None else text
        order_by, descending = order or (self._order_by, self._descending)
        self._generation += 1
        generation, store, size = self._generation, self._store, self._page_size

        def run() -> tuple[int, list[EventSummary]]:
            # max_seq first: rows committed during the page query are caught up afterwards
            # (repeats dropped by seq), never lost.
            last = store.max_seq()
            return last, store.query(flt, limit=size, order_by=order_by, descending=descending)

        def finish(answer: tuple[int, list[EventSummary]]) -> Changes:
            if generation != self._generation:
                return Changes()  # a newer filter/sort superseded this one
            self._applied_generation = generation
            last_seq, page = answer
            return self._reset(text, flt, (order_by, descending), last_seq, page)

        return Read(run, finish, _nothing)

    def refresh(self) -> Changes:
        """Reload the current filter and sort on the calling thread (history cleared, imported)."""
        return self.reload().now()

    def _reset(
        self, text: str, flt: Filter, order: tuple[str, bool], last_seq: int, page: list[EventSummary]
    ) -> Changes:
        self._filter_text, self._filter = text, flt
        self._order_by, self._descending = order
        self._rows = list(page)
        self._seqs = {r.seq for r in page}
        self._pending, self._pending_shift, self._pending_overflow = [], 0, False
        self._exhausted = len(page) < self._page_size
        self._fetching = False  # a page in flight for the old query is dropped when it lands
        self._last_seq = last_seq
        changes = Changes(rows=[Reset(tuple(page))])
        if self._notified_max > self._last_seq:
            # Notices handled while the page was loading advanced under the old filter; catch up.
            changes.add(self._catch_up(()))
        changes.loaded = changes.recount = True
        return changes

    # -- paging ----------------------------------------------------------------------------------

    def fetch_more(self) -> Read[list[EventSummary]] | None:
        """The next page, or None when there is none or one is already on its way."""
        if self._exhausted or self._fetching:
            return None
        self._fetching = True
        generation, page = self._generation, self._page_read()

        def finish(rows: list[EventSummary]) -> Changes:
            if generation != self._generation:
                return Changes()  # the page of a filter/sort that was replaced meanwhile
            self._fetching = False
            return self._append(rows)

        def fail() -> None:
            if generation == self._generation:
                self._fetching = False

        return Read(page, finish, fail)

    def fetch_more_now(self) -> Changes:
        """The next page on the calling thread (jumping to a row needs it at once)."""
        if self._exhausted:
            return Changes()
        return self._append(self._page_read()())

    def _page_read(self) -> Callable[[], list[EventSummary]]:
        store, flt, size = self._store, self._filter, self._page_size
        order_by, descending = self._order_by, self._descending
        # Held-back rows sort inside the window, so the store's offsets are shifted by them.
        offset = len(self._rows) + self._pending_shift
        return lambda: store.query(flt, limit=size, offset=offset, order_by=order_by, descending=descending)

    def _append(self, page: list[EventSummary]) -> Changes:
        if len(page) < self._page_size:
            self._exhausted = True
        # Live rows inserted meanwhile shift offsets forward: overlap, never a gap; drop repeats.
        fresh = tuple(r for r in page if r.seq not in self._seqs)
        if not fresh:
            return Changes()
        change = Inserted(len(self._rows), fresh, live=False)
        self._rows.extend(fresh)
        self._seqs.update(r.seq for r in fresh)
        return Changes(rows=[change])

    # -- counts ----------------------------------------------------------------------------------

    def recount(self) -> Read[tuple[int, int]] | None:
        """Count "N of M" afresh; None while a count is on its way (it is repeated when it lands).

        The read counts up to fixed seq bounds; when it finishes, the rows committed after those
        bounds (already counted live) are added by a cheap seq-range count, so the figures stay
        exact while deliveries stream in.
        """
        if self._counting:
            self._count_again = True
            return None
        self._counting, self._count_again = True, False
        total_upto, matching_upto = max(self._total_upto, self._last_seq), self._last_seq
        generation, store, flt = self._generation, self._store, self._filter

        def run() -> tuple[int, int]:
            total = store.count(upto=total_upto)
            if flt.empty and matching_upto == total_upto:
                return total, total
            return store.count(flt, upto=matching_upto), total

        def finish(counts: tuple[int, int]) -> Changes:
            self._counting = False
            current = generation == self._generation
            changes = self._counted(total_upto, matching_upto, *counts) if current else Changes()
            changes.recount = self._count_again or not current
            return changes

        def fail() -> None:
            self._counting = False

        return Read(run, finish, fail)

    def _counted(self, total_upto: int, matching_upto: int, matching: int, total: int) -> Changes:
        if self._total_upto > total_upto:
            total += self._store.count(after=total_upto, upto=self._total_upto)
        self._total_upto = max(self._total_upto, total_upto)
        if self._last_seq > matching_upto:
            matching += self._store.count(self._filter, after=matching_upto, upto=self._last_seq)
        return self.set_counts(matching, total)

    def set_counts(self, matching: int | None, total: int | None) -> Changes:
        self.matching_count, self.total_count = matching, total
        return Changes(counts=True)

    # -- live rows -------------------------------------------------------------------------------

    def on_committed(self, max_seq: int, new_count: int, rows: Sequence[EventSummary] = ()) -> Changes:
        """Catch up after a (coalesced) commit notice: rows up to `max_seq` are committed,
        `new_count` of them since the previous notice; `rows` are those rows when the notice
        carries them, oldest first. One store read at most, one insert per block of rows."""
        self._notified_max = max(self._notified_max, max_seq)
        fresh = min(new_count, max(0, max_seq - self._total_upto))
        if self._pruned_ahead:
            upto = self._total_upto
            fresh = max(0, fresh - sum(1 for s in self._pruned_ahead if upto < s <= max_seq))
        self._total_upto = max(self._total_upto, max_seq)
        if self.total_count is not None:
            self.total_count += fresh
        return self._catch_up(rows)

    def _carried_rows(self, rows: Sequence[EventSummary]) -> list[EventSummary] | None:
        """The notice's own rows, if they are exactly what a store read would return now."""
        if not rows or not self._filter.empty:
            return None
        if rows[0].seq != self._last_seq + 1 or rows[-1].seq != self._notified_max:
            return None  # a gap (another writer, a dropped notice): read the store instead
        if len(rows) != rows[-1].seq - rows[0].seq + 1:
            return None
        return [r for r in rows if r.seq not in self._seqs]

    def _catch_up(self, carried: Sequence[EventSummary]) -> Changes:
        if self._notified_max <= self._last_seq:
            return Changes(counts=True)
        new_rows = self._carried_rows(carried)
        if new_rows is not None and self._pruned_ahead:
            new_rows = [r for r in new_rows if r.seq not in self._pruned_ahead]
        if new_rows is None:
            new_rows = []
            while True:
                chunk = self._store.query_after(self._last_seq, self._filter, limit=CATCH_UP_CHUNK)
                new_rows.extend(r for r in chunk if r.seq not in self._seqs)
                if chunk:
                    self._last_seq = max(self._last_seq, chunk[-1].seq)
                if len(chunk) < CATCH_UP_CHUNK:
                    break
        self._last_seq = max(self._last_seq, self._notified_max)
        if self._pruned_ahead:
            self._pruned_ahead = {s for s in self._pruned_ahead if s > self._last_seq}
        if self.matching_count is not None:
            self.matching_count += len(new_rows)
        if self._paused:
            self._hold(new_rows)
            return Changes(counts=True)
        return self._insert_sorted(new_rows).add(Changes(counts=True))

    def set_paused(self, paused: bool) -> Changes:
        """While paused the rows hold still; resuming shows the held rows (or reloads, when
        more arrived than MAX_PENDING)."""
        if paused == self._paused:
            return Changes()
        self._paused = paused
        if paused:
            return Changes()
        if self._pending_overflow:
            return self.refresh()
        pending, self._pending, self._pending_shift = self._pending, [], 0
        return self._insert_sorted(pending)

    def _hold(self, rows: list[EventSummary]) -> None:
        in_window = [r for r in rows if self._in_window(self._position(r))]
        self._pending_shift += len(in_window)
        if self._pending_overflow or len(self._pending) + len(in_window) > MAX_PENDING:
            self._pending_overflow = True
            self._pending = []
        else:
            self._pending.extend(in_window)

    def _insert_sorted(self, rows: list[EventSummary]) -> Changes:
        """Insert live rows where the ORDER BY puts them: rows sorting together form one block."""
        ordered = sorted(rows, key=self._row_key(), reverse=self._descending)
        # Positions among the rows as they are now; each block shifts the later ones.
        placed = [(p, r) for p, r in ((self._position(r), r) for r in ordered) if self._in_window(p)]
        blocks: list[Inserted] = []
        shift = 0
        i = 0
        while i < len(placed):
            pos = placed[i][0]
            j = i
            while j < len(placed) and placed[j][0] == pos:
                j += 1
            blocks.append(Inserted(pos + shift, tuple(r for _p, r in placed[i:j]), live=True))
            shift += j - i
            i = j
        for block in blocks:
            self._rows[block.at : block.at] = block.rows
            self._seqs.update(r.seq for r in block.rows)
        streamed = max((r.seq for _p, r in placed), default=None)
        changes = Changes(rows=list(blocks), streamed=streamed)
        excess = len(self._rows) - self._max_loaded
        if excess > 0:
            # Let go of the far end: the next page reloads it from the store in its turn.
            changes.rows.append(Removed(self._max_loaded, excess))
            self._seqs.difference_update(r.seq for r in self._rows[self._max_loaded :])
            del self._rows[self._max_loaded :]
            self._exhausted = False
        return changes

    def _in_window(self, pos: int) -> bool:
        # A row past the loaded window is picked up by a later page in its turn.
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

    # -- pruned rows -----------------------------------------------------------------------------

    def on_pruned(self, seqs: Sequence[int]) -> Changes:
        """These events were deleted from the history (retention.py): drop them from the rows and
        the held rows, take them off the counts, and ask for an exact recount (a pruned event
        that was never loaded may or may not have matched the filter)."""
        gone = set(seqs)
        if not gone:
            return Changes()
        # Rows whose commit notice has not come yet were never counted nor shown: remember them.
        ahead = {s for s in gone if s > self._last_seq}
        self._pruned_ahead |= ahead
        if self.total_count is not None:
            counted = sum(1 for s in gone if s <= self._total_upto)
            self.total_count = max(0, self.total_count - counted)
        held = len(self._pending)
        self._pending = [r for r in self._pending if r.seq not in gone]
        self._pending_shift = max(0, self._pending_shift - (held - len(self._pending)))
        changes = self._remove(gone)
        removed = sum(c.count for c in changes.rows if isinstance(c, Removed)) + held - len(self._pending)
        if self.matching_count is not None:
            known = len(gone) - len(ahead) if self._filter.empty else removed
            self.matching_count = max(0, self.matching_count - known)
        changes.counts = changes.recount = True
        return changes

    def _remove(self, gone: set[int]) -> Changes:
        """One Removed per run of loaded rows in `gone`, last run first (each `at` stays valid)."""
        changes = Changes()
        if not gone.intersection(self._seqs):
            return changes
        runs: list[Removed] = []
        start = None
        for i, row in enumerate(self._rows):
            if row.seq in gone:
                start = i if start is None else start
            elif start is not None:
                runs.append(Removed(start, i - start))
                start = None
        if start is not None:
            runs.append(Removed(start, len(self._rows) - start))
        for run in reversed(runs):
            del self._rows[run.at : run.at + run.count]
            changes.rows.append(run)
        self._seqs -= gone
        return changes

    # -- rows ------------------------------------------------------------------------------------

    def update_summaries(self, summaries: Sequence[EventSummary]) -> Changes:
        """Replace loaded rows whose summary changed (a forward result came back)."""
        fresh = {s.seq: s for s in summaries if s.seq in self._seqs}
        changes = Changes()
        if not fresh:
            return changes
        for r, row in enumerate(self._rows):
            summary = fresh.get(row.seq)
            if summary is not None:
                self._rows[r] = summary
                changes.rows.append(Replaced(r, summary))
        return changes
