from __future__ import annotations

import json

from inspector.core.shapes import Shape, shape_of
from inspector.core.shapes.signature import MAX_DEPTH

from .bodies import authorized


def test_paths_name_nested_objects_and_array_elements() -> None:
    paths = shape_of(authorized(1)).paths
    assert ("$", "object") in paths
    assert ("data.card.last4", "string") in paths
    assert ("data.merchant.country", "string") in paths
    assert ("data.items", "array") in paths
    assert ("data.items[]", "object") in paths
    assert ("data.items[].quantity", "integer") in paths
    assert not any(path.startswith("data.items[0]") for path, _ in paths)


def test_type_names_are_json_schema_names() -> None:
    body = {"s": "x", "i": 1, "n": 1.5, "b": True, "z": None, "o": {}, "a": []}
    assert shape_of(body).paths == {
        ("$", "object"),
        ("s", "string"),
        ("i", "integer"),
        ("n", "number"),
        ("b", "boolean"),
        ("z", "null"),
        ("o", "object"),
        ("a", "array"),
    }


def test_array_elements_of_several_types_and_nested_arrays() -> None:
    paths = shape_of({"mixed": [1, "two", None], "grid": [[1, 2], [3]], "empty": []}).paths
    assert {("mixed[]", "integer"), ("mixed[]", "string"), ("mixed[]", "null")} <= paths
    assert {("grid[]", "array"), ("grid[][]", "integer")} <= paths
    assert ("empty", "array") in paths
    assert not any(path == "empty[]" for path, _ in paths)


def test_equal_structure_gives_equal_hashable_shapes() -> None:
    # authorized(1) has two line items, authorized(3) one: how many does not make another shape.
    first, second = shape_of(authorized(1)), shape_of(authorized(3))
    assert first == second
    assert len({first, second}) == 1
    assert shape_of({"a": 1}) != shape_of({"a": "1"})


def test_key_order_changes_the_key_but_not_the_paths() -> None:
    body = {"a": 1, "b": {"c": "x"}}
    reordered = {"b": {"c": "x"}, "a": 1}
    assert shape_of(body).paths == shape_of(reordered).paths


def test_odd_keys_cannot_collide_with_nested_paths() -> None:
    dotted = shape_of({"a.b": 1}).paths
    nested = shape_of({"a": {"b": 1}}).paths
    assert ('["a.b"]', "integer") in dotted
    assert ("a.b", "integer") in nested
    assert dotted != nested
    assert ('data[""]', "string") in shape_of({"data": {"": "empty key"}}).paths


def test_keys_that_look_like_card_numbers_or_tokens_are_not_kept_in_paths() -> None:
    body = {"data": {"cards": {"4111111111111111": {"status": "active"}}}}
    text = json.dumps(sorted(shape_of(body).paths))
    assert "4111111111111111" not in text
    assert "[redacted]" in text


def test_deep_bodies_are_cut_off_not_a_crash() -> None:
    body: dict[str, object] = {"leaf": 1}
    for _ in range(MAX_DEPTH * 3):
        body = {"x": body}
    shape = shape_of(body)
    assert shape.truncated
    assert max(path.count(".") for path, _ in shape.paths) < MAX_DEPTH + 1


def test_values_json_does_not_produce_still_give_a_shape() -> None:
    shape = shape_of({"when": object(), "t": (1, 2)})
    assert isinstance(shape, Shape)
    assert ("t", "array") in shape.paths
