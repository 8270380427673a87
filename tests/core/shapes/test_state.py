from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from inspector.core.shapes import ShapeLearner, StateError, markdown_text, shape_of

from .bodies import authorized, card_created, changed, lines, observe_all


def learned() -> ShapeLearner:
    learner = ShapeLearner()
    bodies = [authorized(n) for n in range(30)] + [card_created(n) for n in range(5)]
    bodies[7] = changed(bodies[7], wallet="apple_pay")
    observe_all(learner, bodies)
    return learner


def through_json(state: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(state))


def test_state_round_trips_through_json() -> None:
    learner = learned()
    restored = ShapeLearner.from_state(through_json(learner.to_state()))
    assert restored.event_types() == learner.event_types()
    assert restored.schemas() == learner.schemas()
    assert restored.summary("transaction.authorized") == learner.summary("transaction.authorized")
    assert markdown_text(restored) == markdown_text(learner)
    assert through_json(restored.to_state()) == through_json(learner.to_state())


def test_learning_goes_on_after_a_restart() -> None:
    restored = ShapeLearner.from_state(through_json(learned().to_state()))
    body = authorized(100)
    assert restored.observe("transaction.authorized", shape_of(body), body) == []
    assert lines(restored.observe("transaction.authorized", shape_of(changed(body, amount="1")))) == [
        "data.amount: was integer, now string"
    ]
    assert lines(restored.observe("transaction.authorized", shape_of(changed(body, merchant=...)))) == [
        "data.merchant: missing (present in all 32 earlier)"
    ]
    assert restored.deliveries("transaction.authorized") == 33


def test_types_can_be_saved_one_by_one() -> None:
    learner = learned()
    assert learner.take_dirty() == {"card.created", "transaction.authorized"}
    assert learner.take_dirty() == set()
    learner.observe("card.created", shape_of(card_created(9)))
    assert learner.take_dirty() == {"card.created"}
    parts = {t: learner.to_state([t])["types"][t] for t in learner.event_types()}
    joined = ShapeLearner.from_state(through_json({"version": 1, "types": parts}))
    assert joined.schemas() == learner.schemas()


@pytest.mark.parametrize(
    "state",
    [
        None,
        {"version": 99, "types": {}},
        {"version": 1},
        {"version": 1, "types": {"t": {}}},
        {"version": 1, "types": {"t": {"shapes": {"paths": "x"}, "samples": {}}}},
    ],
)
def test_unreadable_state_is_one_sentence(state: Any) -> None:
    with pytest.raises(StateError, match="rebuild them from the history"):
        ShapeLearner.from_state(state)


def test_state_with_an_unknown_type_name_or_bad_index_is_refused() -> None:
    state = through_json(learned().to_state())
    entry = state["types"]["card.created"]["shapes"]
    entry["paths"][0][2] = ["text"]
    with pytest.raises(StateError, match="unknown JSON type"):
        ShapeLearner.from_state(state)
    state = through_json(learned().to_state())
    state["types"]["card.created"]["shapes"]["shapes"][0]["pairs"][0][0] = -1
    with pytest.raises(StateError, match="refer to a path"):
        ShapeLearner.from_state(state)


def test_rebuild_relearns_the_same_as_observing_one_by_one() -> None:
    incremental = learned()
    bodies = [authorized(n) for n in range(30)] + [card_created(n) for n in range(5)]
    bodies[7] = changed(bodies[7], wallet="apple_pay")
    rebuilt = ShapeLearner()
    seen: list[int] = []
    assert rebuilt.rebuild(((b["event_identifier"], b) for b in bodies), progress=seen.append, every=10)
    assert seen == [10, 20, 30, 35]
    again: list[int] = []
    assert ShapeLearner().rebuild(
        ((b["event_identifier"], b) for b in bodies[:30]), progress=again.append, every=10
    )
    assert again == [10, 20, 30]
    assert rebuilt.schemas() == incremental.schemas()
    assert rebuilt.summary("transaction.authorized") == incremental.summary("transaction.authorized")


def test_a_cancelled_rebuild_keeps_what_was_learned() -> None:
    learner = learned()
    before = through_json(learner.to_state())
    asked = 0

    def cancelled() -> bool:
        nonlocal asked
        asked += 1
        return asked > 2

    events = ((b["event_identifier"], b) for b in (authorized(n) for n in range(1000)))
    seen: list[int] = []
    assert learner.rebuild(events, progress=seen.append, cancelled=cancelled, every=100) is False
    assert seen == [100, 200]
    assert through_json(learner.to_state()) == before


def test_observing_and_learning_on_two_threads() -> None:
    learner = ShapeLearner()
    bodies = [authorized(n) for n in range(2000)]
    done = threading.Event()

    def learn() -> None:
        while not done.is_set():
            learner.learn_pending(limit=10)

    worker = threading.Thread(target=learn)
    worker.start()
    try:
        for body in bodies:
            learner.observe(body["event_identifier"], shape_of(body), body)
    finally:
        done.set()
        worker.join()
    learner.learn_pending()
    summary = learner.summary("transaction.authorized")
    assert summary.deliveries == 2000
    assert summary.sampled == learner.to_state()["types"]["transaction.authorized"]["samples"]["count"]
    assert learner.pending_samples() == 0


@pytest.mark.parametrize(
    "schema", [{"type": {"x": 1}}, {"type": "object", "anyOf": 3}, ["not", "a", "schema"]]
)
def test_a_damaged_saved_schema_is_refused_as_state(schema: Any) -> None:
    state = through_json(learned().to_state())
    state["types"]["card.created"]["samples"]["schema"] = schema
    with pytest.raises(StateError, match=r"'card\.created' are damaged"):
        ShapeLearner.from_state(state)
