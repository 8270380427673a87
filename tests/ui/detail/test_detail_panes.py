"""The detail panes on real widgets (offscreen): every pane filled, huge and deep bodies stay lazy."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence, QPalette, QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTableView, QTabWidget, QVBoxLayout, QWidget

from inspector.core import events as ev
from inspector.core.events import StoredEvent
from inspector.ui.detail import body_text
from inspector.ui.detail.detail_panes import HIGHLIGHT_CAP_CHARS, TAB_JSON, TAB_TREE, DetailPanes
from inspector.ui.detail.json_tree_model import COL_KEY, COL_VALUE, FETCH_BATCH, JsonTreeModel
from inspector.ui.detail.json_tree_view import JsonTreeView

AUTHORIZED: dict[str, Any] = {
    "event_id": "evt_01J9ZQ4K7M",
    "event_identifier": "transaction.authorized",
    "created_at": "2026-11-27T02:54:03Z",
    "data": {
        "id": "txn_7f3a",
        "amount": 4200,
        "currency": "EUR",
        "card": {"id": "card_9", "last4": "4242"},
        "merchant": {"name": "Café Zürich", "mcc": "5812", "country": "CH"},
        "items": [{"sku": "A1"}, {"sku": "B2"}, {"sku": "C3"}, {"sku": "D4"}],
    },
}
HEADERS = (
    ("Host", "abc.ngrok.app"),
    ("Content-Type", "application/json"),
    ("Authorization", "Bearer [redacted]"),
    ("User-Agent", "Penny-Webhooks/1.0"),
)


def make_event(body: bytes, **fields: Any) -> StoredEvent:
    values: dict[str, Any] = {
        "seq": 12,
        "received_at": 1_795_000_000.25,
        "method": "POST",
        "path": "/hooks/penny",
        "query": "source=ngrok&retry=2&empty=",
        "headers": HEADERS,
        "body": body,
        "body_size": len(body),
        "status": 200,
        "duration_ms": 3.4,
        "event_id": "evt_01J9ZQ4K7M",
        "event_identifier": "transaction.authorized",
        "flags": (),
        "webhook_id": "wh_abc",
        "duplicate_of": None,
        "remote_addr": "127.0.0.1",
        "error": None,
    }
    values.update(fields)
    return StoredEvent(**values)


@pytest.fixture
def panes(qtbot: Any) -> Iterator[DetailPanes]:
    widget = DetailPanes()
    qtbot.addWidget(widget)
    widget.resize(900, 650)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def find_row(model: JsonTreeModel, parent: QModelIndex, key: str) -> QModelIndex:
    for row in range(model.rowCount(parent)):
        index = model.index(row, COL_KEY, parent)
        if index.data() == key:
            return index
    raise AssertionError(f"no row {key!r}")


def test_widgets_carry_the_agreed_names_and_tabs(panes: DetailPanes) -> None:
    assert panes.objectName() == "detailPanes"
    tabs = panes.findChild(QTabWidget, "detailTabs")
    assert tabs is not None
    assert [tabs.tabText(i) for i in range(tabs.count())] == [
        "Summary",
        "Tree",
        "JSON",
        "Headers",
        "Query",
        "Raw",
    ]
    assert isinstance(panes.findChild(JsonTreeView, "jsonTree"), JsonTreeView)
    assert isinstance(panes.findChild(QPlainTextEdit, "rawView"), QPlainTextEdit)
    assert isinstance(panes.findChild(QTableView, "headersView"), QTableView)
    assert panes.findChild(QPlainTextEdit, "rawView").isReadOnly()
    assert panes.findChild(QPlainTextEdit, "jsonView").isReadOnly()


def test_show_event_fills_every_pane(panes: DetailPanes) -> None:
    body = json.dumps(AUTHORIZED).encode()
    panes.show_event(make_event(body))

    summary = panes.summary_view.toPlainText()
    assert "Accepted — we answered 200" in summary
    assert "transaction.authorized" in summary
    assert "webhook wh_abc" in summary

    model = panes.tree_model
    assert [model.index(r, COL_KEY).data() for r in range(model.rowCount())] == list(AUTHORIZED)
    data = find_row(model, QModelIndex(), "data")
    assert data.siblingAtColumn(COL_VALUE).data() == "{6 keys}"

    assert panes.json_view.toPlainText() == json.dumps(AUTHORIZED, indent=2, ensure_ascii=False)
    assert panes.json_note.isHidden()

    assert panes.headers_model.pairs() == list(HEADERS)
    assert panes.query_model.pairs() == [("source", "ngrok"), ("retry", "2"), ("empty", "")]

    assert panes.raw_view.toPlainText() == body.decode()
    assert panes.raw_note.isHidden()


def test_none_clears_every_pane(panes: DetailPanes) -> None:
    panes.show_event(make_event(json.dumps(AUTHORIZED).encode()))
    panes.show_event(None)
    assert panes.current_event() is None
    assert "transaction.authorized" not in panes.summary_view.toPlainText()
    assert panes.tree_model.rowCount() == 0
    assert panes.json_view.toPlainText() == ""
    assert panes.headers_model.rowCount() == 0
    assert panes.query_model.rowCount() == 0
    assert panes.raw_view.toPlainText() == ""


def test_json_text_is_coloured_and_follows_a_dark_palette(panes: DetailPanes, qtbot: Any) -> None:
    panes.tabs.setCurrentIndex(TAB_JSON)
    panes.show_event(make_event(json.dumps(AUTHORIZED).encode()))
    doc = panes.json_view.document()
    key_line = doc.findBlockByNumber(1)  # '  "event_id": "evt_…",'
    assert key_line.text().lstrip().startswith('"event_id"')

    def key_colour() -> QColor | None:
        formats = key_line.layout().formats()
        return formats[0].format.foreground().color() if formats else None

    qtbot.waitUntil(lambda: key_colour() is not None)
    light = key_colour()
    assert not panes.highlighter.dark

    dark = QPalette(panes.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e0e0e0"))
    panes.setPalette(dark)
    assert panes.highlighter.dark
    qtbot.waitUntil(lambda: key_colour() is not None and key_colour() != light)
    assert key_colour().lightness() > light.lightness()


def test_non_utf8_body_shows_a_hex_dump_and_notes(panes: DetailPanes) -> None:
    body = b"\xff\xfe{\x00\x01binary\x80" + bytes(range(32))
    panes.show_event(
        make_event(
            body,
            status=400,
            flags=(ev.FLAG_INVALID_JSON,),
            error="the body is not valid UTF-8 (byte 0)",
            event_id=None,
            event_identifier=None,
        )
    )
    raw = panes.raw_view.toPlainText().splitlines()
    assert raw[0] == "00000000  ff fe 7b 00 01 62 69 6e  61 72 79 80 00 01 02 03  |..{..binary.....|"
    assert raw[-1].startswith("00000020  ")
    assert "Not UTF-8" in panes.raw_note.text()
    assert panes.tree_model.is_note()
    assert "not valid UTF-8" in panes.tree_model.index(0, COL_KEY).data()
    assert panes.json_view.toPlainText() == "Not JSON: the body is not valid UTF-8 (byte 0)."
    summary = panes.summary_view.toPlainText()
    assert "Rejected — we answered 400" in summary
    assert "the body is not valid UTF-8 (byte 0)" in summary
    assert "Invalid JSON" in summary


def test_five_megabyte_body_stays_lazy_and_capped(panes: DetailPanes, qtbot: Any) -> None:
    doc = {
        "event_id": "evt_big",
        "event_identifier": "statement.generated",
        "data": {
            "lines": [{"i": i, "memo": "coffee and a croissant", "cents": i * 7} for i in range(80_000)]
        },
    }
    body = json.dumps(doc).encode()
    assert len(body) > 5_000_000
    for tab in range(panes.tabs.count()):  # whichever tab is open when the event is selected
        panes.tabs.setCurrentIndex(tab)
        panes.show_event(make_event(body, seq=100 + tab))
        assert panes.tree_model.created_node_count() == 3  # the top level only
    text = panes.json_view.toPlainText()
    assert len(text) == body_text.PRETTY_CAP_CHARS
    assert "first" in panes.json_note.text()
    assert "Colours are off" in panes.json_note.text()
    assert panes.highlighter.document() is None
    raw = panes.raw_view.toPlainText()
    assert raw.replace("\n", "") == body[: body_text.RAW_CAP_CHARS].decode()
    assert max(len(line) for line in raw.splitlines()) <= body_text.DISPLAY_LINE_CHARS
    assert f"Showing the first {body_text.RAW_CAP_CHARS:,}" in panes.raw_note.text()

    # Opening the huge array pages it in batches rather than all 80,000 rows.
    panes.tabs.setCurrentIndex(TAB_TREE)
    model = panes.tree_model
    data = find_row(model, QModelIndex(), "data")
    panes.tree_view.expand(data)
    qtbot.waitUntil(lambda: model.rowCount(data) == 1)
    lines = find_row(model, data, "lines")
    panes.tree_view.expand(lines)
    qtbot.waitUntil(lambda: model.rowCount(lines) > 0)
    qtbot.wait(50)  # let any further layout pass run; it must not fetch the whole array
    assert model.rowCount(lines) == FETCH_BATCH
    assert model.created_node_count() == 3 + 1 + FETCH_BATCH
    # Scrolling to the end of what is loaded asks for the next batch.
    bar = panes.tree_view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: model.rowCount(lines) == 2 * FETCH_BATCH)


@pytest.mark.parametrize("flagged", [True, False])
def test_hundred_thousand_deep_body_shows_text_and_a_note(panes: DetailPanes, flagged: bool) -> None:
    body = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    fields: dict[str, Any] = {"event_id": None, "event_identifier": None}
    if flagged:  # what the listener stores: rejected with its sentence
        fields.update(flags=(ev.FLAG_INVALID_JSON,), status=400, error="the JSON is nested too deeply")
    panes.show_event(make_event(body, **fields))
    assert panes.tree_model.is_note()
    assert panes.tree_model.created_node_count() == 0
    assert "nested too deeply" in panes.tree_model.index(0, COL_KEY).data()
    assert "nested too deeply" in panes.json_view.toPlainText()
    raw = panes.raw_view.toPlainText()
    assert raw.replace("\n", "") == body[: body_text.RAW_CAP_CHARS].decode()
    assert "broken for display" in panes.raw_note.text()
    assert "Showing the first" in panes.raw_note.text()


def test_truncated_rejected_body_cut_inside_a_character_still_shows_text(panes: DetailPanes) -> None:
    stored = ('{"memo": "' + "é" * 40).encode()[:-1]  # cut in the middle of the last "é"
    panes.show_event(
        make_event(stored, body_size=9_000_000, status=413, flags=(ev.FLAG_TOO_LARGE, ev.FLAG_TRUNCATED))
    )
    assert panes.raw_view.toPlainText() == '{"memo": "' + "é" * 39
    assert "cut" in panes.raw_note.text()
    assert "Only the first" in panes.json_view.toPlainText()
    summary = panes.summary_view.toPlainText()
    assert "Too large" in summary
    assert "Body cut" in summary


def test_copy_value_and_path_by_keys_and_menu(panes: DetailPanes, qtbot: Any) -> None:
    panes.show_event(make_event(json.dumps(AUTHORIZED).encode()))
    panes.tabs.setCurrentIndex(1)
    tree = panes.tree_view
    model = panes.tree_model
    data = find_row(model, QModelIndex(), "data")
    tree.expand(data)
    amount = find_row(model, data, "amount")
    tree.setFocus()
    qtbot.waitUntil(tree.hasFocus)
    tree.setCurrentIndex(amount)
    clipboard = QGuiApplication.clipboard()

    qtbot.keyClick(tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == "4200"
    qtbot.keyClick(
        tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert clipboard.text() == "$.data.amount"

    items = find_row(model, data, "items")
    tree.expand(items)
    third = model.index(3, COL_VALUE, items)
    tree.setCurrentIndex(third)
    tree.copy_path_action.trigger()
    assert clipboard.text() == "$.data.items[3]"
    tree.copy_value_action.trigger()
    assert json.loads(clipboard.text()) == {"sku": "D4"}
    merchant = find_row(model, data, "merchant")
    tree.expand(merchant)
    qtbot.waitUntil(lambda: model.rowCount(merchant) == 3)
    name = find_row(model, merchant, "name")
    tree.copy_value(name)
    assert clipboard.text() == "Café Zürich"


def test_tree_copy_key_wins_over_a_window_ctrl_c(qtbot: Any) -> None:
    # The main window binds Ctrl+C to "copy body"; inside the tree Ctrl+C must copy the value
    # (two live Ctrl+C shortcuts would be ambiguous and neither would fire).
    window = QWidget()
    qtbot.addWidget(window)
    panes = DetailPanes(window)
    QVBoxLayout(window).addWidget(panes)
    fired: list[bool] = []
    copy_body = QAction("Copy body", window)
    copy_body.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
    copy_body.triggered.connect(lambda: fired.append(True))
    window.addAction(copy_body)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    panes.show_event(make_event(json.dumps(AUTHORIZED).encode()))
    panes.tabs.setCurrentIndex(1)
    tree = panes.tree_view
    tree.setFocus()
    qtbot.waitUntil(tree.hasFocus)
    tree.setCurrentIndex(find_row(panes.tree_model, QModelIndex(), "event_identifier"))
    qtbot.keyClick(tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "transaction.authorized"
    assert fired == []
    # Elsewhere the window's shortcut still works.
    panes.tabs.setCurrentIndex(0)
    panes.tabs.setFocus()
    qtbot.waitUntil(panes.tabs.hasFocus)
    qtbot.keyClick(panes.tabs, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert fired == [True]


def test_expand_all_is_bounded(panes: DetailPanes) -> None:
    doc = {f"group{g}": [{"k": {"v": [1, 2]}} for _ in range(50)] for g in range(40)}
    panes.show_event(make_event(json.dumps(doc).encode()))
    tree = panes.tree_view
    opened = tree.expand_all_bounded(max_expanded=100)
    assert opened == 100
    assert "stopped" in panes.tree_note.text()
    assert panes.tree_model.created_node_count() < 40 + 100 * 50 + 1

    small = {"a": {"b": {"c": [1, {"d": 2}]}}}
    panes.show_event(make_event(json.dumps(small).encode(), seq=13))
    assert tree.expand_all_bounded() == 4
    assert panes.tree_note.isHidden()
    d_row = panes.tree_model.index(0, COL_KEY, panes.tree_model.index(1, COL_KEY, QModelIndex()))
    assert d_row.isValid()


def test_expand_all_on_a_huge_body_returns_quickly(panes: DetailPanes) -> None:
    doc = [[{"x": i, "y": [i, i]} for i in range(1_000)] for _ in range(1_000)]
    panes.show_event(make_event(json.dumps(doc).encode()))
    panes.tree_view.expand_all_bounded()
    # Bounded by the node budget, not by the body: the body has over 4,000,000 nodes.
    assert panes.tree_model.created_node_count() < 25_000


def test_duplicate_link_emits_the_first_delivery_seq(panes: DetailPanes, qtbot: Any) -> None:
    panes.show_event(make_event(json.dumps(AUTHORIZED).encode(), flags=(ev.FLAG_DUPLICATE,), duplicate_of=7))
    panes.tabs.setCurrentIndex(0)
    view = panes.summary_view
    assert "Duplicate of #7" in view.toPlainText()
    cursor = view.document().find("#7")
    assert not cursor.isNull()
    assert cursor.charFormat().anchorHref() == "seq:7"
    inside = QTextCursor(view.document())
    inside.setPosition(cursor.selectionStart() + 1)
    point = view.cursorRect(inside).center()
    with qtbot.waitSignal(panes.duplicateActivated, timeout=2000) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == [7]


def test_summary_explains_rejections_and_flags(panes: DetailPanes) -> None:
    panes.show_event(
        make_event(
            json.dumps({"hello": "world"}).encode(),
            status=401,
            flags=(ev.FLAG_UNAUTHORIZED, ev.FLAG_NOT_ENVELOPE),
            webhook_id=None,
            event_id=None,
            event_identifier=None,
            error="the Authorization header does not match any verification token",
        )
    )
    text = panes.summary_view.toPlainText()
    assert "Rejected — we answered 401" in text
    assert "We answered: “the Authorization header does not match any verification token”" in text
    assert "Unauthorized" in text
    assert "Not an envelope" in text
    assert text.index("Unauthorized") < text.index("Not an envelope")
    assert "token matched" not in text

    panes.show_event(make_event(b'{"event_id": "e"}', seq=30, flags=(ev.FLAG_UNVERIFIED,), webhook_id=None))
    assert "Unverified" in panes.summary_view.toPlainText()
    panes.show_event(make_event(b'{"event_id": "e"}', seq=31, webhook_id="cli"))
    assert "--token-env" in panes.summary_view.toPlainText()
    panes.show_event(make_event(b'{"event_id": "e"}', seq=31, webhook_id="env:HOOK_TOKEN"))
    text = panes.summary_view.toPlainText()
    assert "environment variable HOOK_TOKEN given with --token-env" in text and "of webhook" not in text
    forward = {"status": 502, "url": "http://x", "latency_ms": 12.4, "error": None}
    panes.show_event(make_event(b"{}", seq=32, extra={"forward": forward}))
    text = panes.summary_view.toPlainText()
    assert "http://x → answered 502 in 12 ms" in text and '"status"' not in text  # words, not JSON
    down = {"status": None, "url": "http://x", "error": "connection refused"}
    panes.show_event(make_event(b"{}", seq=33, extra={"forward": down, "received_on": "http://127.0.0.1:9"}))
    text = panes.summary_view.toPlainText()
    assert "http://x → no answer (connection refused)" in text and "http://127.0.0.1:9" in text


def test_copy_body_puts_text_and_exact_bytes_on_the_clipboard(panes: DetailPanes) -> None:
    body = json.dumps(AUTHORIZED, ensure_ascii=False).encode()
    panes.show_event(make_event(body))
    panes.copy_body()
    assert QGuiApplication.clipboard().text() == body.decode()

    binary = b"\x00\xffabc\x80"
    panes.show_event(make_event(binary, seq=40))
    panes.copy_body()
    mime = QGuiApplication.clipboard().mimeData()
    assert bytes(mime.data("application/octet-stream").data()) == binary
    assert mime.text() == "\x00\ufffdabc\ufffd"


def test_same_event_again_reuses_the_parse_and_keeps_expansion(panes: DetailPanes) -> None:
    event = make_event(json.dumps(AUTHORIZED).encode())
    panes.show_event(event)
    parsed = panes.parsed_body()
    data = find_row(panes.tree_model, QModelIndex(), "data")
    panes.tree_view.expand(data)
    panes.show_event(event)
    assert panes.parsed_body() is parsed
    assert panes.tree_view.isExpanded(find_row(panes.tree_model, QModelIndex(), "data"))
    panes.show_event(make_event(event.body, seq=99))
    assert panes.parsed_body() is not parsed


def test_small_bodies_are_coloured_large_ones_are_not(panes: DetailPanes) -> None:
    panes.show_event(make_event(json.dumps({"a": "x" * 1000}).encode()))
    assert panes.highlighter.document() is panes.json_view.document()
    panes.show_event(make_event(json.dumps({"a": "x" * (HIGHLIGHT_CAP_CHARS + 10)}).encode(), seq=2))
    assert panes.highlighter.document() is None


def test_notes_are_labels_not_text_in_the_views(panes: DetailPanes) -> None:
    body = ("x" * (body_text.RAW_CAP_CHARS + 5)).encode()
    panes.show_event(make_event(body))
    assert isinstance(panes.raw_note, QLabel)
    assert set(panes.raw_view.toPlainText()) == {"x", "\n"}


def test_hex_dump_format() -> None:
    assert body_text.hex_dump(b"AB\x00") == ("00000000  41 42 00" + " " * 15 + "  " + " " * 23 + "  |AB.|")
    lines = body_text.hex_dump(bytes(range(256)) * 10_000).splitlines()
    assert len(lines) == body_text.HEX_CAP_BYTES // 16


def test_show_event_timing_is_reported(panes: DetailPanes, record_property: Any) -> None:
    # Not a pass/fail on time (machines differ): records what a 5 MB body costs, for the README.
    body = json.dumps({"data": [{"i": i, "memo": "x" * 40} for i in range(80_000)]}).encode()
    start = time.perf_counter()
    panes.show_event(make_event(body))
    record_property("show_event_5mb_seconds", round(time.perf_counter() - start, 3))
    assert panes.tree_model.created_node_count() == 1


def test_selecting_events_does_not_drain_nones_refcount(panes: DetailPanes) -> None:
    # PySide6 6.12.0 on CPython 3.11 drops a reference to None on every call of a void method
    # (setText, setFormat, ...): the app then aborts with "Fatal Python error: none_dealloc"
    # after a few hundred selections. 6.11.3 is fine. Fix: pin PySide6-Essentials below 6.12.
    body = json.dumps(AUTHORIZED, indent=2).encode()
    panes.tabs.setCurrentIndex(TAB_JSON)
    start = sys.getrefcount(None)
    for seq in range(20):
        panes.show_event(make_event(body, seq=seq))
        QGuiApplication.processEvents()
    lost = start - sys.getrefcount(None)
    assert lost < 100, f"{lost} references to None lost in 20 selections: a broken PySide6 build"


def test_header_rows_are_one_line_tall(panes: DetailPanes) -> None:
    panes.show_event(make_event(b"{}"))
    view = panes.headers_view
    assert view.model().rowCount() > 0
    assert view.rowHeight(0) < 2 * view.fontMetrics().height()
