"""Helpers for the events-table tests: deliveries numbered so their order and type are known."""

from __future__ import annotations

import json

from inspector.core.events import NewEvent
from inspector.ui.events.events_model import EventsModel

TYPES = ("transaction.created", "card.created", "transaction.settled")


def new_event(
    n: int, *, status: int = 200, path: str | None = None, event_type: str | None = None
) -> NewEvent:
    kind = event_type or TYPES[n % len(TYPES)]
    body = json.dumps({"event_id": f"evt_{n}", "event_identifier": kind, "data": {"n": n}}).encode()
    return NewEvent(
        received_at=1_790_000_000.0 + n,
        method="POST",
        path=path or f"/hooks/{n % 7}",
        query="",
        headers=(("Content-Type", "application/json"),),
        body=body + b" " * (n % 13),
        status=status,
        event_id=f"evt_{n}",
        event_identifier=kind,
    )


def model_seqs(model: EventsModel) -> list[int]:
    return list(model.loaded_seqs())
