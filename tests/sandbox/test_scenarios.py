"""Scenarios over real HTTP: the steps of one card or purchase delivered to the real listener in
their natural order, shuffled, redelivered and spaced out, and the 422s of a bad run."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import pytest

from inspector.core.capture.listener import Listener
from inspector.core.events import FLAG_DUPLICATE, StoredEvent
from inspector.core.store.event_store import EventStore
from inspector.sandbox.catalog import CATALOG
from inspector.sandbox.server import SandboxServer
from tests.sandbox.conftest import Api, Receiver
from tests.waiting import wait_until

# The scenarios the sandbox must offer, with their steps in natural order.
REQUIRED = {
    "transaction-lifecycle": ["transaction.authorized", "transaction.settled"],
    "transaction-refund": ["transaction.authorized", "transaction.settled", "transaction.refunded"],
    "transaction-reversal": ["transaction.authorized", "transaction.reversed"],
    "declined": ["transaction.declined"],
    "card-lifecycle": ["card.created", "card.activated", "card.frozen", "card.unfrozen", "card.terminated"],
    "cardholder-onboarding": ["cardholder.created", "card.created", "card.activated"],
}
# Where the shared ids sit in `data` (one convention for every event type).
ID_PATHS = ("transaction_id", "card.card_id", "cardholder_id", "merchant.merchant_id")


def subscribe_all(api: Api, url: str) -> dict:
    return api.create_webhook(url, list(CATALOG))


def arrived(sandbox: SandboxServer, store: EventStore, n: int) -> list[StoredEvent]:
    """The rows the listener stored, once the sandbox has nothing left to deliver; exactly n."""
    assert sandbox.wait_idle(30)
    rows = wait_until(lambda: (r := list(store.iter_events())) and len(r) >= n and r)
    assert len(rows) == n, [r.event_identifier for r in rows]
    return rows


def when(stamp: str) -> datetime:
    assert stamp.endswith("Z")
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def lookup(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def ids(run: dict, order: str) -> list[str]:
    return [item["event_id"] for item in run[order]]


def test_scenarios_list_names_each_scenario_with_catalog_steps(api: Api) -> None:
    response = api.get("/sandbox/scenarios")
    assert response.status_code == 200
    payload = response.json()
    assert set(payload) == {"data"}
    listed = {s["name"]: s for s in payload["data"]}
    for name, steps in REQUIRED.items():
        assert listed[name]["steps"] == steps
    for scenario in payload["data"]:
        assert set(scenario) == {"name", "description", "steps"}
        assert isinstance(scenario["description"], str) and scenario["description"].strip()
        assert scenario["steps"] and all(step in CATALOG for step in scenario["steps"])


def test_transaction_refund_arrives_as_three_events_of_one_purchase(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore
) -> None:
    subscribe_all(api, listener.url + "/hooks")
    run = api.run_scenario("transaction-refund")
    rows = arrived(sandbox, store, 3)

    assert [r.event_identifier for r in rows] == REQUIRED["transaction-refund"]
    assert [r.event_id for r in rows] == ids(run, "natural_order") == ids(run, "delivery_order")
    assert all(FLAG_DUPLICATE not in r.flags and r.status == 200 for r in rows)
    data = [r.body_json()["data"] for r in rows]
    for path in ID_PATHS:
        values = [lookup(d, path) for d in data]
        assert values[0] and values == [values[0]] * 3, path
    assert len({d["currency"] for d in data}) == 1
    created = [when(d["created_at"]) for d in data]
    assert created[0] < created[1] < created[2]
    authorized, settled, refunded = data
    assert authorized["amount"] == settled["amount"]
    assert 0 < refunded["amount"] <= settled["amount"] == refunded["original_amount"]
    assert settled["authorized_at"] == authorized["authorized_at"]
    # The answer describes what was created: same ids, same times, data included in natural order.
    assert [item["created_at"] for item in run["natural_order"]] == [d["created_at"] for d in data]
    assert [item["data"] for item in run["natural_order"]] == data
    assert [item["event_identifier"] for item in run["delivery_order"]] == REQUIRED["transaction-refund"]
    assert not any(item["duplicate"] for item in run["delivery_order"] + run["natural_order"])
    assert run["scenario"] == "transaction-refund"


def test_every_listed_scenario_runs_and_its_steps_share_their_ids(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore
) -> None:
    subscribe_all(api, listener.url + "/hooks")
    scenarios = api.get("/sandbox/scenarios").json()["data"]
    assert {s["name"] for s in scenarios} >= set(REQUIRED)
    seen = 0
    for scenario in scenarios:
        run = api.run_scenario(scenario["name"])
        steps = scenario["steps"]
        rows = arrived(sandbox, store, seen + len(steps))[seen:]
        seen += len(steps)
        assert [r.event_identifier for r in rows] == steps, scenario["name"]
        assert [r.event_id for r in rows] == ids(run, "natural_order")
        data = [r.body_json()["data"] for r in rows]
        created = [when(d["created_at"]) for d in data]
        assert created == sorted(created) and len(set(created)) == len(created), scenario["name"]
        assert all(d.get("cardholder_id") for d in data), scenario["name"]  # every step is someone's
        for path in ID_PATHS:
            values = {lookup(d, path) for d in data} - {None}
            assert len(values) <= 1, (scenario["name"], path, values)
        transactions = [d for d, step in zip(data, steps, strict=True) if step.startswith("transaction.")]
        if transactions:
            assert len({d["currency"] for d in transactions}) == 1
            assert all(d["amount"] <= transactions[0]["amount"] for d in transactions)


@pytest.mark.parametrize("name", ["transaction-lifecycle", "transaction-refund", "card-lifecycle"])
def test_out_of_order_delivers_a_real_shuffle(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore, name: str
) -> None:
    subscribe_all(api, listener.url + "/hooks")
    runs = 4
    for i in range(runs):
        run = api.run_scenario(name, out_of_order=True)
        natural, delivered = ids(run, "natural_order"), ids(run, "delivery_order")
        assert sorted(delivered) == sorted(natural)
        assert delivered != natural  # every time, even with only two steps
        n = len(natural)
        rows = arrived(sandbox, store, (i + 1) * n)[i * n :]
        assert [r.event_id for r in rows] == delivered  # the listener saw exactly that order
        created = [when(r.body_json()["data"]["created_at"]) for r in rows]
        assert created != sorted(created)  # time runs backwards somewhere for the receiver
        assert [r.event_identifier for r in rows] == [
            item["event_identifier"] for item in run["delivery_order"]
        ]


def test_out_of_order_on_a_single_step_is_that_step(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore
) -> None:
    subscribe_all(api, listener.url + "/hooks")
    run = api.run_scenario("declined", out_of_order=True)
    (row,) = arrived(sandbox, store, 1)
    assert row.event_id == run["natural_order"][0]["event_id"] == run["delivery_order"][0]["event_id"]
    assert row.body_json()["data"]["status"] == "declined"


@pytest.mark.parametrize("out_of_order", [False, True])
def test_duplicates_redeliver_earlier_events_with_the_same_event_id(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore, out_of_order: bool
) -> None:
    subscribe_all(api, listener.url + "/hooks")
    run = api.run_scenario("transaction-refund", duplicates=2, out_of_order=out_of_order)
    rows = arrived(sandbox, store, 5)

    assert [r.event_id for r in rows] == ids(run, "delivery_order")
    assert {r.event_id for r in rows} == set(ids(run, "natural_order"))
    duplicates = [i for i, r in enumerate(rows) if FLAG_DUPLICATE in r.flags]
    assert len(duplicates) == 2
    for i in duplicates:
        (first,) = [r for r in rows[:i] if r.event_id == rows[i].event_id and FLAG_DUPLICATE not in r.flags]
        assert rows[i].body == first.body  # a redelivery, byte for byte
    assert [FLAG_DUPLICATE in r.flags for r in rows] == [item["duplicate"] for item in run["delivery_order"]]
    assert not any(item["duplicate"] for item in run["natural_order"])


def test_more_duplicates_than_steps_redeliver_steps_again(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore
) -> None:
    subscribe_all(api, listener.url + "/hooks")
    run = api.run_scenario("transaction-lifecycle", duplicates=5)
    rows = arrived(sandbox, store, 7)
    assert sum(FLAG_DUPLICATE in r.flags for r in rows) == 5
    assert {r.event_id for r in rows} == set(ids(run, "natural_order"))
    assert [r.event_id for r in rows] == ids(run, "delivery_order")
    # With as many picks as steps, each step is picked once before any is picked again.
    picked = [item["event_id"] for item in run["delivery_order"] if item["duplicate"]]
    assert all(picked.count(event_id) >= 2 for event_id in ids(run, "natural_order"))


def test_gap_ms_spaces_the_steps_in_delivery_order(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore
) -> None:
    subscribe_all(api, listener.url + "/hooks")
    gap = 0.15
    before = time.time()
    run = api.run_scenario("card-lifecycle", out_of_order=True, duplicates=1, gap_ms=int(gap * 1000))
    rows = arrived(sandbox, store, 6)
    assert [r.event_id for r in rows] == ids(run, "delivery_order")
    assert run["gap_ms"] == 150
    for k, row in enumerate(rows):
        # A lower bound only, which the schedule guarantees however slow the machine is
        # (5 ms for the float clocks).
        assert row.received_at >= before + k * gap - 0.005, k


def test_a_run_with_gaps_is_scheduled_not_waited_for(
    api: Api, sandbox: SandboxServer, receiver: Receiver
) -> None:
    api.create_webhook(receiver.url, list(CATALOG))
    run = api.run_scenario("card-lifecycle", gap_ms=10_000)
    assert len(run["delivery_order"]) == 5
    # The answer came back with 40 s of the schedule still ahead: the request thread did not
    # wait for the deliveries (sandbox.stop() at the end drops them).
    assert sandbox.engine is not None
    assert sandbox.engine.pending() >= 4


def test_each_step_goes_to_the_webhooks_subscribed_to_its_type(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore, receiver: Receiver
) -> None:
    everything = subscribe_all(api, listener.url + "/hooks")
    settled_only = api.create_webhook(receiver.url, ["transaction.settled"])
    run = api.run_scenario("transaction-refund")
    rows = arrived(sandbox, store, 3)
    assert len(rows) == 3
    (got,) = receiver.received
    assert got.json()["event_identifier"] == "transaction.settled"
    assert got.json()["event_id"] == run["natural_order"][1]["event_id"]
    assert [item["webhook_ids"] for item in run["natural_order"]] == [
        [everything["id"]],
        [everything["id"], settled_only["id"]],
        [everything["id"]],
    ]


def test_a_run_nobody_subscribed_to_creates_events_and_delivers_nothing(
    api: Api, sandbox: SandboxServer
) -> None:
    api.create_webhook("http://127.0.0.1:9/x", ["balance.updated"])
    run = api.run_scenario("card-lifecycle", duplicates=1)
    assert [item["webhook_ids"] for item in run["delivery_order"]] == [[]] * 6
    assert sandbox.wait_idle(10)
    assert api.deliveries() == []


def test_a_failed_step_is_retried_with_its_event_id_while_the_run_goes_on(
    api: Api, sandbox: SandboxServer, receiver: Receiver
) -> None:
    receiver.statuses = [500]  # the first step's first attempt fails
    api.create_webhook(receiver.url, list(CATALOG))
    run = api.run_scenario("transaction-refund")
    assert sandbox.wait_idle(30)
    assert receiver.count() == 4
    first_step = run["natural_order"][0]["event_id"]
    tries = [r for r in receiver.received if r.json()["event_id"] == first_step]
    assert len(tries) == 2 and tries[0].body == tries[1].body
    attempts = api.deliveries(event_id=first_step)
    assert [(a["attempt"], a["status"]) for a in attempts] == [(1, 500), (2, 200)]
    assert {r.json()["event_id"] for r in receiver.received} == set(ids(run, "natural_order"))


BAD_RUNS = [
    ({}, "scenario", "Required"),
    ({"scenario": 7}, "scenario", "string"),
    ({"scenario": ""}, "scenario", "Unknown scenario"),
    ({"scenario": "transaction-exploded"}, "scenario", "Unknown scenario"),
    ({"scenario": "declined", "out_of_order": "yes"}, "out_of_order", "true or false"),
    ({"scenario": "declined", "out_of_order": 1}, "out_of_order", "true or false"),
    ({"scenario": "declined", "duplicates": -1}, "duplicates", "0 to 20"),
    ({"scenario": "declined", "duplicates": 21}, "duplicates", "0 to 20"),
    ({"scenario": "declined", "duplicates": 2.5}, "duplicates", "integer"),
    ({"scenario": "declined", "duplicates": True}, "duplicates", "integer"),
    ({"scenario": "declined", "duplicates": "2"}, "duplicates", "integer"),
    ({"scenario": "declined", "gap_ms": -1}, "gap_ms", "0 to 10000"),
    ({"scenario": "declined", "gap_ms": 10_001}, "gap_ms", "0 to 10000"),
    ({"scenario": "declined", "gap_ms": None}, "gap_ms", "integer"),
    ({"scenario": "declined", "gap_ms": 1e308}, "gap_ms", "integer"),
    ({"scenario": "declined", "shuffle": True}, "shuffle", "Unknown field"),
]


@pytest.mark.parametrize(("body", "field", "words"), BAD_RUNS)
def test_a_bad_run_is_422_naming_the_field_and_delivers_nothing(
    api: Api, sandbox: SandboxServer, receiver: Receiver, body: dict[str, Any], field: str, words: str
) -> None:
    api.create_webhook(receiver.url, list(CATALOG))
    response = api.post("/sandbox/scenarios", body)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/json"
    payload = response.json()
    assert set(payload) == {"error", "fields"}
    assert payload["error"]
    assert words in payload["fields"][field], payload
    assert sandbox.engine is not None and sandbox.engine.pending() == 0
    assert api.deliveries() == []


def test_422_names_every_bad_field_at_once(api: Api) -> None:
    response = api.post(
        "/sandbox/scenarios", {"scenario": "nope", "out_of_order": None, "duplicates": -3, "gap_ms": "1"}
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"scenario", "out_of_order", "duplicates", "gap_ms"}


def test_unknown_scenario_422_lists_the_known_ones(api: Api) -> None:
    response = api.post("/sandbox/scenarios", {"scenario": "transaction-refnud"})
    assert all(name in response.json()["fields"]["scenario"] for name in REQUIRED)


def test_a_run_body_that_is_not_a_json_object_is_400(api: Api) -> None:
    response = api.session.post(
        api.base + "/sandbox/scenarios", data=b"[1]", headers={"Content-Type": "application/json"}, timeout=10
    )
    assert response.status_code == 400
    assert "JSON object" in response.json()["error"]
