"""The columns of the events table, declared once, and everything derived from them.

The INSERT statement, `prepare_row`, the SELECT lists of a summary and of a full event, the row ->
record mapping (`EventSummary`, `StoredEvent`) and the record of a row just inserted all come from
`COLUMNS`. A record reads the columns its dataclass fields name, in their order. A new column is
one entry here, a migration (migrations.py), and a field in each record that should carry it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from inspector.core.events import RECEIVED_ON, EventSummary, NewEvent, StoredEvent
from inspector.core.store.references import body_refs, encode_refs


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    # True: the delivery brings the value (its NewEvent's attribute `name`, or `source(event)`);
    # False: the store sets it (seq, duplicate_of at insert; forward_status and extra later).
    given: bool
    source: Callable[[NewEvent], Any] | None = None
    to_sql: Callable[[Any], Any] | None = None  # record value -> stored value
    from_sql: Callable[[Any], Any] | None = None  # stored value -> record value
    initial: Any = None  # what a store-set column holds in a new row (its DEFAULT in the schema)


def from_event(
    name: str,
    source: Callable[[NewEvent], Any] | None = None,
    *,
    to_sql: Callable[[Any], Any] | None = None,
    from_sql: Callable[[Any], Any] | None = None,
) -> Column:
    return Column(name, True, source, to_sql, from_sql)


def set_by_store(name: str, *, from_sql: Callable[[Any], Any] | None = None, initial: Any = None) -> Column:
    return Column(name, False, None, None, from_sql, initial)


def encode_flags(flags: Sequence[str]) -> str:
    return "," + "".join(f"{f}," for f in flags)  # ",a,b," so LIKE '%,a,%' is exact


def decode_flags(text: str) -> tuple[str, ...]:
    return tuple(f for f in text.split(",") if f)


def encode_headers(headers: Sequence[tuple[str, str]]) -> str:
    return json.dumps([list(h) for h in headers])


def decode_headers(text: str) -> tuple[tuple[str, str], ...]:
    pairs = tuple((str(k), str(v)) for k, v in json.loads(text))
    if "\\ud" not in text:
        return pairs
    # A lone surrogate (json.dumps writes it as a backslash-u escape; an older importer let some
    # in) cannot be encoded by any exporter or terminal: show U+FFFD in its place. The file keeps it.
    return tuple((_printable_unicode(k), _printable_unicode(v)) for k, v in pairs)


def _printable_unicode(text: str) -> str:
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


def decode_extra(text: str | None) -> dict[str, Any]:
    if not text or text == "{}":  # most rows were never forwarded or replayed: no parser for them
        return {}
    value: dict[str, Any] = json.loads(text)
    return value


def _refs_of_event(e: NewEvent) -> str | None:
    return encode_refs(body_refs(e.body))


def _initial_extra(e: NewEvent) -> dict[str, Any]:
    return {RECEIVED_ON: e.received_on} if e.received_on else {}


def encode_extra(value: dict[str, Any]) -> str:
    return json.dumps(value) if value else "{}"


def _body_size(e: NewEvent) -> int:
    return len(e.body) if e.body_size is None else e.body_size


COLUMNS: tuple[Column, ...] = (
    set_by_store("seq"),  # INTEGER PRIMARY KEY AUTOINCREMENT
    from_event("received_at"),
    from_event("method"),
    from_event("path"),
    from_event("query"),
    from_event("headers", to_sql=encode_headers, from_sql=decode_headers),  # redacted already
    from_event("body", from_sql=bytes),
    from_event("body_size", _body_size),  # the full size when the stored body was cut
    from_event("status"),
    from_event("duration_ms"),
    from_event("event_id"),
    from_event("event_identifier"),
    from_event("flags", to_sql=encode_flags, from_sql=decode_flags),
    from_event("webhook_id"),
    set_by_store("duplicate_of"),  # decided at insert: the first accepted delivery of its event_id
    from_event("remote_addr"),
    from_event("error"),
    set_by_store("forward_status"),  # set with the "forward" extra
    # JSON: where it was received (given), then forward/replay results (set by the store later).
    from_event("extra", _initial_extra, to_sql=encode_extra, from_sql=decode_extra),
    # The body's references (references.py), made on the request thread with the rest of the row;
    # the refs trigger (migration 3) writes them into the refs table within the same INSERT.
    from_event("refs", _refs_of_event),
    set_by_store("pinned", from_sql=bool, initial=0),  # kept by the user: never pruned
)
_BY_NAME = {c.name: c for c in COLUMNS}


def _record_columns(record: type[Any]) -> tuple[Column, ...]:
    names = [f.name for f in fields(record)]
    missing = [n for n in names if n not in _BY_NAME]
    if missing:
        raise TypeError(f"{record.__name__} has fields that are no column of the events table: {missing}")
    return tuple(_BY_NAME[n] for n in names)


def _compile(name: str, params: str, expression: str, env: dict[str, Any]) -> Callable[..., Any]:
    """A function `name(params)` returning `expression`, from source derived from COLUMNS.

    These run once per row on the listener's commit path and on every page read, so they are built
    the way dataclasses builds __init__: a plain tuple or constructor call, as fast as the
    hand-written code it replaces, with the column order kept in one place. The source holds only
    column names (identifiers) and names from `env`.
    """
    namespace: dict[str, Any] = {}
    exec(f"def {name}({params}):\n    return {expression}\n", env, namespace)
    function: Callable[..., Any] = namespace[name]
    function.__doc__ = f"Derived from COLUMNS: returns {expression}"
    return function


def _value_of_event(c: Column, env: dict[str, Any]) -> str:
    """The expression of a given column's record value, from the NewEvent `e`."""
    if c.source is None:
        return f"e.{c.name}"
    env[f"source_{c.name}"] = c.source
    return f"source_{c.name}(e)"


def _stored_value(c: Column, env: dict[str, Any]) -> str:
    value = _value_of_event(c, env)
    if c.to_sql is None:
        return value
    env[f"to_sql_{c.name}"] = c.to_sql
    return f"to_sql_{c.name}({value})"


def _read_value(c: Column, i: int, env: dict[str, Any]) -> str:
    if c.from_sql is None:
        return f"r[{i}]"
    env[f"from_sql_{c.name}"] = c.from_sql
    return f"from_sql_{c.name}(r[{i}])"


def _initial_value(c: Column, env: dict[str, Any]) -> str:
    """A store-set column's record value in a new row, made fresh each time (extra is a dict)."""
    env[f"initial_{c.name}"] = c.initial
    if c.from_sql is None:
        return f"initial_{c.name}"
    env[f"from_sql_{c.name}"] = c.from_sql
    return f"from_sql_{c.name}(initial_{c.name})"


assert all(c.name.isidentifier() for c in COLUMNS)

# -- writing -------------------------------------------------------------------------------------

PREPARED: tuple[Column, ...] = tuple(c for c in COLUMNS if c.given)
PREPARED_AT: dict[str, int] = {c.name: i for i, c in enumerate(PREPARED)}
# The store adds duplicate_of to each prepared row: only it knows the earlier deliveries.
INSERT_HEAD = f"INSERT INTO events ({', '.join(c.name for c in PREPARED)}, duplicate_of) VALUES "
ROW_MARKS = "(" + ",".join("?" * (len(PREPARED) + 1)) + ")"

_env: dict[str, Any] = {}
prepare_row: Callable[[NewEvent], tuple[Any, ...]] = _compile(
    "prepare_row", "e", "(" + "".join(f"{_stored_value(c, _env)}, " for c in PREPARED) + ")", _env
)

# -- reading -------------------------------------------------------------------------------------

_SUMMARY = _record_columns(EventSummary)
_FULL = _record_columns(StoredEvent)
SUMMARY_SELECT = ", ".join(c.name for c in _SUMMARY)
FULL_SELECT = ", ".join(c.name for c in _FULL)

_env = {"EventSummary": EventSummary}
read_summary: Callable[[Sequence[Any]], EventSummary] = _compile(
    "read_summary",
    "r",
    f"EventSummary({', '.join(_read_value(c, i, _env) for i, c in enumerate(_SUMMARY))})",
    _env,
)
_env = {"StoredEvent": StoredEvent}
read_full: Callable[[Sequence[Any]], StoredEvent] = _compile(
    "read_full", "r", f"StoredEvent({', '.join(_read_value(c, i, _env) for i, c in enumerate(_FULL))})", _env
)

# -- the record of a row just inserted, without reading it back --------------------------------

_DECIDED_AT_INSERT = ("seq", "duplicate_of", "flags")  # flags: "duplicate" is added to a duplicate's
_env = {"StoredEvent": StoredEvent}
_inserted_values = ", ".join(
    c.name
    if c.name in _DECIDED_AT_INSERT
    else _value_of_event(c, _env)
    if c.given
    else _initial_value(c, _env)
    for c in _FULL
)
inserted_event: Callable[..., StoredEvent] = _compile(
    "inserted_event", "e, *, " + ", ".join(_DECIDED_AT_INSERT), f"StoredEvent({_inserted_values})", _env
)
del _env, _inserted_values
