"""Render the README's pictures from the real window, in the light and the dark palette.

    QT_QPA_PLATFORM=offscreen python packaging/screenshots.py [OUT_DIR]   (default: resources/screenshots)

Writes events-{light,dark}.png (the table with verdicts and a delivery's JSON tree),
webhooks-{light,dark}.png (the Webhooks panel on the window's own sandbox, one webhook registered)
and diff-{light,dark}.png (two deliveries compared). Everything is real: a listener on a free
loopback port, a store and config dir in a temp folder, deliveries POSTed over HTTP (payloads from
the sandbox's catalog), the local sandbox the panel starts. Not a test; tests/ui/window/
test_screenshot_layout.py checks the same layout at 1280x800 in both palettes.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keyring  # noqa: E402
import requests  # noqa: E402
from keyring.backends.fail import Keyring as NoKeyring  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from inspector.core.capture.listener import Listener, ListenerConfig  # noqa: E402
from inspector.core.capture.token_ring import TokenRing  # noqa: E402
from inspector.core.paths import AppDirs  # noqa: E402
from inspector.core.provider.profiles import LOCAL_SANDBOX  # noqa: E402
from inspector.core.store.event_store import EventStore  # noqa: E402
from inspector.sandbox.catalog import generate  # noqa: E402
from inspector.ui import theme  # noqa: E402
from inspector.ui.app import create_application  # noqa: E402
from inspector.ui.dialogs.diff_dialog import DiffDialog  # noqa: E402
from inspector.ui.session import session_around  # noqa: E402
from inspector.ui.webhooks.webhooks_dock import add_webhooks_dock  # noqa: E402
from inspector.ui.window.main_window import build_main_window  # noqa: E402

TOKEN = "whsec_screenshot_demo_token"  # a throwaway token for these pictures only
WEBHOOK = "wh_7f3a9c"
SIZE = (1280, 800)
SEQUENCE = [
    "cardholder.created",
    "card.created",
    "card.activated",
    "transaction.authorized",
    "transaction.settled",
    "balance.updated",
    "transaction.authorized",
    "transaction.declined",
    "card.frozen",
]


def latin_bodies() -> list[dict[str, object]]:
    """Catalog payloads whose text the offscreen platform's fonts can draw (no CJK boxes)."""
    for seed in range(1000):
        rng = random.Random(seed)
        bodies = [
            {
                "event_id": f"evt_{rng.getrandbits(48):012x}",
                "event_identifier": kind,
                "data": generate(kind, rng, time.time() - (len(SEQUENCE) - i) * 37),
            }
            for i, kind in enumerate(SEQUENCE)
        ]
        if all(ord(c) < 0x250 for c in json.dumps(bodies, ensure_ascii=False)):
            return bodies
    raise RuntimeError("no seed gave Latin-only payloads")


def wait(app: QApplication, done: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()


def save(widget: QWidget, path: Path) -> None:
    pixmap = widget.grab()
    pixmap.save(str(path))
    print(
        f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
        f"({pixmap.width()}x{pixmap.height()})"
    )


def deliver(listener: Listener) -> None:
    http = requests.Session()
    http.trust_env = False
    ok = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    url = listener.url + "/webhooks/provider"
    bodies = latin_bodies()
    for body in bodies:
        http.post(url, data=json.dumps(body), headers=ok, timeout=10)
    # A redelivery, a wrong token, a body that is not JSON, and JSON without the envelope.
    http.post(url, data=json.dumps(bodies[3]), headers=ok, timeout=10)
    http.post(url, data=json.dumps(bodies[4]), headers={**ok, "Authorization": "Bearer nope"}, timeout=10)
    http.post(url, data=b'{"event_id": "evt_1", "data": ', headers=ok, timeout=10)
    http.post(url, data=json.dumps({"ping": True}), headers=ok, timeout=10)


def shoot(app: QApplication, dark: bool, out: Path) -> None:
    name = "dark" if dark else "light"
    QApplication.setPalette(theme.dark_palette() if dark else QApplication.style().standardPalette())
    tmp = Path(tempfile.mkdtemp(prefix=f"wi-shot-{name}-"))
    store = EventStore.open(tmp / "data")
    tokens = TokenRing()
    tokens.set_token(WEBHOOK, TOKEN)
    listener = Listener(store, ListenerConfig(port=0), tokens)
    listener.start()
    dirs = AppDirs.resolve(tmp / "data", tmp / "config", tmp / "log")
    session = session_around(store, listener, dirs)
    settings = QSettings(str(tmp / "window.ini"), QSettings.Format.IniFormat)
    window = build_main_window(session, settings)
    dock = add_webhooks_dock(window, settings)
    window.resize(*SIZE)
    window.show()
    try:
        deliver(listener)
        total = len(SEQUENCE) + 4
        wait(app, lambda: window.model.rowCount() >= total)
        wait(app, lambda: window.filter_bar.count_label.text() == f"{total} of {total} events")

        # Events: the Webhooks panel closed, the settled transaction's JSON tree shown.
        dock.hide()
        window.select_seq(5)
        window.panes.tabs.setCurrentIndex(1)
        window.panes.tree_view.expandToDepth(1)
        wait(app, lambda: False, 0.3)
        save(window, out / f"events-{name}.png")

        # Webhooks: the panel on the window's own sandbox, with one webhook registered there.
        dock.show()
        dock.panel.select_profile(LOCAL_SANDBOX)
        dock.panel.start_sandbox()
        wait(
            app, lambda: session.sandbox is not None and session.secrets.api_token(LOCAL_SANDBOX) is not None
        )
        access = session.secrets.api_token(LOCAL_SANDBOX)
        assert session.sandbox is not None and access
        requests.post(
            session.sandbox.url + "/v1/webhooks",
            json={
                "url": listener.url + "/webhooks/provider",
                "events": ["transaction.authorized", "transaction.settled", "card.created"],
                "authorization_token": TOKEN,
            },
            headers={"Authorization": f"Bearer {access}"},
            timeout=10,
        )
        dock.panel.refresh()
        wait(app, lambda: dock.panel.model.rowCount() > 0)
        dock.panel_scroll.ensureWidgetVisible(dock.panel.table)
        wait(app, lambda: False, 0.3)
        save(window, out / f"webhooks-{name}.png")

        # Diff: the authorization and the settlement of one transaction.
        first, second = store.get(4), store.get(5)
        assert first is not None and second is not None
        dialog = DiffDialog(first, second, runner=session.runner, parent=window)
        dialog.resize(1100, 700)
        dialog.show()
        wait(app, lambda: dialog.diff is not None and bool(dialog.new_view.extraSelections()))
        save(dialog, out / f"diff-{name}.png")
        dialog.close()
    finally:
        window.close()
        session.shutdown()
        listener.stop()
        store.close()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "resources" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    keyring.set_keyring(NoKeyring())  # the pictures never touch the user's keyring
    app = create_application()
    for dark in (False, True):
        shoot(app, dark, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
