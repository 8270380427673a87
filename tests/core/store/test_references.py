"""What counts as a reference of a body, and as its own time."""

from __future__ import annotations

import json

import pytest

from inspector.core.store.references import MAX_REF_LENGTH, MAX_REFS, NO_REFS, body_refs, parse_time


def refs(body: object) -> tuple[str, ...]:
    return body_refs(json.dumps(body).encode()).values


def test_every_string_under_id_or_a_key_ending_in_id_anywhere() -> None:
    body = {
        "event_id": "evt_1",
        "data": {
            "transaction_id": "txn_1",
            "card": {"card_id": "card_1", "id": "card_1"},
            "items": [{"refund_id": "re_1"}, {"nested": [{"reversal_id": "rv_1"}]}],
            "cardholder_id": 12345,  # a number is no reference
            "identity": "not an id key",
            "paid": "no",
            "void_id": None,
        },
    }
    assert sorted(refs(body)) == ["card_1", "evt_1", "re_1", "rv_1", "txn_1"]


def test_bodies_that_are_not_json_objects_have_none() -> None:
    for body in (b"", b"\xff\xfe", b"not json", b'{"a": ', b'"just a string"', b"12"):
        assert body_refs(body) is NO_REFS
    assert body_refs(b'  [{"id": "x"}]').values == ("x",)


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    body = "[" * 5000 + '{"id": "deep"}' + "]" * 5000
    # json.loads itself gives up (RecursionError): no references, no exception.
    assert body_refs(body.encode()) is NO_REFS


def test_odd_values_are_bounded() -> None:
    many = {f"k{i}_id": f"v{i}" for i in range(500)}
    assert len(refs(many)) == MAX_REFS
    assert refs({"id": "x" * (MAX_REF_LENGTH + 1), "other_id": ""}) == ()


def test_own_time_from_the_first_known_place() -> None:
    assert body_refs(b'{"data": {"created_at": "2026-01-01T00:00:00Z"}, "created_at": 5}').occurred_at == (
        1767225600.0
    )
    assert body_refs(b'{"occurred_at": 1767225600}').occurred_at == 1767225600.0
    assert body_refs(b'{"timestamp": 1767225600123}').occurred_at == pytest.approx(1767225600.123)
    assert body_refs(b'{"data": {}}').occurred_at is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-01T00:00:00Z", 1767225600.0),
        ("2026-01-01T01:00:00+01:00", 1767225600.0),
        ("2026-01-01T00:00:00", 1767225600.0),  # no zone: read as UTC
        ("1767225600", 1767225600.0),
        (1767225600.5, 1767225600.5),
        ("yesterday", None),
        (True, None),
        (float("nan"), None),
        (-5, None),
        ({"at": 1}, None),
    ],
)
def test_parse_time(value: object, expected: float | None) -> None:
    assert parse_time(value) == expected
