"""Every bad input of issue 2, sent over a real loopback socket: the listener answers 4xx, never 500,
records what it rejected, and keeps serving."""

from __future__ import annotations

import secrets
import select
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest

from inspector.core.capture.delivery_handler import RuleOutcome
from inspector.core.capture.listener import Listener, ListenerConfig
from inspector.core.capture.token_ring import TokenRing
from inspector.core.events import NewEvent, StoredEvent
from inspector.core.io.export_ndjson import write_ndjson
from inspector.core.store.batch_writer import BatchWriter
from inspector.core.store.event_store import EventStore
from tests.core.conftest import MakeListener, only_row
from tests.core.raw_http import (
    Reply,
    assert_json_error,
    chunked,
    envelope,
    head,
    post,
    raw_request,
    read_response,
)
from tests.waiting import wait_until

DEFAULT_LIMIT = 5 * 1024 * 1024
REJECTED_CAP = 64 * 1024
TOKEN = "tok_live_" + "7" * 24


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Listener, EventStore]]:
    """One listener (no token) for the many one-request cases: starting one per case costs more
    than the cases. Each case looks only at the rows it added (rows_since)."""
    store = EventStore.open(tmp_path_factory.mktemp("shared"))
    lst = Listener(store, ListenerConfig(port=0), TokenRing())
    lst.start()
    yield lst, store
    lst.stop()
    store.close()


@pytest.fixture(scope="module")
def shared_guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Listener, EventStore]]:
    store = EventStore.open(tmp_path_factory.mktemp("guarded"))
    ring = TokenRing()
    ring.set_token("wh_1", TOKEN)
    lst = Listener(store, ListenerConfig(port=0), ring)
    lst.start()
    yield lst, store
    lst.stop()
    store.close()


def rows_since(store: EventStore, before: int) -> list[StoredEvent]:
    return list(store.iter_events(seqs=[e.seq for e in store.query_after(before)]))


def one_row_since(store: EventStore, before: int) -> StoredEvent:
    rows = rows_since(store, before)
    assert len(rows) == 1, rows
    return rows[0]


def padded_envelope(total: int) -> bytes:
    """A valid envelope of exactly `total` bytes."""
    base = envelope("evt_pad", pad="")
    body = base.replace(b'"pad": ""', b'"pad": "' + b"x" * (total - len(base)) + b'"')
    assert len(body) == total
    return body


# -- size limits ---------------------------------------------------------------------------------


def test_oversized_by_content_length_is_413_and_recorded(listener: Listener, store: EventStore) -> None:
    size = DEFAULT_LIMIT + 1
    reply = raw_request(listener.port, head(f"Content-Length: {size}"), [b"a" * size])
    assert "limit" in assert_json_error(reply, 413)
    row = only_row(store)
    assert row.status == 413
    assert "too_large" in row.flags
    assert "body_truncated" in row.flags
    # Recorded for the developer, not silently cut and accepted: the full size is known.
    assert row.body_size == size
    assert len(row.body) <= REJECTED_CAP


def test_oversized_chunked_body_is_413_not_truncated(listener: Listener, store: EventStore) -> None:
    data = b'{"event_id": "evt_big", "pad": "' + b"x" * DEFAULT_LIMIT + b'"}'
    reply = raw_request(listener.port, head("Transfer-Encoding: chunked"), chunked(data))
    assert_json_error(reply, 413)
    row = only_row(store)
    assert row.status == 413
    assert {"too_large", "body_truncated"} <= set(row.flags)
    assert row.body_size > DEFAULT_LIMIT
    assert data.startswith(row.body)
    assert len(row.body) == REJECTED_CAP
    assert row.event_id is None  # an oversized body is never parsed


def test_absurd_content_length_is_413_and_recorded(shared: tuple[Listener, EventStore]) -> None:
    listener, store = shared
    before = store.max_seq()
    reply = raw_request(listener.port, head("Content-Length: 99999999999999999999999"), [b"{}"])
    assert_json_error(reply, 413)
    assert "too_large" in one_row_since(store, before).flags


def test_one_unstorable_row_does_not_fail_its_batch_neighbours(store: EventStore) -> None:
    """Group commit puts concurrent deliveries in one transaction: a row the store refuses must
    fail alone, not take the acknowledgement of the good ones with it."""
    writer = BatchWriter(store)
    writer.start()
    results: dict[str, object] = {}

    def write(name: str, event: NewEvent) -> None:
        try:
            results[name] = writer.write(event, timeout=10).seq
        except Exception as exc:
            results[name] = exc

    def event(event_id: str, body_size: int | None = None) -> NewEvent:
        return NewEvent(
            received_at=1.0,
            method="POST",
            path="/",
            query="",
            headers=(),
            body=b"{}",
            status=200,
            event_id=event_id,
            body_size=body_size,
        )

    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # the first commit waits here while the next two queue up
    first = threading.Thread(target=write, args=("first", event("evt_first")))
    first.start()
    wait_until(lambda: writer._committing, timeout=5)
    others = [
        threading.Thread(target=write, args=("good", event("evt_good"))),
        threading.Thread(target=write, args=("bad", event("evt_bad", body_size=2**64))),
    ]
    for t in others:
        t.start()
    wait_until(lambda: len(writer._pending) == 2, timeout=5)
    holder.execute("ROLLBACK")
    holder.close()
    for t in [first, *others]:
        t.join(15)
    writer.stop()
    assert isinstance(results["first"], int)
    assert isinstance(results["good"], int), results["good"]
    assert isinstance(results["bad"], Exception)
    assert store.count("id:evt_good") == 1


@pytest.mark.parametrize("transfer", ["content-length", "chunked"])
def test_limit_boundary_exact_size_accepted_one_more_rejected(
    make_listener: MakeListener, store: EventStore, transfer: str
) -> None:
    lst = make_listener(max_body=2000)

    def send(body: bytes) -> Reply:
        if transfer == "chunked":
            return raw_request(lst.port, head("Transfer-Encoding: chunked"), chunked(body, 700))
        return raw_request(lst.port, head(f"Content-Length: {len(body)}"), [body])

    assert send(padded_envelope(2000)).status == 200
    assert_json_error(send(padded_envelope(2001)), 413)
    assert [r.status for r in store.iter_events()] == [200, 413]


# -- content types ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"event_id": "evt_1"}'),
        ("application/x-www-form-urlencoded", b"event_id=evt_1&amount=5"),
        (
            "multipart/form-data; boundary=XyZ",
            b'--XyZ\r\nContent-Disposition: form-data; name="event_id"\r\n\r\nevt_1\r\n--XyZ--\r\n',
        ),
        ("application/json; charset=latin-1", b'{"event_id": "evt_1"}'),
        ("", b'{"event_id": "evt_1"}'),
    ],
)
def test_non_json_content_type_is_415_and_never_parsed(
    shared: tuple[Listener, EventStore], content_type: str, body: bytes
) -> None:
    listener, store = shared
    before = store.max_seq()
    reply = raw_request(listener.port, head(f"Content-Length: {len(body)}", content_type), [body])
    assert "JSON" in assert_json_error(reply, 415)
    row = one_row_since(store, before)
    assert row.status == 415
    assert "unsupported_media_type" in row.flags
    assert row.body == body  # kept raw for the developer
    assert row.event_id is None  # not parsed as a form or as JSON


# -- bodies that are not acceptable JSON ------------------------------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000
BAD_BODIES = {
    "empty": b"",
    "whitespace": b"  \r\n ",
    "invalid json": b'{"event_id": "evt_1",}',
    "truncated json": b'{"event_id": "evt_1"',
    "invalid utf-8": b'{"event_id": "evt_\xff\xfe"}',
    "utf-8 encoded surrogate": b'{"event_id": "\xed\xa0\x80"}',
    "lone surrogate escape": b'{"event_id": "evt_1", "data": {"name": "\\ud800"}}',
    "lone low surrogate escape": b'{"data": "x\\udc00y"}',
    "NaN": b'{"event_id": "evt_1", "data": {"amount": NaN}}',
    "Infinity": b'{"data": {"amount": Infinity}}',
    "-Infinity": b'{"data": {"amount": -Infinity}}',
    "1e400": b'{"data": {"amount": 1e400}}',
    "-1e400": b'{"data": {"amount": -1e400}}',
    "5000-digit integer": b'{"data": {"amount": ' + b"9" * 5000 + b"}}",
    "100000-deep arrays": DEEP,
    "100000-deep inside an object": b'{"event_id": "evt_1", "data": ' + DEEP + b"}",
    "100000-deep objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "byte order mark": b'\xef\xbb\xbf{"event_id": "evt_1"}',
    "top-level array": b'[{"event_id": "evt_1"}]',
    "top-level string": b'"evt_1"',
    "top-level null": b"null",
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_bad_json_bodies_are_400_with_a_json_error(shared: tuple[Listener, EventStore], name: str) -> None:
    listener, store = shared
    body = BAD_BODIES[name]
    before = store.max_seq()
    reply = post(listener.port, body)
    assert_json_error(reply, 400)
    row = one_row_since(store, before)
    assert row.status == 400
    assert "invalid_json" in row.flags
    assert row.body == body[:REJECTED_CAP]
    assert row.body_size == len(body)
    assert row.event_id is None
    # Still serving after the hostile body.
    assert post(listener.port, envelope("evt_after")).status == 200


def test_duplicate_json_keys_are_accepted_and_flagged(listener: Listener, store: EventStore) -> None:
    body = b'{"event_id": "evt_a", "event_identifier": "t.x", "data": {}, "data": {"b": 1}}'
    reply = post(listener.port, body)
    assert reply.status == 200
    row = only_row(store)
    assert "duplicate_keys" in row.flags
    assert row.body == body  # the raw bytes, so the developer sees both keys
    assert store.count("is:duplicate_keys") == 1


def test_body_cut_short_by_the_client_is_400_not_500(listener: Listener, store: EventStore) -> None:
    with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as sock:
        sock.sendall(head("Content-Length: 100") + b'{"event_id":')
        sock.shutdown(socket.SHUT_WR)  # the client gives up mid-body
        reply = read_response(sock)
    assert_json_error(reply, 400)
    assert only_row(store).status == 400


def test_broken_chunked_framing_is_400(listener: Listener, store: EventStore) -> None:
    reply = raw_request(listener.port, head("Transfer-Encoding: chunked"), [b"zz\r\nabc\r\n0\r\n\r\n"])
    assert_json_error(reply, 400)
    assert only_row(store).status == 400


@pytest.mark.parametrize(
    ("request_head", "status"),
    [
        pytest.param(b"POST /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, id="long-line"),
        pytest.param(head("X-Big: " + "b" * 70_000), 431, id="long-header"),
        pytest.param(head("\r\n".join(f"X-H{i}: v" for i in range(150))), 431, id="many-headers"),
    ],
)
def test_protocol_errors_before_the_app_answer_json(
    shared: tuple[Listener, EventStore], request_head: bytes, status: int
) -> None:
    listener, _ = shared
    reply = raw_request(listener.port, request_head)
    assert_json_error(reply, status)
    assert post(listener.port, envelope("evt_after_protocol_error")).status == 200


# -- Authorization -----------------------------------------------------------------------------------


@pytest.fixture
def guarded(listener: Listener, tokens: TokenRing) -> Listener:
    tokens.set_token("wh_1", TOKEN)
    return listener


@pytest.mark.parametrize(
    "auth_lines",
    [
        pytest.param([], id="missing"),
        pytest.param(["Authorization: Bearer wrong-token"], id="wrong"),
        pytest.param([f"Authorization: Bearer {TOKEN}x"], id="token-plus-one"),
        pytest.param([f"Authorization: Bearer {TOKEN[:-1]}"], id="token-prefix"),
        pytest.param(["Authorization: "], id="empty"),
        pytest.param(["Authorization: Bearer"], id="scheme-only"),
        pytest.param([f"Authorization: Basic {TOKEN}"], id="other-scheme"),
        pytest.param([f"Authorization: Bearer {TOKEN}", f"Authorization: Bearer {TOKEN}"], id="twice"),
        pytest.param([f"Authorization: Bearer {TOKEN}", "Authorization: other"], id="twice-different"),
    ],
)
def test_bad_authorization_is_401(shared_guarded: tuple[Listener, EventStore], auth_lines: list[str]) -> None:
    guarded, store = shared_guarded
    before = store.max_seq()
    body = envelope("evt_auth")
    reply = raw_request(
        guarded.port, head("\r\n".join([*auth_lines, f"Content-Length: {len(body)}"])), [body]
    )
    assert_json_error(reply, 401)
    row = one_row_since(store, before)
    assert row.status == 401
    assert "unauthorized" in row.flags
    assert row.webhook_id is None
    assert row.duplicate_of is None


@pytest.mark.parametrize(
    "raw_value",
    [
        pytest.param("Bearer tök-ñ".encode(), id="utf-8"),
        pytest.param(b"Bearer \xff\xfe\x80", id="latin-1 bytes"),
        pytest.param(b"Bearer " + TOKEN.encode() + b"\xc3\xa9", id="token-plus-non-ascii"),
    ],
)
def test_non_ascii_authorization_is_401(
    shared_guarded: tuple[Listener, EventStore], raw_value: bytes
) -> None:
    guarded, store = shared_guarded
    before = store.max_seq()
    body = envelope()
    request = head(f"Content-Length: {len(body)}").replace(
        b"\r\n\r\n", b"\r\nAuthorization: " + raw_value + b"\r\n\r\n"
    )
    reply = raw_request(guarded.port, request, [body])
    assert_json_error(reply, 401)
    assert one_row_since(store, before).status == 401


def test_correct_token_after_rejections_still_works(guarded: Listener) -> None:
    assert post(guarded.port, envelope(), headers=[("Authorization", "nope")]).status == 401
    ok = post(guarded.port, envelope(), headers=[("Authorization", f"Bearer {TOKEN}")])
    assert ok.status == 200


# -- slow clients and connection limits ----------------------------------------------------------------


class Trickler:
    """Many raw connections that send a request head one byte per second, from one bounded thread."""

    REQUEST = head("Content-Length: 2") + b"{}"

    def __init__(self, port: int, count: int) -> None:
        self.socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="trickler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set() and self.sent < len(self.REQUEST) - 1:
            byte = self.REQUEST[self.sent : self.sent + 1]
            for sock in self.socks:
                try:
                    sock.sendall(byte)
                except OSError:
                    pass
            self.sent += 1
            self._stop.wait(1.0)  # one byte per second per connection

    def still_waiting(self) -> int:
        """Connections the server holds open without having answered (no data, no EOF)."""
        n = 0
        for sock in self.socks:
            sock.setblocking(False)  # a socket with a timeout would wait for data before answering
            try:
                sock.recv(1, socket.MSG_PEEK)
            except BlockingIOError:
                n += 1
            except OSError:
                pass
        return n

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for sock in self.socks:
            sock.close()


def test_200_slow_clients_do_not_stop_real_deliveries(listener: Listener, store: EventStore) -> None:
    slow = Trickler(listener.port, 200)
    try:
        # Every slow connection has trickled for a second already when the real deliveries start.
        wait_until(lambda: slow.sent >= 2, timeout=5)
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(
                pool.map(lambda i: post(listener.port, envelope(f"evt_fast{i}")).status, range(50))
            )
        elapsed = time.monotonic() - started
        print(f"50 deliveries behind 200 slow clients: {elapsed:.2f} s")
        assert statuses == [200] * 50
        # The slow ones are still connected and unanswered while the real ones went through.
        assert slow.still_waiting() == 200
        assert elapsed < 10, f"50 deliveries took {elapsed:.1f} s behind 200 slow clients"
    finally:
        slow.close()
    assert store.count() == 50


def test_idle_connection_is_closed_after_the_timeout(make_listener: MakeListener, store: EventStore) -> None:
    lst = make_listener(connection_timeout=0.5)
    with socket.create_connection(("127.0.0.1", lst.port), timeout=5) as sock:
        sock.sendall(b"POST /hooks HTTP/1.1\r\nHost: x\r\n")  # and then nothing more
        started = time.monotonic()
        data = sock.recv(65536)  # returns when the server closes the stalled connection
        waited = time.monotonic() - started
    assert not data.startswith(b"HTTP/1.1 2")
    assert waited < 4
    assert store.count() == 0
    assert post(lst.port, envelope()).status == 200


def test_client_stalling_mid_body_gets_400(make_listener: MakeListener, store: EventStore) -> None:
    lst = make_listener(connection_timeout=0.5)
    with socket.create_connection(("127.0.0.1", lst.port), timeout=5) as sock:
        sock.sendall(head("Content-Length: 50") + b'{"ev')  # then stalls past the timeout
        reply = read_response(sock)
    assert_json_error(reply, 400)
    wait_until(lambda: store.count() == 1, timeout=5)
    assert store.count("is:invalid_json") == 1


def test_at_the_connection_limit_the_oldest_stalled_connection_makes_room(
    make_listener: MakeListener, store: EventStore
) -> None:
    """Stalled connections must not lock real deliveries out: at the limit the one that has waited
    longest without being answered is told 503 and closed, and the newcomer is served."""
    lst = make_listener(max_connections=3)
    holders = [socket.create_connection(("127.0.0.1", lst.port), timeout=5) for _ in range(3)]
    try:
        for sock in holders:
            sock.sendall(b"POST /hooks HTTP/1.1\r\n")
        wait_until(lambda: lst._server is not None and lst._server.connection_count() == 3, timeout=5)
        assert post(lst.port, envelope("evt_newcomer")).status == 200
        # Which stalled one waited longest depends on when the server read each: exactly one is told.
        told, _, _ = select.select(holders, [], [], 5)
        assert len(told) == 1
        dropped = read_response(told[0])
        assert_json_error(dropped, 503)
        assert "retry-after" in dropped.headers
        assert told[0].recv(1) == b""  # and closed
    finally:
        for sock in holders:
            sock.close()
    assert store.count("id:evt_newcomer") == 1


def test_when_every_connection_is_being_answered_a_newcomer_gets_503_at_once(
    make_listener: MakeListener, store: EventStore
) -> None:
    lst = make_listener(max_connections=2)
    # A response rule that holds its answer keeps both connections busy (not evictable).
    lst.set_rule_hook(lambda _type: RuleOutcome(200, b"{}", delay_seconds=5.0))
    busy = [socket.create_connection(("127.0.0.1", lst.port), timeout=10) for _ in range(2)]
    try:
        body = envelope("evt_held")
        for sock in busy:
            sock.sendall(head(f"Content-Length: {len(body)}") + body)
        wait_until(lambda: store.count("id:evt_held") == 2, timeout=5)
        # Read without sending: the answer comes on accept (sending first could race the close).
        with socket.create_connection(("127.0.0.1", lst.port), timeout=5) as extra:
            reply = read_response(extra)
        assert_json_error(reply, 503)
        assert "retry-after" in reply.headers
        for sock in busy:  # the held answers still arrive, after their delay
            assert read_response(sock).status == 200
    finally:
        for sock in busy:
            sock.close()


# -- secrets -------------------------------------------------------------------------------------------


def test_tokens_and_authorization_values_never_reach_the_database_or_export(
    listener: Listener, store: EventStore, tokens: TokenRing
) -> None:
    token = "tok_" + secrets.token_hex(16)
    wrong = "wrong_" + secrets.token_hex(16)
    other = "hdr_" + secrets.token_hex(16)
    query_secret = "qs_" + secrets.token_hex(16)
    tokens.set_token("wh_1", token)
    port = listener.port
    assert post(port, envelope("e1"), headers=[("Authorization", f"Bearer {token}")]).status == 200
    assert post(port, envelope("e1"), headers=[("Authorization", token)]).status == 200
    assert post(port, envelope("e2"), headers=[("Authorization", f"Bearer {wrong}")]).status == 401
    assert post(port, b"{", headers=[("Authorization", f"Bearer {token}")]).status == 400
    assert post(port, b"", method="GET", headers=[("Authorization", f"Bearer {token}")]).status == 405
    twice = [("Authorization", f"Bearer {token}"), ("Authorization", wrong)]
    assert post(port, envelope("e3"), headers=twice).status == 401
    assert post(port, envelope("e4"), path=f"/hooks?token={query_secret}", headers=twice[:1]).status == 200
    assert (
        post(
            port,
            envelope("e5"),
            headers=[("Authorization", token), ("X-Webhook-Token", other), ("Proxy-Authorization", other)],
        ).status
        == 200
    )
    assert store.count() == 8
    needles = [s.encode() for s in (token, wrong, other, query_secret)]

    db = store.path
    wal = db.with_name(db.name + "-wal")
    assert wal.exists(), "WAL mode: the recent rows are in the -wal file, which must be checked too"
    for path in (db, wal):
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"a secret is in {path.name}"

    out = StringIO()
    assert write_ndjson(store.iter_events(), out) == 8
    exported = out.getvalue().encode()
    for needle in needles:
        assert needle not in exported
    # The header names stay visible, with the value redacted.
    assert b"Authorization" in exported and b"[redacted]" in exported

    listener.stop()
    store.close()  # checkpoint the WAL into the main file: check it once more
    data = db.read_bytes()
    for needle in needles:
        assert needle not in data
