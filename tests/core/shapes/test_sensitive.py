"""Secrets and card-number-like values planted in deliveries never come out of the learner."""

from __future__ import annotations

import json
from typing import Any

import pytest

from inspector.core.shapes import (
    ShapeLearner,
    generate_models,
    markdown_text,
    schemas_json,
    shape_of,
)
from inspector.core.shapes.sensitive import example_allowed, looks_like_card_number, looks_like_token

from .bodies import authorized

TOKEN_BY_NAME = "plain-looking-value-7"
SESSION_VALUE = "sess-plain-value"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
RANDOM = "Zx9Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9L"
BEARER = "Bearer abc.def.ghi"
PANS = {
    "pan_spaces": "4111 1111 1111 1111",
    "pan_dashes": "5555-5555-5555-4444",
    "pan_plain": "4242424242424242",
    "pan_not_luhn": "1234567890123456",
    "pan_13": "4222222222222",
    "pan_19": "6011000990139424123",
    "pan_in_text": "card 4000056655665556 was used",
}
PAN_NUMBER = 4000002500003155
PAN_KEY = "5105105105105100"
PLANTED = [TOKEN_BY_NAME, SESSION_VALUE, JWT, RANDOM, BEARER, *PANS.values(), str(PAN_NUMBER), PAN_KEY]
# Parts of planted values that must not survive either (a number split back into digits, say).
FRAGMENTS = ["4111 1111", "5555-5555", "424242424242", "123456789012", "dozjgNryP4J3", "Zx9Qw3Er5T"]
MASKED = "424242******4242"


def planted(n: int) -> dict[str, Any]:
    body = authorized(n)
    body["data"].update(
        {
            "authorization_token": TOKEN_BY_NAME,
            "session": {"id": SESSION_VALUE},
            "note": JWT,
            "reference": RANDOM,
            "header_echo": BEARER,
            "pan_number": PAN_NUMBER,
            "cards_by_pan": {PAN_KEY: {"status": "active"}},
            **PANS,
        }
    )
    return body


@pytest.fixture(scope="module")
def learner() -> ShapeLearner:
    learner = ShapeLearner()
    # 25 identical planted values: enough for a value set, were they allowed into one.
    for n in range(25):
        body = planted(n)
        learner.observe("transaction.authorized", shape_of(body), body)
    learner.learn_pending()
    return learner


def assert_clean(text: str) -> None:
    leaked = [value for value in PLANTED + FRAGMENTS if value in text]
    assert leaked == []


def test_the_saved_state_holds_none_of_them(learner: ShapeLearner) -> None:
    text = json.dumps(learner.to_state(), ensure_ascii=False)
    assert_clean(text)
    assert MASKED in text  # examples are kept, so the test could have caught a leak


def test_the_schema_holds_none_of_them(learner: ShapeLearner) -> None:
    text = schemas_json(learner)
    assert_clean(text)
    assert MASKED in text
    schema = learner.schema("transaction.authorized")
    for field in ("note", "reference", *PANS):
        assert "examples" not in schema["properties"]["data"]["properties"][field]
        assert "enum" not in schema["properties"]["data"]["properties"][field]


def test_the_markdown_holds_none_of_them(learner: ShapeLearner) -> None:
    text = markdown_text(learner)
    assert_clean(text)
    assert MASKED in text
    assert "`data.pan_plain`" in text  # the field is listed, its value is not


def test_the_summary_holds_none_of_them(learner: ShapeLearner) -> None:
    text = repr(learner.summary("transaction.authorized"))
    assert_clean(text)
    assert MASKED in text


@pytest.mark.parametrize("style", ["pydantic", "dataclasses", "typeddict"])
def test_generated_code_holds_none_of_them(learner: ShapeLearner, style: str) -> None:
    code = generate_models(learner.schemas(), style)  # type: ignore[arg-type]
    assert_clean(code)
    assert "pan_plain" in code


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "1234567890123",
        "1234567890123456789",
        "pan=4111111111111111;",
    ],
)
def test_card_number_like(text: str) -> None:
    assert looks_like_card_number(text)
    assert not example_allowed(text)


@pytest.mark.parametrize("text", ["424242******4242", "4242", "2026-11-27T02:54:03.123Z", "+49 30 1234 5678"])
def test_not_card_number_like(text: str) -> None:
    assert not looks_like_card_number(text)


@pytest.mark.parametrize(
    "text", [JWT, RANDOM, BEARER, "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "a" * 16 + "1" * 16]
)
def test_token_like(text: str) -> None:
    assert looks_like_token(text)


@pytest.mark.parametrize(
    "text",
    [
        "txn_3f9a2b7c1d0e4f5a6b7c8d9e",
        "550e8400-e29b-41d4-a716-446655440000",
        "Café de Flore",
        "insufficient_funds",
        "ana.123@example.com",
        "https://example.com/receipts/123",
    ],
)
def test_not_token_like(text: str) -> None:
    assert not looks_like_token(text)
    assert example_allowed(text)


def test_numbers_with_card_number_digits_are_not_examples() -> None:
    assert not example_allowed(4111111111111111)
    assert example_allowed(12_599)
