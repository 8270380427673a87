"""520 connections that trickle a byte now and then (never idle long enough for a per-byte timeout)
must not cost real deliveries their acknowledgement: each request has a total deadline for its head,
and at the connection limit the longest-waiting unanswered connection makes room.

Time is scaled down tenfold from the attack seen (a byte every 5-8 s, 10 s head deadline) so the
test takes seconds; the shape is the same: the trickle interval is well under the stall timeout."""

from __future__ import annotations

import contextlib
import random
import selectors
import socket
import statistics
import threading
import time

import pytest

from inspector.core.store.event_store import EventStore
from tests.core.conftest import MakeListener
from tests.core.raw_http import envelope, head, post

TRICKLERS = 520


@pytest.fixture
def many_descriptors() -> None:
    """Client and server share this process: 520 sockets on each side need more than 1,024 files."""
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4096 if hard == resource.RLIM_INFINITY else min(4096, hard)
    if wanted < 2 * TRICKLERS + 200:
        pytest.skip(f"the hard limit on open files ({hard}) is too low for {TRICKLERS} connections")
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class Tricklers:
    """Keeps `count` connections sending a request head one byte at a time, reconnecting when the
    server drops one, from one thread."""

    REQUEST = head("Content-Length: 2") + b"{}"

    def __init__(self, port: int, count: int, interval: tuple[float, float]) -> None:
        self.port = port
        self.interval = interval
        self.sel = selectors.DefaultSelector()
        self.reconnects = 0
        self.answers: dict[int, int] = {}  # first status byte of what dropped connections were told
        self._stop = threading.Event()
        self._rand = random.Random(7)
        self._socks: dict[socket.socket, list[float]] = {}  # sock -> [next send time, bytes sent]
        for _ in range(count):
            self._open()
        self._thread = threading.Thread(target=self._run, name="tricklers", daemon=True)
        self._thread.start()

    def _open(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.setblocking(False)
        self._socks[sock] = [time.monotonic() + self._rand.uniform(*self.interval), 0]
        self.sel.register(sock, selectors.EVENT_READ)

    def _drop(self, sock: socket.socket, data: bytes) -> None:
        if data[:9].startswith(b"HTTP/1.1 "):
            code = int(data[9:12])
            self.answers[code] = self.answers.get(code, 0) + 1
        self.sel.unregister(sock)
        del self._socks[sock]
        sock.close()
        if not self._stop.is_set():
            with contextlib.suppress(OSError):
                self._open()
                self.reconnects += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            for key, _ in self.sel.select(0.05):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                self._drop(sock, data)
            now = time.monotonic()
            for sock, state in list(self._socks.items()):
                if now >= state[0] and state[1] < len(self.REQUEST) - 1:
                    sent = int(state[1])
                    with contextlib.suppress(OSError):
                        sock.send(self.REQUEST[sent : sent + 1])
                    state[1] = sent + 1
                    state[0] = now + self._rand.uniform(*self.interval)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for sock in list(self._socks):
            sock.close()


@pytest.mark.slow
@pytest.mark.usefixtures("many_descriptors")
@pytest.mark.parametrize(
    "max_connections",
    [
        pytest.param(512, id="more-tricklers-than-slots"),  # the oldest waiting one makes room
        pytest.param(1024, id="slots-to-spare"),  # the head deadline drops them
    ],
)
def test_520_trickling_clients_do_not_deny_real_deliveries(
    make_listener: MakeListener, store: EventStore, max_connections: int
) -> None:
    lst = make_listener(max_connections=max_connections, connection_timeout=1.5, head_timeout=1.0)
    slow = Tricklers(lst.port, TRICKLERS, interval=(0.5, 0.8))
    latencies: list[float] = []
    statuses: list[int] = []
    try:
        deadline = time.monotonic() + 4.0  # four head deadlines: every trickler is dropped repeatedly
        i = 0
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                statuses.append(post(lst.port, envelope(f"evt_real{i}"), timeout=5).status)
            except OSError as exc:
                statuses.append(-1)
                print(f"delivery {i}: {exc}")
            latencies.append(time.monotonic() - started)
            i += 1
    finally:
        slow.close()
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000 if len(latencies) > 20 else max(latencies) * 1000
    print(
        f"{len(statuses)} real deliveries beside {TRICKLERS} tricklers: p95 {p95:.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms; tricklers reconnected {slow.reconnects} times, "
        f"told {slow.answers}"
    )
    assert statuses and set(statuses) == {200}, statuses
    assert store.count("id:evt_real*") == len(statuses)
    assert slow.reconnects >= TRICKLERS  # the deadlines really dropped them (and they came back)
