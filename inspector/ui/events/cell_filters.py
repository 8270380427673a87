"""Filter on this value: the term that matches a table cell (Wireshark's Apply as Filter)."""

from __future__ import annotations

import re

from inspector.core import events as ev
from inspector.core.events import EventSummary
from inspector.core.store.filter_query import FilterError, parse_filter
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


_PLAIN_PATH = re.compile(r"^\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$")


def term_for_node(json_path: str, value_text: str, scalar: bool) -> str | None:
    """The term matching a JSON tree node ("$.data.amount" = 5 -> "data.amount:5"), when the query
    language can run it: `event_id` / `event_identifier` as id: / type:, any other plain path as a
    field filter (once the language has them: the term is only offered when it parses)."""
    match = _PLAIN_PATH.match(json_path)
    if not scalar or match is None or not value_text:
        return None
    path = match.group(1)[1:]
    value = quote_value(value_text)
    if path == "event_id":
        term = f"id:{value}"
    elif path == "event_identifier":
        term = f"type:{value}"
    else:
        term = f"{path}:{value}"
    try:
        parse_filter(term)
    except FilterError:
        return None
    return term
