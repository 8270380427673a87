"""The background HTTP listener: a threaded Werkzeug server, bounded and shut down cleanly."""

from __future__ import annotations

import errno
import json
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from inspector.core.batch_writer import BatchWriter
from inspector.core.event_store import EventStore
from inspector.core.events import StoredEvent
from inspector.core.listener_app import ListenerApp
from inspector.core.token_check import TokenRing

log = logging.getLogger(__name__)

BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
    b"Connection: close\r\nContent-Length: 58\r\n\r\n"
    b'{"error": "too many open connections; retry in a moment"}\n'
)


@dataclass
class ListenerConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    max_body: int = 5 * 1024 * 1024
    strict_envelope: bool = False
    # A connection idle (or trickling nothing) this long is closed, so stalled clients free their thread.
    connection_timeout: float = 15.0
    # Connections served at once; more are answered 503 at once instead of queueing without bound.
    max_connections: int = 512


_PROTOCOL_ERRORS = {
    400: "the request is not valid HTTP",
    408: "the request took too long to arrive",
    414: "the request line is too long",
    431: "the request headers are too large",
    501: "this HTTP method is not supported; only POST is accepted",
    505: "this HTTP version is not supported",
}


class ListenerBindError(OSError):
    """The address cannot be bound; str() is a sentence for the user."""


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: providers and load tools reuse connections

    def setup(self) -> None:
        self.timeout = self.server.connection_timeout  # type: ignore[attr-defined]
        super().setup()

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        # Werkzeug folds repeated headers into one and drops names with "_": keep what was really sent,
        # so two Authorization headers are seen as two, and the record shows every header.
        environ["inspector.raw_headers"] = [(k, v) for k, v in self.headers.items()]
        return environ

    def handle_one_request(self) -> None:
        self._counted = False
        try:
            super().handle_one_request()
        finally:
            if self._counted:
                self.server.tracker.leave()  # type: ignore[attr-defined]

    def parse_request(self) -> bool:
        # A request is in flight once its request line arrived; a connection that sent nothing yet
        # is idle, and stop() must not wait for it.
        self.server.tracker.enter()  # type: ignore[attr-defined]
        self._counted = True
        return super().parse_request()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors http.server raises before our app runs (request line or headers too long, bad
        syntax) answer the same small JSON object as every other error, not an HTML page."""
        sentence = _PROTOCOL_ERRORS.get(code) or (message or "the request could not be read")
        body = json.dumps({"error": sentence}).encode()
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, message)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # every request is recorded in the store; no access log (it could leak paths to a terminal)

    def log_error(self, format: str, *args: Any) -> None:
        log.debug("listener: " + format, *args)


class _Tracker:
    """Counts requests being handled, so stop() can wait for them and not for idle keep-alives."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self.connections: set[socket.socket] = set()

    def enter(self) -> None:
        with self._cond:
            self._active += 1

    def leave(self) -> None:
        with self._cond:
            self._active -= 1
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._active == 0, timeout)


class _Server(ThreadedWSGIServer):
    daemon_threads = True

    def __init__(self, sock: socket.socket, app: ListenerApp, config: ListenerConfig) -> None:
        self.connection_timeout = config.connection_timeout
        self.tracker = _Tracker()
        self._slots = threading.BoundedSemaphore(config.max_connections)
        host, port = sock.getsockname()[:2]
        # Werkzeug prints to stderr and exits the process when it cannot bind, so we bind the socket
        # ourselves (clear error, no exit) and hand over its descriptor.
        super().__init__(host, port, app, handler=_Handler, fd=sock.fileno())

    def log(self, type: str, message: str, *args: Any) -> None:
        # Werkzeug logs a traceback when a client vanishes mid-body; that is the client's doing and
        # the request is recorded, so keep it out of the user's terminal.
        log.debug("listener %s: " + message, type, *args)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.sendall(BUSY_RESPONSE)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        with self.tracker._cond:
            self.tracker.connections.add(request)
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.tracker._cond:
                self.tracker.connections.discard(request)
            self._slots.release()


class Listener:
    def __init__(
        self,
        store: EventStore,
        config: ListenerConfig | None = None,
        tokens: TokenRing | None = None,
    ) -> None:
        self.store = store
        self.config = config or ListenerConfig()
        self.tokens = tokens if tokens is not None else TokenRing()
        self.writer = BatchWriter(store)
        self.app = ListenerApp(
            self.writer,
            self.tokens,
            max_body=self.config.max_body,
            strict_envelope=self.config.strict_envelope,
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = self.config.port
        self.host = self.config.host

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def subscribe(self, callback: Callable[[list[StoredEvent]], None]) -> None:
        """`callback` runs after each committed batch, on a request thread: keep it cheap."""
        self.writer.subscribe(callback)

    def unsubscribe(self, callback: Callable[[list[StoredEvent]], None]) -> None:
        self.writer.unsubscribe(callback)

    def start(self) -> None:
        host, port = self.config.host, self.config.port
        try:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            sock = socket.create_server((host, port), family=family, backlog=128)
        except OSError as exc:
            raise ListenerBindError(exc.errno, _bind_message(host, port, exc)) from None
        except (OverflowError, UnicodeError) as exc:
            raise ListenerBindError(errno.EINVAL, f"cannot listen on {host}:{port}: {exc}") from None
        try:
            self._server = _Server(sock, self.app, self.config)
        finally:
            sock.close()  # the server holds its own duplicate of the descriptor
        self.port = self._server.server_address[1]
        self.writer.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="listener",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, let in-flight requests finish, commit what is queued. The store stays open."""
        server = self._server
        if server is None:
            return
        server.shutdown()  # no new connections from here on
        server.server_close()
        server.tracker.wait_idle(timeout)
        with server.tracker._cond:
            idle = list(server.tracker.connections)
        for sock in idle:  # idle keep-alive connections would otherwise linger until their timeout
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.writer.stop(timeout)
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = None


def _bind_message(host: str, port: int, exc: OSError) -> str:
    code = exc.errno
    if code == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use "
            "(choose another with --port, or --port 0 for any free port)"
        )
    if code == errno.EACCES:
        return f"not allowed to listen on {host}:{port} (ports below 1024 need privileges)"
    if code == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
