"""Real event databases for the store-opening tests: a plain history, and one with garbage written
over a page in the middle of the file (what a failing disk or a bad copy leaves)."""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path

from inspector.core.events import NewEvent
from inspector.core.paths import DB_FILENAME
from inspector.core.store.event_store import EventStore

PAGE = 4096  # SQLite's default page size, what EventStore uses


def history(data: Path, n: int = 50, *, pad: int = 100) -> Path:
    """A closed store of `n` events in `data`; returns the database file."""
    store = EventStore.open(data)
    try:
        store.insert_many(
            [
                NewEvent(
                    1_795_687_200.0 + i,
                    "POST",
                    "/hooks",
                    "",
                    (("Content-Type", "application/json"),),
                    json.dumps(
                        {"event_id": f"e{i}", "event_identifier": "card.created", "pad": "x" * pad}
                    ).encode(),
                    200,
                    event_id=f"e{i}",
                    event_identifier="card.created",
                )
                for i in range(n)
            ]
        )
    finally:
        store.close()
    return data / DB_FILENAME


def damaged_history(data: Path) -> Path:
    """3,000 events, then the page in the middle of the file that holds event 1,500's body
    overwritten with random bytes (a page of the table itself, not of an index)."""
    db = history(data, 3000, pad=800)
    offset = db.read_bytes().index(b'"event_id": "e1500"')
    garbage = random.Random(7).randbytes(PAGE)
    with db.open("r+b") as f:
        f.seek(offset // PAGE * PAGE)
        f.write(garbage)
        f.flush()
        os.fsync(f.fileno())
    return db


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
