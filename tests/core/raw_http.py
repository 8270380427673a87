"""Small HTTP client helpers for listener tests: http.client for ordinary requests, raw sockets for
the requests `requests` cannot send (repeated or non-ASCII headers, trickled or chunked bodies)."""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""
    status_line: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


def post(
    port: int,
    body: bytes,
    *,
    content_type: str | None = "application/json",
    headers: list[tuple[str, str]] | None = None,
    method: str = "POST",
    path: str = "/hooks",
    timeout: float = 10.0,
) -> Reply:
    """One request with http.client; `headers` may repeat a name (putheader sends each one)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        if content_type is not None:
            conn.putheader("Content-Type", content_type)
        for name, value in headers or []:
            conn.putheader(name, value)
        if body or method in ("POST", "PUT"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        resp = conn.getresponse()
        data = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


def raw_request(
    port: int, head: bytes, body_parts: list[bytes] | None = None, timeout: float = 10.0
) -> Reply:
    """Send bytes exactly as given (head must end with CRLFCRLF), then parse the response.

    Sending stops quietly if the server has already answered and closed: what matters is its answer.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(head)
            for part in body_parts or []:
                sock.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_response(sock)


def read_response(sock: socket.socket) -> Reply:
    """Parse one HTTP/1.x response from a connected socket (Content-Length framed, or until close)."""
    return ResponseReader(sock).next()


class ResponseReader:
    """Reads responses one after another from one connection (keep-alive, pipelining), keeping
    whatever arrived beyond the current one for the next."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buf += chunk
        return bool(chunk)

    def next(self) -> Reply:
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise AssertionError(f"connection closed before a full response head: {self.buf!r}")
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if status == 100:
            return Reply(status, headers, b"", lines[0])
        length = int(headers.get("content-length", "-1"))
        while length < 0 or len(self.buf) < length:
            if not self._fill():
                break
        if length < 0:
            body, self.buf = self.buf, b""
        else:
            body, self.buf = self.buf[:length], self.buf[length:]
        return Reply(status, headers, body, lines[0])

    def closed(self) -> bool:
        """True when the server has closed the connection (EOF, or reset) and sent nothing more."""
        try:
            return not self.buf and self.sock.recv(1) == b""
        except ConnectionResetError:
            return True


def envelope(event_id: str = "evt_1", identifier: str = "transaction.created", **data: Any) -> bytes:
    return json.dumps(
        {"event_id": event_id, "event_identifier": identifier, "data": data or {"amount": 1}}
    ).encode()


def assert_json_error(reply: Reply, status: int) -> str:
    assert reply.status == status, (reply.status, reply.body[:300])
    assert reply.headers["content-type"] == "application/json"
    payload = json.loads(reply.body)
    assert list(payload) == ["error"], payload
    assert isinstance(payload["error"], str) and payload["error"]
    assert len(reply.body) < 400
    return str(payload["error"])


def head(extra: str = "", content_type: str = "application/json") -> bytes:
    lines = ["POST /hooks HTTP/1.1", "Host: 127.0.0.1"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if extra:
        lines.append(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunked(data: bytes, size: int = 65536) -> list[bytes]:
    parts = [
        b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size]) for i in range(0, len(data), size)
    ]
    return [*parts, b"0\r\n\r\n"]
