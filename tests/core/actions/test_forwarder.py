"""Forwarding through the real listener to a real local HTTP target."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests

from inspector.core.actions.forwarder import (
    DROPPED_QUEUE_FULL,
    FORWARDED_MARKER,
    LOOP_ERROR,
    Forwarder,
    forwardable_headers,
    normalize_target_url,
)
from inspector.core.capture.listener import Listener
from inspector.core.capture.token_ring import TokenRing
from inspector.core.store.event_store import EventStore
from tests.core.target_server import TargetServer, free_port
from tests.waiting import wait_until

TOKEN = "tok-forward-123"


@pytest.fixture
def http() -> Iterator[requests.Session]:
    s = requests.Session()
    s.trust_env = False
    yield s
    s.close()


def envelope(n: int = 1) -> bytes:
    doc = {"event_id": f"evt_{n}", "event_identifier": "transaction.authorized", "data": {"amount": n}}
    return json.dumps(doc).encode()


def deliver(http: requests.Session, listener: Listener, body: bytes, **headers: str) -> requests.Response:
    sent = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}", **headers}
    return http.post(listener.url + "/hooks", data=body, headers=sent, timeout=10)


def forward_record(store: EventStore, seq: int) -> dict | None:
    event = store.get(seq)
    return event.extra.get("forward") if event else None


def test_hop_by_hop_headers_are_not_forwarded() -> None:
    kept = forwardable_headers(
        [
            ("Host", "a"),
            ("Connection", "keep-alive"),
            ("Keep-Alive", "timeout=5"),
            ("TE", "trailers"),
            ("Trailer", "x"),
            ("Transfer-Encoding", "chunked"),
            ("Upgrade", "h2c"),
            ("Proxy-Authorization", "Basic x"),
            ("Content-Length", "12"),
            ("X-Custom", "1"),
            ("X-Custom", "2"),
            ("Authorization", "Bearer t"),
        ]
    )
    assert dict(kept) == {"X-Custom": "1, 2", "Authorization": "Bearer t"}


def test_accepted_delivery_is_forwarded_with_original_body_and_headers(
    listener: Listener, store: EventStore, tokens: TokenRing, http: requests.Session
) -> None:
    tokens.set_token("cli", TOKEN)
    with TargetServer(200, b'{"handled": "yes"}') as target, Forwarder(target.url, store) as fwd:
        listener.set_forward_hook(fwd.submit)
        body = b'{"event_id": "evt_1",  "event_identifier": "transaction.authorized", "data": {"amount": 5}}'
        r = deliver(http, listener, body, **{"X-Custom": "kept", "Keep-Alive": "timeout=5", "TE": "trailers"})
        assert r.status_code == 200
        seq = r.json()["seq"]
        record = wait_until(lambda: forward_record(store, seq))
    got = target.received[0]
    assert got.method == "POST"
    assert got.path == "/webhooks"
    assert got.body == body  # byte for byte, odd spacing included
    assert got.header("Authorization") == f"Bearer {TOKEN}"  # the original, from memory
    assert got.header("X-Custom") == "kept"
    assert got.header("Keep-Alive") is None and got.header("TE") is None
    assert got.header("Host") == f"127.0.0.1:{target.port}"
    assert got.header("Content-Length") == str(len(body))
    assert got.header(FORWARDED_MARKER) == str(seq)
    assert record["status"] == 200
    assert record["body"] == '{"handled": "yes"}'
    assert record["error"] is None
    assert record["url"] == target.url
    assert record["latency_ms"] > 0
    assert record["at"].endswith("Z")
    # The token is sent to the target but never written to the database.
    assert TOKEN not in json.dumps(store.get(seq).extra)
    assert TOKEN.encode() not in store.path.read_bytes()
    assert store.count("is:forwarded") == 1


def test_target_answering_500_is_recorded(
    listener: Listener, store: EventStore, http: requests.Session
) -> None:
    with TargetServer(500, b'{"error": "boom"}') as target, Forwarder(target.url, store) as fwd:
        listener.set_forward_hook(fwd.submit)
        seq = deliver(http, listener, envelope()).json()["seq"]
        record = wait_until(lambda: forward_record(store, seq))
    assert record["status"] == 500
    assert record["body"] == '{"error": "boom"}'
    assert store.count("is:forwarded") == 1


def test_rejected_deliveries_are_not_forwarded(
    listener: Listener, store: EventStore, http: requests.Session
) -> None:
    with TargetServer() as target, Forwarder(target.url, store) as fwd:
        listener.set_forward_hook(fwd.submit)
        assert deliver(http, listener, b"{not json").status_code == 400
        seq = deliver(http, listener, envelope()).json()["seq"]
        wait_until(lambda: forward_record(store, seq))
    assert target.count() == 1


def test_down_target_is_recorded_once_as_an_error(
    listener: Listener, store: EventStore, http: requests.Session
) -> None:
    url = f"http://127.0.0.1:{free_port()}/webhooks"
    with Forwarder(url, store) as fwd:
        listener.set_forward_hook(fwd.submit)
        seq = deliver(http, listener, envelope()).json()["seq"]
        record = wait_until(lambda: forward_record(store, seq))
        wait_until(lambda: fwd.failed == 1)
        assert fwd.sent == 0
    assert record["status"] is None
    assert "cannot connect" in record["error"]
    assert "refused" in record["error"].lower()


def test_slow_target_never_delays_the_ack(
    listener: Listener, store: EventStore, http: requests.Session
) -> None:
    with TargetServer(hold=True) as target, Forwarder(target.url, store, timeout=20) as fwd:
        listener.set_forward_hook(fwd.submit)
        started = time.perf_counter()
        r = deliver(http, listener, envelope())
        ack_ms = (time.perf_counter() - started) * 1000
        # The provider has its 2xx although the target holds every request until release().
        assert r.status_code == 200
        assert ack_ms < 2000, ack_ms
        seq = r.json()["seq"]
        assert target.arrived.wait(10)
        assert forward_record(store, seq) is None  # still waiting for the target
        target.release()
        record = wait_until(lambda: forward_record(store, seq))
    assert record["status"] == 200
    assert record["latency_ms"] > 0


def test_slow_target_times_out_once(listener: Listener, store: EventStore, http: requests.Session) -> None:
    with TargetServer(hold=True) as target, Forwarder(target.url, store, timeout=0.3) as fwd:
        listener.set_forward_hook(fwd.submit)
        seq = deliver(http, listener, envelope()).json()["seq"]
        record = wait_until(lambda: forward_record(store, seq))
        assert record["status"] is None
        assert record["error"] == "no answer within 0.3 s"
        assert target.count() == 1  # no retry
        assert fwd.failed == 1


def test_full_queue_drops_and_says_so(store: EventStore, listener: Listener, http: requests.Session) -> None:
    seqs = [deliver(http, listener, envelope(n)).json()["seq"] for n in range(3)]
    events = [store.get(s) for s in seqs]
    with TargetServer(hold=True) as target, Forwarder(target.url, store, max_workers=1, max_queue=1) as fwd:
        fwd.submit(events[0], [("Content-Type", "application/json")])
        target.arrived.wait(10)  # the only worker is now busy with the first event
        fwd.submit(events[1], [("Content-Type", "application/json")])  # queued
        started = time.perf_counter()
        fwd.submit(events[2], [("Content-Type", "application/json")])  # no room: dropped at once
        assert time.perf_counter() - started < 0.5
        assert fwd.dropped == 1
        target.release()
        records = [wait_until(lambda s=s: forward_record(store, s)) for s in seqs]
    assert [r["status"] for r in records] == [200, 200, None]
    assert records[2]["error"] == DROPPED_QUEUE_FULL
    assert target.count() == 2


def test_forwarding_to_the_listener_itself_stops_after_one_hop(
    listener: Listener, store: EventStore, http: requests.Session
) -> None:
    with Forwarder(listener.url + "/hooks", store) as fwd:
        listener.set_forward_hook(fwd.submit)
        first = deliver(http, listener, envelope()).json()["seq"]
        record = wait_until(lambda: forward_record(store, first))
        assert record["status"] == 200  # the listener accepted the forwarded copy as a redelivery
        second = wait_until(lambda: forward_record(store, first + 1))
    assert second["error"] == LOOP_ERROR
    assert store.count() == 2


def test_target_url_is_checked_and_completed() -> None:
    assert normalize_target_url(" localhost:3000/webhooks ") == "http://localhost:3000/webhooks"
    assert normalize_target_url("https://app.test/h") == "https://app.test/h"
    for bad in ("", "ftp://x/y", "http://", "http://host:99999/", "http://a b/"):
        with pytest.raises(ValueError):
            normalize_target_url(bad)


def test_close_does_not_wait_when_asked_not_to(
    store: EventStore, listener: Listener, http: requests.Session
) -> None:
    seq = deliver(http, listener, envelope()).json()["seq"]
    event = store.get(seq)
    with TargetServer(hold=True) as target:
        fwd = Forwarder(target.url, store, timeout=20)
        fwd.submit(event, [])
        assert target.arrived.wait(10)
        fwd.submit(event, [])  # queued behind the held one, discarded by close()
        started = time.perf_counter()
        fwd.close(timeout=0)
        assert time.perf_counter() - started < 1.0
        fwd.submit(event, [])  # after close: ignored, no error
        assert fwd.pending() == 0
        target.release()
        wait_until(lambda: forward_record(store, seq))
    assert target.count() == 1


def test_a_token_in_the_target_url_is_not_kept_with_the_result(
    listener: Listener, store: EventStore, http: requests.Session
) -> None:
    """The whole-suite scan of data dirs found it: a target like ...?secret=TOKEN was stored in
    clear with every forwarded event (and so in every export)."""
    secret = "tok-target-5b1e0c"
    with TargetServer(200, b"{}") as target:
        url = target.url.replace("://", f"://dev:{secret}@") + f"?secret={secret}&mode=test"
        with Forwarder(url, store) as fwd:
            listener.set_forward_hook(fwd.submit)
            seq = deliver(http, listener, envelope()).json()["seq"]
            record = wait_until(lambda: forward_record(store, seq))
    assert record["status"] == 200  # sent to the real target, token and all
    assert record["url"].endswith("?secret=[redacted]&mode=test")
    assert "dev:[redacted]@" in record["url"]
    assert (
        secret.encode()
        not in store.path.read_bytes() + store.path.with_name(store.path.name + "-wal").read_bytes()
    )


def test_a_down_target_s_error_does_not_carry_its_token(
    listener: Listener, store: EventStore, http: requests.Session
) -> None:
    """requests names the URL, query and all, in a connection error: that text is kept too."""
    secret = "tok-down-target-77a0"
    with Forwarder(f"http://127.0.0.1:{free_port()}/hooks?secret={secret}", store) as fwd:
        listener.set_forward_hook(fwd.submit)
        seq = deliver(http, listener, envelope()).json()["seq"]
        record = wait_until(lambda: forward_record(store, seq))
    assert record["error"] and "[redacted]" in record["error"] + record["url"]
    assert secret not in json.dumps(record)
    assert (
        secret.encode()
        not in store.path.read_bytes() + store.path.with_name(store.path.name + "-wal").read_bytes()
    )
