"""Request framing under attack, over a real socket: chunked bodies decoded strictly, request targets,
header blocks, repeated lengths, bare CRs. Each case names the hostile input and what it must get."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from inspector.core.capture.listener import Listener, ListenerConfig
from inspector.core.capture.token_ring import TokenRing
from inspector.core.events import StoredEvent
from inspector.core.store.event_store import EventStore
from tests.core.conftest import MakeListener, only_row
from tests.core.raw_http import ResponseReader, assert_json_error, envelope, head, raw_request, read_response

TOKEN = "tok_framing_" + "5" * 20


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Listener, EventStore]]:
    store = EventStore.open(tmp_path_factory.mktemp("framing"))
    lst = Listener(store, ListenerConfig(port=0), TokenRing())
    lst.start()
    yield lst, store
    lst.stop()
    store.close()


def rows_since(store: EventStore, before: int) -> list[StoredEvent]:
    return list(store.iter_events(seqs=[e.seq for e in store.query_after(before)]))


def send_raw(port: int, data: bytes, *, half_close: bool = False) -> tuple[bytes, bytes]:
    """Send bytes exactly, optionally half-close, and return (status line, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        reply = read_response(sock)
    return reply.status_line.encode(), reply.body


# -- chunked bodies ------------------------------------------------------------------------------


def test_chunk_declared_larger_than_sent_then_half_close_stores_only_sent_bytes(
    shared: tuple[Listener, EventStore],
) -> None:
    """The reproduction: a chunk size of 10^16, 7 bytes, SHUT_WR. Werkzeug reported bytes it never
    wrote and the row held 64 KiB of interpreter heap."""
    listener, store = shared
    before = store.max_seq()
    request = head("Transfer-Encoding: chunked") + b"10000000000000000\r\nabcdefg"
    status, _ = send_raw(listener.port, request, half_close=True)
    assert status.startswith(b"HTTP/1.1 413 ")
    (row,) = rows_since(store, before)
    assert row.status == 413
    assert "too_large" in row.flags
    assert row.body in (b"", b"abcdefg"[: len(row.body)])  # nothing the client did not send
    assert row.body_size >= 10**16  # what it declared, for the developer to see


def test_oversized_chunk_is_refused_at_once_without_waiting_for_it(
    shared: tuple[Listener, EventStore],
) -> None:
    listener, _ = shared
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        # No half-close: the answer must come from the size line alone, not from a deadline.
        sock.sendall(head("Transfer-Encoding: chunked") + b"FFFFFFFFFFFF\r\nxyz")
        assert_json_error(read_response(sock), 413)


def test_truncated_chunked_body_is_400_with_exactly_the_bytes_that_arrived(
    shared: tuple[Listener, EventStore],
) -> None:
    listener, store = shared
    before = store.max_seq()
    request = head("Transfer-Encoding: chunked") + b'5\r\n{"a":\r\n40\r\n1234567'
    status, body = send_raw(listener.port, request, half_close=True)
    assert status.startswith(b"HTTP/1.1 400 ")
    assert "error" in json.loads(body)
    (row,) = rows_since(store, before)
    assert row.status == 400
    assert row.body == b'{"a":1234567'  # decoded chunk data that arrived, no framing, no heap


def test_chunk_extensions_and_trailers_are_legal_and_accepted(shared: tuple[Listener, EventStore]) -> None:
    listener, store = shared
    before = store.max_seq()
    body = envelope("evt_ext")
    request = (
        head("Transfer-Encoding: chunked")
        + b"%x;name=value;flag\r\n%s\r\n" % (len(body[:10]), body[:10])
        + b'%x ; q="quoted"\r\n%s\r\n' % (len(body[10:]), body[10:])
        + b"0;last\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n"
    )
    status, _ = send_raw(listener.port, request)
    assert status.startswith(b"HTTP/1.1 200 ")
    (row,) = rows_since(store, before)
    assert row.body == body
    assert row.event_id == "evt_ext"


@pytest.mark.parametrize(
    "chunks",
    [
        pytest.param(b"0x5\r\nhello\r\n0\r\n\r\n", id="0x-prefix"),
        pytest.param(b"-5\r\nhello\r\n0\r\n\r\n", id="negative"),
        pytest.param(b"5\r\nhelloXX0\r\n\r\n", id="no-crlf-after-data"),
        pytest.param(b"5\nhello\r\n0\r\n\r\n", id="bare-lf-size-line"),
        pytest.param(b"5 5\r\nhello\r\n0\r\n\r\n", id="two-sizes"),
        pytest.param(b"5\r\nhello\r\n0\r\nBad Trailer\r\n\r\n", id="bad-trailer"),
    ],
)
def test_broken_chunk_framing_is_400_and_closes(shared: tuple[Listener, EventStore], chunks: bytes) -> None:
    listener, store = shared
    before = store.max_seq()
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        sock.sendall(head("Transfer-Encoding: chunked") + chunks)
        reader = ResponseReader(sock)
        reply = reader.next()
        assert_json_error(reply, 400)
        assert reply.headers.get("connection") == "close"
        assert reader.closed()
    assert [r.status for r in rows_since(store, before)] == [400]


# -- request targets -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["@evil.example/hooks", "http://evil.example/hooks", "evil.example:80", "*", "hooks", "/hooks#frag"],
)
def test_targets_that_are_not_origin_form_are_400_and_recorded(
    shared: tuple[Listener, EventStore], target: str
) -> None:
    listener, store = shared
    before = store.max_seq()
    body = envelope("evt_target")
    request = f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    request += f"Content-Length: {len(body)}\r\n\r\n"
    status, answer = send_raw(listener.port, request.encode() + body)
    assert status.startswith(b"HTTP/1.1 400 ")
    assert "path starting with /" in json.loads(answer)["error"]
    (row,) = rows_since(store, before)
    assert (row.status, row.method) == (400, "POST")
    assert "bad_request" in row.flags
    assert row.path == target  # what the client sent, shown as sent (exports build URLs from parts)
    assert row.event_id is None  # the body of a refused request is not judged


# -- head framing --------------------------------------------------------------------------------


CHUNKED_EMPTY_OBJECT = b"2\r\n{}\r\n0\r\n\r\n"


@pytest.mark.parametrize(
    ("extra", "body", "status"),
    [
        # Each body is one a lenient reader would accept (200): only refusing the framing gives the status.
        pytest.param("Content-Length: 4\r\nContent-Length: 2", b"{}  ", 400, id="two-different-lengths"),
        pytest.param("Content-Length: 4, 2", b"{}  ", 400, id="length-list-disagrees"),
        pytest.param("Content-Length: +2", b"{}", 400, id="length-with-sign"),
        pytest.param("Content-Length: 2 2", b"{}", 400, id="length-with-space"),
        pytest.param(
            "Content-Length: 12\r\nTransfer-Encoding: chunked", CHUNKED_EMPTY_OBJECT, 400, id="cl-and-te"
        ),
        pytest.param(
            "Transfer-Encoding: chunked\r\nContent-Length: 12", CHUNKED_EMPTY_OBJECT, 400, id="te-and-cl"
        ),
        pytest.param("Transfer-Encoding: gzip\r\nContent-Length: 2", b"{}", 400, id="gzip-and-cl"),
        pytest.param("Transfer-Encoding: gzip", b"{}", 501, id="unknown-coding"),
        pytest.param("Transfer-Encoding: chunked, chunked", CHUNKED_EMPTY_OBJECT, 400, id="chunked-twice"),
        pytest.param(
            "Transfer-Encoding: gzip, chunked", CHUNKED_EMPTY_OBJECT, 400, id="coding-before-chunked"
        ),
        pytest.param("Transfer-Encoding : chunked", CHUNKED_EMPTY_OBJECT, 400, id="space-before-colon"),
        pytest.param("Transfer-Encoding:\x0bchunked", CHUNKED_EMPTY_OBJECT, 400, id="vertical-tab"),
        pytest.param("X-Note: one\r\n  folded\r\nContent-Length: 2", b"{}", 400, id="obs-fold"),
        pytest.param("X-Note: a\rInjected: b\r\nContent-Length: 2", b"{}", 400, id="bare-cr-in-value"),
        pytest.param("X-Note: a\x00b\r\nContent-Length: 2", b"{}", 400, id="nul-in-value"),
        pytest.param("Host: evil.example\r\nContent-Length: 2", b"{}", 400, id="second-host"),
    ],
)
def test_hostile_heads_are_refused_and_close(
    shared: tuple[Listener, EventStore], extra: str, body: bytes, status: int
) -> None:
    listener, store = shared
    before = store.max_seq()
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        # A smuggled second request follows on the same connection: it must never run.
        smuggled = b"POST /smuggled HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        smuggled += b"Content-Length: 2\r\n\r\n{}"
        sock.sendall(head(extra) + body + smuggled)
        reader = ResponseReader(sock)
        reply = reader.next()
        assert_json_error(reply, status)
        assert reply.headers.get("connection") == "close"
        assert reader.closed()
    rows = rows_since(store, before)
    assert [r.status for r in rows] == [status]
    assert all(r.path != "/smuggled" for r in rows)
    assert "bad_request" in rows[0].flags


def test_a_bare_cr_never_splits_a_header_into_two(shared: tuple[Listener, EventStore]) -> None:
    listener, store = shared
    before = store.max_seq()
    body = envelope()
    request = head(f"Content-Length: {len(body)}\r\nX-Note: a\rAuthorization: Bearer forged")
    send_raw(listener.port, request + body)
    for row in rows_since(store, before):
        assert all(name.lower() != "authorization" for name, _ in row.headers)


def test_the_same_length_twice_is_one_length(shared: tuple[Listener, EventStore]) -> None:
    listener, store = shared
    body = envelope("evt_cl_twice")
    status, _ = send_raw(
        listener.port, head(f"Content-Length: {len(body)}\r\nContent-Length: {len(body)}") + body
    )
    assert status.startswith(b"HTTP/1.1 200 ")
    assert store.count("id:evt_cl_twice") == 1


@pytest.mark.parametrize("line", [b"POST /hooks HTTP/2.0", b"POST /hooks HTTP/1.2", b"POST /hooks HTTP/9.9"])
def test_unsupported_versions_get_505_with_a_real_status_line(
    shared: tuple[Listener, EventStore], line: bytes
) -> None:
    listener, _ = shared
    status, body = send_raw(listener.port, line + b"\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    assert status == b"HTTP/1.1 505 HTTP Version Not Supported"
    assert "HTTP/1.1" in json.loads(body)["error"]


@pytest.mark.parametrize(
    "line",
    [
        b"POST /hooks HTTP/1.1 extra-words",
        b"POST  /hooks HTTP/1.1",
        b"P\x01ST /hooks HTTP/1.1",
        b"POST /ho\x1b]0;pwned\x07oks HTTP/1.1",
        b"POST /hooks",
        b"<script>alert(1)</script>",
    ],
)
def test_the_request_line_is_never_echoed_into_the_status_line(
    shared: tuple[Listener, EventStore], line: bytes
) -> None:
    listener, _ = shared
    status, body = send_raw(listener.port, line + b"\r\nHost: x\r\n\r\n")
    assert status == b"HTTP/1.1 400 Bad Request"
    assert b"script" not in body and b"\x1b" not in body and b"pwned" not in body


def test_bare_lf_heads_are_refused_at_once(shared: tuple[Listener, EventStore]) -> None:
    listener, _ = shared
    status, _ = send_raw(listener.port, b"POST /hooks HTTP/1.1\nHost: x\nContent-Length: 2\n\n{}")
    assert status == b"HTTP/1.1 400 Bad Request"


# -- what a rejected request may store ------------------------------------------------------------


def stored_bytes(row: StoredEvent) -> int:
    return len(row.body) + sum(len(k) + len(v) for k, v in row.headers) + len(row.path) + len(row.query)


def test_a_huge_header_block_is_431_and_stores_almost_nothing(
    make_listener: MakeListener, store: EventStore
) -> None:
    """The reproduction: 96 headers of 65,000 bytes without a token made a 6.2 MB row."""
    ring = TokenRing()
    ring.set_token("wh_1", TOKEN)
    lst = make_listener(tokens=ring)
    headers = "\r\n".join(f"X-Pad-{i}: {'p' * 65_000}" for i in range(96))
    reply = raw_request(lst.port, head(headers + "\r\nContent-Length: 2"), [b"{}"])
    assert_json_error(reply, 431)
    row = only_row(store)
    assert row.status == 431 and "bad_request" in row.flags
    assert stored_bytes(row) < 1024


def test_a_rejected_request_stores_at_most_128_kib_in_all(
    make_listener: MakeListener, store: EventStore
) -> None:
    ring = TokenRing()
    ring.set_token("wh_1", TOKEN)
    lst = make_listener(tokens=ring)
    # Just under the 64 KiB head cap of headers, a 4 MiB body, no token: a 401 that keeps the most.
    headers = "\r\n".join(f"X-Pad-{i}: {'h' * 650}" for i in range(95))
    body = b'{"pad": "' + b"b" * (4 * 1024 * 1024) + b'"}'
    reply = raw_request(lst.port, head(headers + f"\r\nContent-Length: {len(body)}"), [body])
    assert_json_error(reply, 401)
    row = only_row(store)
    print(f"bytes stored for the largest rejected request: {stored_bytes(row)}")
    assert stored_bytes(row) <= 128 * 1024
    assert row.body_size == len(body) and "body_truncated" in row.flags
