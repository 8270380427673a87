"""Replay of stored events to a real local target and to the real listener."""

from __future__ import annotations

import json
import threading
import time

from inspector.core.actions.replay import (
    MAX_REPLAYS_KEPT,
    record_replay,
    replay,
    replay_headers,
    send_body,
    with_fresh_event_id,
)
from inspector.core.capture.listener import Listener
from inspector.core.capture.token_ring import TokenRing
from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from tests.core.target_server import TargetServer, free_port


def stored_events(store: EventStore, n: int) -> list[int]:
    now = time.time() - 86400  # "yesterday's events"
    news = [
        NewEvent(
            received_at=now + i,
            method="POST",
            path="/hooks",
            query="",
            headers=(
                ("Host", "127.0.0.1:8765"),
                ("Content-Type", "application/json"),
                ("Authorization", "Bearer [redacted]"),
                ("X-Request-Id", f"r{i}"),
            ),
            body=json.dumps(
                {"event_id": f"evt_{i}", "event_identifier": "card.created", "data": {"i": i}}
            ).encode(),
            status=200,
            event_id=f"evt_{i}",
            event_identifier="card.created",
        )
        for i in range(n)
    ]
    return [e.seq for e in store.insert_many(news)]


def test_replay_500_events_cancelled_halfway(store: EventStore) -> None:
    seqs = stored_events(store, 500)
    cancel = threading.Event()
    progress: list[tuple[int, int]] = []

    def on_progress(done: int, total: int, seq: int, result: dict) -> None:
        progress.append((done, total))
        if done == 250:
            cancel.set()  # what the window's Cancel button does, from the progress callback

    with TargetServer() as target:
        counts = replay(store, seqs, target.url, on_progress=on_progress, cancel_event=cancel)
        arrived = target.count()
    assert arrived == 250  # fewer than the 500 selected: the cancel stopped the rest
    assert (counts.total, counts.sent, counts.succeeded, counts.failed) == (500, 250, 250, 0)
    assert counts.skipped == 250 and counts.cancelled
    assert progress[0] == (1, 500) and progress[-1] == (250, 500)
    assert [json.loads(r.body)["data"]["i"] for r in target.received] == list(range(250))
    replayed = [e for e in store.iter_events(seqs=seqs) if "replays" in e.extra]
    assert [e.seq for e in replayed] == seqs[:250]
    result = replayed[0].extra["replays"][0]
    assert result["status"] == 200 and result["url"] == target.url and result["error"] is None


def test_replay_sends_method_body_and_headers_without_redacted_secrets(store: EventStore) -> None:
    seqs = stored_events(store, 2)
    with TargetServer() as target:
        replay(store, seqs[:1], target.url)
        replay(store, seqs[1:], target.url, authorization="Bearer live-token")
    first, second = target.received
    assert first.method == "POST" and first.body == store.get(seqs[0]).body
    assert first.header("X-Request-Id") == "r0"
    assert first.header("Authorization") is None  # "[redacted]" is never sent as if it were a token
    assert second.header("Authorization") == "Bearer live-token"
    assert first.header("Host") == f"127.0.0.1:{target.port}"


def test_each_replay_is_appended_and_failures_recorded(store: EventStore) -> None:
    (seq,) = stored_events(store, 1)
    with TargetServer(500, b"broken") as target:
        counts = replay(store, [seq], target.url)
    assert (counts.sent, counts.failed) == (1, 1)
    down = f"http://127.0.0.1:{free_port()}/x"
    counts = replay(store, [seq, 999_999], down)
    assert (counts.total, counts.sent, counts.failed, counts.skipped) == (2, 1, 1, 1)
    history = store.get(seq).extra["replays"]
    assert [h["status"] for h in history] == [500, None]
    assert history[0]["body"] == "broken"
    assert "cannot connect" in history[1]["error"]


def test_replay_history_is_bounded(store: EventStore) -> None:
    (seq,) = stored_events(store, 1)
    for i in range(MAX_REPLAYS_KEPT + 5):
        record_replay(store, seq, {"status": 200, "n": i})
    history = store.get(seq).extra["replays"]
    assert len(history) == MAX_REPLAYS_KEPT
    assert history[-1]["n"] == MAX_REPLAYS_KEPT + 4


def test_replay_to_the_listener_itself_is_a_duplicate_delivery(
    listener: Listener, store: EventStore, tokens: TokenRing
) -> None:
    tokens.set_token("cli", "secret-1")
    (seq,) = stored_events(store, 1)
    counts = replay(store, [seq], listener.url + "/hooks", authorization="Bearer secret-1")
    assert counts.succeeded == 1
    rows = store.query("id:evt_0", descending=False)
    assert len(rows) == 2 and rows[1].duplicate_of == seq


def test_edit_and_send_with_a_fresh_event_id(listener: Listener, store: EventStore) -> None:
    (seq,) = stored_events(store, 1)
    edited = json.loads(store.get(seq).body)
    edited["data"]["i"] = 42
    body = with_fresh_event_id(json.dumps(edited).encode())
    result = send_body(listener.url + "/hooks", body)
    assert result["status"] == 200, result
    new_id = json.loads(body)["event_id"]
    assert new_id.startswith("evt_") and new_id != "evt_0"
    (row,) = store.query(f"id:{new_id}")
    assert row.duplicate_of is None
    assert json.loads(store.get(row.seq).body)["data"]["i"] == 42


def test_replay_headers_drop_hop_by_hop_and_secrets() -> None:
    headers = replay_headers(
        [("Connection", "close"), ("X-Api-Key", "[redacted]"), ("Content-Type", "application/json")]
    )
    assert dict(headers) == {"Content-Type": "application/json"}
