"""Issue "When something goes wrong", tried as a new user would: break something, then look.

The forward target is unplugged and the database locked by another program; the user opens
Help → Diagnostics and the log folder, and reads in plain lines what happened, with no secret.
"""

from __future__ import annotations

import re
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from inspector.core.capture.token_ring import TokenRing
from inspector.ui.crash_reporting import install_crash_reporting
from inspector.ui.dialogs.diagnostics_dialog import add_help_menu
from inspector.ui.window.main_window import MainWindow
from tests.ui.conftest import StartRun

pytestmark = pytest.mark.qt_no_exception_capture

TOKEN = "tok-walkthrough-4e8b2c6a9f1d"
LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (DEBUG|INFO|WARNING|ERROR) +inspector\.\w+ \[\d+ [^\]]+\] "
)


def unplugged_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_new_user_breaks_things_and_finds_out_what_happened(
    qtbot: Any,
    tokens: TokenRing,
    window: MainWindow,
    post: Callable[..., requests.Response],
    start_gui_run: StartRun,
    logs: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = start_gui_run()  # as `webhook-inspector gui` starts
    help_menu = add_help_menu(window, run.log)
    install_crash_reporting(window, run)
    tokens.set_token("wh_walk", TOKEN)  # a registered webhook's token, as the keyring gives it
    auth = {"Authorization": f"Bearer {TOKEN}"}
    log_file = logs / "gui.log"

    def logged(fragment: str) -> bool:
        return fragment in log_file.read_text()

    # 1. Forwarding to a local app that is not running.
    port = unplugged_port()
    window.session.forwarding.start(f"http://127.0.0.1:{port}/hooks?secret={TOKEN}")
    body = {"event_id": "evt_w1", "event_identifier": "card.created", "data": {}}
    assert post(body, headers=auth).status_code == 200
    qtbot.waitUntil(
        lambda: logged(f"forwarding delivery 1 to http://127.0.0.1:{port}/hooks failed: "), timeout=15000
    )
    window.session.forwarding.stop(wait=True)

    # 2. Another program holds the database's write lock: deliveries are answered 503, then it lets go.
    blocker = sqlite3.connect(window.session.store.path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        locked = post({**body, "event_id": "evt_w2"}, headers=auth)
        assert locked.status_code == 503 and locked.headers["Retry-After"]
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert post({**body, "event_id": "evt_w3"}, headers=auth).status_code == 200
    assert (
        post({**body, "event_id": "evt_w4"}, headers={"Authorization": "Bearer wrong-token-here"}).status_code
        == 401
    )

    # 3. Help → Diagnostics says where everything is; Open log folder opens it.
    opened: list[str] = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", lambda url: opened.append(QUrl(url).toLocalFile()) or True
    )
    dialog = help_menu.show_diagnostics()
    qtbot.waitUntil(lambda: dialog.ready)
    report = dialog.text.toPlainText()
    assert f"Log file: {log_file}\n" in report and f"Listener: {window.session.url}\n" in report
    assert f"Database: {window.session.store.path}, " in report
    dialog.open_log_button.click()
    assert opened == [str(logs)]

    # 4. The log says what happened, in plain lines, with no secret in them.
    text = log_file.read_text()
    for fragment in (
        "started webhook-inspector ",
        "commit failed (OperationalError: database is locked); 1 deliveries answered 503",
        "commits work again after 1 failures over ",
        "rejected delivery: status 401, flag unauthorized, path /webhooks",
    ):
        assert fragment in text, fragment
    for line in text.splitlines():
        assert LINE.match(line), line
    assert TOKEN not in text and TOKEN not in report
