"""The HAR export validates against the published HAR 1.2 JSON schema (ahmadnassri/har-schema).

The schema files are vendored under tests/data/har-schema (with their ISC licence) at commit
c01b2e49edc33cd2cd22c980c57681be57bbb1f6. Formats are checked too: the schema's only rule for
`serverIPAddress` is that it is an IPv4 or IPv6 address, which only a format checker sees.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT6

from inspector.core.capture.listener import Listener
from inspector.core.capture.token_ring import TokenRing
from inspector.core.events import NewEvent
from inspector.core.io.export_har import write_har
from inspector.core.store.event_store import EventStore

SCHEMA_DIR = Path(__file__).parents[2] / "data" / "har-schema"
TOKEN = "har-schema-token"


def validator() -> jsonschema.Draft6Validator:
    # Each file's $id ("entry.json#") is relative; registered under its own name, the relative
    # $refs between them ("request.json#") resolve against it.
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((path.name, Resource.from_contents(contents, default_specification=DRAFT6)))
    registry: Registry[Any] = Registry().with_resources(resources)
    schema = registry.contents("har.json")
    return jsonschema.Draft6Validator(
        schema, registry=registry, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER
    )


def errors(document: Any) -> list[str]:
    found = validator().iter_errors(document)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]


def test_the_vendored_schema_rejects_an_empty_server_address() -> None:
    """The check can fail: the HAR this exporter used to write ("serverIPAddress": "") is refused."""
    entry = {
        "startedDateTime": "2026-01-01T00:00:00.000Z",
        "time": 0,
        "request": {
            "method": "POST",
            "url": "http://127.0.0.1:8765/hooks",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "queryString": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": 200,
            "statusText": "OK",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "application/json"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
    }
    doc = {"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": [entry]}}
    assert errors(doc) == []
    entry["serverIPAddress"] = ""
    assert errors(doc)


def test_a_har_export_of_real_deliveries_is_valid_har_1_2(
    listener: Listener, store: EventStore, tokens: TokenRing
) -> None:
    tokens.set_token("cli", TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    body = b'{"event_id":"evt_1","event_identifier":"card.created","data":{"note":"caf\xc3\xa9"}}'
    with requests.Session() as http:
        http.trust_env = False
        http.post(listener.url + "/hooks?source=test", data=body, headers=auth)
        http.post(listener.url + "/hooks", data=body, headers=auth)  # duplicate
        http.post(listener.url + "/hooks", data=b"\xff\xfe binary", headers=auth)  # 400, base64 body
        http.post(listener.url + "/hooks", data=body, headers={"Content-Type": "application/json"})  # 401
        http.get(listener.url + "/else?x=1")  # 405
    # An imported row with a host name in its Host header (no IP to name) and a GET without a body.
    store.insert_many([NewEvent(1.0, "GET", "/x", "", (("Host", "example.test"),), b"", 405)])
    out = io.StringIO()
    assert write_har(store.iter_events(), out) == 6
    doc = json.loads(out.getvalue())
    assert errors(doc) == []
    addresses = [e.get("serverIPAddress") for e in doc["log"]["entries"]]
    assert addresses == ["127.0.0.1"] * 5 + [None]  # in seq order: the imported row has none


@pytest.mark.parametrize("base", ["http://[::1]:9000", "https://hooks.example.test/api"])
def test_har_with_a_base_url_is_valid(store: EventStore, base: str) -> None:
    store.insert_many([NewEvent(1.0, "POST", "/h", "", (), b"{}", 200)])
    out = io.StringIO()
    write_har(store.iter_events(), out, base_url=base)
    assert errors(json.loads(out.getvalue())) == []
