"""The Events actions wired into the real main window: real listener, real store, real target app."""

from __future__ import annotations

import argparse
import json
import secrets as pysecrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QToolBar

from inspector.commands.runtime import token_sync
from inspector.core.capture.listener import Listener, ListenerConfig
from inspector.core.capture.token_ring import TokenRing
from inspector.core.provider.secrets import SecretStore
from inspector.core.provider.webhook_index import KnownWebhook, WebhookIndex
from inspector.core.store.event_store import EventStore
from inspector.ui.dialogs.diff_dialog import DiffDialog
from inspector.ui.dialogs.edit_send_dialog import EditSendDialog
from inspector.ui.dialogs.export_dialog import ExportDialog
from inspector.ui.dialogs.import_dialog import ImportDialog
from inspector.ui.dialogs.replay_dialog import ReplayDialog
from inspector.ui.dialogs.rules_dialog import RulesDialog
from inspector.ui.dialogs.send_targets import LISTENER
from inspector.ui.events.events_model import COL_FORWARD, HEADERS, SeqRole
from inspector.ui.window.main_window import FORWARDING_TAB, MainWindow
from tests.core.target_server import TargetServer
from tests.ui.helpers import store_events

WAIT = 10_000


def envelope(n: int, event_type: str = "transaction.created", **data: Any) -> dict[str, Any]:
    return {
        "event_id": f"evt_{n:04d}",
        "event_identifier": event_type,
        "data": {"id": f"txn_{n:04d}", "amount": 1000 + n, **data},
    }


@pytest.fixture
def seqs3(store: EventStore) -> list[int]:
    return store_events(
        store,
        [
            envelope(1, "transaction.authorized", state="authorized"),
            envelope(2, "transaction.settled", state="settled"),
            envelope(3, "refund.created"),
        ],
    )


@pytest.fixture
def win3(
    make_window: Callable[..., MainWindow], store: EventStore, listener: Listener, seqs3: list[int]
) -> MainWindow:
    """The window on three stored events (built after they are stored: they are history)."""
    window = make_window(store, listener)
    window.activateWindow()  # window shortcuts need the active window
    return window


def row_of(window: MainWindow, seq: int) -> int:
    row = window.model.row_of_seq(seq)
    assert row is not None, f"#{seq} is not in the table"
    return row


def click_row(qtbot: Any, window: MainWindow, seq: int, modifier: Qt.KeyboardModifier | None = None) -> None:
    rect = window.table.visualRect(window.model.index(row_of(window, seq), 1))
    qtbot.mouseClick(
        window.table.viewport(),
        Qt.MouseButton.LeftButton,
        modifier or Qt.KeyboardModifier.NoModifier,
        rect.center(),
    )


def select(qtbot: Any, window: MainWindow, *seqs: int) -> None:
    """Click the first row, ctrl-click the others: a user's multi-selection."""
    click_row(qtbot, window, seqs[0])
    for seq in seqs[1:]:
        click_row(qtbot, window, seq, Qt.KeyboardModifier.ControlModifier)
    assert window.selected_seqs() == sorted(seqs)


def press(qtbot: Any, widget: Any, keys: str) -> None:
    """Type a key combination into `widget` of the active window (shortcuts need it active)."""
    top = widget.window()
    if not top.isActiveWindow():  # a dialog closed a moment ago had the activation
        top.activateWindow()
        qtbot.waitUntil(top.isActiveWindow, timeout=WAIT)
    combo = QKeySequence(keys)[0]
    qtbot.keyClick(widget, combo.key(), combo.keyboardModifiers())


# -- menu, shortcuts, enabling -------------------------------------------------------------------


def test_events_menu_lists_every_action_with_distinct_shortcuts(window: MainWindow) -> None:
    menu = window.findChild(QMenu, "eventsMenu")
    assert menu is not None
    names = [a.objectName() for a in menu.actions() if not a.isSeparator()]
    assert names == [
        "replayAction",
        "replayFilteredAction",
        "editSendAction",
        "exportAction",
        "exportFilteredAction",
        "importAction",
        "diffAction",
        "rulesAction",
        "keepAction",
    ]
    shortcuts = [a.shortcut().toString() for a in window.actions() if not a.shortcut().isEmpty()]
    assert len(shortcuts) == len(set(shortcuts)), shortcuts
    for keys in ("Ctrl+R", "Ctrl+E", "Ctrl+Shift+E", "Ctrl+D", "Ctrl+F", "Ctrl+L", "Ctrl+C", "Ctrl+K"):
        assert keys in shortcuts
    toolbar = window.findChild(QToolBar, "eventsToolBar")
    assert toolbar is not None and window.event_actions.replay_action in toolbar.actions()
    assert window.findChild(QToolBar, "forwardToolBar").isVisible()
    assert HEADERS[COL_FORWARD] == "Forward"


def test_table_context_menu_offers_the_same_actions(qtbot: Any, win3: MainWindow, seqs3: list[int]) -> None:
    select(qtbot, win3, seqs3[0], seqs3[1])
    table = win3.table
    table.customContextMenuRequested.emit(table.visualRect(win3.model.index(0, 1)).center())
    menu = table.findChild(QMenu, "eventsContextMenu")
    assert menu is not None
    qtbot.waitUntil(menu.isVisible, timeout=WAIT)
    actions = {a.objectName(): a for a in menu.actions() if not a.isSeparator()}
    assert actions["diffAction"].isEnabled() and not actions["editSendAction"].isEnabled()
    actions["diffAction"].trigger()
    assert isinstance(win3.event_actions.dialogs["diff"], DiffDialog)
    menu.close()


def test_actions_enable_with_the_selection(qtbot: Any, win3: MainWindow, seqs3: list[int]) -> None:
    window = win3
    actions = window.event_actions
    select(qtbot, window, seqs3[0])
    assert actions.edit_send_action.isEnabled() and actions.replay_action.isEnabled()
    assert not actions.diff_action.isEnabled()
    select(qtbot, window, seqs3[0], seqs3[2])
    assert actions.diff_action.isEnabled() and not actions.edit_send_action.isEnabled()
    select(qtbot, window, *seqs3)
    assert not actions.diff_action.isEnabled() and actions.export_action.isEnabled()
    window.table.clearSelection()
    assert not actions.replay_action.isEnabled()
    assert actions.export_action.isEnabled()  # exports what the table shows
    assert actions.replay_filtered_action.isEnabled() and actions.import_action.isEnabled()


def test_up_down_still_move_one_row_and_the_panes_follow(
    qtbot: Any, win3: MainWindow, seqs3: list[int]
) -> None:
    window = win3
    select(qtbot, window, seqs3[2], seqs3[0])  # newest first: rows 0 and 2
    qtbot.keyClick(window.table, Qt.Key.Key_Up)  # current was row 2 (#1) -> row 1 (#2)
    assert window.selected_seqs() == [seqs3[1]]
    assert window.panes.current_event().seq == seqs3[1]
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert window.selected_seqs() == [seqs3[0]]
    assert window.panes.current_event().seq == seqs3[0]


# -- each action opens its dialog with the right scope -------------------------------------------


def test_replay_opens_on_the_selection_by_shortcut_and_on_the_filter_from_the_menu(
    qtbot: Any, win3: MainWindow, seqs3: list[int]
) -> None:
    window = win3
    select(qtbot, window, seqs3[2], seqs3[0])
    press(qtbot, window.table, "Ctrl+R")
    dialog = window.event_actions.dialogs.get("replay")
    assert isinstance(dialog, ReplayDialog) and dialog.isVisible()
    assert dialog.seqs == [seqs3[0], seqs3[2]]
    assert window.listener is not None
    assert dialog.target.listener_url == window.listener.url + "/hooks"
    dialog.reject()

    window.filter_bar.set_text("type:transaction.*")
    qtbot.waitUntil(lambda: window.model.filter_text == "type:transaction.*", timeout=WAIT)
    window.event_actions.replay_filtered_action.trigger()
    dialog = window.event_actions.dialogs["replay"]
    assert dialog.seqs is None and dialog.filter_text == "type:transaction.*"
    assert "transaction.*" in dialog.scope_label.text()
    dialog.reject()


def test_export_import_edit_and_rules_open_their_dialogs(
    qtbot: Any, tmp_path: Path, store: EventStore, win3: MainWindow, seqs3: list[int]
) -> None:
    window = win3
    actions = window.event_actions
    select(qtbot, window, seqs3[1], seqs3[2])
    press(qtbot, window.table, "Ctrl+Shift+E")
    export = actions.dialogs["export"]
    assert isinstance(export, ExportDialog) and export.isVisible() and export.seqs is None
    assert export.matching_radio.isChecked() and export.selection == seqs3[1:]  # the choice offered
    export.selection_radio.setChecked(True)
    assert export.chosen_seqs() == seqs3[1:]
    export.reject()

    window.filter_bar.set_text("refund")
    qtbot.waitUntil(lambda: window.model.filter_text == "refund", timeout=WAIT)
    press(qtbot, window.table, "Ctrl+Alt+E")
    export = actions.dialogs["export"]
    assert export.seqs is None and export.filter_text == "refund"
    export.reject()
    window.clear_filter()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=WAIT)

    select(qtbot, window, seqs3[1])
    press(qtbot, window.table, "Ctrl+E")
    edit = actions.dialogs["edit_send"]
    assert isinstance(edit, EditSendDialog) and edit.isVisible() and edit.original.seq == seqs3[1]
    edit.reject()

    actions.rules_action.trigger()
    rules = actions.dialogs["rules"]
    assert isinstance(rules, RulesDialog) and rules.isVisible()
    types = [rules.pattern_combo.itemText(i) for i in range(rules.pattern_combo.count())]
    assert "refund.created" in types
    rules.reject()

    # Import: a file of two more events lands in the table without a restart (other deliveries
    # than the stored ones: an export of rows already in the history would add nothing).
    source = tmp_path / "more.ndjson"
    with source.open("w", encoding="utf-8") as out:
        for i, event in enumerate(store.iter_events(seqs=seqs3[:2])):
            record = {**event.to_export_dict(), "received_at": f"2026-11-26T10:00:0{i}.000Z"}
            out.write(json.dumps(record) + "\n")
    actions.import_action.trigger()
    importer = actions.dialogs["import"]
    assert isinstance(importer, ImportDialog) and importer.isVisible()
    importer.path_edit.setText(str(source))
    with qtbot.waitSignal(importer.imported, timeout=WAIT):
        importer.import_button.click()
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=WAIT)


def test_diff_of_two_selected_events(qtbot: Any, win3: MainWindow, seqs3: list[int]) -> None:
    window = win3
    select(qtbot, window, seqs3[1], seqs3[0])
    press(qtbot, window.table, "Ctrl+D")
    dialog = window.event_actions.dialogs.get("diff")
    assert isinstance(dialog, DiffDialog) and dialog.isVisible()
    assert (dialog.old.seq, dialog.new.seq) == (seqs3[0], seqs3[1])
    qtbot.waitUntil(lambda: dialog.diff is not None, timeout=WAIT)
    paths = {row[0] for row in dialog.rows()}
    assert {"$.event_id", "$.event_identifier", "$.data.state"} <= paths, dialog.rows()


# -- the JSON tree keeps its own keys ------------------------------------------------------------


def test_json_tree_keeps_ctrl_e_and_ctrl_shift_c_while_focused(
    qtbot: Any, win3: MainWindow, seqs3: list[int]
) -> None:
    window = win3
    select(qtbot, window, seqs3[0])
    tree = window.panes.tree_view
    window.panes.tabs.setCurrentWidget(
        window.panes.tabs.widget(window.panes.tabs.indexOf(tree.parentWidget()))
    )
    qtbot.waitUntil(tree.isVisible, timeout=WAIT)
    tree.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(tree.hasFocus, timeout=WAIT)
    data = next(
        tree.model().index(r, 0)
        for r in range(tree.model().rowCount())
        if tree.model().index(r, 0).data() == "data"
    )
    tree.collapseAll()
    tree.setCurrentIndex(data)
    press(qtbot, tree, "Ctrl+E")  # the tree's "expand all", not the window's "edit and send"
    assert tree.isExpanded(data)
    assert "edit_send" not in window.event_actions.dialogs
    press(qtbot, tree, "Ctrl+Shift+C")
    assert QGuiApplication.clipboard().text() == "$.data"
    QGuiApplication.clipboard().clear()
    press(qtbot, window.table, "Ctrl+E")  # from the table it is "edit and send"
    assert window.event_actions.dialogs["edit_send"].isVisible()
    window.event_actions.dialogs["edit_send"].reject()


# -- response rules through the window -----------------------------------------------------------


def test_a_rule_set_in_the_window_makes_the_listener_answer_503_and_shows(
    qtbot: Any, window: MainWindow, listener: Listener
) -> None:
    indicator = window.findChild(QLabel, "rulesIndicator")
    assert indicator is not None and not indicator.isVisible()
    window.event_actions.rules_action.trigger()
    dialog: RulesDialog = window.event_actions.dialogs["rules"]
    dialog.status_spin.setValue(503)
    dialog.count_spin.setValue(1)
    dialog.add_button.click()
    dialog.accept()
    qtbot.waitUntil(lambda: indicator.isVisible() and "503" in indicator.text(), timeout=WAIT)

    first = requests.post(listener.url + "/hooks", json=envelope(7), timeout=10)
    assert first.status_code == 503
    second = requests.post(listener.url + "/hooks", json=envelope(7), timeout=10)
    assert second.status_code == 200  # "only the next 1": used up
    qtbot.waitUntil(lambda: not indicator.isVisible(), timeout=WAIT)


# -- forwarding ---------------------------------------------------------------------------------


def forward_cell(window: MainWindow, seq: int) -> str:
    row = window.model.row_of_seq(seq)
    return "" if row is None else str(window.model.index(row, COL_FORWARD).data())


@pytest.mark.usefixtures("drain_pool")
def test_forwarding_shows_the_targets_status_in_the_forward_column_and_tab(
    qtbot: Any, window: MainWindow, listener: Listener, store: EventStore
) -> None:
    with TargetServer(status=202, answer=b'{"queued": true}') as target:
        forward = window.forward
        forward.url_edit.setText(target.url)
        forward.toggle.setChecked(True)
        assert forward.forwarding
        answer = requests.post(listener.url + "/hooks", json=envelope(11), timeout=10)
        assert answer.status_code == 200
        qtbot.waitUntil(lambda: store.max_seq() > 0, timeout=WAIT)
        seq = store.max_seq()
        qtbot.waitUntil(lambda: forward_cell(window, seq) == "202", timeout=WAIT)
        assert target.count() == 1

        window.select_seq(seq)
        tabs = window.panes.tabs
        tab = next(i for i in range(tabs.count()) if tabs.tabText(i) == FORWARDING_TAB)
        tabs.setCurrentIndex(tab)
        results = window.results
        qtbot.waitUntil(lambda: bool(results.rows()), timeout=WAIT)
        assert results.rows()[0][0] == "Forwarded" and results.rows()[0][3].startswith("202")
        assert "queued" in results.body_view.toPlainText()
        forward.toggle.setChecked(False)


@pytest.mark.usefixtures("drain_pool")
def test_a_burst_of_forward_results_updates_every_row_in_few_passes(
    qtbot: Any, window: MainWindow, listener: Listener, store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    passes: list[int] = []
    update = window.model.update_summaries

    def counted(summaries: Any) -> int:
        passes.append(len(summaries))
        return update(summaries)

    monkeypatch.setattr(window.model, "update_summaries", counted)
    with TargetServer(status=201, hold=True) as target:  # the app holds every request...
        forward = window.forward
        forward.url_edit.setText(target.url)
        forward.toggle.setChecked(True)
        with requests.Session() as http:
            for n in range(40):
                assert (
                    http.post(listener.url + "/hooks", json=envelope(100 + n), timeout=10).status_code == 200
                )
        qtbot.waitUntil(lambda: window.model.rowCount() == 40, timeout=WAIT)
        assert not any(forward_cell(window, s) for s in window.model.loaded_seqs())
        target.release()  # ...then answers them all at once
        qtbot.waitUntil(
            lambda: all(forward_cell(window, s) == "201" for s in window.model.loaded_seqs()), timeout=WAIT
        )
        forward.toggle.setChecked(False)
    assert target.count() == 40
    assert sum(passes) == 40
    assert len(passes) < 40  # gathered: not one summary query per result


@pytest.mark.usefixtures("drain_pool")
def test_forward_column_says_no_answer_when_the_target_is_down(
    qtbot: Any, window: MainWindow, listener: Listener, store: EventStore
) -> None:
    with TargetServer() as target:
        url = target.url
    forward = window.forward
    forward.url_edit.setText(url)  # the server is shut down: connection refused
    forward.toggle.setChecked(True)
    requests.post(listener.url + "/hooks", json=envelope(12), timeout=10)
    qtbot.waitUntil(lambda: store.max_seq() > 0, timeout=WAIT)
    qtbot.waitUntil(lambda: forward_cell(window, store.max_seq()) == "no answer", timeout=WAIT)
    forward.toggle.setChecked(False)


# -- sends to the listener itself carry a token the window knows -----------------------------------


@pytest.fixture
def token_ring() -> tuple[TokenRing, str]:
    ring = TokenRing()
    token = pysecrets.token_urlsafe(24)
    ring.set_token("cli", token)
    return ring, token


@pytest.mark.usefixtures("drain_pool")
def test_replay_to_this_listener_is_verified_with_the_windows_token(
    qtbot: Any, make_window: Callable[..., MainWindow], store: EventStore, token_ring: tuple[TokenRing, str]
) -> None:
    ring, token = token_ring
    seq = store_events(store, [envelope(21)])[0]
    own = Listener(store, ListenerConfig(port=0), ring)
    own.start()
    try:
        window = make_window(store, own)  # the session shares the listener's ring: it knows the token
        select(qtbot, window, seq)
        dialog: ReplayDialog = window.event_actions.open_replay()
        assert dialog.target.choose(LISTENER)
        with qtbot.waitSignal(dialog.replayFinished, timeout=WAIT) as finished:
            dialog.start_button.click()
        assert finished.args[0].succeeded == 1
        qtbot.waitUntil(lambda: store.max_seq() > seq, timeout=WAIT)
        assert store.get(store.max_seq()).webhook_id == "cli"  # verified by the listener's ring
        assert window.session.authorization() == f"Bearer {token}"
    finally:
        own.stop()


# -- TokenSync: a webhook created elsewhere is verified without a restart ------------------------


def sync_args(tmp_path: Path) -> argparse.Namespace:
    return argparse.Namespace(token_env=None, config_dir=str(tmp_path / "config"), data_dir=None)


def test_token_sync_picks_up_a_new_webhook_from_the_system_keyring(
    qtbot: Any,
    tmp_path: Path,
    make_window: Callable[..., MainWindow],
    store: EventStore,
    system_keyring: Any,
) -> None:
    sync = token_sync(sync_args(tmp_path))
    own = Listener(store, ListenerConfig(port=0), sync.ring)
    own.start()
    try:
        window = make_window(store, own, sync=sync, token_poll_ms=50)
        webhook_id = f"wh_{pysecrets.token_hex(6)}"
        token = pysecrets.token_urlsafe(24)
        # What `webhooks create` in another process does: token to the keyring, id to the index.
        SecretStore(system_keyring).set_webhook_token(webhook_id, token)
        try:
            WebhookIndex(tmp_path / "config").upsert(KnownWebhook(webhook_id, "default", own.url + "/hooks"))
            qtbot.waitUntil(lambda: webhook_id in sync.ring.labels(), timeout=WAIT)
            answer = requests.post(
                own.url + "/hooks",
                json=envelope(31),
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert answer.status_code == 200
            qtbot.waitUntil(lambda: store.max_seq() > 0, timeout=WAIT)
            assert store.get(store.max_seq()).webhook_id == webhook_id
            assert window.session.authorization() == f"Bearer {token}"
        finally:
            SecretStore(system_keyring).delete_webhook_token(webhook_id)
    finally:
        own.stop()


def test_token_sync_without_a_keyring_says_which_token_is_missing_then_verifies(
    qtbot: Any,
    tmp_path: Path,
    make_window: Callable[..., MainWindow],
    store: EventStore,
    no_keyring: Any,
) -> None:
    sync = token_sync(sync_args(tmp_path))
    own = Listener(store, ListenerConfig(port=0), sync.ring)
    own.start()
    try:
        window = make_window(store, own, sync=sync, token_poll_ms=50)
        problem = window.findChild(QLabel, "statusTokenProblem")
        assert not problem.isVisible()
        index = WebhookIndex(tmp_path / "config")
        index.upsert(KnownWebhook("wh_nokeyring", "default", own.url + "/hooks"))
        # full_text: what is shown may end at a word with "…" in a narrow status bar.
        qtbot.waitUntil(lambda: problem.isVisible() and "wh_nokeyring" in problem.full_text, timeout=WAIT)

        # The webhooks panel in this process keeps the token in the session's memory store.
        token = pysecrets.token_urlsafe(24)
        sync.secrets().set_webhook_token("wh_nokeyring", token)  # type: ignore[attr-defined]
        index.upsert(KnownWebhook("wh_nokeyring", "default", own.url + "/hooks", events=("refund.created",)))
        qtbot.waitUntil(lambda: not problem.isVisible(), timeout=WAIT)
        answer = requests.post(
            own.url + "/hooks", json=envelope(32), headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert answer.status_code == 200
        qtbot.waitUntil(lambda: store.max_seq() > 0, timeout=WAIT)
        assert store.get(store.max_seq()).webhook_id == "wh_nokeyring"
    finally:
        own.stop()


def test_a_stored_forward_result_shows_in_the_column_and_the_forwarding_tab(
    qtbot: Any,
    make_window: Callable[..., MainWindow],
    store: EventStore,
    listener: Listener,
) -> None:
    seq = store_events(store, [envelope(41)])[0]
    store.set_extra(seq, "forward", {"status": 500, "latency_ms": 3.0, "url": "http://x/", "at": "t"})
    window = make_window(store, listener)
    assert forward_cell(window, seq) == "500"
    index = window.model.index(row_of(window, seq), COL_FORWARD)
    assert "500" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert index.data(SeqRole) == seq
    select(qtbot, window, seq)
    assert window.results.rows()[0][3] == "500 in 3 ms"
