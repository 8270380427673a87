"""What the fake `cloudflared` and `ngrok` programs next to this file share.

They print what the real tools print and serve their local APIs (cloudflared's metrics server
with `/quicktunnel`, ngrok's agent API with `/api/tunnels`; tests/fake_tunnel_agent.py's server).
Their "public" URL is `https://127.0.0.1:<proxy port>`: a TLS reverse proxy on loopback that
forwards every request to the local URL the tool was given, as the tool's edge does, so a health
check through it really reaches the listener behind it. When nothing answers there, the proxy
answers 502 with the tool's own error page. TLS uses FAKE_TUNNEL_CERT / FAKE_TUNNEL_KEY (made by
tests/fakes/certs.py) because the real public URLs are https and inspector/core/tunnel/detect.py only
takes https ones.

Controlled through the environment:
  FAKE_TUNNEL_DIR           each run writes <pid>.json there: pid, child_pid, api_port, proxy_port, url
  FAKE_TUNNEL_NO_API=1      no local API (cloudflared: `/quicktunnel` 404s, as before it existed;
                            ngrok: no web service, as with `web_addr: false`)
  FAKE_TUNNEL_OUTPUT_URL    print this URL instead of the real one (shows which source was read)
  FAKE_TUNNEL_CHILD=1       start a child in the same process group (it must end with the tool)
  FAKE_TUNNEL_IGNORE_TERM=1 ignore SIGTERM (like cloudflared waiting out its grace period)
and by signals: SIGUSR1 gives the tunnel a new public URL (new proxy port, API and output
updated); SIGTERM ends it (exit code 0).
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from tests.fake_tunnel_agent import FakeAgent

# The real tools log no line per request served; werkzeug's access log would.
logging.getLogger("werkzeug").disabled = True

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class AgentOnPort(FakeAgent):
    """FakeAgent bound to a port the tool was told to use (cloudflared's `--metrics`)."""

    def __init__(self, routes: dict[str, Any], port: int) -> None:
        self.routes = dict(routes)
        self.hits: list[str] = []
        self._server = make_server("127.0.0.1", port, self._app, threaded=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )


class EdgeProxy:
    """The tunnel's public side: TLS on 127.0.0.1, forwarding to (host, port)."""

    def __init__(self, upstream: tuple[str, int], error_page: Callable[[str], tuple[int, str]]) -> None:
        self.upstream = upstream
        self.error_page = error_page
        cert, key = os.environ["FAKE_TUNNEL_CERT"], os.environ["FAKE_TUNNEL_KEY"]
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self._app, threaded=True, ssl_context=(cert, key)
        )
        self.port = self._server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        target = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = request.remote_addr or "127.0.0.1"
        connection = http.client.HTTPConnection(*self.upstream, timeout=10)
        try:
            connection.request(request.method, target, body=request.get_data(), headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            reply = Response(body, status=answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    reply.headers.add(name, value)
        except OSError:
            status, page = self.error_page(f"{self.upstream[0]}:{self.upstream[1]}")
            reply = Response(page, status=status, mimetype="text/html")
        finally:
            connection.close()
        return reply(environ, start_response)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class FakeTool:
    """The parts every fake run has: a proxy (replaced on SIGUSR1), a state file, signals."""

    def __init__(self, upstream: tuple[str, int], error_page: Callable[[str], tuple[int, str]]) -> None:
        self.upstream = upstream
        self.error_page = error_page
        self.api_port: int | None = None
        self.child: subprocess.Popen[bytes] | None = None
        if os.environ.get("FAKE_TUNNEL_CHILD") == "1":
            # Started before signals are blocked: a blocked mask would be inherited through exec.
            self.child = subprocess.Popen(
                [sys.executable, "-c", "import signal; signal.pause()"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        self.signals = {signal.SIGUSR1}
        if os.environ.get("FAKE_TUNNEL_IGNORE_TERM") == "1":
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        else:
            self.signals.add(signal.SIGTERM)
        # Blocked before any server thread starts, so they all leave the signals to sigwait().
        signal.pthread_sigmask(signal.SIG_BLOCK, self.signals)
        self.proxy = EdgeProxy(upstream, error_page)

    @property
    def url(self) -> str:
        return self.proxy.url

    def printed_url(self) -> str:
        return os.environ.get("FAKE_TUNNEL_OUTPUT_URL") or self.url

    def new_url(self) -> None:
        old = self.proxy
        self.proxy = EdgeProxy(self.upstream, self.error_page)
        old.close()

    def write_state(self) -> None:
        folder = os.environ.get("FAKE_TUNNEL_DIR")
        if not folder:
            return
        state = {
            "pid": os.getpid(),
            "child_pid": self.child.pid if self.child else None,
            "api_port": self.api_port,
            "proxy_port": self.proxy.port,
            "url": self.url,
        }
        path = Path(folder) / f"{os.getpid()}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, path)

    def serve(self, on_new_url: Callable[[], None], on_term: Callable[[], None]) -> None:
        """Wait for signals until SIGTERM."""
        self.write_state()
        while True:
            signum = signal.sigwait(self.signals)
            if signum == signal.SIGUSR1:
                self.new_url()
                on_new_url()
                self.write_state()
            elif signum == signal.SIGTERM:
                on_term()
                self.proxy.close()
                sys.exit(0)


def say(lines: Iterable[str], stream: Any) -> None:
    for line in lines:
        stream.write(line + "\n")
    stream.flush()


def option(args: list[str], name: str) -> str | None:
    """The value after `name` (or of `name=value`) in `args`."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None
