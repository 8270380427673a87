"""Import files for the importer tests: good NDJSON records and the hostile shapes seen in the wild.

Hostile lines are raw JSON text, because some shapes (a lone surrogate escape) cannot come out of
json.dumps of a Python value that stays encodable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# 2026-11-26T10:00:00Z: every good record is a second after the one before.
BASE_TIME = 1_795_687_200


def good_record(i: int) -> dict[str, Any]:
    return {
        "received_at": BASE_TIME + i,
        "method": "POST",
        "path": "/hooks",
        "query": "",
        "headers": [["Content-Type", "application/json"]],
        "status": 200,
        "event_id": f"evt_{i:05d}",
        "event_identifier": "transaction.authorized",
        "body": {"event_id": f"evt_{i:05d}", "event_identifier": "transaction.authorized", "data": {"i": i}},
    }


def good_line(i: int) -> str:
    return json.dumps(good_record(i))


def with_raw(i: int, key: str, raw_json_value: str) -> str:
    """A good record whose `key` is set to the JSON text `raw_json_value`, written as it is."""
    record = good_record(i)
    record.pop(key, None)
    head = json.dumps(record)[:-1]
    return f'{head}, "{key}": {raw_json_value}}}'


# (shape, line, fragment of the reason it is skipped for)
HOSTILE_NDJSON: list[tuple[str, str, str]] = [
    ("lone surrogate in the body", with_raw(9001, "body", '{"note": "\\ud800"}'), "body"),
    ("lone surrogate in a header value", with_raw(9002, "headers", '[["X-Note", "a\\udc00"]]'), "headers"),
    ("lone surrogate in a header name", with_raw(9003, "headers", '[["X-\\ud800", "v"]]'), "headers"),
    ("lone surrogate in the path", with_raw(9004, "path", '"/h\\ud800"'), "path"),
    ("lone surrogate in event_id", with_raw(9005, "event_id", '"evt_\\udfff"'), "event_id"),
    ("lone surrogate in the error", with_raw(9006, "error", '"\\ud800"'), "error"),
    ("lone surrogate in the query", with_raw(9007, "query", '"a=\\ud800"'), "query"),
    ("body_size 2^70", with_raw(9008, "body_size", str(2**70)), "body_size"),
    ("body_size negative", with_raw(9009, "body_size", "-5"), "body_size"),
    ("body_size a string", with_raw(9010, "body_size", '"12"'), "body_size"),
    ("received_at 1e20", with_raw(9011, "received_at", "1e20"), "received_at"),
    ("received_at before 1970", with_raw(9012, "received_at", "-1"), "received_at"),
    ("received_at year 1, offset", with_raw(9013, "received_at", '"0001-01-01T00:00+01:00"'), "received_at"),
    ("received_at past 9999", with_raw(9014, "received_at", '"9999-12-31T23:59:59-05:00"'), "received_at"),
    ("received_at Infinity", with_raw(9015, "received_at", "Infinity"), "not JSON"),
    ("duration_ms 1e308", with_raw(9016, "duration_ms", "1e308"), "duration_ms"),
    ("duration_ms negative", with_raw(9017, "duration_ms", "-3"), "duration_ms"),
    ("duration_ms NaN", with_raw(9018, "duration_ms", "NaN"), "not JSON"),
    ("body with Infinity", with_raw(9019, "body", '{"amount": Infinity}'), "not JSON"),
    ("status 2^70", with_raw(9020, "status", str(2**70)), "status"),
]

# A good HAR entry and its hostile variants: (shape, entry, fragment of the reason).
GOOD_HAR_ENTRY: dict[str, Any] = {
    "startedDateTime": "2026-01-01T00:00:00.000Z",
    "time": 3.5,
    "request": {
        "method": "POST",
        "url": "http://127.0.0.1:8765/hooks",
        "headers": [{"name": "Content-Type", "value": "application/json"}],
        "postData": {"mimeType": "application/json", "text": '{"event_id": "evt_har"}'},
    },
    "response": {"status": 200},
}


def har_entry(**changes: Any) -> dict[str, Any]:
    entry = json.loads(json.dumps(GOOD_HAR_ENTRY))
    for dotted, value in changes.items():
        node = entry
        *parents, last = dotted.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return entry


HOSTILE_HAR: list[tuple[str, dict[str, Any], str]] = [
    ("IPv6 URL without its bracket", har_entry(request__url="http://[::1/x"), "url"),
    ("lone surrogate in the body text", har_entry(request__postData__text='{"a": "\ud800"}'), "postData"),
    ("lone surrogate in the URL", har_entry(request__url="http://h/p\udc00"), "url"),
    ("custom received_at 1e20", har_entry(_webhookInspector__received_at=1e20), "received_at"),
    ("startedDateTime before 1970", har_entry(startedDateTime="1960-01-01T00:00:00Z"), "received_at"),
    ("time 1e308", har_entry(time=1e308), "duration_ms"),
    ("custom body_size 2^70", har_entry(_webhookInspector__body_size=2**70), "body_size"),
]


def write_har_file(path: Path, entries: list[dict[str, Any]]) -> Path:
    # ensure_ascii keeps lone surrogates as \\uXXXX escapes, as a hostile file would carry them.
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), encoding="utf-8")
    return path


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
