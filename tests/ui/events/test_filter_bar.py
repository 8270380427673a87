"""The filter bar as Wireshark's: completion, green/red as it parses, an error that moves nothing, recents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QSettings, Qt

from inspector.core.store import filter_query
from inspector.core.store.filter_query import FilterError
from inspector.ui.events import filter_completion
from inspector.ui.events.cell_filters import term_for_node
from inspector.ui.events.filter_bar import FilterBar


def bar(qtbot: Any, tmp_path: Path) -> FilterBar:
    widget = FilterBar(settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(widget)
    widget.resize(900, 60)
    widget.show()
    qtbot.waitExposed(widget)
    widget.edit.setFocus()
    return widget


def test_keys_and_is_words_come_from_the_query_language() -> None:
    assert filter_completion.keys() == filter_query.KEYS
    assert set(filter_completion.is_words()) == set(filter_query._IS_CLAUSES)
    assert filter_completion.candidates("ty", {}) == ["type:"]
    assert filter_completion.candidates("-is:dup", {}) == ["-is:duplicate", "-is:duplicate_keys"]
    assert "status:4xx" in filter_completion.candidates("status:", {})
    assert filter_completion.candidates("type:card", {"type": ["card.created", "transaction.x"]}) == [
        "type:card.created"
    ]
    assert filter_completion.current_word("status:4xx typ", 14) == (11, "typ")


def test_completion_while_typing_inserts_one_word(qtbot: Any, tmp_path: Path) -> None:
    widget = bar(qtbot, tmp_path)
    widget.set_types(["card.created", "card.frozen", "transaction.settled"])
    widget.set_values("webhook", ["wh_0123456789abcdef01234567"])
    qtbot.keyClicks(widget.edit, "status:4xx ty")
    assert widget.completions() == ["type:"]
    widget.insert_completion("type:")
    assert widget.edit.text() == "status:4xx type:"
    qtbot.keyClicks(widget.edit, "card.f")
    assert widget.completions() == ["type:card.frozen"]
    with qtbot.waitSignal(widget.queryChanged) as applied:
        widget.insert_completion("type:card.frozen")
    assert applied.args == ["status:4xx type:card.frozen "]
    qtbot.keyClicks(widget.edit, "webhook:")
    assert widget.completions() == ["webhook:wh_0123456789abcdef01234567"]


def test_green_when_it_parses_red_when_not_and_the_table_does_not_move(qtbot: Any, tmp_path: Path) -> None:
    widget = bar(qtbot, tmp_path)
    height = widget.sizeHint().height()
    qtbot.keyClicks(widget.edit, "status:4xx")
    assert widget.valid is True and "background-color" in widget.edit.styleSheet()
    green = widget.edit.styleSheet()
    qtbot.keyClicks(widget.edit, " colour:red")
    assert widget.valid is False and widget.edit.styleSheet() != green  # at once, before the debounce
    widget.show_counts(3, 10)
    widget.show_error(FilterError("unknown filter colour:", 11))
    assert widget.count_label.text() == "invalid filter"  # not the last good query's "3 of 10"
    widget.show_counts(3, 10)
    assert widget.count_label.text() == "invalid filter"
    assert widget.sizeHint().height() == height  # the error line was there all along
    assert "colour" in widget.error_text
    widget.clear()
    widget.show_error(None)
    assert widget.valid is None and widget.edit.styleSheet() == "" and widget.error_text == ""


def test_recent_queries_are_kept_and_offered(qtbot: Any, tmp_path: Path) -> None:
    widget = bar(qtbot, tmp_path)
    for query in ("status:4xx", "is:duplicate", "status:4xx"):
        widget.set_text(query)
    assert widget.recent == ["status:4xx", "is:duplicate"]
    again = bar(qtbot, tmp_path)  # the same settings file: a restart
    assert again.recent == ["status:4xx", "is:duplicate"]
    again._fill_recent_menu()
    actions = again.recent_menu.actions()
    assert [a.text() for a in actions] == ["status:4xx", "is:duplicate"]
    with qtbot.waitSignal(again.queryChanged) as applied:
        actions[1].trigger()
    assert applied.args == ["is:duplicate"] and again.edit.text() == "is:duplicate"


def test_json_nodes_give_terms_the_language_can_run() -> None:
    assert term_for_node("$.event_identifier", "card.created", True) == "type:card.created"
    assert term_for_node("$.event_id", "evt 1", True) == 'id:"evt 1"'
    assert term_for_node("$.data", "{}", False) is None  # an object: no single value
    assert term_for_node("$.data.items[0]", "1", True) is None
    # A field filter is offered exactly when the language parses it.
    try:
        filter_query.parse_filter("data.amount:5")
    except FilterError:
        assert term_for_node("$.data.amount", "5", True) is None
    else:
        assert term_for_node("$.data.amount", "5", True) == "data.amount:5"


def test_filter_on_a_json_node_from_its_context_menu(qtbot: Any) -> None:
    from inspector.ui.detail.detail_panes import DetailPanes
    from tests.ui.detail.test_detail_panes import make_event

    panes = DetailPanes()
    qtbot.addWidget(panes)
    panes.show_event(make_event(b'{"event_id": "evt_9", "event_identifier": "card.created", "data": {}}'))
    tree = panes.tree_view
    model = tree.json_model()
    assert model is not None
    qtbot.waitUntil(lambda: model.rowCount(QModelIndex()) >= 2, timeout=5000)
    rows = {model.index(r, 0).data(Qt.ItemDataRole.DisplayRole): r for r in range(model.rowCount())}
    index = model.index(rows["event_identifier"], 0)
    assert tree.filter_term(index) == "type:card.created"
    with qtbot.waitSignal(tree.filterRequested) as requested:
        tree._show_menu(tree.visualRect(index).center())
        tree.filter_value_action.trigger()
    assert requested.args == ["type:card.created"]
    tree._menu.close()
