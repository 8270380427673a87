"""Structural JSON diff on known pairs."""

from __future__ import annotations

import copy
import json
import time

from inspector.core.actions.json_diff import Change, diff, diff_events
from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore

AUTHORIZED = {
    "event_id": "evt_a1",
    "event_identifier": "transaction.authorized",
    "data": {
        "transaction_id": "txn_9f2",
        "status": "authorized",
        "amount": 1250,
        "currency": "USD",
        "card": {"card_id": "card_7", "last4": "4242"},
        "merchant": {"name": "Corner Cafe", "category_code": "5814"},
        "authorization_code": "083112",
        "authorized_at": "2026-11-26T10:00:00.000Z",
    },
}


def settled_of(authorized: dict) -> dict:
    settled = copy.deepcopy(authorized)
    settled["event_id"] = "evt_s1"
    settled["event_identifier"] = "transaction.settled"
    data = settled["data"]
    data["status"] = "settled"
    del data["authorization_code"]
    data["settlement_currency"] = "EUR"
    data["settlement_amount"] = 1151
    data["settled_at"] = "2026-11-27T02:00:00.000Z"
    return settled


def test_authorized_vs_settled_of_one_card_transaction() -> None:
    result = diff(AUTHORIZED, settled_of(AUTHORIZED))
    assert result.changes == [
        Change("$.event_id", "changed", "evt_a1", "evt_s1"),
        Change("$.event_identifier", "changed", "transaction.authorized", "transaction.settled"),
        Change("$.data.status", "changed", "authorized", "settled"),
        Change("$.data.authorization_code", "removed", "083112", None),
        Change("$.data.settlement_currency", "added", None, "EUR"),
        Change("$.data.settlement_amount", "added", None, 1151),
        Change("$.data.settled_at", "added", None, "2026-11-27T02:00:00.000Z"),
    ]
    assert not result.truncated
    assert result.summary() == "3 changed, 3 added, 1 removed"
    # The things that identify the transaction are the same in both: no change reported there.
    assert not {"$.data.transaction_id", "$.data.amount", "$.data.card.last4"} & set(result.paths())


def test_paths_for_arrays_odd_keys_and_type_changes() -> None:
    old = {"items": [1, 2, {"a": 1}, 4], "weird key": True, "n": 1, "flag": True, "x": {"y": 1}}
    new = {"items": [1, 3, {"a": 2}], "weird key": 1, "n": 1.0, "flag": True, "x": [1]}
    result = diff(old, new)
    assert result.paths() == {
        "$.items[1]": "changed",
        "$.items[2].a": "changed",
        "$.items[3]": "removed",
        '$["weird key"]': "changed",  # True is not 1 in JSON
        "$.x": "changed",
    }


def test_two_deliveries_of_one_event_id_are_identical(store: EventStore) -> None:
    body = json.dumps(AUTHORIZED).encode()
    news = [NewEvent(time.time(), "POST", "/hooks", "", (), body, 200, event_id="evt_a1") for _ in range(2)]
    first, second = store.insert_many(news)
    assert second.duplicate_of == first.seq
    result = diff_events(store.get(first.seq), store.get(second.seq))
    assert not result and result.summary() == "identical"


def test_redelivery_with_a_changed_body_shows_the_change(store: EventStore) -> None:
    changed = copy.deepcopy(AUTHORIZED)
    changed["data"]["amount"] = 1300
    a, b = store.insert_many(
        [
            NewEvent(time.time(), "POST", "/h", "", (), json.dumps(doc).encode(), 200, event_id="evt_a1")
            for doc in (AUTHORIZED, changed)
        ]
    )
    assert list(diff_events(a, b)) == [Change("$.data.amount", "changed", 1250, 1300)]


def test_non_json_bodies_compare_as_text(store: EventStore) -> None:
    a, b = store.insert_many(
        [NewEvent(time.time(), "POST", "/h", "", (), raw, 400) for raw in (b"\xff\xfe", b"{oops")]
    )
    (change,) = diff_events(a, b).changes
    assert change.path == "$" and change.kind == "changed" and change.new == "{oops"


def test_huge_inputs_are_bounded() -> None:
    old = {"items": list(range(200_000))}
    new = {"items": [i + 1 for i in range(200_000)]}
    started = time.perf_counter()
    result = diff(old, new, max_changes=1000)
    assert len(result) == 1000 and result.truncated
    assert "there may be more" in result.summary()
    result = diff(old, old, max_nodes=5000)
    assert result.truncated and not result.changes
    assert time.perf_counter() - started < 5


def test_deep_nesting_does_not_overflow_the_stack() -> None:
    old: dict = {}
    new: dict = {}
    cur_old, cur_new = old, new
    for _ in range(5000):
        cur_old["a"] = {}
        cur_new["a"] = {}
        cur_old, cur_new = cur_old["a"], cur_new["a"]
    cur_new["leaf"] = 1
    (change,) = diff(old, new).changes
    assert change.kind == "added" and change.path.endswith(".a.leaf")
