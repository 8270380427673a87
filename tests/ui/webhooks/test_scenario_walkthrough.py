"""DONE-WHEN of issue 14, tried as a new user would in the real window: start the sandbox, send the
transaction-refund scenario out of order with one duplicate, select the settlement and see its
authorization and refund beside it with the out-of-order flag and the duplicate's retry timeline,
then filter data.amount:>5000 and ref: from a value's context menu."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from PySide6.QtCore import QModelIndex, QSettings, Qt

from inspector.core import events as ev
from inspector.core.capture.listener import Listener
from inspector.core.events import EventSummary
from inspector.core.store.event_store import EventStore
from inspector.core.store.related import Sequences
from inspector.core.tunnel.detect import detect_tunnel
from inspector.ui.detail.json_tree_model import COL_KEY, JsonTreeModel
from inspector.ui.detail.json_tree_view import filter_terms_at
from inspector.ui.events.cells import badges_for
from inspector.ui.events.events_model import SummaryRole
from inspector.ui.webhooks.scenario_options import SCENARIO_PREFIX
from inspector.ui.webhooks.webhooks_dock import add_webhooks_dock
from tests.ui.webhooks.helpers import quick_sandbox

WAIT = 10_000
STEPS = ["transaction.authorized", "transaction.settled", "transaction.refunded"]


def rows(window: Any) -> list[EventSummary]:
    return [window.model.index(r, 0).data(SummaryRole) for r in range(window.model.rowCount())]


def child(model: JsonTreeModel, parent: QModelIndex, key: str) -> QModelIndex:
    while model.canFetchMore(parent):
        model.fetchMore(parent)
    for row in range(model.rowCount(parent)):
        index = model.index(row, COL_KEY, parent)
        if index.data() == key:
            return index
    raise AssertionError(key)


def test_follow_a_refunded_purchase_through_its_life(
    qtbot: Any, make_window: Any, no_keyring: Any, store: EventStore, listener: Listener, settings: QSettings
) -> None:
    window = make_window(
        store,
        listener,
        detect=partial(detect_tunnel, ngrok_ports=[], cloudflared_ports=[]),
        sandbox_factory=quick_sandbox,
    )
    panel = add_webhooks_dock(window, settings).panel
    try:
        panel.sandbox_button.click()
        qtbot.waitUntil(lambda: bool(panel.access_token_set) and not panel.jobs.busy, timeout=WAIT)
        dialog = panel.open_create_dialog()
        dialog.events.set_checked(STEPS)
        qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
        dialog.session_only.setChecked(True)  # no keyring here
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)

        # The scenario, out of order, one duplicate, from the same box as single test events.
        combo = panel.test_event_combo
        combo.setCurrentIndex(combo.findText(SCENARIO_PREFIX + "transaction-refund"))
        assert panel.scenario_options.isVisible()
        panel.scenario_options.out_of_order.setChecked(True)
        panel.scenario_options.duplicates.setValue(1)
        qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.last_trigger is not None and len(rows(window)) == 4, timeout=WAIT)
        assert panel.info_label.text().startswith("Ran transaction-refund: ")
        got = rows(window)
        assert all(s.status == 200 and s.webhook_id for s in got)
        assert sum(ev.FLAG_DUPLICATE in s.flags for s in got) == 1
        late = [s for s in got if ev.FLAG_OUT_OF_ORDER in s.flags]
        assert late and all(("out of order", "warn") in badges_for(s) for s in late)

        # Select the settlement: its authorization and refund are beside it, in received order.
        settled = next(
            s for s in got if s.event_identifier == "transaction.settled" and s.duplicate_of is None
        )
        with qtbot.waitSignal(window.related.loaded, timeout=WAIT, check_params_cb=lambda r: r is not None):
            window.select_seq(settled.seq)
        shown: Sequences = window.related.shown
        txn = next(g for g in shown.groups if g.label == "transaction")
        first_deliveries = sorted((s for s in got if s.duplicate_of is None), key=lambda s: s.seq)
        assert [s.seq for s in txn.steps if ev.FLAG_DUPLICATE not in s.flags] == [
            s.seq for s in first_deliveries
        ]
        assert {s.event_identifier for s in txn.steps} == set(STEPS)
        assert any(ev.FLAG_OUT_OF_ORDER in s.flags for s in txn.steps)
        assert window.panes.tabs.indexOf(window.related) >= 0

        # The duplicate's retry timeline.
        duplicate = next(s for s in got if s.duplicate_of is not None)
        with qtbot.waitSignal(window.related.loaded, timeout=WAIT, check_params_cb=lambda r: r is not None):
            window.select_seq(duplicate.seq)
        attempts = window.related.shown.attempts
        assert [a.seq for a in attempts] == [duplicate.duplicate_of, duplicate.seq]
        assert window.related.timeline.attempts() == attempts and attempts[0].offset_s == 0

        # data.amount:>5000 in the filter bar.
        window.filter_bar.set_text("data.amount:>5000")
        qtbot.waitUntil(lambda: not window.model.loading, timeout=WAIT)
        amounts = {s.seq: json.loads(store.get(s.seq).body)["data"]["amount"] for s in got}  # type: ignore[union-attr]
        assert {s.seq for s in rows(window)} == {seq for seq, a in amounts.items() if a > 5000}
        # And a threshold the run's own amounts straddle (the sandbox draws them at random).
        window.filter_bar.set_text(f"data.amount:>={min(amounts.values())}")
        qtbot.waitUntil(lambda: not window.model.loading and len(rows(window)) == 4, timeout=WAIT)

        # ref: from the transaction id's context menu in the JSON tree.
        window.filter_bar.clear()
        qtbot.waitUntil(lambda: len(rows(window)) == 4, timeout=WAIT)
        window.select_seq(settled.seq)
        model = window.panes.tree_model
        txn_index = child(model, child(model, QModelIndex(), "data"), "transaction_id")
        terms = filter_terms_at(model, txn_index)
        assert terms[0] == f"ref:{txn.value}"
        [action, *_] = window.panes.tree_view.set_filter_actions(terms)
        action.trigger()
        assert window.filter_bar.query() == f"ref:{txn.value}"
        qtbot.waitUntil(lambda: not window.model.loading and len(rows(window)) == 4, timeout=WAIT)
    finally:
        qtbot.waitUntil(lambda: not panel.jobs.busy and not window.session.tunnel.probing, timeout=WAIT)
