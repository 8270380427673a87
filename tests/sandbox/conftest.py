"""Fixtures for the sandbox tests: a real sandbox on a free loopback port, a scripted receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from inspector.sandbox.server import SandboxServer

ACCESS_TOKEN = "test-access-token"
FAST_RETRIES = (0.05, 0.05, 0.05)


class Api:
    """requests against the sandbox's /v1 with the access token."""

    def __init__(self, server: SandboxServer, token: str = ACCESS_TOKEN) -> None:
        self.base = server.url + "/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, route: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.session.request(method, self.base + route, json=body, timeout=10, **kw)

    def get(self, route: str, **kw: Any) -> requests.Response:
        return self.request("GET", route, **kw)

    def post(self, route: str, body: Any = None) -> requests.Response:
        return self.request("POST", route, body)

    def patch(self, route: str, body: Any = None) -> requests.Response:
        return self.request("PATCH", route, body)

    def delete(self, route: str) -> requests.Response:
        return self.request("DELETE", route)

    def create_webhook(self, url: str, events: list[str], token: str | None = None) -> dict:
        body: dict[str, Any] = {"url": url, "events": events}
        if token is not None:
            body["authorization_token"] = token
        response = self.post("/webhooks", body)
        assert response.status_code == 201, response.text
        return response.json()

    def trigger(self, identifier: str, data: dict | None = None) -> dict:
        body: dict[str, Any] = {"event_identifier": identifier}
        if data is not None:
            body["data"] = data
        response = self.post("/sandbox/events", body)
        assert response.status_code == 201, response.text
        return response.json()

    def run_scenario(self, scenario: str, **options: Any) -> dict:
        response = self.post("/sandbox/scenarios", {"scenario": scenario, **options})
        assert response.status_code == 201, response.text
        return response.json()

    def deliveries(self, **params: str) -> list[dict]:
        response = self.get("/sandbox/deliveries", params=params)
        assert response.status_code == 200, response.text
        return response.json()["data"]


def start_sandbox(**kw: Any) -> SandboxServer:
    kw.setdefault("access_token", ACCESS_TOKEN)
    kw.setdefault("retry_schedule", FAST_RETRIES)
    kw.setdefault("delivery_timeout", 2.0)
    server = SandboxServer(**kw)
    server.start()
    return server


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = start_sandbox()
    yield server
    server.stop()


@pytest.fixture
def api(sandbox: SandboxServer) -> Iterator[Api]:
    client = Api(sandbox)
    yield client
    client.session.close()


@dataclass(frozen=True)
class Received:
    at: float  # time.monotonic() when the request arrived
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class Receiver:
    """A tiny webhook endpoint answering scripted statuses (then 200), for cases the real
    listener cannot produce on demand (500 then 200, a stall)."""

    def __init__(self) -> None:
        self.statuses: list[int] = []  # answers for the next requests, in order
        self.stalling = False
        self.release = threading.Event()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=_Quiet)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/hooks"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @Request.application
    def _app(self, request: Request) -> Response:
        item = Received(time.monotonic(), request.path, dict(request.headers), request.get_data())
        with self._lock:
            self.received.append(item)
            status = self.statuses.pop(0) if self.statuses else 200
        if self.stalling:
            self.release.wait(30)  # held until the test releases it (no fixed sleep)
        return Response('{"ok": true}', status=status, mimetype="application/json")

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()
