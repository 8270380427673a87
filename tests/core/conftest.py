"""Fixtures for the listener tests: listeners with a chosen config, the single stored row."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from inspector.core.capture.listener import Listener, ListenerConfig
from inspector.core.capture.token_ring import TokenRing
from inspector.core.events import StoredEvent
from inspector.core.store.event_store import EventStore

MakeListener = Callable[..., Listener]


@pytest.fixture
def make_listener(store: EventStore) -> Iterator[MakeListener]:
    """A real listener with a chosen config/token ring, stopped at the end of the test."""
    started: list[Listener] = []

    def make(tokens: TokenRing | None = None, **config: object) -> Listener:
        ring = tokens if tokens is not None else TokenRing()
        lst = Listener(store, ListenerConfig(port=0, **config), ring)  # type: ignore[arg-type]
        lst.start()
        started.append(lst)
        return lst

    yield make
    for lst in started:
        lst.stop()


def only_row(store: EventStore) -> StoredEvent:
    rows = list(store.iter_events())
    assert len(rows) == 1, rows
    return rows[0]
