"""Learned payload shapes on the real listener: new_shape and schema_invalid over loopback, the
learned state saved in the store and read back by the next listener."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import jsonschema

from inspector.core.capture.listener import Listener, ListenerConfig
from inspector.core.capture.token_ring import TokenRing
from inspector.core.events import StoredEvent
from inspector.core.io.export_har import write_har
from inspector.core.io.export_ndjson import write_ndjson
from inspector.core.shapes import DRAFT_2020_12, SchemaSet
from inspector.core.store import shape_state
from inspector.core.store.event_store import EventStore
from tests.core.conftest import MakeListener
from tests.core.raw_http import post
from tests.core.shapes.bodies import authorized

SECRET_TOKEN = "sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
PAN = "4111111111111111"


def send(port: int, body: dict[str, Any]) -> int:
    reply = post(port, json.dumps(body).encode())
    assert reply.status == 200, reply.body
    return reply.json()["seq"]


def five_then_two(port: int, store: EventStore) -> list[StoredEvent]:
    bodies = [authorized(n) for n in range(5)]
    extra = copy.deepcopy(authorized(5))
    extra["data"]["wallet"] = "apple_pay"
    retyped = copy.deepcopy(authorized(6))
    retyped["data"]["amount"] = "12.50"
    seqs = [send(port, b) for b in [*bodies, extra, retyped]]
    rows = [store.get(s) for s in seqs]
    assert all(r is not None for r in rows)
    return rows  # type: ignore[return-value]


def differences(row: StoredEvent) -> list[str]:
    return [d["text"] for d in row.extra.get("shape", {}).get("differences", [])]


def test_a_new_field_and_a_changed_type_are_flagged_with_their_differences(
    listener: Listener, store: EventStore
) -> None:
    rows = five_then_two(listener.port, store)

    assert [("new_shape" in r.flags) for r in rows] == [False] * 5 + [True, True]
    assert differences(rows[5]) == ["data.wallet: new field (string)"]
    assert differences(rows[6]) == ["data.amount: was integer, now string"]
    assert all(differences(r) == [] for r in rows[:5])
    # The filter finds them, and the exports carry the flag and the lines.
    assert [s.seq for s in store.query("is:new_shape", descending=False)] == [rows[5].seq, rows[6].seq]
    assert store.count("-is:new_shape") == 5
    out = io.StringIO()
    write_ndjson(store.iter_events("is:new_shape"), out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["flags"] for r in records] == [["unverified", "new_shape"]] * 2
    assert records[0]["shape"]["differences"][0]["path"] == "data.wallet"
    har = io.StringIO()
    write_har(store.iter_events("is:new_shape"), har)
    custom = [e["_webhookInspector"] for e in json.loads(har.getvalue())["log"]["entries"]]
    assert custom[1]["shape"]["differences"][0]["text"] == "data.amount: was integer, now string"


def test_the_learned_schema_is_draft_2020_12_and_validates_the_five(
    listener: Listener, store: EventStore
) -> None:
    five = [authorized(n) for n in range(5)]
    for body in five:
        send(listener.port, body)
    assert listener.learning is not None
    listener.stop()  # learns what was queued and saves it
    schema = listener.learning.learner.schema("transaction.authorized")
    assert schema["$schema"] == DRAFT_2020_12
    jsonschema.Draft202012Validator.check_schema(schema)
    for body in five:
        jsonschema.Draft202012Validator(schema).validate(body)
    changed = copy.deepcopy(five[0])
    del changed["data"]["card"]
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(changed))


def test_what_was_learned_is_saved_and_the_next_listener_goes_on_from_it(
    store: EventStore, make_listener: MakeListener
) -> None:
    first = make_listener()
    for n in range(5):
        send(first.port, authorized(n))
    first.stop()
    assert "transaction.authorized" in shape_state.load_state(store)["types"]

    second = make_listener()
    assert second.learning is not None
    assert second.learning.learner.deliveries("transaction.authorized") == 5
    body = authorized(9)
    del body["data"]["merchant"]
    row = store.get(send(second.port, body))
    assert row is not None
    assert differences(row) == ["data.merchant: missing (present in all 5 earlier)"]


def test_learning_off_flags_nothing(make_listener: MakeListener, store: EventStore) -> None:
    lst = make_listener(learn_shapes=False)
    assert lst.learning is None
    rows = five_then_two(lst.port, store)
    assert all("new_shape" not in r.flags for r in rows)


def test_schema_invalid_against_a_loaded_schema(store: EventStore, tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "transaction.authorized.json").write_text(
        json.dumps(
            {
                "type": "object",
                "required": ["amount", "currency"],
                "properties": {"amount": {"type": "integer"}, "currency": {"enum": ["EUR", "USD"]}},
            }
        )
    )
    config = ListenerConfig(port=0, schemas=SchemaSet.from_dir(folder))
    lst = Listener(store, config, TokenRing())
    lst.start()
    try:
        good = authorized(1)
        good["data"]["currency"] = "EUR"
        bad = authorized(2)
        bad["data"]["amount"] = "ten"
        rows = [store.get(send(lst.port, b)) for b in (good, bad)]
    finally:
        lst.stop()
    assert rows[0] is not None and rows[1] is not None
    assert "schema_invalid" not in rows[0].flags
    assert "schema_invalid" in rows[1].flags
    problems = rows[1].extra["shape"]["schema_problems"]
    assert problems[0].startswith("data.amount: 'ten' is not of type 'integer'")
    assert [s.seq for s in store.query("is:schema_invalid")] == [rows[1].seq]


def test_secrets_never_become_examples_nor_reach_the_database(listener: Listener, store: EventStore) -> None:
    for n in range(5):
        body = authorized(n)
        body["data"]["api_token"] = SECRET_TOKEN
        body["data"]["card"]["pan"] = PAN
        body["data"]["note"] = f"token {SECRET_TOKEN}"
        send(listener.port, body)
    assert listener.learning is not None
    listener.stop()
    learner = listener.learning.learner
    shown = json.dumps([f.examples for f in learner.summary("transaction.authorized").fields])
    shown += json.dumps(learner.schema("transaction.authorized"))
    assert SECRET_TOKEN not in shown
    assert PAN not in shown
    saved = json.dumps(shape_state.load_state(store))
    assert SECRET_TOKEN not in saved
    assert PAN not in saved


def test_rejected_deliveries_are_not_learned(listener: Listener) -> None:
    assert post(listener.port, b"{not json").status == 400
    assert post(listener.port, b'{"event_identifier": "x"}', content_type="text/plain").status == 415
    assert listener.learning is not None
    assert listener.learning.learner.event_types() == []
