"""HAR 1.2 export: stored deliveries as a browser network log (DevTools "Import HAR" loads it).

Headers are already redacted in the store. The listener does not store its own answers, so a
response carries our status and, for rejections, the error sentence we answered with. What HAR has
no field for (event_id, flags, the exact receive time) goes into the `_webhookInspector` object of
each entry (HAR allows custom fields that start with "_"), so an import gives back equal rows.
"""

from __future__ import annotations

import base64
import ipaddress
import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, TextIO

from inspector import __version__
from inspector.core.events import EXTRA_SHAPE, StoredEvent
from inspector.core.io.event_url import event_base
from inspector.core.redaction import query_pairs, redact_event

CUSTOM_KEY = "_webhookInspector"


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return None


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _text_or_base64(body: bytes) -> dict[str, Any]:
    try:
        return {"text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"text": base64.b64encode(body).decode("ascii"), "encoding": "base64"}


def _server_address(host: str) -> dict[str, str]:
    """`serverIPAddress` when the target is an IP address; HAR 1.2 allows no other string there."""
    try:
        return {"serverIPAddress": str(ipaddress.ip_address(host.strip("[]")))}
    except ValueError:
        return {}


def har_entry(event: StoredEvent, base_url: str | None = None) -> dict[str, Any]:
    event = redact_event(event)
    base = event_base(event, base_url)
    headers = [{"name": k, "value": v} for k, v in event.headers]
    request: dict[str, Any] = {
        "method": event.method,
        "url": base.url(event.path, event.query),  # built from parts: the path cannot move the host
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers,
        "queryString": [{"name": k, "value": v} for k, v in query_pairs(event.query)],
        "headersSize": -1,
        "bodySize": event.body_size,
    }
    if event.body or event.method in ("POST", "PUT", "PATCH"):
        mime = _header(event.headers, "Content-Type") or "application/octet-stream"
        request["postData"] = {"mimeType": mime, "params": [], **_text_or_base64(event.body)}
    answer = json.dumps({"error": event.error}) if event.error else ""
    response: dict[str, Any] = {
        "status": event.status,
        "statusText": _status_text(event.status),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": [{"name": "Content-Type", "value": "application/json"}],
        "content": {"size": len(answer.encode()), "mimeType": "application/json", "text": answer},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": len(answer.encode()) if answer else -1,
    }
    wait = max(0.0, round(event.duration_ms, 3))
    entry: dict[str, Any] = {
        "startedDateTime": event.received_at_iso,
        "time": wait,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {
            "blocked": -1,
            "dns": -1,
            "connect": -1,
            "ssl": -1,
            "send": 0,
            "wait": wait,
            "receive": 0,
        },
        **_server_address(base.host),
        CUSTOM_KEY: {
            "seq": event.seq,
            "received_at": event.received_at,
            "path": event.path,
            "query": event.query,
            "event_id": event.event_id,
            "event_identifier": event.event_identifier,
            "flags": list(event.flags),
            "webhook_id": event.webhook_id,
            "duplicate_of": event.duplicate_of,
            "body_size": event.body_size,
            "remote_addr": event.remote_addr,
            "received_on": event.received_on,
            "error": event.error,
            "duration_ms": event.duration_ms,
        },
    }
    if event.extra.get(EXTRA_SHAPE):
        entry[CUSTOM_KEY]["shape"] = event.extra[EXTRA_SHAPE]  # new_shape / schema_invalid lines
    return entry


def write_har(events: Iterable[StoredEvent], out: TextIO, *, base_url: str | None = None) -> int:
    """Write one HAR document, streaming entry by entry so millions of events stay small in memory."""
    head = {"version": "1.2", "creator": {"name": "webhook-inspector", "version": __version__}, "pages": []}
    # The document is assembled by hand around the entries list so we never hold all entries at once.
    out.write('{"log": ' + json.dumps(head, ensure_ascii=False)[:-1] + ', "entries": [\n')
    n = 0
    for event in events:
        if n:
            out.write(",\n")
        out.write(json.dumps(har_entry(event, base_url), ensure_ascii=False))
        n += 1
    out.write("\n]}}\n")
    return n
