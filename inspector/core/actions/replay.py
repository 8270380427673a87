"""Replay: send stored events again (to the forward target, the listener itself, or any URL).

Runs on the caller's thread, one event after the other, so progress is exact and a cancel stops
before the next send. Each result is appended to the event's extra["replays"]. Stored headers are
redacted, so secret headers are dropped, or replaced by `authorization` when the caller has the
token in memory (e.g. replaying to a listener that checks it).

Also the core of edit-and-send: `send_body` sends an edited body once, `with_fresh_event_id`
gives it a new `event_id` so the receiver does not treat it as a redelivery.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

from inspector.core.actions.forwarder import (
    FORWARDED_MARKER,
    forwardable_headers,
    kept_record,
    new_session,
    send_request,
)
from inspector.core.events import StoredEvent
from inspector.core.redaction import is_secret_name
from inspector.core.store.event_store import EventStore

MAX_REPLAYS_KEPT = 50  # per event: the newest ones, so replaying one event all day stays bounded

# (done, total, seq, result) after each send; may set the cancel event.
ProgressCallback = Callable[[int, int, int, dict[str, Any]], None]

# Read-append-write of extra["replays"] must not interleave between two replays in this process.
_REPLAYS_LOCK = threading.Lock()


@dataclass
class ReplayCounts:
    total: int = 0
    sent: int = 0
    succeeded: int = 0  # the target answered 2xx
    failed: int = 0  # another status, or no answer at all
    skipped: int = 0  # not sent: cancelled, or the seq no longer exists
    cancelled: bool = False


def replay_headers(
    headers: Iterable[tuple[str, str]], authorization: str | None = None
) -> CaseInsensitiveDict[str]:
    """Stored (redacted) headers fit to send again: no hop-by-hop, no "[redacted]" secrets."""
    # The forwarding marker goes too: a replay is a new delivery, to be forwarded like any other.
    kept = [(k, v) for k, v in headers if not is_secret_name(k) and k.lower() != FORWARDED_MARKER.lower()]
    out = forwardable_headers(kept)
    if authorization:
        out["Authorization"] = authorization
    return out


def record_replay(store: EventStore, seq: int, result: dict[str, Any]) -> None:
    with _REPLAYS_LOCK:
        event = store.get(seq)
        if event is None:
            return
        replays = event.extra.get("replays")
        history = list(replays) if isinstance(replays, list) else []
        history.append(kept_record(result))  # a token in the target's query stays out of the store
        store.set_extra(seq, "replays", history[-MAX_REPLAYS_KEPT:])


def _resolve(store: EventStore, items: Sequence[StoredEvent | int]) -> Iterator[StoredEvent | int]:
    """Events in the given order; seqs are read in batches (a missing seq is yielded as the int)."""
    batch: list[int] = []
    for item in items:
        if isinstance(item, StoredEvent):
            yield from _flush(store, batch)
            batch = []
            yield item
        else:
            batch.append(int(item))
            if len(batch) >= 200:
                yield from _flush(store, batch)
                batch = []
    yield from _flush(store, batch)


def _flush(store: EventStore, seqs: list[int]) -> Iterator[StoredEvent | int]:
    if not seqs:
        return
    found = {e.seq: e for e in store.iter_events(seqs=seqs)}
    for seq in seqs:
        yield found.get(seq, seq)


def replay(
    store: EventStore,
    items: Sequence[StoredEvent | int],
    target_url: str,
    *,
    on_progress: ProgressCallback | None = None,
    cancel_event: threading.Event | None = None,
    authorization: str | None = None,
    timeout: float = 10.0,
    session: requests.Session | None = None,
) -> ReplayCounts:
    """Send each event (or seq) to `target_url` with its method, headers and body bytes."""
    counts = ReplayCounts(total=len(items))
    own_session = session is None
    http = session or new_session()
    done = 0
    try:
        for item in _resolve(store, items):
            if cancel_event is not None and cancel_event.is_set():
                counts.cancelled = True
                break
            if isinstance(item, int):  # deleted since it was selected
                done += 1
                continue
            headers = replay_headers(item.headers, authorization)
            result = send_request(http, item.method, target_url, headers, item.body, timeout=timeout)
            counts.sent += 1
            status = result["status"]
            if status is not None and 200 <= status < 300:
                counts.succeeded += 1
            else:
                counts.failed += 1
            record_replay(store, item.seq, result)
            done += 1
            if on_progress is not None:
                on_progress(done, counts.total, item.seq, result)
    finally:
        if own_session:
            http.close()
    counts.skipped = counts.total - counts.sent
    return counts


def with_fresh_event_id(body: bytes) -> bytes:
    """The body with a new `event_id` (same style as the provider's), for edit-and-send."""
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError("the body is not a JSON object, so it has no event_id")
    document["event_id"] = "evt_" + secrets.token_hex(12)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def send_body(
    url: str,
    body: bytes,
    headers: Iterable[tuple[str, str]] = (("Content-Type", "application/json"),),
    *,
    method: str = "POST",
    authorization: str | None = None,
    timeout: float = 10.0,
) -> dict[str, Any]:
    """Send an edited body once; returns the same record as a replay (status, latency, body, error)."""
    with new_session() as http:
        return send_request(http, method, url, replay_headers(headers, authorization), body, timeout=timeout)
