"""The search-box language: parsed into SQL and run against a real store, and its error positions."""

from __future__ import annotations

import json

import pytest

from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from inspector.core.store.filter_query import Filter, FilterError, parse_filter


def row(
    seq_name: str,
    *,
    event_id: str | None = None,
    identifier: str | None = None,
    status: int = 200,
    path: str = "/hooks",
    method: str = "POST",
    flags: tuple[str, ...] = (),
    webhook_id: str | None = None,
    body: bytes | None = None,
) -> NewEvent:
    if body is None:
        body = json.dumps({"event_id": event_id, "event_identifier": identifier, "name": seq_name}).encode()
    return NewEvent(
        received_at=1_800_000_000.0,
        method=method,
        path=path,
        query="",
        headers=(),
        body=body,
        status=status,
        event_id=event_id,
        event_identifier=identifier,
        flags=flags,
        webhook_id=webhook_id,
    )


@pytest.fixture
def db(store: EventStore) -> EventStore:
    store.insert_many(
        [
            # 1
            row("one", event_id="evt_123", identifier="transaction.created", webhook_id="wh_1"),
            # 2: a redelivery of 1
            row("two", event_id="evt_123", identifier="transaction.created", webhook_id="wh_1"),
            # 3
            row("three", event_id="evt_200", identifier="transaction.settled", path="/hooks/card"),
            # 4
            row("four", event_id="evt_300", identifier="card.updated", flags=("unverified", "not_envelope")),
            # 5: rejected, no parsed fields
            row("five", status=401, flags=("unauthorized",), body=b'{"secret": "nope"}'),
            # 6
            row("six", status=400, flags=("invalid_json",), body=b'{"broken'),
            # 7
            row("seven", status=405, method="GET", path="/hooksx", flags=("method_not_allowed",)),
            # 8
            row("eight", status=413, flags=("too_large", "body_truncated"), body=b"x" * 10),
            # 9
            row(
                "nine café",
                event_id="evt_900",
                identifier="card.created",
                flags=("duplicate_keys",),
                webhook_id="wh_2",
                body=b'{"event_id": "evt_900", "note": "hello world \xc3\xa9 caf\xc3\xa9"}',
            ),
        ]
    )
    return store


def seqs(store: EventStore, query: str) -> list[int]:
    return [e.seq for e in store.query(query, descending=False, limit=100)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ("   ", [1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ("type:transaction.created", [1, 2]),
        ("type:transaction.*", [1, 2, 3]),
        ("type:card.*", [4, 9]),
        ("type:*.created", [1, 2, 9]),
        ("type:transaction", []),  # no glob: exact
        ("TYPE:card.updated", [4]),  # keys are case-insensitive
        ("id:evt_123", [1, 2]),
        ("id:evt_?00", [3, 4, 9]),
        ("id:evt_[23]*", [3, 4]),
        ("status:401", [5]),
        ("status:4xx", [5, 6, 7, 8]),
        ("status:4XX", [5, 6, 7, 8]),
        ("status:2xx", [1, 2, 3, 4, 9]),
        ("status:>=405", [7, 8]),
        ("status:<400", [1, 2, 3, 4, 9]),
        ("status:>400", [5, 7, 8]),
        ("status:<=400", [1, 2, 3, 4, 6, 9]),
        ("path:/hooks", [1, 2, 3, 4, 5, 6, 8, 9]),  # the path and below, not /hooksx
        ("path:/hooks/card", [3]),
        ("path:/hooks*", [1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ("method:GET", [7]),
        ("method:get", [7]),
        ("webhook:wh_1", [1, 2]),
        ("webhook:wh_*", [1, 2, 9]),
        ("is:duplicate", [2]),
        ("is:rejected", [5, 6, 7, 8]),
        ("is:accepted", [1, 2, 3, 4, 9]),
        ("is:unauthorized", [5]),
        ("is:invalid_json", [6]),
        ("is:not_envelope", [4]),
        ("is:unverified", [4]),
        ("is:verified", [1, 2, 9]),
        ("is:duplicate_keys", [9]),
        ("is:too_large", [8]),
        ("IS:Duplicate", [2]),
        # negation
        ("-is:duplicate", [1, 3, 4, 5, 6, 7, 8, 9]),
        ("-status:4xx", [1, 2, 3, 4, 9]),
        ("-is:rejected -is:duplicate", [1, 3, 4, 9]),
        # free text over the raw body, bare and quoted
        ("hello", [9]),
        ("café", [9]),
        ('"hello world"', [9]),
        ('"world hello"', []),
        ('"{\\"broken"', [6]),  # an escaped quote inside quoted text
        ("secret", [5]),
        ("-secret", [1, 2, 3, 4, 6, 7, 8, 9]),
        ("one", [1]),
        # terms are ANDed
        ("type:transaction.* -is:duplicate", [1, 3]),
        ("status:2xx webhook:wh_2 hello", [9]),
        ('type:"card.created"', [9]),
        # values reach SQL only as parameters
        ("'; DROP TABLE events; --", []),
        ('id:"x\' OR 1=1 --"', []),
    ],
)
def test_filters_select_the_right_rows(db: EventStore, query: str, expected: list[int]) -> None:
    assert seqs(db, query) == expected
    assert db.count(query) == len(expected)


def test_injection_attempts_leave_the_table_alone(db: EventStore) -> None:
    seqs(db, "'; DROP TABLE events; --")
    assert db.count() == 9


def test_empty_filter_is_empty() -> None:
    assert parse_filter("") == Filter("", ())
    assert parse_filter("  ").empty
    assert not parse_filter("id:x").empty


def test_values_are_bound_parameters_not_sql_text() -> None:
    flt = parse_filter("type:a.* id:evt_1 hello")
    assert "a.*" not in flt._where and "evt_1" not in flt._where and "hello" not in flt._where
    assert flt._params == ("a.*", "evt_1", "hello")


@pytest.mark.parametrize(
    ("query", "position", "fragment"),
    [
        ("foo:bar", 0, "unknown filter"),
        ("type:a foo:bar", 7, "unknown filter"),
        ("type:a -foo:bar", 7, "unknown filter"),
        ("status:abc", 7, "status"),
        ("id:1 status:6xx", 12, "status"),
        ("status:4x", 7, "status"),
        ("is:nope", 3, "is:nope"),
        ("type:a is:maybe", 10, "is:maybe"),
        ('"abc', 0, "quote"),
        ('type:a "hello world', 7, "quote"),
        ('id:"abc', 3, "quote"),
        ('id:""', 0, "needs a value"),
    ],
)
def test_bad_queries_say_where(query: str, position: int, fragment: str) -> None:
    with pytest.raises(FilterError) as info:
        parse_filter(query)
    assert info.value.position == position
    assert fragment in str(info.value)


def test_unknown_key_message_lists_the_known_ones() -> None:
    with pytest.raises(FilterError, match="type, id, status, path, method, is, webhook"):
        parse_filter("colour:red")


def test_negation_keeps_rows_where_the_field_is_missing(db: EventStore) -> None:
    assert seqs(db, "-type:card.*") == [1, 2, 3, 5, 6, 7, 8]
    assert seqs(db, "-webhook:wh_1") == [3, 4, 5, 6, 7, 8, 9]


def test_quoted_text_may_end_with_an_escaped_backslash() -> None:
    flt = parse_filter('"C:\\\\"')
    assert flt._params == ("C:\\",)
