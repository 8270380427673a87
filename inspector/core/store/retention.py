"""The pruner that keeps the history within the user's `KeepLimits` (keep_limits.py).

The newest events are kept, pinned ones always, and whichever limit is reached first decides.
`Pruner` deletes the oldest unpinned events in small batches, each one short transaction, so a
commit never waits more than a few milliseconds behind one. `RetentionWorker` runs a pruner on its
own thread, off the request path and off the GUI thread; the same thread indexes the references
of rows stored before the refs table existed (`RetentionWorker.backfill_refs`).

Deleted rows leave free pages in the file that SQLite fills again before it grows the file, so a
history at its limit stops growing; nothing is vacuumed (that would rewrite the whole file).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from inspector.core.diagnostics.log_events import pruning_run
from inspector.core.store.event_store import EventStore, StoreError
from inspector.core.store.keep_limits import DAY_S, KeepLimits

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Usage:
    """How much of the disk the history takes now."""

    used_bytes: int  # pages holding data
    file_bytes: int  # the file, free pages included (they are used again before it grows)


MIN_BATCH = 10  # about 0.2 ms of deleting: below it the pauses, not the deletes, set the pace


class Pruner:
    """Deletes the oldest unpinned events past the limits, one small batch per call.

    A batch's size adapts so its transaction stays within `budget_s` (the longest a commit
    should wait behind it). Not thread-safe: one thread calls it.
    """

    def __init__(
        self,
        store: EventStore,
        limits: KeepLimits,
        *,
        clock: Callable[[], float] = time.time,
        budget_s: float = 0.002,
        max_batch: int = 500,
    ) -> None:
        self.store = store
        self.limits = limits
        self._clock = clock
        self._budget_s = budget_s
        self._max_batch = max_batch
        self._batch = min(50, max_batch)
        self.deleted_total = 0
        # The seq at and below which events are over the count limit, found once per look: the
        # walk that finds it costs as many index steps as the limit (tens of milliseconds at a
        # few hundred thousand), and made again for every batch it let a stream outrun the pruner.
        # Newer deliveries only push more events over the limit, so it stays true for the look.
        self._count_cut: int | None = None

    def new_look(self) -> None:
        """Forget what the last look found (a new look, or new limits)."""
        self._count_cut = None

    def prune_batch(self) -> list[int]:
        """Delete one batch of what is over the limits; [] when the history is within them."""
        candidates = self._candidates(self._batch)
        if not candidates:
            return []
        deleted = self.store.delete_unpinned(candidates)
        # The time the batch held the write lock, which is what a commit waits behind: measured
        # around the call, waiting for the lock (commits under load) and for the GIL counted too,
        # and shrank the batch to a single event while the backlog grew faster than it went.
        elapsed = self.store.last_delete_s
        if elapsed > self._budget_s:
            self._batch = min(self._max_batch, max(MIN_BATCH, self._batch // 2))
        elif elapsed < self._budget_s / 2:
            self._batch = min(self._max_batch, self._batch * 2)
        self.deleted_total += len(deleted)
        return deleted

    def _candidates(self, limit: int) -> list[int]:
        limits, store = self.limits, self.store
        if limits.days is not None:
            old = store.oldest_unpinned(limit, before_time=self._clock() - limits.days * DAY_S)
            if old:
                return old
        if limits.events is not None:
            if self._count_cut is not None:
                old = store.oldest_unpinned(limit, upto_seq=self._count_cut)
                if old:
                    return old
            self._count_cut = store.newest_unpinned_after(limits.events)
            if self._count_cut is not None:
                return store.oldest_unpinned(limit, upto_seq=self._count_cut)
        if limits.size is not None:
            used, _file = store.space()
            if used > limits.size:
                # Pages freed by a batch are only counted once it commits: one batch per look.
                return store.oldest_unpinned(limit)
        return []

    def usage(self) -> Usage:
        used, file_bytes = self.store.space()
        return Usage(used, file_bytes)


def estimate_removal(store: EventStore, limits: KeepLimits, now: float | None = None) -> int:
    """About how many events keeping to `limits` would remove now (pinned ones never): exact for
    the age and count limits, from the average row size for the size limit. Reads only."""
    unpinned = store.count_unpinned()
    if not unpinned:
        return 0
    estimate = 0
    if limits.days is not None:
        cutoff = (time.time() if now is None else now) - limits.days * DAY_S
        estimate = store.count_unpinned(before_time=cutoff)
    if limits.events is not None:
        estimate = max(estimate, unpinned - limits.events)
    if limits.size is not None:
        used, _file = store.space()
        if used > limits.size:
            estimate = max(estimate, -(-unpinned * (used - limits.size) // used))
    return min(estimate, unpinned)


class RetentionWorker:
    """A pruner on its own thread: it looks every `interval_s` (sooner when poked) and, while the
    history is over its limits, deletes a batch, pauses `pause_s` so commits go first, and repeats.

    `on_pruned(seqs)` and `on_usage(usage)` are called on the worker's thread; `on_error(text)`
    when the store refused (a full disk, a lock held elsewhere): the worker tries again later.
    """

    def __init__(
        self,
        pruner: Pruner,
        *,
        interval_s: float = 2.0,
        min_gap_s: float = 0.25,
        pause_s: float = 0.005,
        on_pruned: Callable[[list[int]], None] | None = None,
        on_usage: Callable[[Usage], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.pruner = pruner
        self._interval_s = interval_s
        self._min_gap_s = min_gap_s
        self._pause_s = pause_s
        self._on_pruned = on_pruned
        self._on_usage = on_usage
        self._on_error = on_error
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._limits_lock = threading.Lock()
        self._next_limits: KeepLimits | None = None

    @property
    def limits(self) -> KeepLimits:
        with self._limits_lock:
            return self._next_limits or self.pruner.limits

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Look soon (new limits, a commit): cheap, so it can follow every commit; looks are at
        least `min_gap_s` apart however often it is poked."""
        self._wake.set()

    def set_limits(self, limits: KeepLimits) -> None:
        with self._limits_lock:
            self._next_limits = limits
        self.poke()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_once(self) -> int:
        """Prune until within the limits (or stopped); returns how many were deleted."""
        with self._limits_lock:
            if self._next_limits is not None:
                self.pruner.limits, self._next_limits = self._next_limits, None
        self.pruner.new_look()
        deleted = 0
        while not self._stop.is_set():
            seqs = self.pruner.prune_batch()
            if not seqs:
                break
            deleted += len(seqs)
            if self._on_pruned is not None:
                self._on_pruned(seqs)
            self._stop.wait(self._pause_s)
        if deleted:
            pruning_run(deleted, self.pruner.store.count(), f"keeping {self.pruner.limits.describe()}")
        if self._on_usage is not None and not self._stop.is_set():
            self._on_usage(self.pruner.usage())
        return deleted

    def backfill_refs(self) -> None:
        """Index the references of rows stored before the refs table existed (migration 3), in
        small batches with the same pauses as pruning, so commits go first; done once per store."""
        while not self._stop.is_set() and self.pruner.store.backfill_refs():
            self._stop.wait(self._pause_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
                self.backfill_refs()
            except (sqlite3.Error, StoreError) as exc:
                if self._stop.is_set():
                    break
                log.warning("pruning the history failed, trying again later: %s", exc)
                if self._on_error is not None:
                    self._on_error(f"old events could not be removed: {exc}")
            # At most one look per min_gap_s: under a stream of commits a look per commit would
            # spend the GIL the requests need.
            self._stop.wait(self._min_gap_s)
            self._wake.wait(self._interval_s)
            self._wake.clear()
