"""Local stand-ins for a tunnel agent's API: a real HTTP server that answers like ngrok's
`GET /api/tunnels` or cloudflared's `GET /quicktunnel` (routes can change while it runs)."""

from __future__ import annotations

import json
import threading
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class FakeAgent:
    """A real HTTP server on 127.0.0.1 answering `routes[path]` (a JSON-able value or raw str)."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = dict(routes)
        self.hits: list[str] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.hits.append(request.path)
        if request.path not in self.routes:
            return Response("not found", 404)(environ, start_response)
        body = self.routes[request.path]
        text = body if isinstance(body, str) else json.dumps(body)
        return Response(text, 200, mimetype="application/json")(environ, start_response)

    def __enter__(self) -> FakeAgent:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def ngrok_tunnels(*tunnels: tuple[str, str, str]) -> dict[str, Any]:
    """ngrok agent `GET /api/tunnels` shape: (proto, public_url, config.addr) per tunnel."""
    return {
        "tunnels": [
            {
                "name": f"t{i}",
                "uri": f"/api/tunnels/t{i}",
                "public_url": url,
                "proto": proto,
                "config": {"addr": addr, "inspect": True},
                "metrics": {},
            }
            for i, (proto, url, addr) in enumerate(tunnels)
        ],
        "uri": "/api/tunnels",
    }
