"""A stream of ever-different bodies (keys made up per delivery) cannot grow what is learned."""

from __future__ import annotations

import json

import pytest

from inspector.core.shapes import ShapeLearner, samples, shape_of, type_shapes
from inspector.core.shapes import learner as learner_module

from .bodies import authorized, changed, lines


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(type_shapes, "MAX_SIGNATURES", 5)
    monkeypatch.setattr(type_shapes, "MAX_FAST_KEYS", 8)
    monkeypatch.setattr(type_shapes, "MAX_PATHS", 40)
    monkeypatch.setattr(samples, "MAX_PATHS", 40)


@pytest.mark.usefixtures("small_limits")
def test_ever_new_shapes_are_counted_within_bounds() -> None:
    learner = ShapeLearner()
    found = []
    for n in range(60):
        body = changed(authorized(1), **{f"order_{n}": n})
        found.append(learner.observe("transaction.authorized", shape_of(body), body))
    learner.learn_pending()
    assert lines(found[-1]) == ["data.order_59: new field (integer)"]
    state = learner.to_state()
    saved = state["types"]["transaction.authorized"]
    assert len(saved["shapes"]["shapes"]) == 5
    assert saved["shapes"]["overflow"]["deliveries"] == 55
    known = [row for row in saved["shapes"]["paths"] if row[2]]
    assert len(known) == 40
    assert len(saved["shapes"]["paths"]) == 40  # no path past the bound kept, not even in the overflow
    assert len(saved["samples"]["fields"]) == 40
    schema_text = json.dumps(learner.schema("transaction.authorized"))
    assert "order_59" not in schema_text
    assert learner.deliveries("transaction.authorized") == 60
    restored = ShapeLearner.from_state(json.loads(json.dumps(state)))
    assert restored.schemas() == learner.schemas()


def test_the_sample_queue_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(learner_module, "MAX_PENDING", 10)
    learner = ShapeLearner()
    for n in range(50):
        body = authorized(n)
        learner.observe("transaction.authorized", shape_of(body), body)
    assert learner.pending_samples() <= 20  # new shapes may take twice the bound
    assert learner.dropped_samples > 0
    assert (
        learner.learn_pending() == learner.to_state()["types"]["transaction.authorized"]["samples"]["count"]
    )


def test_more_types_than_the_bound_are_not_learned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(learner_module, "MAX_TYPES", 3)
    learner = ShapeLearner()
    for n in range(5):
        learner.observe(f"type.{n}", shape_of({"a": n}))
    assert learner.event_types() == ["type.0", "type.1", "type.2"]
    assert learner.unlearned_types == 2
