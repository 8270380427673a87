"""Response rules set in the dialog change what the real listener answers; the indicator follows."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStatusBar

from inspector.core.actions.response_rules import RuleSet
from inspector.core.capture.listener import Listener
from inspector.core.store.event_store import EventStore
from inspector.ui.dialogs.rules_dialog import RulesDialog
from inspector.ui.window.rules_indicator import RuleSetWatcher, RulesIndicator
from tests.ui.helpers import WAIT, envelope, post_delivery


def make(
    qtbot: Any, listener: Listener, event_types: tuple[str, ...] = ()
) -> tuple[RulesDialog, RulesIndicator, QStatusBar]:
    """The dialog and the indicator on one RuleSet hooked into the listener; keep the bar alive."""
    rules = RuleSet()
    listener.set_rule_hook(rules.decide)
    watcher = RuleSetWatcher(rules)
    indicator = RulesIndicator(rules, watcher)
    dialog = RulesDialog(rules, watcher, event_types=event_types)
    watcher.setParent(dialog)
    bar = QStatusBar()  # where the window puts it: a hidden label stays hidden in a shown bar
    bar.addPermanentWidget(indicator)
    qtbot.addWidget(bar)
    qtbot.addWidget(dialog)
    bar.show()
    dialog.open()
    return dialog, indicator, bar


def test_fail_next_two_with_503(qtbot: Any, store: EventStore, listener: Listener) -> None:
    dialog, indicator, _bar = make(qtbot, listener)
    assert indicator.text() == "" and indicator.isHidden()
    assert dialog.empty_label.isVisible()

    dialog.pattern_combo.setCurrentText("*")
    dialog.status_spin.setValue(503)
    dialog.count_check.setChecked(True)
    dialog.count_spin.setValue(2)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: indicator.text() == "Answering 503 to the next 2 deliveries", timeout=WAIT)
    assert indicator.isVisible()
    assert dialog.descriptions() == ["Answering 503 to the next 2 deliveries"]

    body = envelope("evt_retry", "card.created", {"card": "c_1"})
    first = post_delivery(listener, body)
    assert first.status_code == 503
    qtbot.waitUntil(lambda: indicator.text() == "Answering 503 to the next delivery", timeout=WAIT)
    assert dialog.descriptions() == ["Answering 503 to the next delivery"]
    assert post_delivery(listener, body).status_code == 503
    qtbot.waitUntil(indicator.isHidden, timeout=WAIT)
    assert indicator.text() == "" and dialog.descriptions() == []
    third = post_delivery(listener, body)
    assert third.status_code == 200 and third.json()["received"] is True

    rows = store.query("id:evt_retry", limit=10, descending=False)
    assert [r.status for r in rows] == [503, 503, 200]
    assert "response_rule" in rows[0].flags and "response_rule" not in rows[2].flags


def test_standing_rule_per_type_with_body_and_removal(
    qtbot: Any, store: EventStore, listener: Listener
) -> None:
    dialog, indicator, _bar = make(qtbot, listener, ("transaction.authorized", "card.created"))
    assert dialog.pattern_combo.findText("card.created") >= 0
    dialog.pattern_combo.setCurrentText("transaction.*")
    dialog.status_spin.setValue(500)
    dialog.body_edit.setPlainText('{"error": "db down"}')
    dialog.count_check.setChecked(False)
    dialog.add_button.click()
    qtbot.waitUntil(lambda: indicator.text() == "Answering 500 to transaction.* deliveries", timeout=WAIT)

    hit = post_delivery(listener, envelope("evt_t", "transaction.authorized", {}))
    assert hit.status_code == 500 and hit.json() == {"error": "db down"}
    miss = post_delivery(listener, envelope("evt_c", "card.created", {}))
    assert miss.status_code == 200
    assert indicator.text() == "Answering 500 to transaction.* deliveries"  # standing: stays

    dialog.rule_list.item(0).setSelected(True)
    assert dialog.remove_button.isEnabled()
    dialog.remove_button.click()
    qtbot.waitUntil(indicator.isHidden, timeout=WAIT)
    assert post_delivery(listener, envelope("evt_t2", "transaction.authorized", {})).status_code == 200


def test_bad_rule_is_refused_with_a_sentence(qtbot: Any, listener: Listener) -> None:
    dialog, indicator, _bar = make(qtbot, listener)
    dialog.pattern_combo.setCurrentText("   ")
    dialog.add_button.click()
    assert "pattern is empty" in dialog.error_label.text()
    assert dialog.descriptions() == [] and indicator.isHidden()
    assert json.loads(post_delivery(listener, envelope("e", "t", {})).text)["received"] is True
