"""The lazy JSON tree model: Qt's model contract, laziness, paths and copied values."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt

from inspector.ui.detail.json_tree_model import (
    COL_KEY,
    COL_TYPE,
    COL_VALUE,
    FETCH_BATCH,
    JSON_PATH_ROLE,
    JsonTreeModel,
    path_segment,
)

ENVELOPE: dict[str, Any] = {
    "event_id": "evt_01HZX3",
    "event_identifier": "transaction.authorized",
    "data": {
        "amount": 4200,
        "currency": "EUR",
        "card": {"id": "card_9", "last4": "4242", "tags": ["virtual", "travel"]},
        "merchant": {"name": "Café Zürich", "mcc": "5812", "odd key": True, "it's": None},
        "items": [{"sku": f"S{i}", "qty": i} for i in range(5)],
        "fee": 0.35,
    },
}


def _find(model: JsonTreeModel, *keys: str | int) -> QModelIndex:
    """Walk down by keys, fetching on the way as the view would."""
    parent = QModelIndex()
    for key in keys:
        while model.fetch_next_batch(parent):
            pass
        label = f"[{key}]" if isinstance(key, int) else key
        for row in range(model.rowCount(parent)):
            index = model.index(row, COL_KEY, parent)
            if index.data() == label:
                parent = index
                break
        else:
            raise AssertionError(f"no child {key!r}")
    return parent


def test_model_contract_holds_on_a_realistic_envelope(qtmodeltester: Any) -> None:
    model = JsonTreeModel()
    model.set_document(ENVELOPE)
    qtmodeltester.check(model)


def test_model_contract_holds_for_note_empty_scalar_and_batched_array(qtmodeltester: Any) -> None:
    model = JsonTreeModel()
    qtmodeltester.check(model)  # nothing shown yet
    model.set_note("The body is empty.")
    qtmodeltester.check(model)
    model.set_document("just a string")
    qtmodeltester.check(model)
    model.set_document({"big": list(range(FETCH_BATCH * 2 + 7)), "empty": [], "none": {}})
    qtmodeltester.check(model)


def test_only_the_top_level_exists_after_set_document() -> None:
    doc = {f"k{i}": {"nested": [list(range(100)) for _ in range(100)]} for i in range(20)}
    model = JsonTreeModel()
    model.set_document(doc)
    assert model.rowCount() == 20
    assert model.created_node_count() == 20
    first = model.index(0, COL_KEY)
    assert model.hasChildren(first)
    assert model.rowCount(first) == 0  # not fetched yet
    assert model.canFetchMore(first)
    model.fetchMore(first)
    assert model.rowCount(first) == 1
    assert model.created_node_count() == 21


def test_large_arrays_are_created_in_batches() -> None:
    model = JsonTreeModel()
    model.set_document(list(range(FETCH_BATCH * 2 + 200)))
    assert model.rowCount() == FETCH_BATCH
    # More is created only when asked for: a view re-laying out must not page in everything.
    assert not model.canFetchMore(QModelIndex())
    assert model.has_unloaded_children(QModelIndex())
    assert model.fetch_next_batch(QModelIndex()) == FETCH_BATCH
    assert model.rowCount() == FETCH_BATCH * 2
    assert not model.canFetchMore(QModelIndex())
    assert model.fetch_next_batch(QModelIndex()) == 200
    assert model.rowCount() == FETCH_BATCH * 2 + 200
    assert not model.has_unloaded_children(QModelIndex())
    assert model.fetch_next_batch(QModelIndex()) == 0
    last = model.index(model.rowCount() - 1, COL_VALUE)
    assert last.data() == str(FETCH_BATCH * 2 + 199)


def test_a_deep_but_parseable_document_costs_one_node_until_expanded() -> None:
    depth = 500
    doc = json.loads("[" * depth + "1" + "]" * depth)
    model = JsonTreeModel()
    model.set_document(doc)
    assert model.created_node_count() == 1
    index = model.index(0, COL_KEY)
    for _ in range(depth - 2):
        model.fetchMore(index)
        index = model.index(0, COL_KEY, index)
    assert model.json_path(index) == "$" + "[0]" * (depth - 1)
    assert model.created_node_count() == depth - 1


def test_columns_show_key_value_and_type() -> None:
    model = JsonTreeModel()
    model.set_document(ENVELOPE)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)]
    assert headers == ["Key", "Value", "Type"]
    data = _find(model, "data")
    assert data.siblingAtColumn(COL_VALUE).data() == "{6 keys}"
    assert data.siblingAtColumn(COL_TYPE).data() == "object"
    tags = _find(model, "data", "card", "tags")
    assert tags.siblingAtColumn(COL_VALUE).data() == "[2 items]"
    name = _find(model, "data", "merchant", "name")
    assert name.siblingAtColumn(COL_VALUE).data() == '"Café Zürich"'
    assert name.siblingAtColumn(COL_TYPE).data() == "string"
    assert _find(model, "data", "merchant", "odd key").siblingAtColumn(COL_VALUE).data() == "true"
    assert _find(model, "data", "merchant", "it's").siblingAtColumn(COL_TYPE).data() == "null"
    assert _find(model, "data", "fee").siblingAtColumn(COL_TYPE).data() == "number"


def test_long_strings_are_cut_in_the_cell_but_copied_whole() -> None:
    model = JsonTreeModel()
    model.set_document({"s": "x" * 10_000})
    index = model.index(0, COL_VALUE)
    assert len(index.data()) < 300
    assert model.value_text(index) == "x" * 10_000


@pytest.mark.parametrize(
    ("keys", "path"),
    [
        (("data", "amount"), "$.data.amount"),
        (("data", "items", 3), "$.data.items[3]"),
        (("data", "items", 3, "qty"), "$.data.items[3].qty"),
        (("data", "merchant", "odd key"), "$.data.merchant['odd key']"),
        (("data", "merchant", "it's"), "$.data.merchant['it\\'s']"),
    ],
)
def test_json_path(keys: tuple[str | int, ...], path: str) -> None:
    model = JsonTreeModel()
    model.set_document(ENVELOPE)
    index = _find(model, *keys)
    assert model.json_path(index) == path
    assert index.siblingAtColumn(COL_VALUE).data(JSON_PATH_ROLE) == path


def test_path_segments_and_scalar_document() -> None:
    assert path_segment("amount") == ".amount"
    assert path_segment("_x1") == "._x1"
    assert path_segment("1abc") == "['1abc']"
    assert path_segment("a.b") == "['a.b']"
    assert path_segment(7) == "[7]"
    model = JsonTreeModel()
    model.set_document(42)
    only = model.index(0, COL_KEY)
    assert only.data() == "$"
    assert model.json_path(only) == "$"
    assert model.value_text(only) == "42"


def test_value_text_is_the_string_itself_or_json() -> None:
    model = JsonTreeModel()
    model.set_document(ENVELOPE)
    assert model.value_text(_find(model, "event_identifier")) == "transaction.authorized"
    assert model.value_text(_find(model, "data", "amount")) == "4200"
    assert model.value_text(_find(model, "data", "merchant", "odd key")) == "true"
    tags = model.value_text(_find(model, "data", "card", "tags"))
    assert json.loads(tags) == ["virtual", "travel"]


def test_note_is_one_row_without_path_or_value() -> None:
    model = JsonTreeModel()
    model.set_note("The JSON is nested too deeply to show as a tree.")
    assert model.rowCount() == 1
    assert model.is_note()
    note = model.index(0, COL_KEY)
    assert note.data() == "The JSON is nested too deeply to show as a tree."
    assert not model.hasChildren(note)
    assert model.json_path(note) == ""
    assert model.value_text(note) == ""
    model.clear()
    assert model.rowCount() == 0
