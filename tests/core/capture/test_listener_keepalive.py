"""HTTP/1.1 keep-alive on the listener over real sockets: connections reused with exact framing,
pipelining in order, a close whenever the framing is in doubt, deadlines for heads and bodies."""

from __future__ import annotations

import http.client
import json
import socket
import time

from inspector.core.capture.listener import Listener
from inspector.core.capture.token_ring import TokenRing
from inspector.core.store.event_store import EventStore
from tests.core.conftest import MakeListener
from tests.core.raw_http import ResponseReader, assert_json_error, envelope, head
from tests.waiting import wait_until

TOKEN = "tok_keepalive_" + "3" * 20


def request(body: bytes, extra: str = "") -> bytes:
    return head(f"Content-Length: {len(body)}" + (f"\r\n{extra}" if extra else "")) + body


def test_one_connection_carries_many_deliveries(listener: Listener, store: EventStore) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=5)
    try:
        for i in range(20):
            conn.request("POST", "/hooks", envelope(f"evt_ka{i}"), {"Content-Type": "application/json"})
            resp = conn.getresponse()
            assert resp.status == 200
            assert resp.getheader("Connection") is None  # HTTP/1.1: kept alive by default
            resp.read()
        sock = conn.sock
        assert sock is not None  # the same socket all along: http.client reconnects only after a close
    finally:
        conn.close()
    assert store.count("id:evt_ka*") == 20


def test_pipelined_requests_are_answered_in_order(listener: Listener, store: EventStore) -> None:
    bodies = [envelope(f"evt_pipe{i}") for i in range(5)]
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        sock.sendall(b"".join(request(b) for b in bodies))  # all five in one send
        reader = ResponseReader(sock)
        seqs = [reader.next().json()["seq"] for _ in bodies]
    assert seqs == sorted(seqs)
    assert [store.get(s).event_id for s in seqs] == [f"evt_pipe{i}" for i in range(5)]  # type: ignore[union-attr]


def test_a_rejected_request_with_a_read_body_keeps_the_connection(
    listener: Listener, store: EventStore, tokens: TokenRing
) -> None:
    tokens.set_token("wh_1", TOKEN)
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        reader = ResponseReader(sock)
        sock.sendall(request(envelope("evt_no_token")))
        first = reader.next()
        assert_json_error(first, 401)
        assert first.headers.get("connection") is None
        sock.sendall(request(envelope("evt_with_token"), f"Authorization: Bearer {TOKEN}"))
        assert reader.next().status == 200
    assert [r.status for r in store.iter_events()] == [401, 200]


def test_connection_close_and_http10_are_honoured(listener: Listener) -> None:
    for raw, closes in [
        (request(envelope("e_close"), "Connection: close"), True),
        (request(envelope("e_10")).replace(b"HTTP/1.1", b"HTTP/1.0"), True),
        (request(envelope("e_10ka"), "Connection: keep-alive").replace(b"HTTP/1.1", b"HTTP/1.0"), False),
    ]:
        with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
            sock.sendall(raw)
            reader = ResponseReader(sock)
            reply = reader.next()
            assert reply.status == 200
            if closes:
                assert reply.headers.get("connection") == "close"
                assert reader.closed()
            else:
                assert reply.headers.get("connection") == "keep-alive"


def test_413_by_length_closes_after_draining_so_the_answer_is_not_reset(listener: Listener) -> None:
    size = 5 * 1024 * 1024 + 1
    with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as sock:
        sock.sendall(head(f"Content-Length: {size}"))
        sock.sendall(b"x" * (256 * 1024))  # the client keeps sending the body it declared
        reader = ResponseReader(sock)
        reply = reader.next()
        assert_json_error(reply, 413)
        assert reply.headers.get("connection") == "close"


def test_expect_100_continue_gets_an_interim_answer(listener: Listener, store: EventStore) -> None:
    body = envelope("evt_expect")
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        sock.sendall(head(f"Content-Length: {len(body)}\r\nExpect: 100-continue"))
        reader = ResponseReader(sock)
        interim = reader.next()
        assert interim.status == 100
        sock.sendall(body)
        assert reader.next().status == 200
    assert store.count("id:evt_expect") == 1


def test_expect_with_a_body_over_the_limit_gets_413_without_100(listener: Listener) -> None:
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        sock.sendall(head("Content-Length: 99999999\r\nExpect: 100-continue"))
        assert_json_error(ResponseReader(sock).next(), 413)


def test_requests_per_connection_are_capped(make_listener: MakeListener) -> None:
    lst = make_listener(max_requests_per_connection=3)
    with socket.create_connection(("127.0.0.1", lst.port), timeout=5) as sock:
        reader = ResponseReader(sock)
        answers = []
        for i in range(3):
            sock.sendall(request(envelope(f"evt_cap{i}")))
            answers.append(reader.next())
        assert [a.status for a in answers] == [200, 200, 200]
        assert answers[-1].headers.get("connection") == "close"
        assert reader.closed()


def test_an_idle_kept_alive_connection_is_closed_after_the_timeout(make_listener: MakeListener) -> None:
    lst = make_listener(connection_timeout=0.5)
    with socket.create_connection(("127.0.0.1", lst.port), timeout=5) as sock:
        sock.sendall(request(envelope()))
        reader = ResponseReader(sock)
        assert reader.next().status == 200
        assert reader.closed()  # returns once the server closes the idle connection


def test_a_head_trickled_past_its_deadline_gets_408(make_listener: MakeListener, store: EventStore) -> None:
    """Bytes keep coming (so no idle timeout fires), but the head as a whole is late."""
    lst = make_listener(head_timeout=0.5)
    raw = request(envelope())
    with socket.create_connection(("127.0.0.1", lst.port), timeout=5) as sock:
        sent = 0
        reader = ResponseReader(sock)
        sock.settimeout(0.05)
        reply = None
        while reply is None and sent < len(raw):
            try:
                sock.sendall(raw[sent : sent + 1])
            except OSError:
                break
            sent += 1
            try:
                reply = reader.next()
            except TimeoutError:
                continue
        sock.settimeout(5)
        reply = reply or reader.next()
    assert_json_error(reply, 408)
    assert sent < len(raw)
    assert store.count() == 0  # a head that never arrived is not a request


def test_a_body_trickled_past_its_deadline_is_400_with_what_arrived(
    make_listener: MakeListener, store: EventStore
) -> None:
    lst = make_listener(body_timeout=0.5)
    body = envelope("evt_slow_body")
    with socket.create_connection(("127.0.0.1", lst.port), timeout=5) as sock:
        sock.sendall(head(f"Content-Length: {len(body)}"))
        reader = ResponseReader(sock)
        sock.settimeout(0.05)
        sent = 0
        reply = None
        while reply is None and sent < len(body) - 1:
            try:
                sock.sendall(body[sent : sent + 1])
            except OSError:
                break
            sent += 1
            try:
                reply = reader.next()
            except TimeoutError:
                continue
        sock.settimeout(5)
        reply = reply or reader.next()
    assert_json_error(reply, 400)
    wait_until(lambda: store.count() == 1, timeout=5)
    (row,) = store.iter_events()
    assert body.startswith(row.body) and 0 < len(row.body) < len(body)


def test_stop_closes_idle_kept_alive_connections_at_once(make_listener: MakeListener) -> None:
    lst = make_listener()
    with socket.create_connection(("127.0.0.1", lst.port), timeout=5) as sock:
        sock.sendall(request(envelope()))
        reader = ResponseReader(sock)
        assert reader.next().status == 200
        started = time.monotonic()
        lst.stop()
        assert reader.closed()
        print(f"stop with an idle keep-alive connection: {(time.monotonic() - started) * 1000:.0f} ms")


def test_answers_are_json_and_one_send(listener: Listener) -> None:
    """Each answer leaves in one send (no Nagle stall): head and body arrive in one recv."""
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        sock.sendall(request(envelope()))
        data = sock.recv(65536)
    head_part, _, body = data.partition(b"\r\n\r\n")
    assert head_part.startswith(b"HTTP/1.1 200 OK")
    assert json.loads(body)["received"] is True
