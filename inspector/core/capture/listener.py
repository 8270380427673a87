"""The background HTTP listener: our keep-alive HTTP/1.1 server around the delivery handler."""

from __future__ import annotations

import contextlib
import errno
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inspector.core.capture.delivery_handler import DeliveryHandler, ForwardHook, RuleHook
from inspector.core.capture.http_server import HttpServer, ServerLimits
from inspector.core.capture.payload_learning import PayloadLearning
from inspector.core.capture.token_ring import TokenRing
from inspector.core.diagnostics.log_events import listener_bound, listener_stopped
from inspector.core.events import StoredEvent
from inspector.core.store.batch_writer import BatchWriter
from inspector.core.store.event_store import EventStore

if TYPE_CHECKING:
    from inspector.core.shapes import SchemaSet


@dataclass
class ListenerConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    max_body: int = 5 * 1024 * 1024
    strict_envelope: bool = False
    # No byte for this long (in a request, or between requests of a kept-alive connection) closes it.
    connection_timeout: float = 15.0
    # Total deadlines: a head that trickles in for longer is answered 408, a body 400.
    head_timeout: float = 10.0
    body_timeout: float = 30.0
    # Connections open at once; at the limit the longest-waiting one that is not being answered is
    # dropped for the newcomer, and only when every one is being answered is the newcomer told 503.
    max_connections: int = 1024
    workers: int = 32
    max_requests_per_connection: int = 10_000
    # How long a delivery waits for its commit before it is answered 503 (the provider retries).
    commit_wait: float = 10.0
    # Learn each event type's payload shape and flag deliveries that differ (new_shape).
    learn_shapes: bool = True
    # Schemas to check accepted deliveries against (schema_invalid); None: no check.
    schemas: SchemaSet | None = None

    def limits(self) -> ServerLimits:
        return ServerLimits(
            max_body=self.max_body,
            max_connections=self.max_connections,
            stall_timeout=self.connection_timeout,
            head_timeout=self.head_timeout,
            body_timeout=self.body_timeout,
            workers=self.workers,
            max_requests_per_connection=self.max_requests_per_connection,
        )


class ListenerBindError(OSError):
    """The address cannot be bound; str() is a sentence for the user."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()  # without OSError's "[Errno 98]" prefix


class Listener:
    def __init__(
        self,
        store: EventStore,
        config: ListenerConfig | None = None,
        tokens: TokenRing | None = None,
        *,
        learning: PayloadLearning | None = None,
    ) -> None:
        self.store = store
        self.config = config or ListenerConfig()
        self.tokens = tokens if tokens is not None else TokenRing()
        self.writer = BatchWriter(store)
        # Random per listener, never recorded: the health answer's "instance" (who answered).
        self.instance_id = secrets.token_hex(12)
        self._handler = DeliveryHandler(
            self.writer,
            self.tokens,
            max_body=self.config.max_body,
            strict_envelope=self.config.strict_envelope,
            commit_wait=self.config.commit_wait,
            instance_id=self.instance_id,
        )
        # What was learned of the payloads: given (the window's session keeps one across
        # restarts of the listener), or made here from the store's saved state.
        if learning is None and (self.config.learn_shapes or self.config.schemas is not None):
            learning = PayloadLearning(store, schemas=self.config.schemas)
        self.learning = learning
        if learning is not None:
            self._handler.learning = learning
            self.writer.judge = learning.judge
            self.writer.subscribe(learning.committed)
        self._server: HttpServer | None = None
        self.port = self.config.port
        self.host = self.config.host

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def set_rule_hook(self, hook: RuleHook | None) -> None:
        """Answer by the user's response rules (None: the normal acknowledgement)."""
        self._handler.rule_hook = hook

    def set_forward_hook(self, hook: ForwardHook | None) -> None:
        """Hand each accepted delivery to forwarding after its commit (None: no forwarding)."""
        self._handler.forward_hook = hook

    @property
    def rule_hook(self) -> RuleHook | None:
        return self._handler.rule_hook

    @property
    def forward_hook(self) -> ForwardHook | None:
        return self._handler.forward_hook

    @property
    def running(self) -> bool:
        return self._server is not None

    def subscribe(self, callback: Callable[[list[StoredEvent]], None]) -> None:
        """`callback` runs after each committed batch, on a request thread: keep it cheap."""
        self.writer.subscribe(callback)

    def unsubscribe(self, callback: Callable[[list[StoredEvent]], None]) -> None:
        self.writer.unsubscribe(callback)

    def start(self) -> None:
        host, port = self.config.host, self.config.port
        try:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            sock = socket.create_server((host, port), family=family, backlog=1024)
        except OSError as exc:
            raise ListenerBindError(exc.errno, _bind_message(host, port, exc)) from None
        except (OverflowError, UnicodeError) as exc:
            raise ListenerBindError(errno.EINVAL, f"cannot listen on {host}:{port}: {exc}") from None
        _allow_descriptors(self.config.max_connections + 256)
        self._server = HttpServer(sock, self._handler, self.config.limits())
        self.port = self._server.port
        self._handler.listener_url = self.url
        self.writer.start()
        if self.learning is not None:
            self.learning.start()
        self._server.start()
        listener_bound(host, self.port)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, let in-flight requests finish, commit what is queued. The store stays open."""
        server = self._server
        if server is None:
            return
        server.stop(timeout)
        self.writer.stop(timeout)
        if self.learning is not None:
            self.learning.stop(timeout)
        self._server = None
        listener_stopped(self.config.host, self.port)


def _allow_descriptors(wanted: int) -> None:
    """Raise the soft limit on open files (often 1,024) so the connection limit can be reached."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to raise
        return
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


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
