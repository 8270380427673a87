"""The Shapes dock in the real window, over the real listener: a walkthrough as a new user would."""

from __future__ import annotations

import copy
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest
import requests
from PySide6.QtCore import QModelIndex, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget

from inspector.core.capture.listener import Listener
from inspector.core.store.event_store import EventStore
from inspector.ui.detail.json_tree_model import COL_KEY, SHAPE_NOTE_ROLE
from inspector.ui.shapes.shape_models import PATH_ROLE, presence_text
from inspector.ui.shapes.shapes_dock import ShapesDock, add_shapes_dock
from inspector.ui.window.main_window import MainWindow
from tests.core.shapes.bodies import authorized

Post = Callable[..., requests.Response]


def find_path(view: Any, path: str) -> QModelIndex:
    model = view.model()
    todo = [QModelIndex()] if model is not None else []
    while todo:
        parent = todo.pop()
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            if index.data(PATH_ROLE) == path:
                return index
            todo.append(index)
    return QModelIndex()


def test_presence_reads_as_a_sentence() -> None:
    assert presence_text(109, 112) == "97% — missing in 3 of 112"
    assert presence_text(112, 112) == "100% (112)"
    assert presence_text(0, 0) == "—"


@pytest.fixture
def docked(
    make_window: Callable[..., MainWindow], store: EventStore, listener: Listener, settings: QSettings
) -> tuple[MainWindow, ShapesDock]:
    window = make_window(store, listener)
    return window, add_shapes_dock(window, settings)


def test_walkthrough_types_paths_filter_copy_and_the_new_field_marked(
    qtbot: Any, docked: tuple[MainWindow, ShapesDock], post: Post
) -> None:
    window, dock = docked
    panel = dock.panel
    assert window.findChild(QDockWidget, "shapesDock") is dock
    assert not dock.isVisible()
    five = [authorized(n) for n in range(5)]
    for body in five:
        assert post(body).status_code == 200
    wallet = copy.deepcopy(authorized(5))
    wallet["data"]["wallet"] = "apple_pay"
    assert post(wallet).status_code == 200

    # View ▸ Shapes (its shortcut is the same action) shows the dock with the learned types.
    toggle = next(a for a in window.view_menu.actions() if a.objectName() == "shapesToggleAction")
    assert toggle.shortcut().toString() == "Ctrl+Shift+P"
    toggle.trigger()
    assert dock.isVisible()
    qtbot.waitUntil(lambda: panel.types_model.row_of("transaction.authorized") >= 0, timeout=10_000)
    row = panel.types_model.rows()[panel.types_model.row_of("transaction.authorized")]
    assert row.deliveries == 6
    assert row.shapes == 2
    assert row.first_seen is not None and row.last_seen is not None and row.first_seen <= row.last_seen

    assert panel.select_type("transaction.authorized")
    qtbot.waitUntil(lambda: find_path(panel.paths_view, "data.wallet").isValid(), timeout=10_000)
    index = find_path(panel.paths_view, "data.wallet")
    cells = [index.siblingAtColumn(c).data() for c in range(5)]
    assert cells[:3] == ["wallet", "string", "16% — missing in 5 of 6"]
    amount = find_path(panel.paths_view, "data.amount")
    assert amount.siblingAtColumn(2).data() == "100% (6)"
    created = find_path(panel.paths_view, "data.created_at")
    assert created.siblingAtColumn(3).data() == "date-time"

    # A click on a path filters the table to the events of the type that have it, or lack it.
    panel.paths_view.clicked.emit(index)
    assert window.filter_bar.edit.text() == "type:transaction.authorized has:data.wallet"
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    panel.mode.setCurrentIndex(1)
    panel.paths_view.clicked.emit(index)
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=10_000)
    assert window.filter_bar.edit.text() == "type:transaction.authorized -has:data.wallet"

    # Copy the schema, then the Pydantic models, and parse a captured body with them.
    panel.copy_schema_button.click()
    assert '"$schema": "https://json-schema.org/draft/2020-12/schema"' in QGuiApplication.clipboard().text()
    panel.style_box.setCurrentIndex(0)
    panel.copy_models_button.click()
    qtbot.waitUntil(
        lambda: "class TransactionAuthorized(" in QGuiApplication.clipboard().text(), timeout=20_000
    )
    module = types.ModuleType("copied_models")
    sys.modules[module.__name__] = module
    try:
        exec(compile(QGuiApplication.clipboard().text(), "<copied>", "exec"), module.__dict__)
        parsed = module.TransactionAuthorized.model_validate(wallet)
        assert parsed.data.wallet == "apple_pay"
    finally:
        del sys.modules[module.__name__]

    # The delivery with the new field: its JSON tree marks `wallet` as new for its type.
    window.filter_bar.set_text("is:new_shape")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    window.select_row(0)
    tree = window.panes.tree_model

    def wallet_note() -> Any:
        for r in range(tree.rowCount()):
            top = tree.index(r, COL_KEY)
            if top.data() == "data":
                if tree.canFetchMore(top):
                    tree.fetchMore(top)
                for c in range(tree.rowCount(top)):
                    child = tree.index(c, COL_KEY, top)
                    if child.data() == "wallet":
                        return child.data(SHAPE_NOTE_ROLE)
        return None

    qtbot.waitUntil(lambda: bool(wallet_note()), timeout=10_000)
    assert "new field for transaction.authorized" in wallet_note()
    summary = window.panes.summary_view.toPlainText()
    assert "data.wallet: new field (string)" in summary


def test_relearning_from_the_history_in_the_window(
    qtbot: Any, docked: tuple[MainWindow, ShapesDock], post: Post, store: EventStore
) -> None:
    window, dock = docked
    panel = dock.panel
    for body in [authorized(n) for n in range(4)]:
        assert post(body).status_code == 200
    dock.show()
    qtbot.waitUntil(lambda: panel.types_model.row_of("transaction.authorized") >= 0, timeout=10_000)
    learning = window.session.learning
    assert learning is not None
    learning.learner.rebuild([])  # forget it all: only the history can bring it back
    assert learning.learner.event_types() == []

    panel.rebuild_button.click()
    assert panel.rebuild_button.text() == "Cancel relearning"
    qtbot.waitUntil(lambda: panel.note.text() == "Relearned from the whole history.", timeout=20_000)
    assert panel.rebuild_button.text() == "Relearn from history"
    assert learning.learner.deliveries("transaction.authorized") == 4
    qtbot.waitUntil(
        lambda: (
            [r.deliveries for r in panel.types_model.rows() if r.event_type == "transaction.authorized"]
            == [4]
        ),
        timeout=10_000,
    )


def test_without_the_models_extra_the_view_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
    make_window: Callable[..., MainWindow],
    store: EventStore,
    listener: Listener,
    settings: QSettings,
) -> None:
    from inspector.ui.shapes import shapes_dock

    monkeypatch.setattr(shapes_dock, "models_available", lambda: False)
    dock = add_shapes_dock(make_window(store, listener), settings)
    assert not dock.panel.copy_models_button.isEnabled()
    assert "pip install 'webhook-inspector[models]'" in dock.panel.note.text()
    assert "datamodel-code-generator" in dock.panel.copy_models_button.toolTip()
