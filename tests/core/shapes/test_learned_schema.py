from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from inspector.core.shapes import DRAFT_2020_12, ShapeLearner, schema_json, schemas_json, shape_of
from inspector.core.shapes.formats import format_checker
from inspector.core.shapes.samples import VALUE_SET_MIN_SAMPLES

from .bodies import authorized, card_created, changed, observe_all


def learned(bodies: list[dict]) -> ShapeLearner:
    learner = ShapeLearner()
    observe_all(learner, bodies)
    return learner


def test_the_schema_is_draft_2020_12_and_validates_what_it_was_learned_from() -> None:
    five = [authorized(n) for n in range(5)]
    schema = learned(five).schema("transaction.authorized")
    assert schema["$schema"] == DRAFT_2020_12
    Draft202012Validator.check_schema(schema)  # against the draft's own metaschema
    validator = Draft202012Validator(schema, format_checker=format_checker())
    for body in five:
        assert list(validator.iter_errors(body)) == []
    assert not validator.is_valid(changed(five[0], amount="12.50"))
    assert not validator.is_valid(changed(five[0], card=...))


def test_required_means_in_every_delivery_even_those_not_sampled() -> None:
    bodies = [authorized(n) for n in range(30)]
    no_city = changed(bodies[0], merchant={"name": "x", "country": "DE"})
    learner = ShapeLearner()
    observe_all(learner, bodies)
    # Observed without its body (as when the sample queue is full): genson never sees it.
    learner.observe("transaction.authorized", shape_of(no_city))
    learner.learn_pending()
    merchant = learner.schema("transaction.authorized")["properties"]["data"]["properties"]["merchant"]
    assert "city" in merchant["properties"]
    assert sorted(merchant["required"]) == ["country", "name"]


def test_optional_fields_are_not_required_and_nested_objects_carry_their_own() -> None:
    bodies = [authorized(n) for n in range(6)]
    bodies[2] = changed(bodies[2], wallet={"provider": "apple", "device_id": "d1"})
    schema = learned(bodies).schema("transaction.authorized")
    data = schema["properties"]["data"]
    assert "wallet" in data["properties"]
    assert "wallet" not in data["required"]
    assert sorted(data["properties"]["wallet"]["required"]) == ["device_id", "provider"]
    assert sorted(schema["required"]) == ["data", "event_id", "event_identifier"]


def test_array_items_are_described_with_their_own_required() -> None:
    bodies = [authorized(n) for n in range(4)]
    bodies[1]["data"]["items"].append({"sku": "gift", "quantity": 1})
    items = learned(bodies).schema("transaction.authorized")["properties"]["data"]["properties"]["items"]
    assert items["type"] == "array"
    assert items["items"]["type"] == "object"
    assert sorted(items["items"]["required"]) == ["quantity", "sku"]


def test_formats_are_recognised() -> None:
    bodies = [card_created(n) for n in range(5)]
    for n, body in enumerate(bodies):
        body["data"]["request_id"] = f"550e8400-e29b-41d4-a716-44665544{n:04d}"
        body["data"]["receipt"] = f"https://example.com/r/{n}"
        body["data"]["valid_from"] = f"2026-12-{n + 1:02d}"
        body["data"]["currency"] = "EUR"
    data = learned(bodies).schema("card.created")["properties"]["data"]["properties"]
    assert data["created_at"]["format"] == "date-time"
    assert data["cardholder"]["properties"]["email"]["format"] == "email"
    assert data["request_id"]["format"] == "uuid"
    assert data["receipt"]["format"] == "uri"
    assert data["valid_from"]["format"] == "date"
    assert data["currency"]["format"] == "iso-4217"
    assert "format" not in data["card_id"]


def test_a_local_time_without_zone_is_not_a_date_time() -> None:
    bodies = [card_created(n) for n in range(5)]
    for body in bodies:
        body["data"]["created_at"] = "2026-11-27T10:00:00"
    data = learned(bodies).schema("card.created")["properties"]["data"]["properties"]
    assert "format" not in data["created_at"]


def test_small_value_sets_need_enough_samples() -> None:
    few = learned([authorized(n) for n in range(VALUE_SET_MIN_SAMPLES - 1)])
    many = learned([authorized(n) for n in range(VALUE_SET_MIN_SAMPLES)])
    few_currency = few.schema("transaction.authorized")["properties"]["data"]["properties"]["currency"]
    currency = many.schema("transaction.authorized")["properties"]["data"]["properties"]["currency"]
    assert "enum" not in few_currency
    assert currency["enum"] == sorted({b["data"]["currency"] for b in map(authorized, range(20))})
    # Ids and timestamps have (nearly) as many values as samples: never a set.
    data = many.schema("transaction.authorized")["properties"]["data"]["properties"]
    assert "enum" not in data["transaction_id"]
    assert "enum" not in data["created_at"]


def test_more_than_ten_distinct_values_is_no_set() -> None:
    eleven = ["EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "JPY"]
    bodies = [changed(authorized(n), currency=eleven[n % 11]) for n in range(60)]
    data = learned(bodies).schema("transaction.authorized")["properties"]["data"]["properties"]
    assert "enum" not in data["currency"]
    assert data["currency"]["format"] == "iso-4217"


def test_a_nullable_value_set_includes_null() -> None:
    bodies = [authorized(n) for n in range(30)]
    for body in bodies[::3]:
        body["data"]["currency"] = None
    schema = learned(bodies).schema("transaction.authorized")
    currency = schema["properties"]["data"]["properties"]["currency"]
    assert None in currency["enum"]
    validator = Draft202012Validator(schema, format_checker=format_checker())
    assert all(validator.is_valid(b) for b in bodies)


def test_event_identifier_is_the_type_itself() -> None:
    schema = learned([authorized(1)]).schema("transaction.authorized")
    assert schema["properties"]["event_identifier"] == {"type": "string", "const": "transaction.authorized"}
    assert schema["title"] == "transaction.authorized"


def test_examples_are_a_few_real_values() -> None:
    bodies = [authorized(n) for n in range(10)]
    data = learned(bodies).schema("transaction.authorized")["properties"]["data"]["properties"]
    examples = data["amount"]["examples"]
    assert 1 <= len(examples) <= 3
    assert set(examples) <= {b["data"]["amount"] for b in bodies}


def test_exports_one_type_or_all_as_json() -> None:
    learner = learned([authorized(1), card_created(1)])
    one = json.loads(schema_json(learner, "card.created"))
    assert one["title"] == "card.created"
    every = json.loads(schemas_json(learner))
    assert sorted(every) == ["card.created", "transaction.authorized"]
    for schema in every.values():
        Draft202012Validator.check_schema(schema)
    with pytest.raises(KeyError):
        learner.schema("never.seen")


def test_a_type_seen_without_bodies_still_has_a_valid_schema() -> None:
    learner = ShapeLearner()
    learner.observe("t", shape_of(authorized(1)))
    schema = learner.schema("t")
    Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object"
