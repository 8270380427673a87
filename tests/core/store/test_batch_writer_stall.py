"""A commit that stalls longer than its waiters wait must never leave the writer without a leader:
after the stall, deliveries are acknowledged again at once (over a real listener and a real lock)."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from inspector.core.events import NewEvent
from inspector.core.store.batch_writer import BatchWriter, CommitTimeoutError
from inspector.core.store.event_store import EventStore
from tests.core.conftest import MakeListener
from tests.core.raw_http import envelope, post
from tests.waiting import wait_until


def event(event_id: str) -> NewEvent:
    return NewEvent(
        received_at=1.0,
        method="POST",
        path="/",
        query="",
        headers=(),
        body=b"{}",
        status=200,
        event_id=event_id,
    )


def test_a_follower_that_timed_out_is_never_promoted(store: EventStore) -> None:
    writer = BatchWriter(store)
    writer.start()
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # the leader's commit waits here (up to the busy timeout)
    leader_result: list[object] = []
    leader = threading.Thread(target=lambda: leader_result.append(writer.write(event("evt_lead"), 10).seq))
    leader.start()
    wait_until(lambda: writer._committing, timeout=5)
    with pytest.raises(CommitTimeoutError):
        writer.write(event("evt_gave_up"), timeout=0.2)  # queued behind the stalled commit, gives up
    holder.execute("ROLLBACK")
    holder.close()
    leader.join(10)
    assert leader_result and isinstance(leader_result[0], int)
    # Before the fix the dead waiter was promoted to lead the next batch: nobody committed again and
    # every later write waited out its timeout.
    stored = writer.write(event("evt_after"), timeout=2)
    assert stored.event_id == "evt_after"
    assert not writer._pending
    writer.stop()
    assert store.count("id:evt_gave_up") == 0  # withdrawn, never stored behind the caller's 503


def test_listener_acknowledges_again_right_after_a_stall(
    make_listener: MakeListener, store: EventStore
) -> None:
    lst = make_listener(commit_wait=0.3)
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with ThreadPoolExecutor(6) as pool:
            stalled = list(pool.map(lambda i: post(lst.port, envelope(f"evt_stall{i}")).status, range(6)))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert 503 in stalled  # the waiters behind the stalled commit were told to retry
    started = time.monotonic()
    statuses = [post(lst.port, envelope(f"evt_ok{i}")).status for i in range(5)]
    elapsed = time.monotonic() - started
    print(f"5 deliveries after the stall: {elapsed * 1000:.0f} ms")
    assert statuses == [200] * 5
    assert store.count("id:evt_ok*") == 5
