"""Fixtures for the act-on-events widgets: settings on a temp file, stored events, a gated target.

Import into a test module with `from tests.ui.fixtures_actions import *`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QSettings, QThreadPool

from inspector.core.capture.listener import Listener
from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from tests.core.target_server import TargetServer

__all__ = [
    "GatedTarget",
    "drain_pool",
    "post_delivery",
    "settings",
    "store_events",
]

WAIT = 10_000  # ms, for qtbot.waitUntil / waitSignal


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def drain_pool() -> Iterator[None]:
    """After the test, wait for pool jobs (a forwarder closing, a send) so none outlives its store."""
    yield
    QThreadPool.globalInstance().waitForDone(15_000)


def envelope(event_id: str, identifier: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": event_id, "event_identifier": identifier, "data": data}


def store_events(store: EventStore, bodies: list[dict[str, Any]], *, path: str = "/hooks") -> list[int]:
    """Insert accepted deliveries (yesterday's, one second apart) as the listener would store them."""
    start = time.time() - 86400
    news = [
        NewEvent(
            received_at=start + i,
            method="POST",
            path=path,
            query="",
            headers=(
                ("Host", "127.0.0.1:8765"),
                ("Content-Type", "application/json"),
                ("Authorization", "[redacted]"),
            ),
            body=json.dumps(body).encode(),
            status=200,
            duration_ms=1.5,
            event_id=body.get("event_id"),
            event_identifier=body.get("event_identifier"),
            flags=("unverified",),
        )
        for i, body in enumerate(bodies)
    ]
    return [e.seq for e in store.insert_many(news)]


def post_delivery(listener: Listener, body: dict[str, Any], path: str = "/hooks") -> requests.Response:
    return requests.post(listener.url + path, json=body, timeout=10)


def GatedTarget(open_for: int) -> TargetServer:
    """A local app that answers 200 at once for the first `open_for` requests, then holds each
    request until `release()` — so a test can press Cancel while a replay is provably mid-way."""
    return TargetServer(hold=True, open_for=open_for)
