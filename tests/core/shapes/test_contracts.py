from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from inspector.core.shapes import ContractError, SchemaSet, ShapeLearner, write_schema_dir
from inspector.core.shapes.contracts import MAX_MESSAGES

from .bodies import authorized, card_created, changed, observe_all

AUTHORIZED_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["event_id", "event_identifier", "data"],
    "properties": {
        "event_id": {"type": "string"},
        "event_identifier": {"const": "transaction.authorized"},
        "data": {
            "type": "object",
            "required": ["amount", "currency", "created_at", "merchant"],
            "properties": {
                "amount": {"type": "integer", "minimum": 1},
                "currency": {"type": "string", "format": "iso-4217"},
                "created_at": {"type": "string", "format": "date-time"},
                "merchant": {
                    "type": "object",
                    "required": ["country"],
                    "properties": {"country": {"type": "string", "pattern": "^[A-Z]{2}$"}},
                },
                "items": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"quantity": {"type": "integer"}}},
                },
            },
        },
    },
}


@pytest.fixture
def schema_dir(tmp_path: Path) -> Path:
    (tmp_path / "transaction.authorized.json").write_text(json.dumps(AUTHORIZED_SCHEMA))
    (tmp_path / "README.md").write_text("not a schema")
    return tmp_path


def test_a_valid_delivery_has_no_problems(schema_dir: Path) -> None:
    schemas = SchemaSet.from_dir(schema_dir)
    assert schemas.event_types() == ["transaction.authorized"]
    assert schemas.check("transaction.authorized", authorized(1)) == []


def test_problems_are_one_line_each_with_the_json_path(schema_dir: Path) -> None:
    schemas = SchemaSet.from_dir(schema_dir)
    body = changed(authorized(1), amount="12.50", currency="EURO", created_at="yesterday")
    body["data"]["items"][0]["quantity"] = "two"
    problems = schemas.check("transaction.authorized", body)
    assert len(problems) == MAX_MESSAGES
    assert all("\n" not in p for p in problems)
    assert problems[0] == "data.amount: '12.50' is not of type 'integer'"
    assert {p.split(":")[0] for p in problems} <= {
        "data.amount",
        "data.currency",
        "data.created_at",
        "data.items[0].quantity",
    }


def test_a_missing_field_and_a_wrong_identifier(schema_dir: Path) -> None:
    schemas = SchemaSet.from_dir(schema_dir)
    problems = schemas.check("transaction.authorized", changed(authorized(1), merchant={}))
    assert problems == ["data.merchant: 'country' is a required property"]
    body = authorized(1)
    body["event_identifier"] = "card.created"
    assert schemas.check("transaction.authorized", body) == [
        "event_identifier: 'transaction.authorized' was expected"
    ]


def test_types_without_a_schema_are_not_checked(schema_dir: Path) -> None:
    schemas = SchemaSet.from_dir(schema_dir)
    assert not schemas.covers("card.created")
    assert schemas.check("card.created", {"anything": True}) == []


def test_messages_do_not_repeat_card_numbers(schema_dir: Path) -> None:
    schemas = SchemaSet.from_dir(schema_dir)
    quoted = schemas.check("transaction.authorized", changed(authorized(1), amount="4111 1111 1111 1111"))
    assert quoted == ["data.amount: '[redacted]' is not of type 'integer'"]
    bare = schemas.check("transaction.authorized", changed(authorized(1), created_at=4111111111111111))
    assert bare == ["data.created_at: [redacted] is not of type 'string'"]


def test_a_long_value_is_cut_in_the_message(schema_dir: Path) -> None:
    schemas = SchemaSet.from_dir(schema_dir)
    (problem,) = schemas.check("transaction.authorized", changed(authorized(1), amount="x" * 5000))
    assert len(problem) < 200


def test_unusable_schema_files_are_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ContractError, match=r"^bad\.json is not valid JSON \(line 1"):
        SchemaSet.from_dir(tmp_path)
    (tmp_path / "bad.json").write_text(json.dumps({"type": "no-such-type"}))
    with pytest.raises(ContractError, match=r"^bad\.json is not a valid JSON Schema"):
        SchemaSet.from_dir(tmp_path)
    with pytest.raises(ContractError, match="does not exist"):
        SchemaSet.from_dir(tmp_path / "missing")


def test_a_schema_of_data_alone_is_applied_to_data(tmp_path: Path) -> None:
    data_only = {"type": "object", "required": ["card_id"], "properties": {"card_id": {"type": "string"}}}
    (tmp_path / "card.created.json").write_text(json.dumps(data_only))
    schemas = SchemaSet.from_dir(tmp_path)
    assert schemas.check("card.created", card_created(1)) == []
    assert schemas.check("card.created", changed(card_created(1), card_id=7)) == [
        "data.card_id: 7 is not of type 'string'"
    ]


OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "Provider", "version": "1"},
    "paths": {},
    "components": {
        "schemas": {
            "Merchant": {
                "type": "object",
                "required": ["country"],
                "properties": {"country": {"type": "string"}, "city": {"type": "string", "nullable": True}},
            },
            "AuthorizationEnvelope": {
                "type": "object",
                "required": ["event_id", "event_identifier", "data"],
                "properties": {
                    "event_id": {"type": "string"},
                    "event_identifier": {"type": "string", "enum": ["transaction.authorized"]},
                    "data": {
                        "type": "object",
                        "required": ["amount", "merchant"],
                        "properties": {
                            "amount": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
                            "merchant": {"$ref": "#/components/schemas/Merchant"},
                        },
                    },
                },
            },
            "CardCreatedEvent": {
                "type": "object",
                "required": ["data"],
                "properties": {
                    "event_identifier": {"type": "string"},
                    "data": {
                        "type": "object",
                        "required": ["card_id", "status"],
                        "properties": {"status": {"type": "string", "enum": ["inactive", "active"]}},
                    },
                },
            },
        }
    },
}


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_openapi_components_map_to_types_by_identifier_or_by_name(tmp_path: Path, suffix: str) -> None:
    document = tmp_path / f"provider{suffix}"
    document.write_text(yaml.safe_dump(OPENAPI) if suffix == ".yaml" else json.dumps(OPENAPI))
    schemas = SchemaSet.from_openapi(document)
    assert schemas.check("transaction.authorized", authorized(1)) == []
    assert schemas.check("transaction.authorized", changed(authorized(1), amount=0)) == [
        "data.amount: 0 is less than or equal to the minimum of 0"
    ]
    no_country = changed(authorized(1), merchant={"city": None})
    assert schemas.check("transaction.authorized", no_country) == [
        "data.merchant: 'country' is a required property"
    ]
    assert schemas.covers("card.created")  # by the name CardCreatedEvent
    assert schemas.check("card.created", card_created(1)) == []
    assert schemas.check("card.created", changed(card_created(1), status="lost")) == [
        "data.status: 'lost' is not one of ['inactive', 'active']"
    ]
    assert not schemas.covers("balance.updated")


def test_documents_that_are_not_openapi_3(tmp_path: Path) -> None:
    swagger = tmp_path / "old.json"
    swagger.write_text(json.dumps({"swagger": "2.0"}))
    with pytest.raises(ContractError, match="not an OpenAPI 3 document"):
        SchemaSet.from_openapi(swagger)
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: [3.0\n")
    with pytest.raises(ContractError, match="not valid YAML"):
        SchemaSet.from_openapi(broken)


def test_todays_learned_shape_frozen_as_the_contract(tmp_path: Path) -> None:
    learner = ShapeLearner()
    five = [authorized(n) for n in range(5)]
    observe_all(learner, [*five, card_created(1)])
    written = write_schema_dir(learner.schemas(), tmp_path / "contract")
    assert sorted(p.name for p in written) == ["card.created.json", "transaction.authorized.json"]
    contract = SchemaSet.from_dir(tmp_path / "contract")
    assert all(contract.check("transaction.authorized", body) == [] for body in five)
    assert contract.check("transaction.authorized", changed(five[0], amount="12.50")) == [
        "data.amount: '12.50' is not of type 'integer'"
    ]
    assert contract.check("transaction.authorized", changed(five[0], merchant=...)) == [
        "data: 'merchant' is a required property"
    ]
    in_memory = SchemaSet.from_schemas(learner.schemas())
    assert in_memory.check("card.created", card_created(2)) == []


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "", "a..b"])
def test_event_types_that_cannot_be_file_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ContractError, match="cannot be used as a schema file name"):
        write_schema_dir({"ok": {}, name: {}}, tmp_path / "out")
    assert not (tmp_path / "out").exists()
