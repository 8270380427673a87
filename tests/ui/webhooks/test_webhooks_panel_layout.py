"""Finding 7 of the new-user walk: the Webhooks table shows whole ids on one line, Ctrl+Shift+W
goes to the panel, and webhooks made on the window's own sandbox are still there after a restart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from inspector.core.capture.listener import Listener
from inspector.core.provider.client import Webhook
from inspector.core.provider.profiles import LOCAL_SANDBOX
from inspector.core.provider.webhook_service import WebhookRow
from inspector.core.store.event_store import EventStore
from inspector.ui.session import InspectorSession
from inspector.ui.webhooks.webhooks_dock import add_webhooks_dock
from inspector.ui.webhooks.webhooks_model import COL_ID
from inspector.ui.window.main_window import MainWindow

WAIT = 10_000


def test_ctrl_shift_w_goes_to_the_panel_and_only_then_hides_it(
    qtbot: Any,
    make_window: Callable[..., MainWindow],
    store: EventStore,
    listener: Listener,
    settings: QSettings,
    no_keyring: KeyringBackend,
) -> None:
    window = make_window(store, listener)
    dock = add_webhooks_dock(window, settings)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    window.table.setFocus()
    assert dock.isVisible()  # a first run opens it
    keys = QKeySequence("Ctrl+Shift+W")[0]
    qtbot.keyClick(window.table, keys.key(), keys.keyboardModifiers())
    assert dock.isVisible() and dock.isAncestorOf(window.focusWidget())  # not closed: focused
    qtbot.keyClick(window.focusWidget(), keys.key(), keys.keyboardModifiers())
    assert not dock.isVisible()
    qtbot.keyClick(window.table, keys.key(), keys.keyboardModifiers())
    assert dock.isVisible()


def test_the_table_keeps_ids_whole_on_one_line(
    qtbot: Any,
    make_window: Callable[..., MainWindow],
    store: EventStore,
    listener: Listener,
    settings: QSettings,
    no_keyring: KeyringBackend,
) -> None:
    window = make_window(store, listener)
    dock = add_webhooks_dock(window, settings)
    window.resize(1280, 800)
    table = dock.panel.table
    webhook_id = "wh_" + "0123456789abcdef01234567"
    url = "https://a-long-tunnel-name.trycloudflare.com/hooks/penny"
    hook = Webhook(webhook_id, url, ("transaction.authorized", "card.created"), True)
    dock.panel.model.set_rows([WebhookRow(hook, True)])
    QApplication.processEvents()
    assert not table.wordWrap()
    needed = table.fontMetrics().horizontalAdvance(webhook_id)
    qtbot.waitUntil(lambda: table.columnWidth(COL_ID) > needed, timeout=WAIT)  # the id is whole
    assert table.rowHeight(0) < 2 * table.fontMetrics().height()  # one line: the URL is not wrapped


def test_the_windows_own_sandbox_keeps_its_webhooks_across_restarts(
    qtbot: Any, make_session: Callable[..., InspectorSession], store: EventStore, no_keyring: KeyringBackend
) -> None:
    def started() -> tuple[InspectorSession, str, str]:
        session = make_session(store, None)
        errors: list[BaseException] = []
        assert session.start_sandbox(lambda _p: None, errors.append)
        qtbot.waitUntil(
            lambda: session.secrets.api_token(LOCAL_SANDBOX) is not None or bool(errors), timeout=WAIT
        )
        assert session.sandbox is not None and not errors
        token = session.secrets.api_token(LOCAL_SANDBOX)
        assert token is not None
        return session, session.sandbox.url, token

    session, url, token = started()
    created = requests.post(
        url + "/v1/webhooks",
        json={
            "url": "http://127.0.0.1:8765/hooks",
            "events": ["card.created"],
            "authorization_token": "t" * 24,
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert created.status_code in (200, 201), created.text
    session.shutdown()

    again, url, token = started()
    listed = requests.get(url + "/v1/webhooks", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert listed.status_code == 200
    assert "http://127.0.0.1:8765/hooks" in listed.text
    again.shutdown()
