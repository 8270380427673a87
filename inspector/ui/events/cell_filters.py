"""Filter on this value: the term that matches a table cell (Wireshark's Apply as Filter)."""

from __future__ import annotations

from inspector.core import events as ev
from inspector.core.events import EventSummary
from inspector.ui.events.cells import COL_EVENT_ID, COL_METHOD, COL_PATH, COL_STATUS, COL_TYPE, COL_VERDICT
from inspector.ui.events.filter_bar import quote_value

# Flags whose verdict badge has an is: word of the same meaning.
_FLAG_WORDS = {
    ev.FLAG_UNAUTHORIZED: "unauthorized",
    ev.FLAG_INVALID_JSON: "invalid_json",
    ev.FLAG_NOT_ENVELOPE: "not_envelope",
    ev.FLAG_UNVERIFIED: "unverified",
    ev.FLAG_DUPLICATE_KEYS: "duplicate_keys",
    ev.FLAG_TOO_LARGE: "too_large",
}


def term_for_cell(row: EventSummary, col: int) -> str | None:
    """The term matching `row`'s value in column `col`, or None when the column has no filter key."""
    if col == COL_TYPE and row.event_identifier:
        return f"type:{quote_value(row.event_identifier)}"
    if col == COL_EVENT_ID and row.event_id:
        return f"id:{quote_value(row.event_id)}"
    if col == COL_STATUS:
        return f"status:{row.status}"
    if col == COL_METHOD and row.method:
        return f"method:{quote_value(row.method)}"
    if col == COL_PATH and row.path:
        return f"path:{quote_value(row.path)}"
    if col == COL_VERDICT:
        if row.webhook_id:
            return f"webhook:{quote_value(row.webhook_id)}"
        if row.duplicate_of is not None:
            return "is:duplicate"
        word = next((_FLAG_WORDS[f] for f in row.flags if f in _FLAG_WORDS), None)
        return f"is:{word}" if word else None
    return None
