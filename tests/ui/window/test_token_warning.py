"""The window says loudly when known webhooks have no token (no keyring) and what its listener
does meanwhile; with --require-token that is a 401, checked over a real socket."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from inspector.cli import build_parser
from inspector.commands.runtime import token_sync
from inspector.core.capture.listener import Listener, ListenerConfig
from inspector.core.provider.webhook_index import KnownWebhook, WebhookIndex
from inspector.core.store.event_store import EventStore
from inspector.ui.window.main_window import MainWindow
from tests.ui.helpers import WAIT

BODY = {"event_id": "evt_w", "event_identifier": "card.created", "data": {}}


def gui_args(tmp_path: Path, *extra: str) -> argparse.Namespace:
    """What `webhook-inspector gui ...` parses to (the real parser: --require-token must exist)."""
    return build_parser().parse_args(["gui", "--config-dir", str(tmp_path / "config"), *extra])


@pytest.mark.parametrize(
    ("extra", "status", "says"),
    [((), 200, "accepted unverified"), (("--require-token",), 401, "every delivery is answered 401")],
)
def test_no_keyring_shows_in_the_status_bar_with_what_the_listener_does(
    qtbot: Any,
    tmp_path: Path,
    make_window: Callable[..., MainWindow],
    store: EventStore,
    no_keyring: Any,
    extra: tuple[str, ...],
    status: int,
    says: str,
) -> None:
    index = WebhookIndex(tmp_path / "config")
    for webhook_id in ("wh_a", "wh_b", "wh_c", "wh_d"):
        index.upsert(KnownWebhook(webhook_id, "default", "https://example.test/hooks"))
    sync = token_sync(gui_args(tmp_path, *extra))
    own = Listener(store, ListenerConfig(port=0), sync.ring)
    own.start()
    try:
        window = make_window(store, own, sync=sync, token_poll_ms=50)
        label = window.status.token_problem_label
        qtbot.waitUntil(label.isVisible, timeout=WAIT)
        text = label.full_text  # what is shown is that, or its first words and "…"
        assert label.text() == text or label.text().endswith("…")
        assert text.startswith("4 known webhooks have no verification token (wh_a, wh_b, wh_c, …")
        assert "no usable keyring" in text and says in text
        answer = requests.post(
            own.url + "/hooks", json=BODY, headers={"Authorization": "Bearer x"}, timeout=10
        )
        assert answer.status_code == status
    finally:
        own.stop()
