"""Strict JSON body parsing: what is acknowledged, what is a 400, and the sentence that says why."""

from __future__ import annotations

import pytest

from inspector.core.capture.json_body import JsonBodyError, parse_json_body


def test_a_full_envelope() -> None:
    parsed = parse_json_body(
        b'{"event_id": "evt_1", "event_identifier": "transaction.created", "data": {"a": 1}}'
    )
    assert parsed.value == {"event_id": "evt_1", "event_identifier": "transaction.created", "data": {"a": 1}}
    assert parsed.missing_fields == ()
    assert parsed.duplicate_keys is False
    assert (parsed.event_id, parsed.event_identifier) == ("evt_1", "transaction.created")


def test_missing_envelope_fields_are_listed_in_order() -> None:
    parsed = parse_json_body(b'{"data": {}}')
    assert parsed.missing_fields == ("event_id", "event_identifier")
    assert parsed.event_id is None
    assert parse_json_body(b"{}").missing_fields == ("event_id", "event_identifier", "data")


def test_numeric_event_id_is_kept_as_text_and_other_types_are_dropped() -> None:
    assert parse_json_body(b'{"event_id": 12345}').event_id == "12345"
    assert parse_json_body(b'{"event_id": true}').event_id is None
    assert parse_json_body(b'{"event_id": {"x": 1}}').event_id is None
    assert parse_json_body(b'{"event_id": 1.5}').event_id is None


def test_very_long_event_id_is_capped() -> None:
    parsed = parse_json_body(b'{"event_id": "' + b"e" * 5000 + b'"}')
    assert parsed.event_id is not None
    assert len(parsed.event_id) == 512


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1, "a": 2}',
        b'{"data": {"x": 1, "x": 1}}',
        b'{"list": [{"k": 1, "k": 2}]}',
    ],
)
def test_duplicate_keys_anywhere_are_flagged(body: bytes) -> None:
    assert parse_json_body(body).duplicate_keys is True


def test_no_duplicate_keys_across_different_objects() -> None:
    assert parse_json_body(b'{"a": {"k": 1}, "b": {"k": 2}}').duplicate_keys is False


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "\\ud83d\\ude00"}',  # a proper surrogate pair (an emoji) is fine
        '{"name": "café ☕"}'.encode(),
        b'{"big": 123456789012345678901234567890}',
        b'{"n": 1e308, "m": -1e-400}',
        b'{"nested": ' + b"[" * 500 + b"]" * 500 + b"}",
        b'  \n{"a": 1}\n  ',
    ],
)
def test_unusual_but_valid_bodies_are_accepted(body: bytes) -> None:
    assert isinstance(parse_json_body(body).value, dict)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b" \n\t ", "empty"),
        (b"{", "line 1 column 2"),
        (b'{"a": 1,}', "invalid JSON"),
        (b'{"a": "\xff"}', "not valid UTF-8 (byte 7)"),
        (b'{"a": "\xed\xa0\x80"}', "UTF-8"),
        (b'{"a": "\\ud800"}', "surrogate"),
        (b'{"a": "\\uDFFF and more"}', "surrogate"),
        (b'{"a": ["x", "\\ud83d"]}', "surrogate"),  # high half without its low half
        (b'{"a": NaN}', "NaN"),
        (b'{"a": Infinity}', "Infinity"),
        (b'{"a": -Infinity}', "Infinity"),
        (b'{"a": 1e400}', "out of range"),
        (b'{"a": -1e400}', "out of range"),
        (b'{"a": ' + b"1" * 5000 + b"}", "invalid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
        (b'\xef\xbb\xbf{"a": 1}', "byte order mark"),
        (b"[1, 2]", "array"),
        (b'"text"', "string"),
        (b"42", "number"),
        (b"true", "boolean"),
        (b"null", "null"),
    ],
)
def test_bad_bodies_raise_one_clear_sentence(body: bytes, fragment: str) -> None:
    with pytest.raises(JsonBodyError) as info:
        parse_json_body(body)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert len(message) < 200


def test_the_error_is_a_value_error_for_callers_that_catch_broadly() -> None:
    assert issubclass(JsonBodyError, ValueError)
