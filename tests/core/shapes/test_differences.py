from __future__ import annotations

from inspector.core.shapes import ShapeLearner, shape_of
from inspector.core.shapes.differences import MISSING, NEW_FIELD, TYPE_CHANGED

from .bodies import authorized, changed, lines, observe_all


def test_five_alike_then_an_extra_field_then_a_changed_type() -> None:
    learner = ShapeLearner()
    five = [authorized(n) for n in range(5)]
    found = observe_all(
        learner, [*five, changed(five[0], wallet="apple_pay"), changed(five[1], amount="12.50")]
    )
    assert found[:5] == [[], [], [], [], []]
    assert lines(found[5]) == ["data.wallet: new field (string)"]
    assert lines(found[6]) == ["data.amount: was integer, now string"]
    assert [(d.kind, d.path) for d in found[5] + found[6]] == [
        (NEW_FIELD, "data.wallet"),
        (TYPE_CHANGED, "data.amount"),
    ]


def test_the_first_delivery_of_a_type_is_not_new() -> None:
    learner = ShapeLearner()
    assert observe_all(learner, [authorized(1)]) == [[]]


def test_a_shape_seen_before_has_no_differences_even_after_others() -> None:
    learner = ShapeLearner()
    base = authorized(1)
    extra = changed(base, wallet="apple_pay")
    found = observe_all(learner, [base, base, base, extra, base, extra])
    assert [len(f) for f in found] == [0, 0, 0, 1, 0, 0]


def test_missing_needs_presence_in_all_of_at_least_three_earlier() -> None:
    base = authorized(1)
    no_city = changed(base, merchant={"name": "Café de Flore", "country": "FR"})
    for earlier, expected in (
        (1, []),
        (2, []),
        (3, ["data.merchant.city: missing (present in all 3 earlier)"]),
    ):
        learner = ShapeLearner()
        found = observe_all(learner, [base] * earlier + [no_city])
        assert lines(found[-1]) == expected, earlier
    learner = ShapeLearner()
    found = observe_all(learner, [base] * 112 + [no_city])
    assert lines(found[-1]) == ["data.merchant.city: missing (present in all 112 earlier)"]
    assert found[-1][0].kind == MISSING


def test_a_field_that_was_missing_once_before_is_not_reported_missing() -> None:
    base = authorized(1)
    no_city = changed(base, merchant={"name": "Café de Flore", "country": "FR"})
    learner = ShapeLearner()
    found = observe_all(learner, [base, no_city, base, base, base, changed(no_city, amount=5)])
    assert found[-1] == []


def test_fields_under_a_new_or_missing_object_are_one_line() -> None:
    base = authorized(1)
    learner = ShapeLearner()
    wallet = {"provider": "apple", "device": {"id": "dev_1", "type": "phone"}}
    found = observe_all(learner, [base] * 3 + [changed(base, wallet=wallet), changed(base, merchant=...)])
    assert lines(found[3]) == ["data.wallet: new field (object)"]
    assert lines(found[4]) == ["data.merchant: missing (present in all 4 earlier)"]


def test_an_object_turned_into_a_string_is_one_line() -> None:
    base = authorized(1)
    learner = ShapeLearner()
    found = observe_all(learner, [base] * 3 + [changed(base, card="card_123")])
    assert lines(found[-1]) == ["data.card: was object, now string"]


def test_new_fields_inside_array_elements_and_new_element_types() -> None:
    base = authorized(1)
    learner = ShapeLearner()
    discounted = changed(base, items=[{"sku": "a", "quantity": 1, "unit_price": 5, "discount": 1}])
    strings = changed(base, items=["sku-a"])
    found = observe_all(learner, [base] * 3 + [discounted, strings])
    assert lines(found[3]) == ["data.items[].discount: new field (integer)"]
    assert lines(found[4]) == ["data.items[]: was object, now string"]


def test_null_is_a_type_of_its_own() -> None:
    base = authorized(1)
    learner = ShapeLearner()
    found = observe_all(learner, [base] * 3 + [changed(base, currency=None)])
    assert lines(found[-1]) == ["data.currency: was string, now null"]


def test_types_are_learned_apart() -> None:
    learner = ShapeLearner()
    card = {"event_id": "e", "event_identifier": "card.created", "data": {"card_id": "c"}}
    found = observe_all(learner, [authorized(1)] * 3 + [card])
    assert found[-1] == []
    assert learner.event_types() == ["card.created", "transaction.authorized"]
    assert learner.deliveries("transaction.authorized") == 3


def test_key_order_alone_is_not_a_new_shape() -> None:
    learner = ShapeLearner()
    body = authorized(1)
    reordered = {"data": body["data"], "event_identifier": body["event_identifier"], "event_id": "x"}
    learner.observe("t", shape_of(body))
    assert learner.observe("t", shape_of(reordered)) == []
    assert learner.summary("t").shapes == 1
