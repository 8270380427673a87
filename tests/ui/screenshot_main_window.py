"""Render resources/screenshot.png from the real window with sandbox-like deliveries.

    QT_QPA_PLATFORM=offscreen python tests/ui/screenshot_main_window.py [OUT.png]

A real listener on a free loopback port, a real store in a temp dir, deliveries POSTed over HTTP
(payloads from the sandbox's catalog), then QWidget.grab() of the window. Not a test.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QTreeView  # noqa: E402

from inspector.core.capture.listener import Listener, ListenerConfig  # noqa: E402
from inspector.core.capture.token_ring import TokenRing  # noqa: E402
from inspector.core.store.event_store import EventStore  # noqa: E402
from inspector.sandbox.catalog import generate  # noqa: E402
from inspector.ui.app import create_application  # noqa: E402
from inspector.ui.window.main_window import build_main_window  # noqa: E402

TOKEN = "whsec_screenshot_demo_token"  # a throwaway token for this picture only
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


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "resources" / "screenshot.png"
    app = create_application()
    tmp = Path(tempfile.mkdtemp(prefix="wi-shot-"))
    store = EventStore.open(tmp / "data")
    tokens = TokenRing()
    tokens.set_token("wh_7f3a9c", TOKEN)
    listener = Listener(store, ListenerConfig(port=0), tokens)
    listener.start()
    settings = QSettings(str(tmp / "window.ini"), QSettings.Format.IniFormat)
    window = build_main_window(store, listener, settings)
    window.resize(1360, 860)
    window.show()

    session = requests.Session()
    ok = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    bodies = latin_bodies()
    for body in bodies:
        session.post(listener.url + "/webhooks/provider", data=json.dumps(body), headers=ok, timeout=10)
    # A redelivery, a wrong token, a body that is not JSON, and JSON without the envelope.
    session.post(listener.url + "/webhooks/provider", data=json.dumps(bodies[3]), headers=ok, timeout=10)
    wrong = {**ok, "Authorization": "Bearer not-the-token"}
    session.post(listener.url + "/webhooks/provider", data=json.dumps(bodies[4]), headers=wrong, timeout=10)
    session.post(listener.url + "/webhooks/provider", data=b'{"event_id": "evt_1", "data": ', headers=ok)
    session.post(listener.url + "/webhooks/provider", data=json.dumps({"ping": True}), headers=ok)

    total = len(SEQUENCE) + 4
    deadline = time.monotonic() + 10
    while window.model.rowCount() < total and time.monotonic() < deadline:
        app.processEvents()
    window.bridge.flush_now()
    app.processEvents()
    # Select the settled transaction (row order is newest first) and show its JSON tree.
    window.select_seq(5)
    tabs = window.panes.tabs
    tabs.setCurrentIndex(1)
    tree = window.findChild(QTreeView, "jsonTree")
    if tree is not None:
        tree.expandToDepth(1)
    counted = f"{total} of {total} events"
    while window.filter_bar.count_label.text() != counted and time.monotonic() < deadline + 5:
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    pixmap = window.grab()
    pixmap.save(str(out))
    print(f"saved {out} ({pixmap.width()}x{pixmap.height()})")
    window.close()
    listener.stop()
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
