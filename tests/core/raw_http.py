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
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a full response head: {buf!r}")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "-1"))
    while length < 0 or len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return Reply(status, headers, rest if length < 0 else rest[:length])


def envelope(event_id: str = "evt_1", identifier: str = "transaction.created", **data: Any) -> bytes:
    return json.dumps(
        {"event_id": event_id, "event_identifier": identifier, "data": data or {"amount": 1}}
    ).encode()
