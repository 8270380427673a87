"""'Filter …' from a value of the JSON tree: the terms offered, and that they parse and find it."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QModelIndex

from inspector.core.events import NewEvent
from inspector.core.store.event_store import EventStore
from inspector.ui.detail.filter_terms import dotted_path, terms_for
from inspector.ui.detail.json_tree_model import COL_KEY, JsonTreeModel
from inspector.ui.detail.json_tree_view import JsonTreeView, filter_terms_at

BODY = {
    "event_id": "e1",
    "data": {
        "transaction_id": "txn 1",
        "amount": 5000,
        "card": {"id": "c1", "last4": "4242"},
        "items": [{"sku": "a"}],
        "odd key": 1,
        "paid": True,
    },
}


def test_dotted_paths() -> None:
    assert dotted_path("$.data.items[0].sku") == "data.items.0.sku"
    assert dotted_path("$.data['odd key']") is None
    assert dotted_path("$.event_id") is None  # one segment: no field filter (use id:)


def test_terms() -> None:
    assert terms_for("$.data.transaction_id", "transaction_id", "string", "txn 1") == [
        'ref:"txn 1"',
        'data.transaction_id:"txn 1"',
    ]
    assert terms_for("$.data.amount", "amount", "number", 5000) == [
        "data.amount:5000",
        "data.amount:>5000",
        "data.amount:<5000",
    ]
    assert terms_for("$.data.paid", "paid", "boolean", True) == ["data.paid:true"]


def child(model: JsonTreeModel, parent: QModelIndex, key: str) -> QModelIndex:
    while model.canFetchMore(parent):  # the model is lazy: children exist once asked for
        model.fetchMore(parent)
    for row in range(model.rowCount(parent)):
        index = model.index(row, COL_KEY, parent)
        if index.data() == key:
            return index
    raise AssertionError(key)


def test_the_tree_menu_offers_terms_that_find_the_event(qtbot: Any, store: EventStore) -> None:
    [row] = store.insert_many(
        [NewEvent(1.0, "POST", "/h", "", (), json.dumps(BODY).encode(), 200, event_id="e1")]
    )
    store.insert_many([NewEvent(1.0, "POST", "/h", "", (), b'{"data": {"amount": 1}}', 200)])
    view = JsonTreeView()
    qtbot.addWidget(view)
    model = JsonTreeModel(view)
    view.setModel(model)
    model.set_document(BODY)
    data = child(model, QModelIndex(), "data")
    card_id = child(model, child(model, data, "card"), "id")
    terms = filter_terms_at(model, card_id)
    assert terms == ["ref:c1", "data.card.id:c1"]
    amount_terms = filter_terms_at(model, child(model, data, "amount"))
    for term in [*terms, *amount_terms[:1], amount_terms[1].replace(">", ">=")]:
        assert [e.seq for e in store.query(term)] == [row.seq], term
    actions = view.set_filter_actions(terms)
    assert [a.text() for a in actions] == ["Filter ref:c1", "Filter data.card.id:c1"]
    with qtbot.waitSignal(view.filterRequested) as asked:
        actions[0].trigger()
    assert asked.args == ["ref:c1"]
