"""The Webhooks panel docked in the real window: registered webhooks verified end to end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDockWidget

from inspector.core.capture.listener import Listener, ListenerConfig
from inspector.core.store.event_store import EventStore
from inspector.ui.webhooks.tunnel_status import TunnelStatus
from inspector.ui.webhooks.webhooks_dock import WebhooksDock, add_webhooks_dock
from inspector.ui.window.main_window import MainWindow


@pytest.fixture
def docked(
    make_window: Callable[..., MainWindow],
    store: EventStore,
    listener: Listener,
    settings: QSettings,
    tmp_path: Path,
    no_keyring: KeyringBackend,
) -> tuple[MainWindow, WebhooksDock]:
    window = make_window(store, listener)
    return window, add_webhooks_dock(window, settings)


def test_dock_sits_in_the_window_and_follows_the_listener(
    qtbot: Any, docked: tuple[MainWindow, WebhooksDock], store: EventStore, listener: Listener
) -> None:
    window, dock = docked
    window.show()
    qtbot.waitExposed(window)
    assert window.findChild(QDockWidget, "webhooksDock") is dock
    assert dock.panel.objectName() == "webhooksPanel"
    tunnel = window.statusBar().findChild(TunnelStatus, "tunnelStatus")
    assert tunnel is dock.tunnel
    assert any(a.text() == "&Webhooks panel" for m in window.menuBar().actions() for a in m.menu().actions())

    dock.panel.message.emit("Webhook wh_test created")
    assert window.statusBar().currentMessage() == "Webhook wh_test created"

    # The window moves to another listener (e.g. after "use a free port"): the panel's default
    # webhook URL and the tunnel check follow it.
    assert dock.panel.listener_url == listener.url
    other = Listener(store, ListenerConfig(port=0), listener.tokens)
    other.start()
    try:
        window.session.attach_listener(other)
        assert dock.panel.listener_url == other.url
        assert dock.tunnel.probe.port == other.port
    finally:
        window.session.attach_listener(listener)
        other.stop()


def test_sandbox_started_from_the_dock_stops_with_the_session(
    qtbot: Any, docked: tuple[MainWindow, WebhooksDock], settings: QSettings
) -> None:
    window, dock = docked
    window.show()
    dock.panel.start_sandbox()
    qtbot.waitUntil(lambda: dock.panel.sandbox is not None, timeout=10_000)
    url = dock.panel.sandbox.url
    assert requests.get(url + "/v1/event-types", timeout=5).status_code == 401  # it is up
    window.close()
    window.session.shutdown()  # what `gui` does once the window is closed
    assert dock.panel.sandbox is None
    assert not settings.value("window/docks").isEmpty()  # the dock layout is kept for next time
    try:
        requests.get(url + "/v1/event-types", timeout=2)
    except requests.ConnectionError:
        pass
    else:
        raise AssertionError("the sandbox still answers after the window closed")
