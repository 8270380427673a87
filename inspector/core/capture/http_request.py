"""Strict, incremental HTTP/1.1 request framing for the listener (RFC 9112), one parser per connection.

Written here rather than taken from a library because the listener must record exactly what a hostile
client sent: the declared size of every chunk (so an absurd one is refused at once), the bytes of a
body that really arrived before the client went away, and the request line of a head it refuses.
h11 frames as strictly but hides those; tests/core/capture/test_http_request.py checks this parser against h11
on the same inputs, so the two agree wherever h11 has an answer.

Rules (each one a hostile input seen in practice):
- lines end with CRLF; a bare CR or LF anywhere in the head is refused, as is a folded header line;
- the request target is origin-form (``/path?query``) only, printable ASCII;
- one Content-Length value (repeats must agree), or ``Transfer-Encoding: chunked`` alone, never both;
- chunk sizes are hex of at most 16 digits, extensions and trailers are accepted and dropped;
- the head (request line + headers) is capped, so is the number of headers and the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

MAX_REQUEST_LINE = 8 * 1024
MAX_HEAD = 64 * 1024  # request line + every header; 431 beyond
MAX_HEADERS = 100
MAX_CHUNK_LINE = 4 * 1024  # a chunk-size line with its extensions, and each trailer line
MAX_TRAILERS = 8 * 1024

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_REQUEST_LINE = re.compile(rb"(" + _TOKEN + rb") ([\x21-\x7e]+) (HTTP/\d\.\d)")
_HEADER_NAME = re.compile(_TOKEN)
# Field values: visible ASCII, space, tab and obs-text (0x80-0xFF, kept as latin-1); never CR, LF, NUL.
_BAD_VALUE_BYTE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]+)[ \t]*(;[\x09\x20-\x7e\x80-\xff]*)?")
_HEAD_END = b"\r\n\r\n"
_BARE_LF = re.compile(rb"(?<!\r)\n")


class FramingError(Exception):
    """The request cannot be read as HTTP/1.1; the connection is answered `status` and closed.

    `head` is set when the request line (and maybe the headers) were read, so the refusal can be
    recorded with what the client asked for.
    """

    def __init__(
        self,
        status: int,
        message: str,
        head: RequestHead | None = None,
        *,
        size: int | None = None,
        incomplete: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.head = head
        self.size = size  # the body size the client declared, when that is why it was refused
        self.incomplete = incomplete  # the body stopped arriving (EOF, a deadline): not a framing fault


@dataclass
class RequestHead:
    method: str
    target: str
    version: str
    path: str  # percent-decoded (UTF-8, invalid bytes replaced)
    query: str  # as sent, not decoded
    headers: list[tuple[str, str]] = field(default_factory=list)  # as sent, names' case kept
    head_size: int = 0
    content_length: int | None = None  # declared; may exceed any limit
    chunked: bool = False
    keep_alive: bool = True
    expect_continue: bool = False

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass
class ReceivedRequest:
    """A request as far as it arrived: a full one, or a refused one with `problem` set."""

    head: RequestHead
    body: bytes
    body_size: int  # bytes of body that arrived, or the declared size when it was refused unread
    problem: FramingError | None = None  # set when the body is not complete or not acceptable

    @property
    def complete(self) -> bool:
        return self.problem is None


class RequestParser:
    """Feed bytes with `feed`, then call `next_request` until it returns None (more bytes needed).

    After a request whose framing failed the parser is spent: the connection must close. Between
    requests on a kept-alive connection the parser keeps any bytes of the next (pipelined) one.
    """

    def __init__(self, *, max_body: int, max_head: int = MAX_HEAD) -> None:
        self.max_body = max_body
        self.max_head = max_head
        self._buf = bytearray()
        self._scanned = 0  # where the search for the end of the head resumes
        self._head: RequestHead | None = None
        self._body = bytearray()
        self._chunk_left = -1  # -1: at a chunk-size line; >0: data bytes left; 0: expect CRLF
        self._in_trailers = False
        self._trailer_bytes = 0
        self.broken = False

    # -- input ---------------------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        self._buf += data

    @property
    def buffered(self) -> int:
        return len(self._buf)

    @property
    def in_request(self) -> bool:
        """True once any byte of a request (its head or body) has arrived and it is not done."""
        return self._head is not None or bool(self._buf)

    @property
    def body_received(self) -> int:
        return len(self._body)

    @property
    def head(self) -> RequestHead | None:
        """The head of the request being read, once it is complete (its body may still be coming)."""
        return self._head

    # -- parsing -------------------------------------------------------------------------------------

    def next_request(self) -> ReceivedRequest | None:
        """The next complete (or refused) request, or None when more bytes are needed."""
        if self.broken:
            return None
        try:
            if self._head is None:
                head = self._parse_head()
                if head is None:
                    return None
                self._head = head
                if head.content_length is not None and head.content_length > self.max_body:
                    raise FramingError(413, self._too_large(), head, size=head.content_length)
            if not self._read_body():
                return None
        except FramingError as exc:
            self.broken = True
            if exc.head is None:
                raise
            body = bytes(self._body)
            self._head = None
            return ReceivedRequest(exc.head, body, exc.size if exc.size is not None else len(body), exc)
        head, body = self._head, bytes(self._body)
        self._head = None
        self._body = bytearray()
        self._chunk_left = -1
        self._in_trailers = False
        self._trailer_bytes = 0
        return ReceivedRequest(head, body, len(body))

    def incomplete(self, status: int, message: str) -> ReceivedRequest | None:
        """What arrived of a request the client stopped sending (EOF or a deadline), if it had a head."""
        self.broken = True
        if self._head is None:
            return None
        head, body = self._head, bytes(self._body)
        self._head = None
        return ReceivedRequest(head, body, len(body), FramingError(status, message, head, incomplete=True))

    def _too_large(self) -> str:
        return f"the body is larger than the {self.max_body} byte limit"

    def _parse_head(self) -> RequestHead | None:
        buf = self._buf
        # A client may send empty lines before a request (RFC 9112 2.2); skip them.
        while buf[:2] == b"\r\n":
            del buf[:2]
            self._scanned = 0
        start = max(0, self._scanned - 3)
        end = buf.find(_HEAD_END, start)
        if end < 0 or _BARE_LF.search(buf, start, end if end >= 0 else len(buf)):
            if _BARE_LF.search(buf, start):
                # Without this a head with bare-LF line ends would wait for its deadline.
                raise FramingError(400, "header lines must end with CRLF", self._line_only(buf))
            self._scanned = len(buf)
            line_end = buf.find(b"\r\n")
            if (line_end < 0 and len(buf) > MAX_REQUEST_LINE) or line_end > MAX_REQUEST_LINE:
                raise FramingError(414, "the request line is too long")
            if len(buf) > self.max_head:
                raise FramingError(
                    431,
                    f"the request headers are larger than {self.max_head // 1024} KiB",
                    self._line_only(buf),
                )
            return None
        raw = bytes(buf[:end])
        del buf[: end + 4]
        self._scanned = 0
        lines = raw.split(b"\r\n")
        head = _request_line(lines[0])
        head.head_size = end + 4
        if len(raw) > self.max_head:
            raise FramingError(431, f"the request headers are larger than {self.max_head // 1024} KiB", head)
        if len(lines) - 1 > MAX_HEADERS:
            raise FramingError(431, f"more than {MAX_HEADERS} request headers", head)
        for line in lines[1:]:
            head.headers.append(_header_line(line, head))
        _frame(head)
        return head

    def _line_only(self, buf: bytearray) -> RequestHead | None:
        """The request line of a head that will never complete, when it parses (for the record)."""
        line_end = buf.find(b"\r\n")
        if line_end < 0:
            return None
        try:
            return _request_line(bytes(buf[:line_end]))
        except FramingError:
            return None

    def _read_body(self) -> bool:
        """Move body bytes from the buffer; True when the body is complete."""
        head = self._head
        assert head is not None
        if head.chunked:
            return self._read_chunked(head)
        want = (head.content_length or 0) - len(self._body)
        if want > 0:
            take = self._buf[:want]
            self._body += take
            del self._buf[: len(take)]
        return len(self._body) == (head.content_length or 0)

    def _read_chunked(self, head: RequestHead) -> bool:
        buf = self._buf
        while True:
            if self._in_trailers:
                return self._read_trailers(head)
            if self._chunk_left > 0:
                take = buf[: self._chunk_left]
                self._body += take
                del buf[: len(take)]
                self._chunk_left -= len(take)
                if self._chunk_left > 0:
                    return False
            if self._chunk_left == 0:
                if len(buf) < 2:
                    return False
                if buf[:2] != b"\r\n":
                    raise FramingError(400, "a chunk is not followed by CRLF", head)
                del buf[:2]
                self._chunk_left = -1
            line_end = buf.find(b"\r\n")
            if line_end < 0:
                if len(buf) > MAX_CHUNK_LINE:
                    raise FramingError(400, "a chunk-size line is too long", head)
                return False
            line = bytes(buf[:line_end])
            del buf[: line_end + 2]
            m = _CHUNK_SIZE.fullmatch(line)
            if m is None or b"\r" in line or b"\n" in line:
                raise FramingError(400, "a chunk size is not valid hexadecimal", head)
            digits = m.group(1).lstrip(b"0") or b"0"
            size = int(digits, 16) if len(digits) <= 15 else 2**62  # beyond 15 hex digits it is absurd
            if len(self._body) + size > self.max_body:
                # Refused at once, before a byte of it: the client declared more than we take.
                raise FramingError(413, self._too_large(), head, size=min(len(self._body) + size, 2**62))
            if size == 0:
                self._in_trailers = True
                continue
            self._chunk_left = size

    def _read_trailers(self, head: RequestHead) -> bool:
        buf = self._buf
        while True:
            line_end = buf.find(b"\r\n")
            if line_end < 0:
                if self._trailer_bytes + len(buf) > MAX_TRAILERS:
                    raise FramingError(431, "the chunked trailers are too large", head)
                return False
            line = bytes(buf[:line_end])
            del buf[: line_end + 2]
            self._trailer_bytes += line_end + 2
            if self._trailer_bytes > MAX_TRAILERS:
                raise FramingError(431, "the chunked trailers are too large", head)
            if not line:
                return True
            _header_line(line, head)  # checked like a header, then dropped


def _request_line(line: bytes) -> RequestHead:
    m = _REQUEST_LINE.fullmatch(line)
    if m is None:
        raise FramingError(400, "the request line is not METHOD /path HTTP/1.1")
    method, target_bytes, version_bytes = m.groups()
    version = version_bytes.decode("ascii")
    target = target_bytes.decode("ascii")
    raw_path, _, query = target.partition("?")
    head = RequestHead(
        method=method.decode("ascii"),
        target=target,
        version=version,
        path=unquote(raw_path, errors="replace"),
        query=query,
    )
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise FramingError(505, f"{version} is not supported; use HTTP/1.1", head)
    if not target.startswith("/") or "#" in target:
        # Anything else (absolute-form, "@host/x", "*") could make an exported URL point elsewhere.
        head.path = ""
        raise FramingError(400, "the request target must be a path starting with /", head)
    return head


def _header_line(line: bytes, head: RequestHead) -> tuple[str, str]:
    colon = line.find(b":")
    if colon <= 0:
        if line[:1] in (b" ", b"\t"):
            raise FramingError(400, "folded header lines are not accepted", head)
        raise FramingError(400, "a header line has no name", head)
    name = line[:colon]
    if not _HEADER_NAME.fullmatch(name):
        raise FramingError(400, "a header name has a space or another character not allowed", head)
    value = line[colon + 1 :].strip(b" \t")
    if _BAD_VALUE_BYTE.search(value):
        raise FramingError(400, "a header value contains a control character (CR, LF, NUL, ...)", head)
    return name.decode("ascii"), value.decode("latin-1")


def _frame(head: RequestHead) -> None:
    """Body framing, connection persistence and Expect, from the headers (RFC 9112 6, 9.3)."""
    lengths: set[str] = set()
    codings: list[str] = []
    hosts = 0
    connection: set[str] = set()
    for name, value in head.headers:
        lowered = name.lower()
        if lowered == "content-length":
            lengths.update(v.strip() for v in value.split(","))
        elif lowered == "transfer-encoding":
            codings.extend(v.strip().lower() for v in value.split(","))
        elif lowered == "host":
            hosts += 1
        elif lowered == "connection":
            connection.update(v.strip().lower() for v in value.split(","))
        elif lowered == "expect" and value.strip().lower() == "100-continue":
            head.expect_continue = head.version == "HTTP/1.1"
    if hosts > 1:
        raise FramingError(400, "more than one Host header", head)
    if codings:
        if lengths:
            raise FramingError(400, "both Content-Length and Transfer-Encoding were sent", head)
        if head.version != "HTTP/1.1":
            raise FramingError(400, "Transfer-Encoding is not allowed in HTTP/1.0", head)
        if codings != ["chunked"]:
            if codings[-1:] == ["chunked"] or "chunked" in codings:
                raise FramingError(400, "only Transfer-Encoding: chunked alone is accepted", head)
            raise FramingError(501, f"transfer coding {', '.join(codings)[:60]} is not supported", head)
        head.chunked = True
    elif lengths:
        if len(lengths) > 1:
            raise FramingError(400, "Content-Length headers disagree", head)
        (text,) = lengths
        if not text.isdigit() or not text.isascii():
            raise FramingError(400, "Content-Length is not a number", head)
        # Beyond 19 digits it is absurd anyway; keep the int small enough for SQLite.
        head.content_length = int(text) if len(text) <= 18 else 2**62
    if head.version == "HTTP/1.1":
        head.keep_alive = "close" not in connection
    else:
        head.keep_alive = "keep-alive" in connection and "close" not in connection
