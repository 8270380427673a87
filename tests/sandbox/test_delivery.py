"""Deliveries over real HTTP: to the project's real Listener, retries, deletion, concurrency."""

from __future__ import annotations

import itertools
import json
import threading
import time

import pytest
import requests

from inspector.core.capture.listener import Listener
from inspector.core.capture.token_ring import TokenRing
from inspector.core.events import FLAG_UNAUTHORIZED
from inspector.core.store.event_store import EventStore
from inspector.sandbox.server import SandboxServer
from tests.sandbox.conftest import Api, Receiver, start_sandbox
from tests.waiting import wait_until


def test_triggered_event_arrives_at_the_real_listener_with_its_token(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore, tokens: TokenRing
) -> None:
    webhook = api.create_webhook(listener.url + "/hooks", [], token="whsec-e2e-token")
    # The provider flow: create, then attach events with an update.
    api.patch(f"/webhooks/{webhook['id']}", {"events": ["transaction.authorized"]})
    tokens.set_token(webhook["id"], "whsec-e2e-token")

    api.trigger("card.created")  # not subscribed: must not arrive
    event = api.trigger("transaction.authorized")
    assert event["webhook_ids"] == [webhook["id"]]
    assert sandbox.wait_idle(10)

    stored = wait_until(lambda: list(store.iter_events()))
    assert len(stored) == 1
    (row,) = stored
    assert row.status == 200
    assert row.path == "/hooks"
    assert row.event_id == event["event_id"]
    assert row.event_identifier == "transaction.authorized"
    assert row.webhook_id == webhook["id"]  # the listener matched this webhook's token
    assert row.flags == ()  # verified, a proper envelope, not a duplicate
    assert row.body_json() == {
        "event_id": event["event_id"],
        "event_identifier": "transaction.authorized",
        "data": event["data"],
    }
    assert "whsec-e2e-token" not in repr(row.headers)  # the listener redacted it

    (attempt,) = api.deliveries(webhook_id=webhook["id"])
    assert attempt["event_id"] == event["event_id"]
    assert attempt["event_identifier"] == "transaction.authorized"
    assert attempt["attempt"] == 1
    assert attempt["status"] == 200
    assert attempt["error"] is None
    assert attempt["latency_ms"] > 0
    assert attempt["delivered_at"].endswith("Z")


def test_wrong_token_is_refused_by_the_listener_and_retried_until_given_up(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore, tokens: TokenRing
) -> None:
    tokens.set_token("cli", "the-right-token")
    api.create_webhook(listener.url + "/hooks", ["card.frozen"], token="a-wrong-token")
    event = api.trigger("card.frozen")
    assert sandbox.wait_idle(10)

    attempts = api.deliveries(event_id=event["event_id"])
    assert [a["attempt"] for a in attempts] == [1, 2, 3, 4]  # first try + 3 retries
    assert {a["status"] for a in attempts} == {401}
    assert [a["will_retry"] for a in attempts] == [True, True, True, False]
    rows = wait_until(lambda: (r := list(store.iter_events())) and len(r) == 4 and r)
    assert all(FLAG_UNAUTHORIZED in r.flags and r.status == 401 for r in rows)
    assert {r.event_id for r in rows} <= {event["event_id"], None}


def test_webhook_without_token_sends_no_authorization_and_is_flagged_unverified(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore, receiver: Receiver
) -> None:
    api.create_webhook(listener.url + "/hooks", ["balance.updated"])
    api.create_webhook(receiver.url, ["balance.updated"])
    api.trigger("balance.updated")
    assert sandbox.wait_idle(10)
    (row,) = wait_until(lambda: list(store.iter_events()))
    assert row.flags == ("unverified",)
    (received,) = receiver.received
    assert "Authorization" not in received.headers
    assert received.headers["Content-Type"] == "application/json"


def test_500_then_200_is_retried_with_the_same_event_id(
    api: Api, sandbox: SandboxServer, receiver: Receiver
) -> None:
    receiver.statuses = [500]
    webhook = api.create_webhook(receiver.url, ["transaction.settled"], token="tok-500")
    event = api.trigger("transaction.settled")
    assert sandbox.wait_idle(10)

    assert receiver.count() == 2
    first, second = receiver.received
    assert first.body == second.body  # the very same delivery, byte for byte
    assert first.json()["event_id"] == second.json()["event_id"] == event["event_id"]
    assert first.headers["Authorization"] == second.headers["Authorization"] == "Bearer tok-500"
    assert second.at - first.at >= 0.05  # waited for the retry schedule

    attempts = api.deliveries(webhook_id=webhook["id"])
    assert [(a["attempt"], a["status"], a["will_retry"]) for a in attempts] == [
        (1, 500, True),
        (2, 200, False),
    ]
    assert "500" in attempts[0]["error"]
    assert attempts[1]["error"] is None


def test_retries_follow_the_backoff_schedule(receiver: Receiver) -> None:
    server = start_sandbox(retry_schedule=(0.05, 0.15, 0.3))
    try:
        api = Api(server)
        receiver.statuses = [503, 503, 503, 503]
        api.create_webhook(receiver.url, ["card.terminated"])
        api.trigger("card.terminated")
        assert server.wait_idle(10)
        times = [r.at for r in receiver.received]
        assert len(times) == 4  # 1 + 3 retries, then it gives up
        gaps = [b - a for a, b in itertools.pairwise(times)]
        for gap, delay in zip(gaps, (0.05, 0.15, 0.3), strict=True):
            assert gap >= delay
        assert gaps[2] > gaps[0]  # backing off, not a fixed interval
        assert len({r.json()["event_id"] for r in receiver.received}) == 1
    finally:
        server.stop()


def test_unreachable_receiver_is_recorded_as_an_error(api: Api, sandbox: SandboxServer) -> None:
    import socket

    with socket.socket() as s:  # a port that is surely closed: bound, never listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        api.create_webhook(f"http://127.0.0.1:{port}/hooks", ["card.activated"])
        api.trigger("card.activated")
        assert sandbox.wait_idle(10)
    attempts = api.deliveries()
    assert len(attempts) == 4
    assert all(a["status"] is None and "connection" in a["error"] for a in attempts)


def test_api_answers_while_a_delivery_hangs(api: Api, sandbox: SandboxServer, receiver: Receiver) -> None:
    receiver.stalling = True
    api.create_webhook(receiver.url, ["transaction.declined"])
    first = api.trigger("transaction.declined")
    wait_until(lambda: receiver.count() >= 1)  # the delivery is hanging in the receiver now...
    assert sandbox.engine is not None and sandbox.engine.pending() == 1
    # ...and the API still answers, triggers included.
    assert api.get("/webhooks").status_code == 200
    second = api.trigger("transaction.declined")
    wait_until(lambda: receiver.count() >= 2)  # delivered in parallel, not queued behind it
    assert sandbox.engine.pending() == 2
    receiver.release.set()
    assert sandbox.wait_idle(10)
    assert {a["event_id"] for a in api.deliveries()} == {first["event_id"], second["event_id"]}
    assert all(a["status"] == 200 for a in api.deliveries())


def test_slow_receiver_times_out_and_is_retried(receiver: Receiver) -> None:
    server = start_sandbox(delivery_timeout=0.3, retry_schedule=(0.05,))
    try:
        api = Api(server)
        receiver.stalling = True
        api.create_webhook(receiver.url, ["transaction.declined"])
        api.trigger("transaction.declined")
        assert server.wait_idle(10)
        attempts = api.deliveries()
        assert [a["attempt"] for a in attempts] == [1, 2]
        assert all(a["status"] is None and "0.3 s" in a["error"] for a in attempts)
        assert all(a["latency_ms"] >= 300 for a in attempts)
    finally:
        receiver.release.set()
        server.stop()


def test_deleting_a_webhook_stops_its_deliveries(receiver: Receiver) -> None:
    server = start_sandbox(retry_schedule=(0.5, 0.5, 0.5))
    try:
        api = Api(server)
        receiver.statuses = [500] * 10
        webhook = api.create_webhook(receiver.url, ["card.created"])
        api.trigger("card.created")
        wait_until(api.deliveries)  # the first attempt failed; a retry is due in 0.5 s
        assert api.delete(f"/webhooks/{webhook['id']}").status_code == 200
        assert server.wait_idle(10)  # the pending retry is dropped, not delivered
        later = api.trigger("card.created")
        assert later["webhook_ids"] == []
        assert server.wait_idle(10)
        assert receiver.count() == 1
        assert len(api.deliveries()) == 1
    finally:
        server.stop()


def test_update_applies_to_later_deliveries(api: Api, sandbox: SandboxServer, receiver: Receiver) -> None:
    other = Receiver()
    try:
        webhook = api.create_webhook(receiver.url, ["card.frozen"], token="old")
        api.patch(
            f"/webhooks/{webhook['id']}",
            {"url": other.url, "events": ["card.unfrozen"], "authorization_token": "new"},
        )
        api.trigger("card.frozen")  # no longer subscribed
        event = api.trigger("card.unfrozen")
        assert sandbox.wait_idle(10)
        assert receiver.count() == 0
        (got,) = other.received
        assert got.json()["event_id"] == event["event_id"]
        assert got.headers["Authorization"] == "Bearer new"
    finally:
        other.close()


def test_concurrent_triggers_lose_and_interleave_nothing(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore, tokens: TokenRing
) -> None:
    types = ["transaction.authorized", "transaction.refunded", "card.frozen", "balance.updated"]
    webhook = api.create_webhook(listener.url + "/hooks", types, token="concurrent-token")
    tokens.set_token(webhook["id"], "concurrent-token")
    sent: dict[str, dict] = {}
    lock = threading.Lock()
    errors: list[BaseException] = []

    def trigger_many(n: int) -> None:
        client = Api(sandbox)
        try:
            for i in range(25):
                event = client.trigger(types[(n + i) % len(types)], {"thread": n, "index": i})
                with lock:
                    sent[event["event_id"]] = event
        except BaseException as exc:  # reported below: a failed thread must fail the test
            errors.append(exc)
        finally:
            client.session.close()

    threads = [threading.Thread(target=trigger_many, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(sent) == 200
    assert sandbox.wait_idle(30)

    rows = wait_until(lambda: (r := list(store.iter_events())) and len(r) >= 200 and r)
    assert len(rows) == 200
    for row in rows:
        # new_shape is the learner's verdict on the sandbox's varying payloads, not a delivery fault.
        assert row.status == 200 and set(row.flags) <= {"new_shape"} and row.webhook_id == webhook["id"]
        body = row.body_json()
        original = sent[row.event_id]
        assert body == {k: original[k] for k in ("event_id", "event_identifier", "data")}
    assert {r.event_id for r in rows} == set(sent)
    pairs = {(r.body_json()["data"]["thread"], r.body_json()["data"]["index"]) for r in rows}
    assert pairs == {(n, i) for n in range(8) for i in range(25)}

    attempts = api.deliveries()
    assert len(attempts) == 200
    assert {a["event_id"] for a in attempts} == set(sent)
    assert all(a["attempt"] == 1 and a["status"] == 200 for a in attempts)


def test_stop_is_prompt_with_a_retry_pending(receiver: Receiver) -> None:
    server = start_sandbox(retry_schedule=(30.0,))
    api = Api(server)
    receiver.statuses = [500]
    api.create_webhook(receiver.url, ["card.created"])
    api.trigger("card.created")
    wait_until(api.deliveries)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2.0
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/", timeout=2)
    json.dumps(receiver.received[0].json())  # the one attempt that was made is intact
