"""Fixtures for the Webhooks panel, its dialogs and the tunnel widget: the real sandbox, a real
listener, a token ring on a fake clock (so a grace period passes without sleeping), dead and silent
sockets for the network error paths. Helpers (plain functions) are in tests/ui/webhooks/helpers.py."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from inspector.core.capture.token_ring import TokenRing
from inspector.core.paths import AppDirs
from inspector.core.provider.client import ProviderClient
from inspector.core.provider.profiles import Profile
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.token_sync import TokenSync
from inspector.core.provider.webhook_index import WebhookIndex
from inspector.core.store.event_store import EventStore
from inspector.sandbox.server import SandboxServer
from inspector.ui.session import InspectorSession
from inspector.ui.webhooks.webhooks_panel import WebhooksPanel
from tests.ui.webhooks.helpers import ACCESS_TOKEN, GRACE, FakeClock, PanelFactory, fast_client, quick_sandbox


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tokens(clock: FakeClock) -> TokenRing:
    """Overrides tests/conftest.py's ring so the `listener` fixture verifies on our fake clock."""
    return TokenRing(clock)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """A sandbox the test starts itself (the panel's own one comes from "Start local sandbox")."""
    server = quick_sandbox(ACCESS_TOKEN)
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
            sandbox_factory=quick_sandbox,
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
