"""SandboxServer: the sandbox API on a threaded Werkzeug server in a background thread.

server = SandboxServer(retry_schedule=(0.05, 0.1))
server.start()
requests.get(server.url + "/v1/webhooks", headers={"Authorization": "Bearer sandbox-token"})
server.stop()
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from inspector.core.diagnostics.log_events import sandbox_started, sandbox_stopped
from inspector.sandbox.app import SandboxApp
from inspector.sandbox.delivery import DeliveryEngine
from inspector.sandbox.state import DeliveryAttempt, SandboxState

DEFAULT_ACCESS_TOKEN = "sandbox-token"


class _QuietRequestHandler(WSGIRequestHandler):
    """No access log on stderr: tests and the CLI report deliveries their own way."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class SandboxBindError(OSError):
    """The address cannot be bound (port taken, no such interface); the message is for the user."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()  # without OSError's "[Errno 98]" prefix


class SandboxServer:
    def __init__(  # noqa: PLR0917 - positional order is the agreed contract
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        access_token: str = DEFAULT_ACCESS_TOKEN,
        retry_schedule: Sequence[float] = (1.0, 2.0, 4.0),
        delivery_timeout: float = 5.0,
        state_file: Path | None = None,
        *,
        on_attempt: Callable[[DeliveryAttempt], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._access_token = access_token
        self._retry_schedule = tuple(retry_schedule)
        self._delivery_timeout = delivery_timeout
        self._on_attempt = on_attempt  # called on a delivery thread after each attempt is logged
        # Loaded now so a bad --state file is reported before anything binds (StateFileError).
        self.state = SandboxState(state_file)
        self.engine: DeliveryEngine | None = None
        self.app: SandboxApp | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """`http://HOST:PORT` with the real port once started; the API base is url + "/v1"."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        """Bind and serve in a background thread; SandboxBindError when the address is unusable."""
        if self._server is not None:
            raise RuntimeError("sandbox already started")
        engine = DeliveryEngine(
            lookup=self.state.get_webhook,
            record=self._record_attempt,
            retry_schedule=self._retry_schedule,
            timeout=self._delivery_timeout,
        )
        app = SandboxApp(self.state, engine, self._access_token)
        try:
            listening = _bind(self.host, self.port)
        except OSError as exc:
            engine.stop(timeout=1.0)
            reason = exc.strerror or str(exc)
            raise SandboxBindError(exc.errno, f"cannot listen on {self.host}:{self.port}: {reason}") from exc
        try:
            # Werkzeug binds by itself only with a print + sys.exit on failure, so it gets our
            # already-bound socket (it keeps a duplicate of the descriptor).
            server = make_server(
                self.host,
                self.port,
                app,
                threaded=True,
                request_handler=_QuietRequestHandler,
                fd=listening.fileno(),
            )
        finally:
            listening.close()
        # Worker threads must not keep the process alive, and shutdown must not wait for
        # a client that holds a connection open.
        server.daemon_threads = True  # type: ignore[attr-defined]  # ThreadedWSGIServer's mixin attribute
        self.engine, self.app, self._server = engine, app, server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="sandbox-http",
            daemon=True,
        )
        self._thread.start()
        sandbox_started(self.url)

    def _record_attempt(self, attempt: DeliveryAttempt) -> None:
        self.state.record_attempt(attempt)
        if self._on_attempt is not None:
            self._on_attempt(attempt)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery (retries included) is done; False on timeout."""
        return self.engine.wait_idle(timeout) if self.engine is not None else True

    def stop(self) -> None:
        """Stop serving, drop pending deliveries, release the port. Safe to call twice."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None
        if self.engine is not None:
            self.engine.stop()
        if server is not None:
            sandbox_stopped()

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # Like http.server: a restart may reuse a port whose old connections sit in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock
