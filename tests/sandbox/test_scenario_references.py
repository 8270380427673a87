"""Scenarios over real HTTP into a real listener and store: the steps of one purchase share
references, ref: finds exactly them, out_of_order is flagged exactly where the shuffle put a step
after a later one, duplicates are duplicate rows, and field filters hold on what arrived."""

from __future__ import annotations

import pytest
import requests

from inspector.core import events as ev
from inspector.core.capture.listener import Listener
from inspector.core.events import StoredEvent
from inspector.core.store.event_store import EventStore
from inspector.sandbox.catalog import CATALOG
from inspector.sandbox.server import SandboxServer
from tests.sandbox.conftest import Api
from tests.sandbox.test_scenarios import arrived, when


def data(row: StoredEvent) -> dict:
    body = row.body_json()
    assert isinstance(body, dict)
    return body["data"]


def late_ones(rows: list[StoredEvent]) -> set[int]:
    """Seqs that a receiver got after a step that happened later (first deliveries only)."""
    seen_latest = None
    late: set[int] = set()
    for row in rows:
        if row.duplicate_of is not None:
            continue
        at = when(data(row)["created_at"])
        if seen_latest is not None and at < seen_latest:
            late.add(row.seq)
        seen_latest = at if seen_latest is None or at > seen_latest else seen_latest
    return late


def test_a_refund_is_three_events_that_ref_finds_exactly(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore
) -> None:
    api.create_webhook(listener.url + "/hooks", list(CATALOG))
    api.trigger("transaction.authorized")  # another purchase, unrelated
    api.run_scenario("transaction-refund")
    rows = arrived(sandbox, store, 4)[1:]
    [txn] = {data(r)["transaction_id"] for r in rows}
    assert [r.event_identifier for r in rows] == [
        "transaction.authorized",
        "transaction.settled",
        "transaction.refunded",
    ]
    assert sorted(e.seq for e in store.query(f"ref:{txn}")) == [r.seq for r in rows]
    assert store.query("is:out_of_order") == []  # delivered in their natural order


@pytest.mark.parametrize("scenario", ["transaction-refund", "card-lifecycle", "cardholder-onboarding"])
def test_out_of_order_is_flagged_exactly_where_the_order_changed(
    scenario: str, api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore
) -> None:
    api.create_webhook(listener.url + "/hooks", list(CATALOG))
    run = api.run_scenario(scenario, out_of_order=True)
    rows = arrived(sandbox, store, len(run["natural_order"]))
    expected = late_ones(rows)
    assert expected  # the sandbox never "shuffles" into the natural order
    assert {r.seq for r in rows if ev.FLAG_OUT_OF_ORDER in r.flags} == expected
    assert {e.seq for e in store.query("is:out_of_order")} == expected


def test_two_duplicates_are_two_duplicate_rows(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore
) -> None:
    api.create_webhook(listener.url + "/hooks", list(CATALOG))
    api.run_scenario("transaction-refund", duplicates=2)
    rows = arrived(sandbox, store, 5)
    duplicates = [r for r in rows if ev.FLAG_DUPLICATE in r.flags]
    assert len(duplicates) == 2 and store.count("is:duplicate") == 2
    for d in duplicates:
        first = store.get(d.duplicate_of)  # type: ignore[arg-type]
        assert first is not None and first.event_id == d.event_id and first.body == d.body
        assert ev.FLAG_OUT_OF_ORDER not in d.flags  # a redelivery is a duplicate, not out of order


def test_field_filters_on_what_arrived_never_raise_on_other_bodies(
    api: Api, sandbox: SandboxServer, listener: Listener, store: EventStore
) -> None:
    api.create_webhook(listener.url + "/hooks", list(CATALOG))
    api.run_scenario("transaction-refund")
    api.run_scenario("declined")
    rows = arrived(sandbox, store, 4)
    # Bodies that are not JSON (or not an object) stored beside them, as a listener records them.
    for body, ctype in (
        (b"\xff\xfenot json", "application/json"),
        (b"plain", "text/plain"),
        (b"[1, 2]", "application/json"),
    ):
        requests.post(listener.url + "/hooks", data=body, headers={"Content-Type": ctype}, timeout=10)
    assert store.count() == 7
    amounts = {r.seq: data(r).get("amount") for r in rows}
    for threshold in sorted(a for a in amounts.values() if isinstance(a, int)):
        found = {e.seq for e in store.query(f"data.amount:>{threshold}", limit=100)}
        assert found == {s for s, a in amounts.items() if isinstance(a, int) and a > threshold}
    declined = next(r for r in rows if r.event_identifier == "transaction.declined")
    reason = data(declined)["decline_reason"]
    assert {e.seq for e in store.query(f"data.decline_reason:{reason}")} == {declined.seq}
    assert {e.seq for e in store.query("data.decline_reason:*_*")} <= {declined.seq}
    assert store.count("data.no.such.path:x") == 0
    assert store.count("-data.no.such.path:x") == 7
    country = data(rows[0])["merchant"]["country"]
    assert {e.seq for e in store.query(f"data.merchant.country:{country}")} >= {rows[0].seq}
    assert store.count("data.merchant.country:*") == 4
