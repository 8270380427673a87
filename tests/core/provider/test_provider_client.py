"""ProviderClient against the real sandbox over HTTP, and against small local servers for the
failure modes the sandbox does not produce (timeouts, 5xx, 429, TLS)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from inspector.core.provider.client import (
    AuthError,
    NetworkError,
    NotFoundError,
    ProviderClient,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    TLSError,
    ValidationError,
    default_retry,
)
from inspector.core.provider.profiles import Profile
from inspector.sandbox.server import SandboxServer

ACCESS = "sandbox-access-T0ken"


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(access_token=ACCESS, retry_schedule=(0.05,))
    server.start()
    yield server
    server.stop()


def sandbox_profile(server: SandboxServer) -> Profile:
    return Profile("Local sandbox", server.url + "/v1", is_sandbox=True)


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[ProviderClient]:
    with ProviderClient(sandbox_profile(sandbox), ACCESS) as c:
        yield c


class Scripted:
    """A real local HTTP server answering from a script of (status, headers, json) and recording
    each request's method and path."""

    def __init__(self, script: list[tuple[int, dict[str, str], Any]]) -> None:
        self.script = list(script)
        self.requests: list[tuple[str, str, dict[str, Any] | None]] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        self.requests.append((request.method, request.path, json.loads(body) if body else None))
        status, headers, payload = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        text = "" if payload is None else json.dumps(payload)
        response = Response(text, status, headers=headers, mimetype="application/json")
        return response(environ, start_response)

    def __enter__(self) -> Scripted:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def client(self, **kwargs: Any) -> ProviderClient:
        return ProviderClient(
            Profile("Scripted", self.url, **kwargs),
            ACCESS,
            retry=default_retry(backoff_factor=0.01),
            timeout=(2, 5),
        )


WEBHOOK = {"id": "wh_1", "url": "https://x.test/h", "events": ["card.created"]}


# --- against the sandbox --------------------------------------------------------------------------


def test_create_list_get_update_delete(client: ProviderClient) -> None:
    created = client.create(
        "https://hooks.example.test/in", ["transaction.authorized"], authorization_token="wh-tok-1"
    )
    assert created.id.startswith("wh_")
    assert created.url == "https://hooks.example.test/in"
    assert created.events == ("transaction.authorized",)
    assert created.has_authorization_token is True
    assert created.created_at
    assert "wh-tok-1" not in json.dumps(created.to_json())

    assert [w.id for w in client.list()] == [created.id]
    assert client.get(created.id) == created

    attached = client.attach_events(created.id, ["card.created", "transaction.authorized"])
    assert attached.events == ("transaction.authorized", "card.created")
    detached = client.detach_events(created.id, ["transaction.authorized"])
    assert detached.events == ("card.created",)
    moved = client.update(created.id, url="https://hooks.example.test/v2")
    assert (moved.url, moved.events) == ("https://hooks.example.test/v2", ("card.created",))
    rotated = client.rotate_token(created.id, "wh-tok-2")
    assert rotated.has_authorization_token is True

    client.delete(created.id)
    assert client.list() == []
    with pytest.raises(NotFoundError):
        client.get(created.id)


def test_event_types_from_the_sandbox_catalog(client: ProviderClient) -> None:
    types = client.event_types()
    assert types is not None
    identifiers = [t.identifier for t in types]
    assert "transaction.authorized" in identifiers and "card.frozen" in identifiers
    assert all(t.description for t in types)


def test_wrong_access_token_is_an_auth_error_without_the_token(sandbox: SandboxServer) -> None:
    with ProviderClient(sandbox_profile(sandbox), "wrong-Secret-value") as bad:
        with pytest.raises(AuthError) as info:
            bad.list()
        assert "wrong-Secret-value" not in repr(bad)
    assert info.value.status == 401
    assert "access token was rejected" in str(info.value)
    assert "wrong-Secret-value" not in str(info.value)
    assert "wrong-Secret-value" not in repr(info.value)


def test_unknown_id_is_not_found(client: ProviderClient) -> None:
    with pytest.raises(NotFoundError) as info:
        client.update("wh_nope", url="https://x.test/")
    assert info.value.status == 404
    with pytest.raises(NotFoundError):
        client.delete("wh_nope")


def test_validation_error_carries_the_field_messages(client: ProviderClient) -> None:
    with pytest.raises(ValidationError) as info:
        client.create("ftp://nope", ["no.such.event"], authorization_token="has space")
    fields = info.value.fields
    assert set(fields) == {"url", "events", "authorization_token"}
    assert "http" in fields["url"]
    assert "no.such.event" in fields["events"]
    assert "url:" in str(info.value)
    assert "has space" not in str(info.value)  # the token we sent is scrubbed from messages
    assert client.list() == []


def test_connection_refused(sandbox: SandboxServer) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    profile = Profile("Gone", f"http://127.0.0.1:{port}/v1")
    with (
        ProviderClient(profile, ACCESS, retry=default_retry(backoff_factor=0.01)) as gone,
        pytest.raises(NetworkError) as info,
    ):
        gone.list()
    assert "connection refused" in str(info.value)
    assert f"127.0.0.1:{port}" in str(info.value)


def test_timeout_when_the_server_never_answers() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        profile = Profile("Silent", f"http://127.0.0.1:{sock.getsockname()[1]}/v1")
        with ProviderClient(profile, ACCESS, timeout=(1.0, 0.5)) as silent:
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError) as info:
                silent.list()
            elapsed = time.monotonic() - started
    finally:
        sock.close()
    assert "did not answer within 0.5 seconds" in str(info.value)
    assert elapsed < 2.0  # a read timeout is not retried


def test_tls_failure_is_named() -> None:
    with Scripted([(200, {}, {"data": []})]) as plain:
        profile = Profile("TLS", plain.url.replace("http://", "https://"))
        with (
            ProviderClient(profile, ACCESS, retry=default_retry(total=0)) as c,
            pytest.raises(TLSError) as info,
        ):
            c.list()
    assert "TLS" in str(info.value)


# --- retries --------------------------------------------------------------------------------------


def test_503_with_retry_after_is_retried_after_waiting() -> None:
    script = [(503, {"Retry-After": "1"}, {"error": "busy"}), (200, {}, {"data": [WEBHOOK]})]
    with Scripted(script) as server, server.client() as c:
        started = time.monotonic()
        webhooks = c.list()
        elapsed = time.monotonic() - started
    assert [w.id for w in webhooks] == ["wh_1"]
    assert len(server.requests) == 2
    assert elapsed >= 0.9  # honoured Retry-After: 1, not the 0.01 s backoff


def test_post_create_is_not_retried_on_5xx() -> None:
    # The first attempt may have created the webhook: retrying could register it twice.
    script = [(503, {}, {"error": "busy"}), (201, {}, WEBHOOK)]
    with Scripted(script) as server, server.client() as c, pytest.raises(ServerError) as info:
        c.create("https://x.test/h", ["card.created"])
    assert len(server.requests) == 1
    assert info.value.status == 503
    assert "busy" in str(info.value)


def test_post_create_is_retried_on_429() -> None:
    script = [(429, {"Retry-After": "0"}, {"error": "slow down"}), (201, {}, WEBHOOK)]
    with Scripted(script) as server, server.client() as c:
        created = c.create("https://x.test/h", ["card.created"])
    assert created.id == "wh_1"
    assert [r[0] for r in server.requests] == ["POST", "POST"]


def test_retries_give_up_with_a_typed_error() -> None:
    with (
        Scripted([(429, {}, {"error": "slow down"})]) as server,
        server.client() as c,
        pytest.raises(RateLimitedError),
    ):
        c.list()
    assert len(server.requests) == 4  # first try + 3 retries


def test_retried_delete_that_already_landed_is_success() -> None:
    script = [(502, {}, None), (404, {}, {"error": "No webhook with id 'wh_1'."})]
    with Scripted(script) as server, server.client() as c:
        c.delete("wh_1")
    assert [r[0] for r in server.requests] == ["DELETE", "DELETE"]


# --- profile settings -----------------------------------------------------------------------------


def test_routes_update_method_and_id_location_come_from_the_profile() -> None:
    script = [
        (201, {}, {"data": {"webhook_id": "abc", "url": "https://x.test/h", "events": []}}),
        (200, {}, {"webhook_id": "abc", "url": "https://x.test/2", "events": ["a"]}),
    ]
    with Scripted(script) as server:
        c = server.client(
            webhooks_route="/hooks",
            webhook_route="/hooks/{id}/config",
            update_method="PUT",
            id_fields=("data.webhook_id", "webhook_id"),
        )
        with c:
            created = c.create("https://x.test/h", [])
            updated = c.update(created.id, url="https://x.test/2", events=["a"])
    assert created.id == "abc" and updated.url == "https://x.test/2"
    assert [(m, p) for m, p, _ in server.requests] == [
        ("POST", "/v1/hooks"),
        ("PUT", "/v1/hooks/abc/config"),
    ]


def test_provider_echoing_a_token_is_scrubbed() -> None:
    script = [(401, {}, {"error": f"token {ACCESS} is expired"})]
    with Scripted(script) as server, server.client() as c, pytest.raises(AuthError) as info:
        c.list()
    assert ACCESS not in str(info.value)
    assert "***" in str(info.value)
