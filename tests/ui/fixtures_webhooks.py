"""Fixtures for the webhooks panel, dialogs and tunnel widget: real sandbox, real listener,
a TokenRing on a fake clock (so a grace period can pass without sleeping), dead and silent
sockets for the network error paths, and a local server that answers like ngrok/cloudflared.

Import the fixtures into a test module with `from tests.ui.fixtures_webhooks import *`.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QSettings

from inspector.core.capture.token_ring import TokenRing
from inspector.core.paths import AppDirs
from inspector.core.provider.client import ProviderClient, default_retry
from inspector.core.provider.profiles import Profile, ProfileStore
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.token_sync import TokenSync
from inspector.core.provider.webhook_index import WebhookIndex
from inspector.core.store.event_store import EventStore
from inspector.sandbox.server import SandboxServer
from inspector.ui.session import InspectorSession
from inspector.ui.webhooks.webhooks_panel import WebhooksPanel

__all__ = [
    "ACCESS_TOKEN",
    "GRACE",
    "FakeClock",
    "clock",
    "config_dir",
    "dead_port",
    "fast_client",
    "make_panel",
    "sandbox",
    "settings",
    "silent_port",
    "tokens",
]

ACCESS_TOKEN = "test-access-token-0123456789"
GRACE = 300.0  # the panel's real default: the fake clock jumps over it


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tokens(clock: FakeClock) -> TokenRing:
    """Overrides tests/conftest.py's ring so the `listener` fixture verifies on our fake clock."""
    return TokenRing(clock)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    path.mkdir()
    return path


@pytest.fixture
def settings(config_dir: Path) -> QSettings:
    return QSettings(str(config_dir / "window.ini"), QSettings.Format.IniFormat)


def fast_client(profile: Profile, access_token: str) -> ProviderClient:
    """The real client with a short read timeout and no retries, so error tests take < 2 s."""
    return ProviderClient(profile, access_token, timeout=(2.0, 1.0), retry=default_retry(total=0))


def _test_sandbox(access_token: str) -> SandboxServer:
    # Quick retries: a failed delivery is retried in tenths of a second, not seconds.
    return SandboxServer(port=0, access_token=access_token, retry_schedule=(0.05, 0.1), delivery_timeout=2.0)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """A sandbox the test starts itself (the panel's own one comes from "Start local sandbox")."""
    server = _test_sandbox(ACCESS_TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def dead_port() -> int:
    """A loopback port nobody listens on: connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    server = socket.create_server(("127.0.0.1", 0), backlog=16)
    yield int(server.getsockname()[1])
    server.close()


PanelFactory = Callable[..., WebhooksPanel]


@pytest.fixture
def make_panel(
    qtbot: Any, tmp_path: Path, config_dir: Path, tokens: TokenRing, settings: QSettings
) -> Iterator[PanelFactory]:
    """A panel on its own session: the temp config dir, the given SecretStore (real keyring or
    memory), the test's token ring (on the fake clock) and a sandbox with quick retries."""
    panels: list[tuple[WebhooksPanel, InspectorSession]] = []

    def make(
        secrets: SecretStore,
        *,
        listener_url: str = "",
        grace_seconds: float = GRACE,
        client_factory: Callable[[Profile, str], ProviderClient] = fast_client,
        index_poll_ms: int = 3000,
        explicit: tuple[str, str] | None = None,
    ) -> WebhooksPanel:
        sync = TokenSync(
            WebhookIndex(config_dir), lambda: secrets, tokens, explicit=explicit, grace_seconds=grace_seconds
        )
        data = tmp_path / "panel-data"
        store = EventStore.open(data)
        session = InspectorSession(
            store,
            AppDirs.resolve(data, config_dir),
            sync=sync,
            secrets=secrets,
            client_factory=client_factory,
            sandbox_factory=_test_sandbox,
            token_poll_ms=index_poll_ms,
        )
        session.sync_tokens()
        panel = WebhooksPanel(session, settings=settings)
        if listener_url:
            panel.set_listener_url(listener_url)
        # Not qtbot.addWidget: pytest-qt deletes registered widgets *before* fixture teardown,
        # which would drop the answers of calls still in flight; we stop, wait, then delete.
        panel.show()
        panels.append((panel, session))
        return panel

    yield make
    for panel, session in panels:
        groups = [panel.jobs] + ([panel.dialog.jobs] if panel.dialog is not None else [])
        try:
            qtbot.waitUntil(lambda g=groups: not any(x.busy for x in g), timeout=10_000)
        finally:
            panel.close()
            session.shutdown()
            panel.deleteLater()
            session.store.close()


def add_profile(config_dir: Path, secrets: SecretStore, name: str, api_url: str, token: str) -> Profile:
    """A user-defined profile (as the user would save one) with its access token in the store."""
    profile = Profile(name, api_url, is_sandbox=True)
    ProfileStore(config_dir).save(profile)
    secrets.set_api_token(name, token)
    return profile


def sandbox_webhooks(server: SandboxServer, access_token: str) -> list[dict[str, Any]]:
    """What the sandbox itself holds, asked over HTTP (not through the code under test)."""
    response = requests.get(
        server.url + "/v1/webhooks", headers={"Authorization": f"Bearer {access_token}"}, timeout=5
    )
    response.raise_for_status()
    return list(response.json()["data"])


def post_delivery(url: str, token: str, event_id: str) -> requests.Response:
    body = {"event_id": event_id, "event_identifier": "transaction.authorized", "data": {"amount": 1}}
    return requests.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=5)


def files_containing(secret: str, *roots: Path) -> list[Path]:
    """Every file under `roots` whose bytes contain `secret` (plain or JSON-escaped)."""
    needles = {secret.encode(), json.dumps(secret)[1:-1].encode()}
    hits = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and any(n in path.read_bytes() for n in needles):
                hits.append(path)
    return hits
