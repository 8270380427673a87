"""The listener's ordinary HTTP contract (README.md "What the listener answers") over a real
loopback socket."""

from __future__ import annotations

import http.client
import json
import socket
import sqlite3
import threading
from pathlib import Path

import pytest

from inspector.core.capture.listener import Listener, ListenerBindError, ListenerConfig
from inspector.core.capture.token_ring import TokenRing
from inspector.core.store.event_store import EventStore
from tests.core.conftest import MakeListener, only_row
from tests.core.raw_http import envelope, post
from tests.waiting import wait_until


def test_accepted_delivery_is_committed_before_the_answer(listener: Listener, store: EventStore) -> None:
    body = envelope("evt_100", "transaction.created", amount=1250, currency="EUR")
    reply = post(listener.port, body, path="/hooks/card?x=1&y=two", headers=[("X-Request-Id", "r-1")])

    assert reply.status == 200
    answer = reply.json()
    assert answer["received"] is True
    # The answer names the committed row: it is readable the moment the 2xx arrives.
    row = store.get(answer["seq"])
    assert row is not None
    assert row.method == "POST"
    assert row.path == "/hooks/card"
    assert row.query == "x=1&y=two"
    assert row.body == body
    assert row.body_size == len(body)
    assert row.status == 200
    assert row.event_id == "evt_100"
    assert row.event_identifier == "transaction.created"
    assert row.duration_ms >= 0
    assert row.remote_addr == "127.0.0.1"
    assert ("X-Request-Id", "r-1") in row.headers
    # No token is known: accepted, and flagged so the developer sees it was not verified.
    assert row.flags == ("unverified",)
    assert row.webhook_id is None
    assert row.error is None


def test_json_suffix_content_types_are_accepted(listener: Listener, store: EventStore) -> None:
    for i, ctype in enumerate(
        ["application/json", "application/json; charset=utf-8", "application/vnd.provider+json"]
    ):
        assert post(listener.port, envelope(f"evt_ct{i}"), content_type=ctype).status == 200
    assert store.count() == 3


def test_health_answers_ok_and_is_not_recorded(listener: Listener, store: EventStore) -> None:
    reply = post(listener.port, b"", content_type=None, method="GET", path="/_inspector/health")
    assert reply.status == 200
    assert reply.json() == {"status": "ok", "instance": listener.instance_id}
    # A real delivery afterwards proves the writer was working when the health check came.
    assert post(listener.port, envelope()).status == 200
    assert store.count() == 1
    assert only_row(store).path == "/hooks"


def test_each_listener_names_its_own_instance_in_the_health_answer(
    listener: Listener, store: EventStore, tokens: TokenRing
) -> None:
    """A health check through a tunnel tells this listener from another one (another port, another
    copy of the app) by this id."""
    other = Listener(store, ListenerConfig(port=0), tokens)
    other.start()
    try:
        answers = [
            post(port, b"", content_type=None, method="GET", path="/_inspector/health").json()
            for port in (listener.port, other.port)
        ]
    finally:
        other.stop()
    ids = [answer["instance"] for answer in answers]
    assert ids == [listener.instance_id, other.instance_id]
    assert ids[0] != ids[1]
    assert all(isinstance(i, str) and len(i) >= 16 for i in ids)
    assert store.count() == 0  # health checks are never recorded


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_answer_405_with_allow_post(listener: Listener, store: EventStore, method: str) -> None:
    body = envelope() if method in ("PUT", "PATCH") else b""
    reply = post(listener.port, body, method=method)
    assert reply.status == 405
    assert reply.headers["allow"] == "POST"
    assert set(reply.json()) == {"error"}
    row = only_row(store)
    assert (row.method, row.status) == (method, 405)
    assert "method_not_allowed" in row.flags


def test_same_event_id_three_times_gives_three_rows_two_duplicates(
    listener: Listener, store: EventStore
) -> None:
    replies = [post(listener.port, envelope("evt_dup", amount=i)) for i in range(3)]
    assert [r.status for r in replies] == [200, 200, 200]
    first_seq = replies[0].json()["seq"]
    assert "duplicate_of" not in replies[0].json()
    assert [r.json()["duplicate_of"] for r in replies[1:]] == [first_seq, first_seq]

    rows = list(store.iter_events())
    assert len(rows) == 3
    assert rows[0].duplicate_of is None
    assert "duplicate" not in rows[0].flags
    for row in rows[1:]:
        assert row.duplicate_of == first_seq
        assert "duplicate" in row.flags
    assert store.count("is:duplicate") == 2


def test_concurrent_deliveries_of_one_event_id_have_exactly_one_original(
    listener: Listener, store: EventStore
) -> None:
    # Group commit puts several of these in one batch: the batch itself must detect the repeat.
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(post(listener.port, envelope("evt_race")).status))
        for _ in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert results == [200] * 12
    rows = list(store.iter_events())
    originals = [r for r in rows if r.duplicate_of is None]
    assert len(originals) == 1
    assert all(r.duplicate_of == originals[0].seq for r in rows if r is not originals[0])


def test_a_rejected_delivery_is_not_the_original_of_a_later_one(
    listener: Listener, store: EventStore, tokens: TokenRing
) -> None:
    tokens.set_token("wh_1", "tok-abc")
    assert post(listener.port, envelope("evt_r")).status == 401
    ok = post(listener.port, envelope("evt_r"), headers=[("Authorization", "Bearer tok-abc")])
    assert ok.status == 200
    assert "duplicate_of" not in ok.json()
    assert store.count("is:duplicate") == 0


def test_non_envelope_object_is_acknowledged_and_flagged(listener: Listener, store: EventStore) -> None:
    reply = post(listener.port, b'{"hello": "world"}')
    assert reply.status == 200
    assert "not_envelope" in only_row(store).flags


def test_strict_mode_answers_422_for_a_non_envelope(make_listener: MakeListener, store: EventStore) -> None:
    lst = make_listener(strict_envelope=True)
    reply = post(lst.port, b'{"event_id": "evt_s", "data": {}}')
    assert reply.status == 422
    assert "event_identifier" in reply.json()["error"]
    row = only_row(store)
    assert row.status == 422
    assert "not_envelope" in row.flags
    # A full envelope is still fine in strict mode.
    assert post(lst.port, envelope("evt_s2")).status == 200


@pytest.mark.parametrize("header", ["Bearer tok-xyz", "tok-xyz", "bearer tok-xyz", "BEARER   tok-xyz"])
def test_bearer_and_bare_token_are_accepted_and_label_recorded(
    listener: Listener, store: EventStore, tokens: TokenRing, header: str
) -> None:
    tokens.set_token("wh_42", "tok-xyz")
    reply = post(listener.port, envelope(), headers=[("Authorization", header)])
    assert reply.status == 200
    row = only_row(store)
    assert row.webhook_id == "wh_42"
    assert "unverified" not in row.flags
    assert store.count("is:verified webhook:wh_42") == 1


def test_token_of_any_known_webhook_is_accepted(
    listener: Listener, store: EventStore, tokens: TokenRing
) -> None:
    tokens.set_token("wh_a", "token-a")
    tokens.set_token("wh_b", "token-b")
    assert post(listener.port, envelope("e1"), headers=[("Authorization", "Bearer token-b")]).status == 200
    assert post(listener.port, envelope("e2"), headers=[("Authorization", "token-a")]).status == 200
    assert [r.webhook_id for r in store.iter_events()] == ["wh_b", "wh_a"]


def test_rotated_token_is_accepted_during_grace_and_rejected_after(
    make_listener: MakeListener, store: EventStore
) -> None:
    now = [1000.0]
    ring = TokenRing(clock=lambda: now[0])
    ring.set_token("wh_1", "old-token")
    lst = make_listener(tokens=ring)
    ring.set_token("wh_1", "new-token", grace_seconds=60)

    def send(token: str) -> int:
        return post(lst.port, envelope(), headers=[("Authorization", f"Bearer {token}")]).status

    assert send("old-token") == 200
    assert send("new-token") == 200
    now[0] += 59
    assert send("old-token") == 200
    now[0] += 2  # past the grace period
    assert send("old-token") == 401
    assert send("new-token") == 200
    assert [r.webhook_id for r in store.iter_events()] == ["wh_1", "wh_1", "wh_1", None, "wh_1"]


def test_error_bodies_are_small_json_objects(listener: Listener, tokens: TokenRing) -> None:
    tokens.set_token("wh_1", "tok")
    for reply in (
        post(listener.port, envelope()),  # 401
        post(listener.port, b"", method="GET"),  # 405
        post(listener.port, b"{", headers=[("Authorization", "tok")]),  # 400
    ):
        assert reply.status >= 400
        assert reply.headers["content-type"] == "application/json"
        payload = reply.json()
        assert list(payload) == ["error"]
        assert isinstance(payload["error"], str)
        assert 10 < len(payload["error"]) < 200


def test_secret_query_parameters_are_redacted_in_the_record(listener: Listener, store: EventStore) -> None:
    post(listener.port, envelope(), path="/hooks?token=qs-secret-1&page=2")
    row = only_row(store)
    assert "qs-secret-1" not in row.query
    assert "page=2" in row.query


def test_subscribers_see_each_committed_batch(listener: Listener, store: EventStore) -> None:
    seen: list[int] = []
    listener.subscribe(lambda batch: seen.extend(e.seq for e in batch))
    seqs = [post(listener.port, envelope(f"evt_sub{i}")).json()["seq"] for i in range(3)]
    wait_until(lambda: len(seen) >= 3, timeout=5)
    assert seen == seqs


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_commit_failure_answers_503_and_nothing_unstored_is_acknowledged(
    listener: Listener, store: EventStore
) -> None:
    assert post(listener.port, envelope("evt_warm")).status == 200  # the writer's connection exists now
    # The store waits 5 s for a lock; shorten that on its connections (writer's included) so the
    # commit fails fast. This is the one knob the test turns: the failure itself is a real lock.
    for conn in [*store._readers.values(), store._write_conn]:
        assert conn is not None
        conn.execute("PRAGMA busy_timeout = 100")
    holder = _hold_write_lock(store.path)
    try:
        reply = post(listener.port, envelope("evt_locked"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert reply.status == 503
    assert int(reply.headers["retry-after"]) > 0
    assert list(reply.json()) == ["error"]
    assert store.count("id:evt_locked") == 0

    # The provider retries after Retry-After: now it is stored once, as an original.
    again = post(listener.port, envelope("evt_locked"))
    assert again.status == 200
    assert "duplicate_of" not in again.json()
    assert store.count("id:evt_locked") == 1


def test_closed_store_answers_503(listener: Listener, store: EventStore) -> None:
    store.close()
    reply = post(listener.port, envelope("evt_closed"))
    assert reply.status == 503
    assert "retry-after" in reply.headers
    assert list(reply.json()) == ["error"]


def test_stop_lets_an_in_flight_delivery_finish(store: EventStore) -> None:
    lst = Listener(store, ListenerConfig(port=0), TokenRing())
    lst.start()
    assert post(lst.port, envelope("evt_before")).status == 200
    holder = _hold_write_lock(store.path)  # the next commit waits on this lock (busy timeout 5 s)
    outcome: list[int] = []
    sender = threading.Thread(target=lambda: outcome.append(post(lst.port, envelope("evt_inflight")).status))
    sender.start()
    # In flight: its request thread leads a commit, which waits on the lock. (Counting busy
    # handlers is not enough: the previous request's thread may still be winding down.)
    wait_until(lambda: lst.writer._committing, timeout=5)
    stopper = threading.Thread(target=lst.stop)
    stopper.start()

    def refused() -> bool:
        try:
            socket.create_connection(("127.0.0.1", lst.port), timeout=0.5).close()
        except OSError:
            return True
        return False

    wait_until(refused, timeout=5)  # no new connections: stop() is under way
    holder.execute("ROLLBACK")
    holder.close()
    sender.join(10)
    stopper.join(10)
    assert outcome == [200]
    assert not lst.running
    assert store.count("id:evt_inflight") == 1  # the store stays open after stop()


def test_stop_does_not_wait_for_an_idle_connection(store: EventStore) -> None:
    import time

    lst = Listener(store, ListenerConfig(port=0), TokenRing())
    lst.start()
    with socket.create_connection(("127.0.0.1", lst.port), timeout=5) as idle:
        assert post(lst.port, envelope()).status == 200  # the idle one has been accepted by now
        started = time.monotonic()
        lst.stop(timeout=2.0)
        took = time.monotonic() - started
        assert idle.recv(16) == b""  # closed, not left hanging
    assert took < 1.0, f"stop() took {took:.1f} s waiting for a connection that sent nothing"


def test_port_in_use_raises_a_clear_bind_error(store: EventStore) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ListenerBindError, match=f"port {port} .* already in use"):
            Listener(store, ListenerConfig(port=port)).start()


def test_start_stop_start_on_the_same_store(store: EventStore) -> None:
    for i in range(2):
        lst = Listener(store, ListenerConfig(port=0))
        lst.start()
        try:
            assert lst.url == f"http://127.0.0.1:{lst.port}"
            assert post(lst.port, envelope(f"evt_restart{i}")).status == 200
        finally:
            lst.stop()
    assert store.count() == 2


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
def test_ipv6_loopback_listener(make_listener: MakeListener, store: EventStore) -> None:
    lst = make_listener(host="::1")
    assert lst.url == f"http://[::1]:{lst.port}"
    conn = http.client.HTTPConnection("::1", lst.port, timeout=10)
    try:
        conn.request("POST", "/hooks", body=envelope(), headers={"Content-Type": "application/json"})
        assert conn.getresponse().status == 200
    finally:
        conn.close()
    assert only_row(store).remote_addr == "::1"


def test_the_same_listener_restarts(store: EventStore) -> None:
    lst = Listener(store, ListenerConfig(port=0), TokenRing())
    try:
        for i in range(2):
            lst.start()
            assert post(lst.port, envelope(f"evt_again{i}")).status == 200
            lst.stop()
            assert not lst.running
    finally:
        lst.stop()
    assert store.count() == 2


def test_authorization_is_redacted_even_when_no_token_is_known(listener: Listener, store: EventStore) -> None:
    reply = post(listener.port, envelope(), headers=[("Authorization", "Bearer unchecked-secret-42")])
    assert reply.status == 200
    row = only_row(store)
    assert ("Authorization", "Bearer [redacted]") in row.headers
    for path in (store.path, store.path.with_name(store.path.name + "-wal")):
        assert b"unchecked-secret-42" not in path.read_bytes()
    assert "unverified" in row.flags


def test_received_at_is_wall_clock_seconds(listener: Listener, store: EventStore) -> None:
    import time

    before = time.time()
    post(listener.port, envelope())
    after = time.time()
    row = only_row(store)
    assert before - 1 <= row.received_at <= after + 1
    assert json.loads(row.body)["event_id"] == "evt_1"
