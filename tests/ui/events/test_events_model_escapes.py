"""The events table shows what a request chose (path, type, ids) with control characters escaped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from PySide6.QtCore import Qt

from inspector.core.capture.listener import Listener
from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from inspector.ui.events.events_model import (
    COL_EVENT_ID,
    COL_METHOD,
    COL_PATH,
    COL_TYPE,
    COL_VERDICT,
    HEADERS,
    BadgesRole,
    EventsModel,
)
from tests.waiting import wait_until


def test_cells_show_control_characters_escaped(
    store: EventStore, listener: Listener, own: Callable[[Any], Any]
) -> None:
    # One row through the real listener (a CR LF in the path), one as an imported file could store it.
    reply = requests.post(
        listener.url + "/hooks%0d%0aforged%1b]0;title%07",
        json={"event_id": "evt_\u2028x", "event_identifier": "card\u202e.created", "data": {}},
        timeout=10,
    )
    assert reply.status_code == 200
    wait_until(lambda: store.count() == 1)
    store.insert_many(
        [
            NewEvent(
                2_000_000_000.0,
                "POST",
                "/hooks/\x9b31m\u2029",
                "",
                (),
                b"{}",
                200,
                event_id="evt_\x1b[2J",
                event_identifier="type\r\nfake",
                webhook_id="wh_\x1b]0;x\x07\u202e",
            )
        ]
    )
    model = own(EventsModel(store, None))
    model.refresh()
    assert model.rowCount() == 2
    imported, received = model.index(0, 0), model.index(1, 0)

    def cell(row: Any, col: int, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return model.index(row.row(), col).data(role)

    assert cell(received, COL_PATH) == "/hooks\\r\\nforged\\x1b]0;title\\x07"
    assert cell(received, COL_TYPE) == "card\\u202e.created"
    assert cell(received, COL_EVENT_ID) == "evt_\\u2028x"
    assert cell(imported, COL_PATH) == "/hooks/\\x9b31m\\u2029"
    assert cell(imported, COL_TYPE) == "type\\r\\nfake"
    assert cell(imported, COL_EVENT_ID) == "evt_\\x1b[2J"
    assert "verified: wh_\\x1b]0;x\\x07\\u202e" in cell(imported, COL_VERDICT)
    assert ("verified: wh_\\x1b]0;x\\x07\\u202e", "ok") in cell(imported, COL_VERDICT, BadgesRole)
    for row in (imported, received):
        for col in range(len(HEADERS)):
            shown = cell(row, col)
            assert shown is None or shown.isprintable(), (col, shown)
            tip = cell(row, col, Qt.ItemDataRole.ToolTipRole)
            assert tip is None or tip.isprintable(), (col, tip)
        assert all(text.isprintable() for text, _kind in cell(row, COL_VERDICT, BadgesRole))
    assert cell(imported, COL_METHOD) == "POST"
