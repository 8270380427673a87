"""Response rules: the RuleSet itself, through the real listener, and the sandbox retrying against it."""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator

import pytest
import requests

from inspector.core.actions.response_rules import MAX_DELAY_SECONDS, RuleError, RuleSet
from inspector.core.capture.delivery_handler import RuleOutcome
from inspector.core.capture.listener import Listener
from inspector.core.store.event_store import EventStore
from tests.waiting import wait_until


@pytest.fixture
def http() -> Iterator[requests.Session]:
    s = requests.Session()
    s.trust_env = False
    yield s
    s.close()


def envelope(event_id: str, identifier: str = "transaction.authorized") -> bytes:
    return json.dumps({"event_id": event_id, "event_identifier": identifier, "data": {}}).encode()


def test_fail_next_n_then_normal() -> None:
    rules = RuleSet()
    rules.fail_next(2)
    assert rules.describe() == "Answering 503 to the next 2 deliveries"
    first = rules.decide("card.created")
    assert first is not None and first.status == 503
    assert json.loads(first.body) == {"error": "response rule: answering 503"}
    assert rules.describe() == "Answering 503 to the next delivery"
    assert rules.decide(None) == first  # "all" also covers bodies without an event type
    assert rules.decide("card.created") is None
    assert not rules
    assert rules.describe() == "Answering normally (no response rules)"


def test_type_rules_match_globs_and_the_most_specific_wins() -> None:
    rules = RuleSet()
    rules.add(200, delay_seconds=2)
    rules.add(500, pattern="transaction.*", body='{"nope": 1}')
    rules.fail_next(1, 429, pattern="transaction.settled")
    assert rules.decide("transaction.settled") == RuleOutcome(
        429, b'{"error": "response rule: answering 429"}'
    )
    assert rules.decide("transaction.settled") == RuleOutcome(500, b'{"nope": 1}')
    assert rules.decide("transaction.authorized").status == 500
    assert rules.decide("card.frozen") == RuleOutcome(
        200, b'{"received": true, "response_rule": true}', delay_seconds=2.0
    )
    assert rules.decide(None).status == 200
    assert rules.describe() == (
        "Answering 500 to transaction.* deliveries; Answering 200 after 2 s to every delivery"
    )


def test_rule_values_are_checked_and_the_delay_bounded() -> None:
    rules = RuleSet()
    for bad in (99, 600, True, "503"):
        with pytest.raises(RuleError):
            rules.add(bad)  # type: ignore[arg-type]
    for delay in (-1, float("nan"), float("inf"), "soon"):
        with pytest.raises(RuleError):
            rules.add(200, delay_seconds=delay)  # type: ignore[arg-type]
    with pytest.raises(RuleError):
        rules.add(503, count=0)
    with pytest.raises(RuleError):
        rules.add(503, pattern=" ")
    with pytest.raises(RuleError):
        rules.add(503, content_type="text/plain\r\nX-Evil: 1")
    assert rules.add(200, delay_seconds=3600).delay_seconds == MAX_DELAY_SECONDS
    rules.remove(rules.rules()[0].rule_id)
    assert not rules


def test_counted_rule_is_consumed_exactly_n_times_across_threads() -> None:
    changes: list[int] = []
    rules = RuleSet(on_change=lambda: changes.append(1))
    rules.fail_next(100)
    outcomes: list[RuleOutcome | None] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(50):
            outcome = rules.decide("x")
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for o in outcomes if o is not None) == 100
    assert len(outcomes) == 400
    assert len(changes) == 101  # the add, then one per consumed use


def test_rule_of_503_through_the_listener_then_200(
    listener: Listener, store: EventStore, http: requests.Session
) -> None:
    rules = RuleSet()
    listener.set_rule_hook(rules.decide)
    rules.fail_next(2, 503)
    statuses = []
    for n in range(3):
        r = http.post(
            listener.url + "/hooks",
            data=envelope(f"evt_{n}"),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        statuses.append(r.status_code)
    assert statuses == [503, 503, 200]
    rows = store.query("", descending=False)
    assert [r.status for r in rows] == [503, 503, 200]
    assert "response_rule" in rows[0].flags and "response_rule" not in rows[2].flags


def test_type_rule_through_the_listener_with_body(
    listener: Listener, store: EventStore, http: requests.Session
) -> None:
    rules = RuleSet()
    listener.set_rule_hook(rules.decide)
    rules.add(202, pattern="card.*", body="accepted later", content_type="text/plain")
    r = http.post(
        listener.url + "/hooks",
        data=envelope("evt_c", "card.created"),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert (r.status_code, r.text, r.headers["Content-Type"]) == (202, "accepted later", "text/plain")
    r = http.post(
        listener.url + "/hooks",
        data=envelope("evt_t"),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert r.status_code == 200 and r.json()["received"] is True


@pytest.mark.skipif(
    importlib.util.find_spec("inspector.sandbox.server") is None, reason="no sandbox in this build"
)
def test_sandbox_retries_with_the_same_event_id_after_rule_503(
    listener: Listener, store: EventStore, http: requests.Session
) -> None:
    from inspector.sandbox.server import SandboxServer

    rules = RuleSet()
    listener.set_rule_hook(rules.decide)
    rules.fail_next(2, 503)
    api = {"Authorization": "Bearer sandbox-token"}
    with SandboxServer(port=0, retry_schedule=(0.05, 0.05, 0.05)) as sandbox:
        r = http.post(
            sandbox.url + "/v1/webhooks",
            json={"url": listener.url + "/hooks", "events": ["transaction.authorized"]},
            headers=api,
            timeout=10,
        )
        assert r.status_code == 201, r.text
        r = http.post(
            sandbox.url + "/v1/sandbox/events",
            json={"event_identifier": "transaction.authorized"},
            headers=api,
            timeout=10,
        )
        assert r.status_code == 201, r.text
        event_id = r.json()["event_id"]

        def three_rows() -> list:
            rows = store.query(f"id:{event_id}", descending=False)
            return rows if len(rows) >= 3 else []

        rows = wait_until(three_rows)
        assert sandbox.wait_idle(10)
        attempts = http.get(
            sandbox.url + "/v1/sandbox/deliveries", params={"event_id": event_id}, headers=api, timeout=10
        ).json()["data"]
    assert [row.status for row in rows] == [503, 503, 200]
    assert {row.event_id for row in rows} == {event_id}
    assert [a["status"] for a in attempts] == [503, 503, 200]
    assert [a["attempt"] for a in attempts] == [1, 2, 3]
    assert store.count(f"id:{event_id}") == 3  # and no fourth attempt after the 200
