"""Diff dialog on known pairs: a card transaction's authorized/settled, and two deliveries of one id."""

from __future__ import annotations

from typing import Any

from inspector.core.capture.listener import Listener
from inspector.core.store.event_store import EventStore
from inspector.ui import theme
from inspector.ui.dialogs.diff_dialog import DiffDialog
from inspector.ui.runner import Runner
from tests.ui.helpers import WAIT, envelope, post_delivery, store_events


def open_diff(qtbot: Any, store: EventStore, a: int, b: int) -> DiffDialog:
    runner = Runner()
    dialog = DiffDialog(store.get(a), store.get(b), runner=runner)
    runner.setParent(dialog)  # one lifetime, ended by qtbot on the GUI thread
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.diffReady, timeout=WAIT):
        dialog.show()
    return dialog


def test_authorized_vs_settled(qtbot: Any, store: EventStore, drain_pool: None) -> None:
    authorized = envelope(
        "evt_a1",
        "transaction.authorized",
        {"id": "tx_1", "amount": 1250, "status": "pending", "merchant": {"name": "Café", "mcc": "5814"}},
    )
    settled = envelope(
        "evt_s1",
        "transaction.settled",
        {"id": "tx_1", "amount": 1200, "status": "settled", "merchant": {"name": "Café"}, "fee": 3},
    )
    seq_a, seq_s = store_events(store, [authorized, settled])
    # Selected newest first, as in the table: the older one is still "old".
    dialog = open_diff(qtbot, store, seq_s, seq_a)
    assert dialog.old.seq == seq_a
    assert dialog.rows() == [
        ("$.event_id", "changed", '"evt_a1"', '"evt_s1"'),
        ("$.event_identifier", "changed", '"transaction.authorized"', '"transaction.settled"'),
        ("$.data.amount", "changed", "1250", "1200"),
        ("$.data.status", "changed", '"pending"', '"settled"'),
        ("$.data.merchant.mcc", "removed", '"5814"', ""),
        ("$.data.fee", "added", "", "3"),
    ]
    assert dialog.table.item(4, 0).background().color() == theme.diff_tint("removed")
    assert dialog.table.item(5, 0).background().color() == theme.diff_tint("added")
    assert dialog.summary_label.text().endswith("4 changed, 1 added, 1 removed")
    # The side-by-side panes colour their changed lines too, full width.
    qtbot.waitUntil(lambda: bool(dialog.old_view.extraSelections()), timeout=5000)
    marked = [s.cursor.block().text() for s in dialog.new_view.extraSelections()]
    assert any('"fee": 3' in line for line in marked) and not any('"id": "tx_1"' in line for line in marked)
    assert '"amount": 1250' in dialog.old_view.toPlainText()
    assert '"fee": 3' in dialog.new_view.toPlainText()


def test_two_deliveries_of_one_event_id_are_identical(
    qtbot: Any, store: EventStore, listener: Listener, drain_pool: None
) -> None:
    body = envelope("evt_dup", "card.created", {"card": "c_9", "items": [1, 2]})
    first = post_delivery(listener, body).json()["seq"]
    second = post_delivery(listener, body).json()
    assert second["duplicate_of"] == first
    dialog = open_diff(qtbot, store, first, second["seq"])
    assert dialog.rows() == []
    assert dialog.summary_label.text().endswith(": identical")

    changed = envelope("evt_dup", "card.created", {"card": "c_9", "items": [1, 2, 3]})
    third = post_delivery(listener, changed).json()["seq"]
    dialog = open_diff(qtbot, store, second["seq"], third)
    assert dialog.rows() == [("$.data.items[2]", "added", "", "3")]


def test_changed_lines_are_marked_in_both_panes() -> None:
    from inspector.ui.dialogs.diff_dialog import changed_lines

    old = '{\n  "a": 1,\n  "b": 2,\n  "gone": 3\n}'
    new = '{\n  "a": 1,\n  "b": 5,\n  "new": 4,\n  "more": 6\n}'
    old_marks, new_marks = changed_lines(old, new)
    assert (0, "changed") not in old_marks and old_marks and all(line >= 2 for line, _k in old_marks)
    assert {line for line, _k in new_marks} >= {2, 3}
