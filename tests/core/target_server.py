"""A real local HTTP server standing in for the developer's app (the forward/replay target)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class TargetServer:
    """Answers `status` with `answer`; with `hold=True` each request after the first `open_for`
    waits until `release()` (so a test can act while a run of requests is provably mid-way)."""

    def __init__(
        self, status: int = 200, answer: bytes = b'{"ok": true}', hold: bool = False, open_for: int = 0
    ) -> None:
        self.status = status
        self.answer = answer
        self.open_for = open_for
        self.received: list[Received] = []
        self.arrived = threading.Event()  # set once the first request is read
        self._released = threading.Event()
        if not hold:
            self._released.set()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 65536  # headers and body in one write: no Nagle/delayed-ACK stall per request

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with outer._lock:
                    outer.received.append(Received(self.command, self.path, list(self.headers.items()), body))
                    n = len(outer.received)
                outer.arrived.set()
                if n > outer.open_for:
                    outer._released.wait(30)
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(outer.answer)))
                self.end_headers()
                self.wfile.write(outer.answer)

            do_POST = do_PUT = do_GET = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/webhooks"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    @property
    def bodies(self) -> list[bytes]:
        with self._lock:
            return [r.body for r in self.received]

    def release(self) -> None:
        self._released.set()

    def __enter__(self) -> TargetServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def free_port() -> int:
    """A port nobody listens on (bound then closed), for "connection refused"."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
