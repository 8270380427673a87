"""Field filters on the JSON body (data.x.y:VALUE) on a real store: numbers, text, globs, missing
paths, negation, and bodies that are not JSON at all."""

from __future__ import annotations

import json

import pytest

from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from inspector.core.store.filter_query import FilterError, parse_filter

BODIES: dict[str, bytes] = {
    "big": json.dumps(
        {
            "data": {
                "amount": 5000,
                "status": "settled",
                "merchant": {"country": "SE", "name": "Spotify"},
                "card": {"last4": "4242"},
                "created_at": "2026-03-01T00:00:00Z",
                "items": [{"sku": "a"}],
            }
        }
    ).encode(),
    "small": json.dumps(
        {
            "data": {
                "amount": 999.5,
                "status": "declined",
                "merchant": {"country": "DE", "name": "Bäckerei"},
                "card": {"last4": 4242},
                "created_at": "2026-01-01T00:00:00Z",
            }
        }
    ).encode(),
    "text_amount": json.dumps({"data": {"amount": "7000", "status": "settled", "flag": True}}).encode(),
    "no_data": json.dumps({"event_id": "x", "amount": 1}).encode(),
    "binary": b"\xff\xfe\x00\x01 not json at all",
    "broken": b'{"data": {"amount": 5000, ',
    "text": b"data.amount:>1000 written as text",
    "array": b'[{"data": {"amount": 9}}]',
}


@pytest.fixture
def seqs(store: EventStore) -> dict[str, int]:
    rows = store.insert_many([NewEvent(1.0, "POST", "/h", "", (), body, 200) for body in BODIES.values()])
    return {name: row.seq for name, row in zip(BODIES, rows, strict=True)}


def names(store: EventStore, seqs: dict[str, int], query: str) -> set[str]:
    found = {e.seq for e in store.query(query, limit=100)}
    assert store.count(query) == len(found)
    return {name for name, seq in seqs.items() if seq in found}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("data.amount:>1000", {"big"}),  # the text "7000" is no number
        ("data.amount:>=5000", {"big"}),
        ("data.amount:<1000", {"small"}),
        ("data.amount:<=999.5", {"small"}),
        ("data.amount:5000", {"big"}),
        ("data.amount:=999.5", {"small"}),
        ("data.amount:7000", {"text_amount"}),  # digits match the text too
        ("data.card.last4:4242", {"big", "small"}),  # text "4242" and the number 4242
        ("data.merchant.country:SE", {"big"}),
        ("data.merchant.country:se", set()),  # values are exact
        ("data.merchant.name:Spo*", {"big"}),
        ("data.merchant.name:Bäck*", {"small"}),
        ("data.status:declined", {"small"}),
        ("data.status:!declined", {"big", "text_amount"}),  # present and different
        ("-data.status:declined", set(BODIES) - {"small"}),  # everything else, non-JSON included
        ("data.refund_id:*", set()),
        ("data.merchant:*", {"big", "small"}),
        ("-data.merchant.country:*", set(BODIES) - {"big", "small"}),
        ("data.missing.path:x", set()),
        ("data.flag:true", {"text_amount"}),
        ("data.created_at:>2026-02-01", {"big"}),  # ISO dates compare as text
        ("data.items.0.sku:a", {"big"}),
        ("data.amount:>1000 data.merchant.country:SE", {"big"}),
        ("data.amount:>1000 -data.merchant.country:SE", set()),
        ('"data.amount:>1000"', {"text"}),  # quoted: free text, as before
    ],
)
def test_field_filters(store: EventStore, seqs: dict[str, int], query: str, expected: set[str]) -> None:
    assert names(store, seqs, query) == expected


def test_a_key_with_a_hyphen_and_no_dot_is_still_free_text() -> None:
    assert "instr" in parse_filter("x-y:foo")._where


def test_a_path_needs_a_value() -> None:
    with pytest.raises(FilterError, match="needs a value"):
        parse_filter("data.amount:")
