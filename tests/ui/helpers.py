"""Helpers for the window and dialog tests (plain functions; the fixtures live in conftest.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import requests

from inspector.core.capture.listener import Listener
from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from tests.core.target_server import TargetServer

WAIT = 10_000  # ms, for qtbot.waitUntil / waitSignal
Post = Callable[..., requests.Response]  # the `post` fixture: a delivery to the test's listener


def envelope(event_id: str, identifier: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": event_id, "event_identifier": identifier, "data": data}


def numbered_envelope(n: int, event_type: str = "transaction.created", **data: Any) -> dict[str, Any]:
    """A delivery shaped like the provider's (event_id, event_identifier, data), numbered."""
    return {
        "event_id": f"evt_{n:06d}",
        "event_identifier": event_type,
        "data": {"id": f"txn_{n:06d}", "amount": 1250 + n, "currency": "USD", **data},
    }


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
