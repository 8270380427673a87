"""Replay dialog: 500 events to a real local target, Cancel pressed half-way, results kept."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from PySide6.QtCore import Qt

from inspector.core.capture.listener import Listener
from inspector.core.store.event_store import EventStore
from inspector.ui import theme
from inspector.ui.detail.action_results import ActionResultsView
from inspector.ui.dialogs.replay_dialog import ReplayDialog
from inspector.ui.dialogs.send_targets import LISTENER, OTHER
from inspector.ui.runner import Runner
from tests.core.target_server import TargetServer
from tests.ui.helpers import WAIT, GatedTarget, envelope, store_events


def test_replay_500_with_cancel_halfway(
    qtbot: Any, store: EventStore, drain_pool: None, runner: Runner
) -> None:
    seqs = store_events(store, [envelope(f"evt_{i}", "card.created", {"i": i}) for i in range(500)])
    # The target answers the first 250 at once and holds the 251st until released, so Cancel is
    # pressed while the replay is provably in the middle, however fast this machine is.
    with GatedTarget(open_for=250) as target:
        dialog = ReplayDialog(store, seqs, forward_url=target.url, runner=runner)
        qtbot.addWidget(dialog)
        dialog.open()
        assert dialog.target.url() == target.url
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        assert dialog.job.running and dialog.cancel_button.isEnabled()
        assert not dialog.close_button.isEnabled()

        qtbot.waitUntil(lambda: dialog.progress.value() == 250, timeout=WAIT)
        assert dialog.progress.maximum() == 500  # progress visible: 250 of 500
        assert dialog.progress.text() == "250 of 500"
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        target.release()  # the send in flight completes; nothing after it is sent
        with qtbot.waitSignal(dialog.replayFinished, timeout=WAIT) as finished:
            pass
        counts = finished.args[0]
        assert counts.cancelled and counts.sent == 251 and counts.skipped == 249
        assert target.count() == 251  # fewer than the 500 selected
        assert [json.loads(b)["data"]["i"] for b in target.bodies] == list(range(251))

    # Ends cleanly: idle, can close, says what happened.
    assert not dialog.job.running
    assert dialog.close_button.isEnabled() and dialog.start_button.isEnabled()
    assert "Cancelled" in dialog.result_label.text() and "251 of 500" in dialog.result_label.text()
    assert dialog.touched == seqs[:251]
    # Each result is kept with its event.
    assert store.get(seqs[0]).extra["replays"][0]["status"] == 200
    assert "replays" in store.get(seqs[250]).extra
    assert "replays" not in store.get(seqs[251]).extra
    dialog.close_button.click()
    assert not dialog.isVisible()


def test_replay_filter_to_the_listener_itself(
    qtbot: Any, store: EventStore, listener: Listener, drain_pool: None, runner: Runner
) -> None:
    store_events(
        store,
        [
            envelope("evt_a", "transaction.authorized", {"amount": 5}),
            envelope("evt_b", "card.created", {}),
            envelope("evt_c", "transaction.settled", {"amount": 5}),
        ],
    )
    dialog = ReplayDialog(store, None, "type:transaction.*", listener_url=listener.url, runner=runner)
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.target.choose(LISTENER)
    with qtbot.waitSignal(dialog.replayFinished, timeout=WAIT) as finished:
        dialog.start_button.click()
    counts = finished.args[0]
    assert (counts.total, counts.sent, counts.succeeded) == (2, 2, 2)
    qtbot.waitUntil(lambda: store.count() == 5, timeout=WAIT)
    new_rows = store.query("", limit=2)
    # Resent deliveries of the same event_id: recorded as duplicates, as a provider retry would be.
    assert {r.event_id for r in new_rows} == {"evt_a", "evt_c"}
    assert all(r.duplicate_of is not None and r.path == "/hooks" for r in new_rows)
    assert "2 answered 2xx" in dialog.result_label.text()


def test_other_url_must_be_valid_and_failures_are_counted(
    qtbot: Any, store: EventStore, drain_pool: None, runner: Runner
) -> None:
    seqs = store_events(store, [envelope("evt_x", "card.created", {})])
    dialog = ReplayDialog(store, seqs, runner=runner)
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.target.choice() == OTHER
    dialog.target.other_edit.setText("not a url at all")
    dialog.start_button.click()
    assert not dialog.job.running and "not a URL" in dialog.result_label.text()
    with TargetServer(status=500) as target:
        dialog.target.set_other_url(target.url)
        with qtbot.waitSignal(dialog.replayFinished, timeout=WAIT) as finished:
            dialog.start_button.click()
    assert finished.args[0].failed == 1
    assert store.get(seqs[0]).extra["replays"][-1]["status"] == 500
    assert "1 failed" in dialog.result_label.text()
    assert dialog.touched == seqs

    # The result is visible on the event afterwards (the detail panes' "Forwarding" view).
    view = ActionResultsView()
    qtbot.addWidget(view)
    view.show_event(store.get(seqs[0]))
    ((kind, _at, url, answer),) = view.rows()
    assert (kind, url) == ("Replayed", target.url) and answer.startswith("500 in ")
    assert view.table.item(0, 3).foreground().color() == theme.error_colour()
    assert view.body_view.toPlainText() == '{"ok": true}'
    view.show_event(dataclasses.replace(store.get(seqs[0]), extra={}))
    assert view.rows() == [] and not view.empty_label.isHidden()
