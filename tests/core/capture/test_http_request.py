"""The request parser on its own, and against h11 (python-hyper's HTTP/1.1 state machine) as a
reference: on every input both parse, they must agree on method, target, headers and body; where h11
refuses the framing, so must we. Our parser is stricter on purpose in a few places h11 allows
(bare-LF line ends, folded header lines, absolute-form targets); those are listed and tested as refusals."""

from __future__ import annotations

import h11
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.core.capture.http_request import FramingError, ReceivedRequest, RequestParser

LIMIT = 10_000


def parse_all(data: bytes, split: int | None = None) -> list[ReceivedRequest]:
    """Every request in `data`, fed in one piece or in two at `split` (framing must not care)."""
    parser = RequestParser(max_body=LIMIT)
    out: list[ReceivedRequest] = []
    pieces = [data] if split is None else [data[:split], data[split:]]
    for piece in pieces:
        parser.feed(piece)
        while (request := parser.next_request()) is not None:
            out.append(request)
            if not request.complete:
                return out
    return out


def h11_parse(data: bytes) -> tuple[str, str, list[tuple[str, str]], bytes] | None:
    """The first request as h11 reads it, or None when h11 refuses it."""
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
    conn.receive_data(data)
    method = target = ""
    headers: list[tuple[str, str]] = []
    body = b""
    try:
        while True:
            event = conn.next_event()
            if isinstance(event, h11.Request):
                method, target = event.method.decode(), event.target.decode()
                headers = [(k.decode(), v.decode("latin-1")) for k, v in event.headers.raw_items()]
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return method, target, headers, body
            elif event is h11.NEED_DATA:
                return None
    except h11.RemoteProtocolError:
        return None


def request_bytes(
    method: str = "POST",
    target: str = "/hooks?a=1",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"{}",
    chunked: bool = False,
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: example"]
    for name, value in headers or []:
        lines.append(f"{name}: {value}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        framed = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
    else:
        lines.append(f"Content-Length: {len(body)}")
        framed = body
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + framed


# -- the parser on its own ---------------------------------------------------------------------------


def test_a_plain_request_is_read_whole() -> None:
    (req,) = parse_all(request_bytes(headers=[("X-Id", "r-1")], body=b'{"a": 1}'))
    assert req.complete
    assert (req.head.method, req.head.path, req.head.query) == ("POST", "/hooks", "a=1")
    assert ("X-Id", "r-1") in req.head.headers
    assert req.body == b'{"a": 1}'
    assert req.head.keep_alive


def test_pipelined_requests_come_out_one_by_one() -> None:
    data = request_bytes(body=b"1") + request_bytes(body=b"22", chunked=True) + request_bytes(body=b"")
    assert [r.body for r in parse_all(data)] == [b"1", b"22", b""]


@pytest.mark.parametrize("split", [1, 5, 30, 50, 58, 60, 70])
def test_framing_does_not_depend_on_how_bytes_arrive(split: int) -> None:
    data = request_bytes(body=b'{"pad": "xxxxxxxxxx"}', chunked=True)
    assert parse_all(data, split)[0].body == b'{"pad": "xxxxxxxxxx"}'


def test_percent_encoded_path_is_decoded_as_utf8_and_query_kept_raw() -> None:
    (req,) = parse_all(request_bytes(target="/h%C3%B6oks/%0d%0a?x=%20y"))
    assert req.head.path == "/h\u00f6oks/\r\n"
    assert req.head.query == "x=%20y"


def test_an_incomplete_body_reports_only_what_arrived() -> None:
    parser = RequestParser(max_body=LIMIT)
    parser.feed(request_bytes(body=b"0123456789")[:-4])
    assert parser.next_request() is None
    req = parser.incomplete(400, "gone")
    assert req is not None and req.problem is not None and req.problem.incomplete
    assert req.body == b"012345"


def test_a_head_without_its_end_is_not_a_request() -> None:
    parser = RequestParser(max_body=LIMIT)
    parser.feed(b"POST /hooks HTTP/1.1\r\nHost: x\r\n")
    assert parser.next_request() is None
    assert parser.incomplete(400, "gone") is None


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"POST /" + b"a" * 9000 + b" HTTP/1.1\r\n", 414),
        (b"POST /hooks HTTP/1.1\r\n" + b"X: " + b"v" * 70_000, 431),
        (b"POST /hooks HTTP/1.1\nHost: x\n\n", 400),
        (b"GET http://example/ HTTP/1.1\r\nHost: example\r\n\r\n", 400),
        (b"POST /hooks HTTP/3.0\r\nHost: x\r\n\r\n", 505),
    ],
)
def test_refusals_carry_their_status(data: bytes, status: int) -> None:
    parser = RequestParser(max_body=LIMIT)
    parser.feed(data)
    try:
        result = parser.next_request()
    except FramingError as exc:
        assert exc.status == status
    else:
        assert result is not None and result.problem is not None
        assert result.problem.status == status


# -- against h11 ---------------------------------------------------------------------------------------

# Inputs where h11 is more lenient than we mean to be (each refused by us on purpose).
STRICTER_THAN_H11 = {
    "bare LF line ends": b"POST /hooks HTTP/1.1\nHost: x\nContent-Length: 2\n\n{}",
    "absolute-form target": request_bytes(target="http://evil.example/hooks"),
    "userinfo-looking target": request_bytes(target="@evil.example/hooks"),
    "asterisk target": request_bytes(target="*", method="OPTIONS"),
    "folded header line": b"POST /hooks HTTP/1.1\r\nHost: x\r\n Content-Length: 2\r\n\r\n{}",
}


@pytest.mark.parametrize("name", list(STRICTER_THAN_H11))
def test_where_we_are_stricter_than_h11_we_refuse(name: str) -> None:
    data = STRICTER_THAN_H11[name]
    try:
        requests = parse_all(data)
    except FramingError:
        return
    assert requests and requests[0].problem is not None


SMUGGLING = [
    request_bytes(headers=[("Content-Length", "5")]),
    request_bytes(headers=[("Transfer-Encoding", "chunked")]),
    request_bytes(headers=[("Transfer-Encoding", "identity")], chunked=True),
    request_bytes(headers=[("Content-Length", "2, 3")]),
    b"POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Length : 2\r\n\r\n{}",
    b"POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nX: a\rb\r\n\r\n{}",
    b"POST /hooks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
    b"POST /hooks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
]


@pytest.mark.parametrize("data", SMUGGLING)
def test_what_h11_refuses_we_refuse(data: bytes) -> None:
    assert h11_parse(data) is None, "the corpus holds only inputs h11 refuses"
    try:
        requests = parse_all(data)
    except FramingError:
        return
    assert requests and requests[0].problem is not None, requests


_NAMES = st.sampled_from(["X-Id", "x-trace", "Accept", "User-Agent", "X-Empty", "Content-Type"])
_VALUES = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30).map(str.strip)
_TARGETS = st.from_regex(r"/[A-Za-z0-9._~%!$&'()*+,;=:@/-]{0,20}(\?[A-Za-z0-9=&;%+]{0,20})?", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["POST", "GET", "PUT", "PATCH", "DELETE"]),
    target=_TARGETS,
    headers=st.lists(st.tuples(_NAMES, _VALUES), max_size=6),
    body=st.binary(max_size=200),
    chunked=st.booleans(),
    split=st.integers(min_value=0, max_value=400),
)
def test_well_formed_requests_read_as_h11_reads_them(
    method: str, target: str, headers: list[tuple[str, str]], body: bytes, chunked: bool, split: int
) -> None:
    data = request_bytes(method, target, headers, body, chunked)
    expected = h11_parse(data)
    assert expected is not None
    (ours,) = parse_all(data, min(split, len(data)))
    assert ours.complete
    assert (ours.head.method, ours.head.target) == expected[:2]
    assert ours.head.headers == expected[2]
    assert ours.body == expected[3]


@settings(max_examples=400, deadline=None)
@given(data=st.binary(min_size=1, max_size=300), prefix=st.sampled_from([b"", b"POST /hooks HTTP/1.1\r\n"]))
def test_arbitrary_bytes_never_raise_anything_but_a_framing_error(data: bytes, prefix: bytes) -> None:
    parser = RequestParser(max_body=LIMIT)
    parser.feed(prefix + data)
    try:
        while (request := parser.next_request()) is not None and request.complete:
            assert len(request.body) <= LIMIT
    except FramingError as exc:
        assert 400 <= exc.status <= 505
