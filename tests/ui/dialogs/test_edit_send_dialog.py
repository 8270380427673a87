"""Edit-and-send: validation as you type, and a send that lands in the real listener as a new row."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt

from inspector.core.capture.listener import Listener
from inspector.core.store.event_store import EventStore
from inspector.ui import theme
from inspector.ui.dialogs.edit_send_dialog import EditSendDialog, check_json
from inspector.ui.dialogs.send_targets import LISTENER
from inspector.ui.runner import Runner
from tests.core.target_server import TargetServer
from tests.ui.helpers import WAIT, envelope, post_delivery, store_events


def test_invalid_json_disables_send_and_fresh_id_lands_as_new_row(
    qtbot: Any, store: EventStore, listener: Listener, drain_pool: None, runner: Runner
) -> None:
    original = post_delivery(listener, envelope("evt_orig", "card.created", {"amount": 10})).json()["seq"]
    qtbot.waitUntil(lambda: store.get(original) is not None, timeout=WAIT)
    dialog = EditSendDialog(store, store.get(original), listener_url=listener.url, runner=runner)
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.target.choice() == LISTENER
    assert dialog.valid and dialog.send_button.isEnabled()

    # Typing a broken document: Send goes grey at once and the error says where.
    dialog.editor.setPlainText('{\n  "event_id": "evt_orig",\n  "data": {"amount": 10,}\n}')
    assert not dialog.send_button.isEnabled()
    assert dialog.validation_label.text().startswith("Line 3, column ")
    dialog.editor.setPlainText('{"event_id": "x", "data": NaN}')
    assert not dialog.send_button.isEnabled() and "NaN" in dialog.validation_label.text()

    edited = envelope("evt_orig", "card.created", {"amount": 99, "note": "edited"})
    dialog.editor.setPlainText(json.dumps(edited, indent=2))
    assert dialog.send_button.isEnabled() and dialog.validation_label.text() == "Valid JSON"
    assert dialog.fresh_id.isChecked()
    with qtbot.waitSignal(dialog.sent, timeout=WAIT) as sent:
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    result = sent.args[0]
    assert result["status"] == 200 and result["error"] is None
    answer = json.loads(result["body"])
    assert "duplicate_of" not in answer  # a new event, not a redelivery

    row = store.get(answer["seq"])
    assert row.seq != original and store.count() == 2
    assert row.event_id != "evt_orig" and row.event_id.startswith("evt_")
    assert json.loads(row.body)["data"] == {"amount": 99, "note": "edited"}
    assert row.duplicate_of is None
    assert "200" in dialog.response_label.text()
    assert '"received": true' in dialog.response_view.toPlainText()
    # Kept with the original event too.
    assert store.get(original).extra["replays"][-1]["edited"] is True


def test_without_fresh_id_the_listener_sees_a_redelivery(
    qtbot: Any, store: EventStore, listener: Listener, drain_pool: None, runner: Runner
) -> None:
    original = post_delivery(listener, envelope("evt_same", "card.created", {})).json()["seq"]
    dialog = EditSendDialog(store, store.get(original), listener_url=listener.url, runner=runner)
    qtbot.addWidget(dialog)
    dialog.open()
    text = dialog.editor.toPlainText()
    dialog.editor.setPlainText("[1, 2]")  # valid JSON, but a new event_id needs an object
    assert not dialog.send_button.isEnabled() and "JSON object" in dialog.validation_label.text()
    dialog.fresh_id.setChecked(False)
    assert dialog.send_button.isEnabled()
    dialog.editor.setPlainText(text)
    with qtbot.waitSignal(dialog.sent, timeout=WAIT) as sent:
        dialog.send_button.click()
    assert json.loads(sent.args[0]["body"])["duplicate_of"] == original


def test_send_to_forward_target_shows_its_answer(
    qtbot: Any, store: EventStore, drain_pool: None, runner: Runner
) -> None:
    (seq,) = store_events(store, [envelope("evt_t", "card.created", {})])
    with TargetServer(status=422, answer=b'{"error": "amount missing"}') as target:
        dialog = EditSendDialog(store, store.get(seq), forward_url=target.url, runner=runner)
        qtbot.addWidget(dialog)
        dialog.open()
        with qtbot.waitSignal(dialog.sent, timeout=WAIT):
            dialog.send_button.click()
        assert target.count() == 1
    assert "422" in dialog.response_label.text() and dialog.response_label.styleSheet() == theme.error_css()
    assert "amount missing" in dialog.response_view.toPlainText()


def test_check_json_reports_line_and_column() -> None:
    assert check_json("[1, 2]") == [1, 2]
    try:
        check_json('{"a": Infinity}')
    except ValueError as exc:
        assert "line 1, column 7" in str(exc).lower()
    else:
        raise AssertionError("Infinity accepted")


def test_edit_and_send_and_replay_default_to_the_same_target(
    qtbot: Any, store: EventStore, listener: Listener, runner: Runner
) -> None:
    from inspector.ui.dialogs.replay_dialog import ReplayDialog
    from inspector.ui.dialogs.send_targets import FORWARD_TARGET

    (seq,) = store_events(store, [envelope("evt_t", "card.created", {})])
    event = store.get(seq)
    assert event is not None
    for forward, expected in (("http://localhost:3000/webhooks", FORWARD_TARGET), ("", LISTENER)):
        edit = EditSendDialog(store, event, forward_url=forward, listener_url=listener.url, runner=runner)
        replay = ReplayDialog(store, [seq], "", forward_url=forward, listener_url=listener.url, runner=runner)
        qtbot.addWidget(edit)
        qtbot.addWidget(replay)
        assert edit.target.choice() == replay.target.choice() == expected
