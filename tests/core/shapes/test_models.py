from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections.abc import Iterator
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import pydantic
import pytest

from inspector.core.shapes import ModelsUnavailable, SchemaSet, ShapeLearner, generate_models

from .bodies import authorized, card_created, changed, observe_all
from .test_contracts import OPENAPI

FIVE = [authorized(n) for n in range(5)]
CARDS = [card_created(n) for n in range(5)]


@pytest.fixture(scope="module")
def learner() -> ShapeLearner:
    learner = ShapeLearner()
    observe_all(learner, FIVE + CARDS)
    return learner


@pytest.fixture
def load() -> Iterator[typing.Callable[[str], types.ModuleType]]:
    """Exec generated code as a fresh module (registered, so annotations resolve), then drop it."""
    names: list[str] = []

    def _load(code: str) -> types.ModuleType:
        name = f"generated_models_{len(names)}_{id(names)}"
        module = types.ModuleType(name)
        sys.modules[name] = module
        names.append(name)
        exec(compile(code, f"<{name}>", "exec"), module.__dict__)
        return module

    yield _load
    for name in names:
        sys.modules.pop(name, None)


def build(kind: Any, value: Any) -> Any:
    """Construct `value` as type `kind` from generated dataclasses, checking every level on the way.

    A generated TypedDict is checked the way a type checker reads it: required keys present, no
    keys it does not name, each value of its annotated type.
    """
    if typing.is_typeddict(kind):
        assert isinstance(value, dict)
        hints = get_type_hints(kind)
        assert kind.__required_keys__ <= set(value) <= set(hints), sorted(set(value) ^ set(hints))
        return {key: build(hints[key], sub) for key, sub in value.items()}
    if dataclasses.is_dataclass(kind):
        assert isinstance(value, dict)
        hints = get_type_hints(kind)
        return kind(**{key: build(hints[key], sub) for key, sub in value.items()})
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        for option in get_args(kind):
            try:
                return build(option, value)
            except (AssertionError, TypeError):
                continue
        raise AssertionError(f"{value!r} fits none of {kind}")
    if origin is list:
        assert isinstance(value, list)
        return [build(get_args(kind)[0], item) for item in value]
    if origin is Literal:
        assert value in get_args(kind)
        return value
    if kind is type(None):
        assert value is None
        return value
    if kind is float:
        assert isinstance(value, int | float) and not isinstance(value, bool)
        return value
    if kind in (str, int, bool):
        assert type(value) is kind
        return value
    if kind is Any:
        return value
    raise AssertionError(f"unexpected annotation {kind!r}")


def test_pydantic_models_of_one_type_parse_its_bodies(learner: ShapeLearner, load: Any) -> None:
    module = load(generate_models({"transaction.authorized": learner.schema("transaction.authorized")}))
    model = module.TransactionAuthorized
    for body in FIVE:
        parsed = model.model_validate(body)
        assert parsed.data.amount == body["data"]["amount"]
        assert parsed.data.items[0].sku == body["data"]["items"][0]["sku"]
    with pytest.raises(pydantic.ValidationError):
        model.model_validate(changed(FIVE[0], amount="a lot"))


def test_dataclasses_of_one_type_are_built_from_its_bodies(learner: ShapeLearner, load: Any) -> None:
    code = generate_models(
        {"transaction.authorized": learner.schema("transaction.authorized")}, "dataclasses"
    )
    module = load(code)
    for body in FIVE:
        built = build(module.TransactionAuthorized, body)
        assert built.data.card.last4 == "4242"
        assert dataclasses.is_dataclass(built.data.merchant)
    with pytest.raises(TypeError):
        build(module.TransactionAuthorized, changed(FIVE[0], merchant=...))


def test_typeddicts_compile_and_describe_the_bodies(learner: ShapeLearner, load: Any) -> None:
    module = load(generate_models(learner.schemas(), "typeddict"))
    for body in FIVE + CARDS:
        assert build(module.WebhookEvent, body) == body
    assert module.TransactionAuthorized.__required_keys__ >= {"event_id", "event_identifier", "data"}
    with pytest.raises(AssertionError):
        build(module.TransactionAuthorized, changed(FIVE[0], amount="a lot"))


def test_the_union_discriminates_on_event_identifier(learner: ShapeLearner, load: Any) -> None:
    module = load(generate_models(learner.schemas()))
    union = module.WebhookEvent
    assert type(union.model_validate(FIVE[0]).root) is module.TransactionAuthorized
    assert type(union.model_validate(CARDS[0]).root) is module.CardCreated
    # A card body labelled as a transaction is not quietly taken as a card: the label decides.
    mislabelled = dict(CARDS[0], event_identifier="transaction.authorized")
    with pytest.raises(pydantic.ValidationError, match=r"transaction\.authorized"):
        union.model_validate(mislabelled)
    with pytest.raises(pydantic.ValidationError, match="does not match any of the expected tags"):
        union.model_validate(dict(CARDS[0], event_identifier="card.deleted"))


def test_the_dataclass_union_members_differ_in_their_identifier(learner: ShapeLearner, load: Any) -> None:
    module = load(generate_models(learner.schemas(), "dataclasses"))
    assert set(get_args(module.WebhookEvent)) == {module.TransactionAuthorized, module.CardCreated}
    for body in FIVE + CARDS:
        built = build(module.WebhookEvent, body)
        assert built.event_identifier == body["event_identifier"]
        assert type(built).__name__ == {"card.created": "CardCreated"}.get(
            body["event_identifier"], "TransactionAuthorized"
        )


def test_value_sets_can_be_left_open(load: Any) -> None:
    learner = ShapeLearner()
    observe_all(learner, [authorized(n) for n in range(25)])
    closed = generate_models(learner.schemas())
    assert "Literal['CHF', 'EUR', 'GBP', 'USD']" in closed
    opened = load(generate_models(learner.schemas(), value_sets=False))
    assert (
        opened.TransactionAuthorized.model_validate(changed(FIVE[0], currency="JPY")).data.currency == "JPY"
    )


def test_models_from_an_openapi_document(load: Any) -> None:
    schemas = SchemaSet.from_openapi(OPENAPI)
    code = generate_models({"transaction.authorized": schemas.schema("transaction.authorized")})
    module = load(code)
    parsed = module.TransactionAuthorized.model_validate(FIVE[0])
    assert parsed.data.merchant.country == FIVE[0]["data"]["merchant"]["country"]


def test_without_the_extra_the_error_says_how_to_install_it(
    learner: ShapeLearner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A None entry makes `import datamodel_code_generator` fail as if it were not installed.
    for name in [m for m in sys.modules if m.startswith("datamodel_code_generator")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "datamodel_code_generator", None)
    with pytest.raises(ModelsUnavailable, match=r"pip install 'webhook-inspector\[models\]'"):
        generate_models(learner.schemas())
