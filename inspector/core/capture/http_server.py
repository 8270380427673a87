"""The listener's HTTP/1.1 server: keep-alive connections, one I/O thread, a bounded pool of workers.

Why not Werkzeug's (or http.server's) threaded server: it answers every request with
`Connection: close`, starts a thread per connection, and lets a client that trickles one byte at a
time hold its thread for as long as it likes. Here one I/O thread reads every connection without
blocking, frames requests with `RequestParser` and gives only complete requests to a worker, so a
slow client costs a buffer, never a thread. Each request has a total deadline for its head and for
its body; idle kept-alive connections are closed after a while; at the connection limit the oldest
connection that is not being answered is dropped to make room.

A worker runs the handler (which may wait for a commit) and writes the answer itself, in one send
(with TCP_NODELAY, so it never waits for a delayed ACK). Only the rare cases go back to the I/O
thread: a partial send, a close that must first drain what the client still sends, a delayed answer.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import logging
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from queue import SimpleQueue

from inspector.core.capture.http_request import MAX_HEAD, FramingError, ReceivedRequest, RequestParser

log = logging.getLogger(__name__)


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)
    close: bool = False  # close the connection after this answer
    delay: float = 0.0  # seconds to hold the answer back (a user's response rule)


def json_response(status: int, payload: dict[str, object], **kwargs: object) -> Response:
    return Response(status, json.dumps(payload).encode(), **kwargs)  # type: ignore[arg-type]


Handler = Callable[[ReceivedRequest, str], Response]


@dataclass
class ServerLimits:
    max_body: int = 5 * 1024 * 1024
    max_head: int = MAX_HEAD
    max_connections: int = 1024
    # No byte for this long (in a head, a body, or between requests) closes the connection.
    stall_timeout: float = 15.0
    head_timeout: float = 10.0  # a request's head must arrive within this, however it trickles
    body_timeout: float = 30.0  # and its body within this after the head
    max_requests_per_connection: int = 10_000
    workers: int = 32
    # Bodies over BIG_BODY are read by at most this many connections at once (memory stays bounded).
    big_body_slots: int = 8


BIG_BODY = 64 * 1024
_LINGER_SECONDS = 2.0  # after a refusal, read (and drop) what the client still sends, then close
_LINGER_BYTES = 1024 * 1024
_WRITE_TIMEOUT = 10.0
_SWEEP_SECONDS = 0.1
FRESH_SECONDS = 0.5  # a connection this young is spared at the connection limit while others can go
SLOW_BYTES_PER_SECOND = 1024  # a request arriving slower than this is trickling (and first to go)
_PAUSE_BUFFER = MAX_HEAD + BIG_BODY  # bytes a busy connection may have pipelined before we stop reading

_READING, _BUSY, _WRITING, _CLOSING = range(4)
_BUSY_ANSWER = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
    b"Connection: close\r\nContent-Length: 58\r\n\r\n"
    b'{"error": "too many open connections; retry in a moment"}\n'
)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _safe_header_value(value: str) -> str:
    return "".join(c if " " <= c <= "~" else " " for c in value)


class _Conn:
    __slots__ = (
        "addr",
        "big",
        "closed",
        "deadline_kind",
        "drained",
        "fd",
        "head_done_at",
        "idle_since",
        "last_byte",
        "lock",
        "out",
        "parser",
        "paused",
        "peer_closed",
        "received",
        "registered",
        "request_started",
        "requests",
        "sock",
        "state",
        "write_started",
    )

    def __init__(self, sock: socket.socket, addr: str, parser: RequestParser, now: float) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.addr = addr
        self.parser = parser
        self.state = _READING
        self.lock = threading.Lock()
        self.out = b""
        self.idle_since = now
        self.last_byte = now
        self.request_started = 0.0
        self.head_done_at = 0.0
        self.write_started = 0.0
        self.requests = 0
        self.peer_closed = False
        self.paused = False
        self.registered = False
        self.closed = False
        self.big = False  # holds one of the big-body slots
        self.drained = 0  # bytes read and dropped while lingering before the close
        self.received = 0  # bytes of the request now arriving (who to drop at the limit)
        self.deadline_kind = ""


class HttpServer:
    """Serve `handler` on an already bound, listening socket until `stop()`."""

    def __init__(self, sock: socket.socket, handler: Handler, limits: ServerLimits | None = None) -> None:
        self.limits = limits or ServerLimits()
        self._handler = handler
        self._listen = sock
        self._listen.setblocking(False)
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._conns: dict[int, _Conn] = {}
        self._handoffs: deque[tuple[_Conn, str]] = deque()
        self._timers: list[tuple[float, int, _Conn, bytes, bool]] = []
        self._timer_seq = 0
        self._jobs: SimpleQueue[tuple[_Conn, ReceivedRequest] | None] = SimpleQueue()
        self._workers: list[threading.Thread] = []
        self._idle_workers = 0
        self._queued = 0
        self._busy = 0
        self._count_lock = threading.Lock()
        self._idle_cond = threading.Condition(self._count_lock)
        self._big_in_use = 0
        self._running = False
        self._accepting = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._listen.getsockname()[1])

    # -- lifetime ------------------------------------------------------------------------------------

    def start(self) -> None:
        self._running = True
        self._sel.register(self._listen, selectors.EVENT_READ, None)
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._thread = threading.Thread(target=self._loop, name="listener-io", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, let requests being answered finish, then close every connection."""
        self._call_io("stop-accepting")
        with self._idle_cond:
            self._idle_cond.wait_for(lambda: self._busy == 0, timeout)
        self._running = False
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout)
        for _ in self._workers:
            self._jobs.put(None)
        for worker in self._workers:
            worker.join(timeout)
        for conn in list(self._conns.values()):
            self._close(conn)
        with contextlib.suppress(OSError):
            self._listen.close()
        self._wake_r.close()
        self._wake_w.close()
        self._sel.close()

    def connection_count(self) -> int:
        return len(self._conns)

    # -- the I/O thread ------------------------------------------------------------------------------

    def _loop(self) -> None:
        next_sweep = time.monotonic() + _SWEEP_SECONDS
        while self._running:
            timeout = _SWEEP_SECONDS
            if self._timers:
                timeout = max(0.0, min(timeout, self._timers[0][0] - time.monotonic()))
            try:
                ready = self._sel.select(timeout)
            except OSError:  # a descriptor closed under select(): the next round sees the truth
                ready = []
            for key, mask in ready:
                if key.data is None:
                    self._accept()
                elif key.data == "wake":
                    with contextlib.suppress(OSError):
                        while self._wake_r.recv(4096):
                            pass
                else:
                    conn = key.data
                    if mask & selectors.EVENT_READ:
                        self._on_readable(conn)
                    if mask & selectors.EVENT_WRITE and not conn.closed:
                        self._on_writable(conn)
            self._run_handoffs()
            now = time.monotonic()
            while self._timers and self._timers[0][0] <= now:
                _, _, conn, data, close = heapq.heappop(self._timers)
                self._write(conn, data, close)
            if now >= next_sweep:
                self._sweep(now)
                next_sweep = now + _SWEEP_SECONDS

    def _accept(self) -> None:
        while self._accepting:
            try:
                sock, addr = self._listen.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of descriptors, aborted handshake: try again next round
                log.debug("accept failed: %s", exc)
                return
            if len(self._conns) >= self.limits.max_connections and not self._make_room():
                with contextlib.suppress(OSError):
                    sock.setblocking(False)
                    sock.send(_BUSY_ANSWER)
                with contextlib.suppress(OSError):
                    sock.close()
                continue
            sock.setblocking(False)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            now = time.monotonic()
            host = addr[0] if isinstance(addr, tuple) else str(addr)
            parser = RequestParser(max_body=self.limits.max_body, max_head=self.limits.max_head)
            conn = _Conn(sock, host, parser, now)
            self._conns[conn.fd] = conn
            self._register(conn, selectors.EVENT_READ)

    def _make_room(self) -> bool:
        """At the connection limit, drop the connection least likely to be a client being served.

        In this order: one already answered and lingering; one idle (kept alive after its last
        answer, or connected without sending) for longer than FRESH_SECONDS; one whose request is
        trickling in (under SLOW_BYTES_PER_SECOND); one just connected (the oldest); then the
        slowest of the rest. A client sending a real request sends it at once, so it is spared while
        silent or trickling connections can go; an attacker holding more connections than there are
        slots only pushes its own out.
        """
        now = time.monotonic()
        idle: list[_Conn] = []
        slow: list[tuple[float, _Conn]] = []
        fresh: list[_Conn] = []
        fast: list[tuple[float, _Conn]] = []
        for conn in self._conns.values():
            if conn.state == _CLOSING:
                self._close(conn)
                return True
            if conn.state != _READING:
                continue
            if conn.parser.in_request:
                age = now - conn.request_started
                rate = conn.received / max(age, 0.001)
                (slow if age > 0.05 and rate < SLOW_BYTES_PER_SECOND else fast).append((rate, conn))
            elif now - conn.idle_since > FRESH_SECONDS:
                idle.append(conn)
            else:
                fresh.append(conn)
        if idle:
            self._close(min(idle, key=lambda c: c.idle_since))  # closing an idle one is ordinary
            return True
        for group in (slow, fast):
            if group is fast and fresh:
                self._close(min(fresh, key=lambda c: c.idle_since))
                return True
            if group:
                _, victim = min(group, key=lambda pair: (pair[0], pair[1].request_started))
                log.debug("dropping a slow request from %s at the connection limit", victim.addr)
                with contextlib.suppress(OSError):
                    victim.sock.send(_BUSY_ANSWER)
                self._linger(victim)  # still one of ours until it drains; the next newcomer closes it first
                victim.state = _CLOSING
                return True
        if fresh:
            self._close(min(fresh, key=lambda c: c.idle_since))
            return True
        return False

    def _register(self, conn: _Conn, events: int) -> None:
        if conn.closed:
            return
        try:
            if conn.registered:
                self._sel.modify(conn.sock, events, conn)
            else:
                self._sel.register(conn.sock, events, conn)
                conn.registered = True
        except (OSError, ValueError, KeyError):
            self._close(conn)

    def _unregister(self, conn: _Conn) -> None:
        if conn.registered:
            conn.registered = False
            with contextlib.suppress(OSError, ValueError, KeyError):
                self._sel.unregister(conn.sock)

    def _on_readable(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        now = time.monotonic()
        if conn.state == _CLOSING:
            conn.drained += len(data)
            if not data or conn.drained > _LINGER_BYTES:
                self._close(conn)
            return
        with conn.lock:
            if not data:
                conn.peer_closed = True
                self._unregister(conn)  # EOF stays readable: stop watching it
                if conn.state != _READING:
                    return  # the worker answers first, then sees peer_closed
                request = conn.parser.incomplete(
                    400, "the client closed the connection before the request was complete"
                )
                if request is None:
                    self._close(conn)
                    return
                self._dispatch(conn, request)
                return
            conn.last_byte = now
            if conn.state != _READING:
                conn.parser.feed(data)  # pipelined: kept for when the current answer is out
                if conn.parser.buffered > _PAUSE_BUFFER:
                    conn.paused = True
                    self._unregister(conn)
                return
            if not conn.parser.in_request:
                conn.request_started = now
                conn.received = 0
            conn.received += len(data)
            conn.parser.feed(data)
            self._parse(conn, now)

    def _parse(self, conn: _Conn, now: float) -> None:
        """Frame what the connection has buffered; called with conn.lock held, state READING."""
        had_head = conn.parser.head is not None
        try:
            request = conn.parser.next_request()
        except FramingError as exc:
            self._refuse(conn, exc.status, exc.message)
            return
        head = conn.parser.head
        if request is None:
            if head is not None and not had_head:
                conn.head_done_at = now
                if head.expect_continue and (head.chunked or head.content_length):
                    with contextlib.suppress(OSError):
                        conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            big = head is not None and not conn.big and conn.parser.body_received > BIG_BODY
            if big and not self._take_big_slot(conn):
                self._refuse(conn, 503, "too many large bodies are arriving at once; retry in a moment")
            return
        self._dispatch(conn, request)

    def _take_big_slot(self, conn: _Conn) -> bool:
        with self._count_lock:
            if self._big_in_use >= self.limits.big_body_slots:
                return False
            self._big_in_use += 1
        conn.big = True
        return True

    def _release_big_slot(self, conn: _Conn) -> None:
        if conn.big:
            conn.big = False
            with self._count_lock:
                self._big_in_use -= 1

    def _dispatch(self, conn: _Conn, request: ReceivedRequest) -> None:
        conn.state = _BUSY
        with self._count_lock:
            self._busy += 1
            self._queued += 1
            spawn = self._queued > self._idle_workers and len(self._workers) < self.limits.workers
        if spawn:
            worker = threading.Thread(target=self._work, name=f"listener-{len(self._workers)}", daemon=True)
            self._workers.append(worker)
            worker.start()
        self._jobs.put((conn, request))

    def _refuse(self, conn: _Conn, status: int, message: str) -> None:
        """Answer a request we will not read (or not read further) and close after draining."""
        body = json.dumps({"error": message}).encode()
        self._write(conn, _encode(Response(status, body, close=True), keep_alive=False), close=True)

    def _write(self, conn: _Conn, data: bytes, close: bool) -> None:
        """Send `data` from the I/O thread (the rest when a send was partial), then maybe close."""
        if conn.closed:
            return
        conn.out += data
        try:
            sent = conn.sock.send(conn.out) if conn.out else 0
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._close(conn)
            return
        conn.out = conn.out[sent:]
        if conn.out:
            conn.state = _WRITING
            conn.write_started = time.monotonic()
            conn.deadline_kind = "close" if close else "keep"
            self._register(conn, selectors.EVENT_WRITE)
            return
        self._after_answer(conn, close)

    def _on_writable(self, conn: _Conn) -> None:
        self._write(conn, b"", conn.deadline_kind == "close")

    def _after_answer(self, conn: _Conn, close: bool) -> None:
        """The answer is out (I/O thread): linger and close, or read the next request."""
        self._release_big_slot(conn)
        if close or conn.peer_closed or conn.requests >= self.limits.max_requests_per_connection:
            self._linger(conn)
            return
        with conn.lock:
            conn.state = _READING
            conn.idle_since = time.monotonic()
            if conn.parser.buffered:
                conn.request_started = conn.idle_since
                self._parse(conn, conn.idle_since)
            if conn.state == _READING:
                conn.paused = False
                self._register(conn, selectors.EVENT_READ)

    def _linger(self, conn: _Conn) -> None:
        if conn.peer_closed:
            self._close(conn)
            return
        with contextlib.suppress(OSError):
            conn.sock.shutdown(socket.SHUT_WR)
        conn.state = _CLOSING
        conn.write_started = time.monotonic()
        self._register(conn, selectors.EVENT_READ)

    def _close(self, conn: _Conn) -> None:
        if conn.closed:
            return
        self._unregister(conn)
        conn.closed = True
        self._release_big_slot(conn)
        self._conns.pop(conn.fd, None)
        with contextlib.suppress(OSError):
            conn.sock.close()

    def _sweep(self, now: float) -> None:
        lim = self.limits
        for conn in list(self._conns.values()):
            if conn.state == _CLOSING:
                if now - conn.write_started > _LINGER_SECONDS:
                    self._close(conn)
            elif conn.state == _WRITING:
                if now - conn.write_started > _WRITE_TIMEOUT:
                    self._close(conn)
            elif conn.state == _READING and not conn.paused:
                self._check_deadlines(conn, now, lim)

    def _check_deadlines(self, conn: _Conn, now: float, lim: ServerLimits) -> None:
        with conn.lock:
            if conn.state != _READING:
                return
            stalled = now - conn.last_byte > lim.stall_timeout
            if not conn.parser.in_request:
                if now - conn.idle_since > lim.stall_timeout:
                    self._close(conn)  # an idle kept-alive connection: nothing to answer
                return
            head = conn.parser.head
            if head is None:
                if stalled or now - conn.request_started > lim.head_timeout:
                    self._refuse(conn, 408, "the request head did not arrive in time")
                return
            if stalled or now - conn.head_done_at > lim.body_timeout:
                request = conn.parser.incomplete(400, "the request body did not arrive in time")
                if request is not None:
                    self._dispatch(conn, request)

    # -- hand-offs from workers to the I/O thread ----------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def _call_io(self, action: str, conn: _Conn | None = None) -> None:
        self._handoffs.append((conn, action))  # type: ignore[arg-type]
        self._wake()

    def _run_handoffs(self) -> None:
        while self._handoffs:
            conn, action = self._handoffs.popleft()
            if action == "stop-accepting":
                self._accepting = False
                with contextlib.suppress(OSError, ValueError, KeyError):
                    self._sel.unregister(self._listen)
                with contextlib.suppress(OSError):
                    self._listen.close()
                idle = [c for c in self._conns.values() if c.state == _READING and not c.parser.in_request]
                for conn_ in idle:
                    self._close(conn_)
            elif action == "write-close":
                self._write(conn, b"", True)
            elif action == "write-keep":
                self._write(conn, b"", False)
            elif action.startswith("delay:"):
                _, when, close = action.split(":")
                self._timer_seq += 1
                data, conn.out = conn.out, b""
                heapq.heappush(self._timers, (float(when), self._timer_seq, conn, data, close == "1"))

    # -- workers -------------------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._count_lock:
                self._idle_workers += 1
            job = self._jobs.get()
            with self._count_lock:
                self._idle_workers -= 1
                self._queued -= 1
            if job is None:
                return
            conn, request = job
            try:
                self._serve(conn, request)
            except Exception:  # a handler bug must not kill the worker or leave the client hanging
                log.exception("the listener failed to answer a request")
                conn.out = _encode(
                    Response(500, b'{"error": "internal error while answering"}', close=True), False
                )
                self._call_io("write-close", conn)
            finally:
                with self._idle_cond:
                    self._busy -= 1
                    self._idle_cond.notify_all()

    def _serve(self, conn: _Conn, request: ReceivedRequest) -> None:
        while True:
            response = self._handler(request, conn.addr)
            head = request.head
            close = (
                response.close
                or not request.complete
                or not head.keep_alive
                or not self._accepting
                or conn.requests + 1 >= self.limits.max_requests_per_connection
            )
            data = _encode(response, keep_alive=not close, http10=head.version == "HTTP/1.0")
            conn.requests += 1
            if response.delay > 0:
                conn.out = data
                self._call_io(f"delay:{time.monotonic() + response.delay}:{int(close)}", conn)
                return
            try:
                sent = conn.sock.send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                sent = -1
            if sent < 0:
                self._call_io("write-close", conn)  # the peer is gone: the I/O thread closes
                return
            if sent < len(data) or close:
                conn.out = data[sent:]
                self._call_io("write-close" if close else "write-keep", conn)
                return
            with conn.lock:
                if conn.peer_closed or conn.paused:
                    conn.out = b""
                    self._call_io("write-keep", conn)  # the I/O thread resumes or closes it
                    return
                self._release_big_slot(conn)
                try:
                    following = conn.parser.next_request() if conn.parser.buffered else None
                except FramingError as exc:
                    conn.out = _encode(json_response(exc.status, {"error": exc.message}), False)
                    self._call_io("write-close", conn)
                    return
                if following is None:
                    now = time.monotonic()
                    conn.state = _READING
                    conn.idle_since = now
                    if conn.parser.in_request:
                        conn.request_started = now
                    return
            request = following


def _encode(response: Response, keep_alive: bool, http10: bool = False) -> bytes:
    lines = [
        f"HTTP/1.1 {response.status} {_reason(response.status)}",
        f"Content-Type: {_safe_header_value(response.content_type)}",
        f"Content-Length: {len(response.body)}",
    ]
    lines.extend(f"{name}: {_safe_header_value(value)}" for name, value in response.headers)
    if not keep_alive:
        lines.append("Connection: close")
    elif http10:
        lines.append("Connection: keep-alive")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body
